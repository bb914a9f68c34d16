import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { runSnapshot } from '../../src/core/run.js';
import { startTestSandbox, testClock, type TestSandbox } from '../helpers/sandbox.js';

/** Answers from GitHub that are not GraphQL: retried like a 5xx, and said in words if they persist. */
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const run = async () => runSnapshot(await t!.config(), { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: testClock, sleep: async () => {} });

describe('GitHub answers that are not GraphQL', () => {
  for (const kind of ['html', 'truncated', 'null'] as const) {
    it(`${kind}, once: retried, and the run is ok`, async () => {
      t = await startTestSandbox();
      t.sandbox.github.faults.garbled = { kind, times: 1 };
      const { snapshot } = await run();
      expect(snapshot.sources.github?.status).toBe('ok');
      expect(snapshot.outcome).toBe('ok');
    });
    it(`${kind}, every time: a readable error, not a TypeError`, async () => {
      t = await startTestSandbox();
      t.sandbox.github.faults.garbled = { kind, times: 1000 };
      const { snapshot } = await run();
      expect(snapshot.sources.github?.status).toBe('failed');
      const warning = snapshot.warnings.find((w) => w.scope.source === 'github');
      expect(warning?.message).toMatch(/not a GraphQL answer \(an HTML page, or JSON cut off\)/);
      expect(warning?.message).not.toMatch(/Cannot read properties/);
    });
  }
});

describe('one repository answered with an error', () => {
  it('once: asked again, and the run is whole', async () => {
    t = await startTestSandbox();
    t.sandbox.github.faults.repositoryError = { repository: 'acme/payments-api', times: 1 };
    const { snapshot } = await run();
    expect(snapshot.outcome).toBe('ok');
    expect(Object.keys(snapshot.repositories!)).toHaveLength(15);
  });

  it('persisting: falls back to its cache with a warning naming the real error, and the snapshot is partial', async () => {
    t = await startTestSandbox();
    const first = await run();
    const tickets = Object.keys(first.snapshot.tickets!).length;
    t.sandbox.github.faults.repositoryError = { repository: 'acme/payments-api', times: 1000 };
    const { snapshot } = await run();
    expect(snapshot.outcome).toBe('partial');
    const warning = snapshot.warnings.find((w) => w.code === "REPOSITORY_ERROR");
    expect(warning?.message).toMatch(/^acme\/payments-api: GitHub answered INTERNAL: Something went wrong.*its cached history .* is used in this snapshot/);
    expect(snapshot.warnings.some((w) => w.code === 'REPOSITORY_NOT_FOUND')).toBe(false);
    expect(Object.keys(snapshot.repositories!)).toHaveLength(15);
    expect(Object.keys(snapshot.tickets!)).toHaveLength(tickets);
  });

  it('NOT_FOUND: named; a repository read before stands in from its cache and the snapshot is partial', async () => {
    t = await startTestSandbox();
    t.sandbox.github.faults.repositoryError = { repository: 'acme/payments-api', times: 1000, type: 'NOT_FOUND' };
    const cold = await run();
    expect(cold.snapshot.warnings.find((w) => w.code === 'REPOSITORY_NOT_FOUND')?.message).toContain('acme/payments-api');
    t.sandbox.github.faults.repositoryError = undefined;
    const first = await run();
    const tickets = Object.keys(first.snapshot.tickets!).length;
    t.sandbox.github.faults.repositoryError = { repository: 'acme/payments-api', times: 1000, type: 'NOT_FOUND' };
    const { snapshot } = await run();
    expect(snapshot.outcome).toBe('partial');
    expect(snapshot.warnings.find((w) => w.code === 'REPOSITORY_NOT_FOUND')?.message).toMatch(/^acme\/payments-api: GitHub no longer finds it .*its cached history .* is used in this snapshot/);
    expect(Object.keys(snapshot.repositories!)).toHaveLength(15);
    expect(Object.keys(snapshot.tickets!)).toHaveLength(tickets);
  });
});

describe('an answer far larger than usual', () => {
  it('a 20 MB commit message is read (it overflowed the stack of the JSON parser before): its ticket is found, the run is ok', async () => {
    const { tinyOrg, clockAt } = await import('../helpers/tiny-org.js');
    const NOW = '2026-11-20T12:00:00.000Z';
    const huge = `SHOP-4 import the catalogue\n\n${'catalogue line\n'.repeat((20 * 1024 * 1024) / 15)}`;
    t = await startTestSandbox(
      tinyOrg({
        now: NOW,
        repos: [{ name: 'shop', commits: Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 1}`, message: i === 3 ? huge : `SHOP-${i + 1} change`, at: `-${5 - i}d` })) }],
        envs: ['dev', 'prod'],
        deploy: { dev: { shop: { at: 'c5', previous: ['c4'] } }, prod: { shop: { at: 'c3' } } },
      }),
    );
    const { snapshot } = await runSnapshot(await t.config({ history: { days: 60 } }), { progress: silentProgress, githubToken: t.sandbox.githubToken, now: clockAt(NOW) });
    expect(snapshot.outcome).toBe('ok');
    const ticket = snapshot.tickets?.['SHOP-4'];
    expect(ticket?.environments.find((e) => e.environment === 'dev')?.status).toBe('in');
    expect(ticket?.environments.find((e) => e.environment === 'prod')).toBeUndefined();
  }, 60_000);
});
