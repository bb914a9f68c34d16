import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import type { Fixture } from '../src/sandbox/fixtures/types.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { clockAt, oid, tinyOrg, type TinyCommit } from './helpers/tiny-org.js';

/**
 * The failing cases of "exact answers on real histories", each as it was told: what snap answered
 * before, and what git says is true.
 */
const NOW = '2026-11-20T12:00:00.000Z';
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(fixture: Fixture, extra: Record<string, unknown> = {}, mutate?: (raw: any) => void) {
  t = await startTestSandbox(fixture);
  const config = await t.config({ history: { days: fixture.history?.days ?? 60 }, ...extra }, mutate);
  const clock = clockAt(fixture.now);
  return { config, run: () => runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: clock }) };
}

const where = (s: Snapshot, key: string) => Object.fromEntries((s.tickets?.[key]?.environments ?? []).map((e) => [e.environment, e.status]));
const pair = (s: Snapshot, from: string, to: string, project = 'shop') => s.drift![project].find((p) => p.from === from && p.to === to)!;

describe('a deployed commit older than the history window', () => {
  // 200 commits: 0–149 a year old, 150–199 from the last 10 days; the default window holds the last 50.
  const commits: TinyCommit[] = Array.from({ length: 200 }, (_, i) => ({
    id: `c${i}`,
    message: i === 10 ? 'LANG-1 fix' : i === 170 ? 'LANG-2 faster parsing' : `Change ${i}`,
    at: i < 150 ? `-${400 - i * 0.1}d` : `-${10 - (i - 150) * 0.1}d`,
  }));
  const org = (prod: string | { at: string; previous: string[] }) => tinyOrg({ now: NOW, repos: [{ name: 'lang', commits }], envs: ['dev', 'prod'], deploy: { dev: { lang: 'c199' }, prod: { lang: prod } } });

  it('finds the ticket in both environments and counts the drift exactly, as git does', async () => {
    const { run } = await start(org('c20'));
    const { snapshot } = await run();
    // git merge-base --is-ancestor c10 c20 and c10 c199: both true.
    expect(where(snapshot, 'LANG-1')).toEqual({ dev: 'in', prod: 'in' });
    expect(where(snapshot, 'LANG-2')).toEqual({ dev: 'in' });
    // git rev-list --count c20..c199 = 179; c199..c20 = 0.
    const p = pair(snapshot, 'dev', 'prod');
    expect(p.status).toBe('ahead');
    expect(p.services[0]).toMatchObject({ status: 'ahead', ahead: { commits: 179, tickets: ['LANG-2'] }, behind: { commits: 0 } });
    expect(snapshot.warnings.filter((w) => w.code === 'HISTORY_INCOMPLETE')).toEqual([]);
  });

  it('keeps its answers on the next, unchanged run, and tells a rollback from a roll forward', async () => {
    const { run } = await start(org({ at: 'c20', previous: [] }));
    const first = await run();
    const again = await run();
    expect(again.snapshot.tickets).toEqual(first.snapshot.tickets);
    expect(again.snapshot.drift).toEqual(first.snapshot.drift);
    expect(again.snapshot.ticketKeys).toEqual(first.snapshot.ticketKeys);
    expect(again.snapshot.sources.github).toMatchObject({ requests: 1, deepened: 0 });

    // Back to c15: an ancestor of c20, so a rollback; LANG-1 (c10) stays in prod.
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'lang', { tag: oid('lang', 'c15') });
    const back = await run();
    expect(back.snapshot.deployments).toEqual([expect.objectContaining({ environment: 'prod', rollback: true })]);
    expect(where(back.snapshot, 'LANG-1')).toEqual({ dev: 'in', prod: 'in' });
    // Forward to c30: not a rollback, and nothing is lost.
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'lang', { tag: oid('lang', 'c30') });
    const forward = await run();
    expect(forward.snapshot.deployments).toEqual([expect.objectContaining({ environment: 'prod', rollback: false })]);
    expect(where(forward.snapshot, 'LANG-1')).toEqual({ dev: 'in', prod: 'in' });
    expect(pair(forward.snapshot, 'dev', 'prod').services[0].ahead.commits).toBe(169);
  });
});

describe('a commit with a wrong date', () => {
  it('does not cut the history: the tickets behind it are still found', async () => {
    const commits: TinyCommit[] = [
      { id: 'old', message: 'Initial import', at: '-300d' },
      { id: 'c1', message: 'SHOP-1 basket', at: '-5d' },
      { id: 'c2', message: 'SHOP-2 checkout', at: '-4d' },
      { id: 'c3', message: 'SHOP-3 coupons', at: '-3.5d' },
      { id: 'c4', message: 'SHOP-4 receipts', at: '-3d' },
      // Committed on a machine whose clock said 2024.
      { id: 'c5', message: 'SHOP-5 tidy', at: '2024-03-01T10:00:00Z' },
      { id: 'c6', message: 'SHOP-6 invoices', at: '-2d' },
      { id: 'c7', message: 'SHOP-7 search', at: '-1d' },
    ];
    const { run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits }], envs: ['staging', 'prod'], deploy: { staging: { shop: 'c7' }, prod: { shop: 'c6' } } }));
    const { snapshot } = await run();
    for (const key of ['SHOP-1', 'SHOP-2', 'SHOP-3', 'SHOP-4', 'SHOP-5', 'SHOP-6']) expect(where(snapshot, key), key).toEqual({ staging: 'in', prod: 'in' });
    expect(where(snapshot, 'SHOP-7')).toEqual({ staging: 'in' });
    expect(snapshot.repositories!['acme/shop'].commitsInWindow).toBe(6);
  });
});

describe('a ticket whose work spans two repositories', () => {
  it('is in an environment only when every repository carrying it is; otherwise partial, naming what is missing', async () => {
    const fixture = tinyOrg({
      now: NOW,
      repos: [
        { name: 'payments-web', commits: [{ id: 'w1', message: 'PYM-150 layout', at: '-20d' }, { id: 'w2', message: 'PYM-158 show refunds', at: '-3d' }] },
        { name: 'payments-worker', commits: [{ id: 'k1', message: 'PYM-151 queue', at: '-20d' }, { id: 'k2', message: 'PYM-158 refund job', at: '-4d' }] },
      ],
      envs: ['staging', 'prod'],
      services: [{ name: 'payments-web', repo: 'payments-web', project: 'payments' }, { name: 'payments-worker', repo: 'payments-worker', project: 'payments' }],
      deploy: { staging: { 'payments-web': 'w2', 'payments-worker': 'k2' }, prod: { 'payments-web': 'w1', 'payments-worker': 'k2' } },
    });
    const { run } = await start(fixture);
    const { snapshot } = await run();
    const prod = snapshot.tickets!['PYM-158'].environments.find((e) => e.environment === 'prod')!;
    expect(prod).toEqual({ project: 'payments', environment: 'prod', status: 'partial', missing: ['acme/payments-web'] });
    expect(where(snapshot, 'PYM-158')).toEqual({ staging: 'in', prod: 'partial' });
    // Promoting brings the missing part: that is what it ships, and prod has nothing staging lacks.
    const p = pair(snapshot, 'staging', 'prod', 'payments');
    expect(p.ahead.tickets).toEqual(['PYM-158']);
    expect(p.behind.tickets).toEqual([]);
  });
});

describe('reverts', () => {
  const at = (d: number) => `-${d}d`;
  it('a reverted ticket is reported as reverted, and a promotion does not ship it (squash-merged revert PR)', async () => {
    const repo = {
      name: 'shop-api',
      commits: [
        { id: 'a', message: 'SHOP-1 catalogue (#1)', at: at(9) },
        { id: 'b', message: 'SHOP-4 add gift cards (#4)', at: at(5) },
        { id: 'r', message: `Revert "SHOP-4 add gift cards (#4)" (#6)\n\nThis reverts commit ${oid('shop-api', 'b')}.`, at: at(4) },
        { id: 'c', message: 'SHOP-5 wish lists (#7)', at: at(3) },
      ],
      pullRequests: [
        { number: 1, title: 'SHOP-1 catalogue', merge: 'a', headRefName: 'feature/SHOP-1-catalogue' },
        { number: 4, title: 'SHOP-4 add gift cards', merge: 'b', headRefName: 'feature/SHOP-4-gift-cards' },
        { number: 6, title: 'Revert "SHOP-4 add gift cards"', body: 'Reverts acme/shop-api#4', merge: 'r', headRefName: 'revert-4-feature/SHOP-4-gift-cards' },
        { number: 7, title: 'SHOP-5 wish lists', merge: 'c', headRefName: 'feature/SHOP-5-wish-lists' },
      ],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'c' }, prod: { 'shop-api': 'a' } } }));
    const { snapshot } = await run();
    expect(where(snapshot, 'SHOP-4')).toEqual({ staging: 'reverted' });
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in' });
    expect(snapshot.tickets!['SHOP-4'].changes).toEqual([expect.objectContaining({ commit: oid('shop-api', 'b'), pr: 4, revertedBy: [oid('shop-api', 'r')] })]);
    // The revert names PR #4 and SHOP-4, but is neither.
    expect(snapshot.tickets!['acme/shop-api#4']).toBeUndefined();
    const p = pair(snapshot, 'staging', 'prod');
    expect(p.ahead.tickets).toEqual(['SHOP-5']);
    // The commits are still shipped: git rev-list --count a..c = 3.
    expect(p.ahead.commits).toBe(3);
  });

  it('a revert whose message is only `Revert "<subject>"` undoes the nearest commit with that subject', async () => {
    const repo = {
      name: 'shop-api',
      commits: [
        { id: 'a', message: 'SHOP-1 catalogue (#1)', at: at(9) },
        { id: 'b', message: 'SHOP-2 feature (#3)', at: at(6) },
        { id: 'x', message: 'SHOP-3 search (#4)', at: at(5) },
        { id: 'r', message: 'Revert "SHOP-2 feature (#3)"', at: at(4) },
      ],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'r' }, prod: { 'shop-api': 'a' } } }));
    const { snapshot } = await run();
    // git: the revert's tree lacks what b added; SHOP-2 is not shipped by promoting staging.
    expect(where(snapshot, 'SHOP-2')).toEqual({ staging: 'reverted' });
    expect(pair(snapshot, 'staging', 'prod').ahead.tickets).toEqual(['SHOP-3']);
  });

  it('a squash-merged `Revert "<subject>" (#N)` reverts; `Reapply "<subject>"` (git 2.43+) puts the work back', async () => {
    const repo = {
      name: 'shop-api',
      commits: [
        { id: 'a', message: 'SHOP-1 catalogue (#1)', at: at(9) },
        { id: 'b', message: 'SHOP-3 fix totals (#7)', at: at(8) },
        { id: 'c', message: 'SHOP-5 other', at: at(7) },
        { id: 'r1', message: 'Revert "SHOP-3 fix totals (#7)" (#9)', at: at(6) },
        { id: 'r2', message: 'Revert "SHOP-5 other"', at: at(5) },
        { id: 'r3', message: 'Reapply "SHOP-5 other"', at: at(4) },
      ],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'r3' }, prod: { 'shop-api': 'a' } } }));
    const { snapshot } = await run();
    // git: staging's tree lacks what b added and has what c added.
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'reverted' });
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in' });
    expect(pair(snapshot, 'staging', 'prod').ahead.tickets).toEqual(['SHOP-5']);
  });

  it('a revert of a merge undoes what the merge brought; a revert of the revert puts it back', async () => {
    const repo = {
      name: 'shop-web',
      commits: [
        { id: 'base', message: 'Initial page', at: at(20) },
        { id: 'f1', message: 'Gift card form', at: at(10) },
        { id: 'f2', message: 'SHOP-9 gift card email', at: at(9.5) },
        { id: 'm4', parents: ['base', 'f2'], message: 'Merge pull request #4 from acme/feature/SHOP-4-gift-cards\n\nSHOP-4 gift cards', at: at(9) },
        { id: 'r', parents: ['m4'], message: `Revert "Merge pull request #4 from acme/feature/SHOP-4-gift-cards"\n\nThis reverts commit ${oid('shop-web', 'm4')}, reversing\nchanges made to ${oid('shop-web', 'base')}.`, at: at(8) },
        { id: 'x', parents: ['r'], message: 'SHOP-7 footer', at: at(7) },
        { id: 'rr', parents: ['x'], message: `Reapply "Merge pull request #4 from acme/feature/SHOP-4-gift-cards"\n\nThis reverts commit ${oid('shop-web', 'r')}.`, at: at(6) },
      ],
      pullRequests: [{ number: 4, title: 'SHOP-4 gift cards', merge: 'm4', headRefName: 'feature/SHOP-4-gift-cards' }],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['dev', 'staging', 'prod'], deploy: { dev: { 'shop-web': 'rr' }, staging: { 'shop-web': 'x' }, prod: { 'shop-web': 'm4' } } }));
    const { snapshot } = await run();
    expect(where(snapshot, 'SHOP-4')).toEqual({ dev: 'in', staging: 'reverted', prod: 'in' });
    // SHOP-9 rode in on the merge: reverted with it.
    expect(where(snapshot, 'SHOP-9')).toEqual({ dev: 'in', staging: 'reverted', prod: 'in' });
    expect(where(snapshot, 'SHOP-7')).toEqual({ dev: 'in', staging: 'in' });
  });
});

describe('a cherry-picked hotfix', () => {
  it('carries its ticket into the environment that runs it, with its provenance, and is not shipped again', async () => {
    const repo = {
      name: 'shop-api',
      head: 'm3',
      commits: [
        { id: 'm1', message: 'SHOP-1 catalogue', at: '-30d' },
        { id: 'm2', message: 'SHOP-4 fix the cart total (#4)', at: '-10d' },
        { id: 'm3', message: 'SHOP-6 recommendations (#5)', at: '-5d' },
        // rel/1.0 branches from v1.0.0 (m1); v1.0.1 is `git cherry-pick -x` of m2.
        { id: 'h1', parents: ['m1'], message: `SHOP-4 fix the cart total (#4)\n\n(cherry picked from commit ${oid('shop-api', 'm2')})`, at: '-9d' },
      ],
      tags: { 'v1.0.0': 'm1', 'v1.0.1': 'h1' },
      branches: { 'rel/1.0': 'h1' },
      pullRequests: [
        { number: 4, title: 'SHOP-4 fix the cart total', merge: 'm2', headRefName: 'fix/SHOP-4-cart' },
        { number: 5, title: 'SHOP-6 recommendations', merge: 'm3', headRefName: 'feature/SHOP-6-recs' },
      ],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'm3' }, prod: { 'shop-api': 'h1' } } }));
    const { snapshot } = await run();
    expect(where(snapshot, 'SHOP-4')).toEqual({ staging: 'in', prod: 'in' });
    const prod = snapshot.tickets!['SHOP-4'].environments.find((e) => e.environment === 'prod')!;
    expect(prod.parts).toEqual([{ repository: 'acme/shop-api', service: 'shop-api', status: 'in', via: [{ commit: oid('shop-api', 'h1'), cherryPickOf: oid('shop-api', 'm2') }] }]);
    expect(snapshot.tickets!['SHOP-4'].changes).toContainEqual(expect.objectContaining({ commit: oid('shop-api', 'h1'), cherryPickOf: oid('shop-api', 'm2') }));
    const p = pair(snapshot, 'staging', 'prod');
    expect(p.ahead.tickets).toEqual(['SHOP-6']);
    expect(p.behind.tickets).toEqual([]);
    // git: rev-list --count h1..m3 = 2 (m2, m3), m3..h1 = 1 (h1): the commits do differ.
    expect(p.services[0]).toMatchObject({ status: 'diverged', ahead: { commits: 2 }, behind: { commits: 1 } });
  });

  it('made on the release branch and forward-ported to main with -x: in prod, and behind until the port is promoted', async () => {
    const repo = (head: string) => ({
      name: 'shop-api',
      head,
      commits: [
        { id: 'm1', message: 'SHOP-1 catalogue', at: '-30d' },
        { id: 'h1', parents: ['m1'], message: 'SHOP-8 hotfix on release', at: '-9d' },
        { id: 'm2', parents: ['m1'], message: 'SHOP-6 recommendations', at: '-8d' },
        { id: 'm3', parents: ['m2'], message: `SHOP-8 hotfix on release\n\n(cherry picked from commit ${oid('shop-api', 'h1')})`, at: '-7d' },
      ],
      tags: { 'v1.0.1': 'h1' },
      branches: { 'rel/1.0': 'h1' },
    });
    // Before the port: staging runs m2. git: h1 is in prod only, main..v1.0.1 = h1.
    const before = await start(tinyOrg({ now: NOW, repos: [repo('m3')], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'm2' }, prod: { 'shop-api': 'h1' } } }));
    const first = (await before.run()).snapshot;
    expect(where(first, 'SHOP-8')).toEqual({ prod: 'in' });
    expect(pair(first, 'staging', 'prod').behind.tickets).toEqual(['SHOP-8']);
    expect(first.tickets!['SHOP-8'].changes.find((c) => c.commit === oid('shop-api', 'h1'))?.cherryPickOf).toBeUndefined();
    await t!.close();
    // After the port: staging runs m3, which carries it as a cherry-pick.
    const after = await start(tinyOrg({ now: NOW, repos: [repo('m3')], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'm3' }, prod: { 'shop-api': 'h1' } } }));
    const second = (await after.run()).snapshot;
    expect(where(second, 'SHOP-8')).toEqual({ staging: 'in', prod: 'in' });
    expect(pair(second, 'staging', 'prod').behind.tickets).toEqual([]);
  });
});

describe('drift when a side is unknown', () => {
  it('is unknown, with the reason, not "the same commits"', async () => {
    const commits: TinyCommit[] = [{ id: 'a', message: 'SHOP-1 start', at: '-3d' }];
    const fixture = tinyOrg({ now: NOW, repos: [{ name: 'shop', commits }], envs: ['staging', 'prod'], contexts: { staging: 'nonprod', prod: 'prod' }, deploy: { staging: { shop: 'a' }, prod: { shop: 'a' } } });
    const { run } = await start(fixture);
    t!.sandbox.kubernetes.cluster('prod').setFaults({ unreachable: true });
    const { snapshot } = await run();
    const p = pair(snapshot, 'staging', 'prod');
    expect(p).toMatchObject({ status: 'unknown', ahead: { commits: 0 }, behind: { commits: 0 }, unknown: [{ service: 'shop', reason: 'prod: its cluster could not be read' }] });
    expect(where(snapshot, 'SHOP-1')).toEqual({ staging: 'in', prod: 'unknown' });
    const { promotionLine } = await import('../src/ui/delivery.js');
    expect(promotionLine('shop', p)).toBe('shop: staging → prod unknown [1 service(s) unknown: shop (prod: its cluster could not be read)]');
  });

  it('is unknown for every pair, with the reason, when GitHub could not be read', async () => {
    const commits: TinyCommit[] = [{ id: 'a', message: 'SHOP-1 start', at: '-3d' }];
    const { config } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits }], envs: ['staging', 'prod'], deploy: { staging: { shop: 'a' }, prod: { shop: 'a' } } }));
    const { snapshot } = await runSnapshot(config, { progress: silentProgress, now: clockAt(NOW) });
    expect(pair(snapshot, 'staging', 'prod')).toMatchObject({ status: 'unknown', unknown: [{ service: 'shop', reason: 'GitHub was not read: no GitHub token' }], services: [{ status: 'unknown' }] });
  });
});

describe('services built from one repository', () => {
  const repo = {
    name: 'shop',
    commits: [
      { id: 'a', message: 'SHOP-1 first cut (#1)', at: '-9d', files: ['services/api/main.go', 'services/worker/main.go'] },
      { id: 'b', message: 'SHOP-2 paginate orders (#2)', at: '-5d', files: ['services/api/orders.go'] },
      { id: 'c', message: 'SHOP-3 retry payouts (#3)', at: '-4d', files: ['services/worker/payouts.go'] },
      { id: 'd', message: 'Document the release process', at: '-3d', files: ['docs/releasing.md'] },
    ],
    pullRequests: [1, 2, 3].map((n) => ({ number: n, title: `SHOP-${n} change`, merge: 'abc'[n - 1] })),
  };
  const org = () =>
    tinyOrg({
      now: NOW,
      repos: [repo],
      envs: ['staging', 'prod'],
      services: [{ name: 'api', repo: 'shop' }, { name: 'worker', repo: 'shop' }],
      deploy: { staging: { api: 'd', worker: 'd' }, prod: { api: 'a', worker: 'a' } },
    });

  it('count shared commits and PRs once per repository', async () => {
    const { run } = await start(org());
    const { snapshot } = await run();
    const p = pair(snapshot, 'staging', 'prod');
    // git rev-list --count a..d = 3, however many services run them.
    expect(p.ahead).toEqual({ commits: 3, pullRequests: 2, tickets: ['SHOP-2', 'SHOP-3'] });
    expect(p.services.map((s) => [s.service, s.ahead.commits])).toEqual([['api', 3], ['worker', 3]]);
  });

  it('with paths: count only the commits that touch each service, and tie tickets to the services they touch', async () => {
    const { run } = await start(org(), {}, (raw) => {
      raw.projects[0].services[0].paths = ['services/api'];
      raw.projects[0].services[1].paths = ['services/worker/'];
    });
    const { snapshot } = await run();
    const p = pair(snapshot, 'staging', 'prod');
    // git rev-list --count a..d -- services/api = 1, -- services/worker = 1.
    expect(p.services.map((s) => [s.service, s.ahead.commits, s.ahead.tickets, s.paths])).toEqual([
      ['api', 1, ['SHOP-2'], ['services/api']],
      ['worker', 1, ['SHOP-3'], ['services/worker']],
    ]);
    expect(p.ahead).toEqual({ commits: 2, pullRequests: 2, tickets: ['SHOP-2', 'SHOP-3'] });
    // SHOP-2 touched only the api: it is in staging, with no worker part to miss.
    expect(snapshot.tickets!['SHOP-2'].environments).toEqual([{ project: 'shop', environment: 'staging', status: 'in' }]);
    expect(snapshot.repositories!['acme/shop'].services).toEqual({
      api: { paths: ['services/api'], commitsInWindow: 2 },
      worker: { paths: ['services/worker'], commitsInWindow: 2 },
    });
  });
});

describe('what is new since the previous snapshot', () => {
  it('is measured from the last snapshot that read GitHub, not from a run without a token', async () => {
    const commits: TinyCommit[] = [
      { id: 'a', message: 'SHOP-1 start (#1)', at: '-9d' },
      { id: 'b', message: 'SHOP-2 more (#2)', at: '-8d' },
    ];
    const fixture = tinyOrg({ now: NOW, repos: [{ name: 'shop', commits, pullRequests: [{ number: 1, title: 'SHOP-1 start', merge: 'a' }, { number: 2, title: 'SHOP-2 more', merge: 'b' }] }], envs: ['prod'], deploy: { prod: { shop: 'b' } } });
    const { config } = await start(fixture);
    const clock = clockAt(NOW);
    const withToken = () => runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: clock });
    await withToken();
    const { pushChanges } = await import('../src/sandbox/fixtures/generate.js');
    pushChanges(t!.sandbox.fixture, 'shop', 2, { now: new Date(Date.parse(NOW) - 3_600_000) });
    const added = t!.sandbox.fixture.repositories[0].commits.length - 2;
    const blind = await runSnapshot(config, { progress: silentProgress, now: clock });
    expect(blind.snapshot.sources.github?.status).toBe('skipped');
    const next = await withToken();
    const repo = next.snapshot.repositories!['acme/shop'];
    expect(repo.newCommits).toBe(added);
    expect(repo.mergedPullRequests.map((p) => p.number).every((n) => n > 2)).toBe(true);
  });
});

describe('a renamed default branch', () => {
  it('is read again even when the head did not move', async () => {
    const fixture = tinyOrg({ now: NOW, repos: [{ name: 'shop', defaultBranch: 'master', commits: [{ id: 'a', message: 'SHOP-1 start', at: '-3d' }] }], envs: ['prod'], deploy: { prod: { shop: 'a' } } });
    const { run } = await start(fixture);
    expect((await run()).snapshot.repositories!['acme/shop'].defaultBranch).toBe('master');
    t!.sandbox.fixture.repositories[0].defaultBranch = 'main';
    expect((await run()).snapshot.repositories!['acme/shop'].defaultBranch).toBe('main');
  });
});

describe('ticket extraction on ordinary titles, branches and subjects', () => {
  const repo = {
    name: 'shop',
    commits: [
      { id: 'a', message: 'Upgrade the summariser to GPT-4 (#1)', at: '-9d' },
      { id: 'b', message: 'Drop IE-11 support (#2)', at: '-8d' },
      { id: 'c', message: 'Build images for ARM-64 (#3)', at: '-7d' },
      { id: 'd', message: 'Keep splits in long millis (#1667).\n\n* Keep splits in long millis (#1667)', at: '-6d' },
      { id: 'e', message: '[SHOP-7] fix the basket total (#5)', at: '-5d' },
      { id: 'f', message: 'Bump the NODE-18 base image', at: '-4d' },
      { id: 'g', message: 'Review fixes', at: '-3d' },
    ],
    pullRequests: [
      { number: 1, title: 'Upgrade the summariser to GPT-4', merge: 'a' },
      { number: 2, title: 'Drop IE-11 support', merge: 'b' },
      { number: 3, title: 'Build images for ARM-64', merge: 'c' },
      { number: 1667, title: 'Keep splits in long millis', merge: 'd' },
      { number: 5, title: '[SHOP-7] fix the basket total', merge: 'e', headRefName: 'feature/SHOP-7-basket' },
      { number: 6, title: 'Review fixes', merge: 'g', headRefName: 'PR-123' },
    ],
  };
  const fixture = () => tinyOrg({ now: NOW, repos: [repo], envs: ['prod'], deploy: { prod: { shop: 'g' } } });

  it('finds no tickets in version numbers, PR numbers or branch names like PR-123, and shows which prefixes it took', async () => {
    const { run } = await start(fixture(), { tickets: { githubIssues: true } });
    const { snapshot } = await run();
    expect(Object.keys(snapshot.tickets!)).toEqual(['SHOP-7']);
    expect(snapshot.ticketKeys).toEqual({
      mode: 'learned',
      accepted: [{ prefix: 'SHOP', keys: 1, evidence: expect.stringContaining('SHOP-7') }],
      ignored: [{ prefix: 'NODE', keys: 1, example: expect.stringContaining('Bump the NODE-18 base image') }],
    });
  });

  it('with configured keys: a bracketed lower-case key, and keys with underscores', async () => {
    const lower = { ...repo, commits: [...repo.commits.slice(0, 6), { id: 'g', message: '[shop-8] tidy the basket', at: '-3d' }, { id: 'h', message: 'MY_PROJ-3 shared config', at: '-2d' }] };
    const { run } = await start(tinyOrg({ now: NOW, repos: [lower], envs: ['prod'], deploy: { prod: { shop: 'h' } } }), { tickets: { jiraProjects: ['SHOP', 'MY_PROJ'] } });
    const { snapshot } = await run();
    expect(Object.keys(snapshot.tickets!)).toEqual(['MY_PROJ-3', 'SHOP-7', 'SHOP-8']);
    expect(snapshot.ticketKeys?.mode).toBe('configured');
  });
});

describe('found by the oracle', () => {
  it('a revert merged through a revert PR, then reverted itself: the work is back, on this run and the next', async () => {
    const repo = {
      name: 'lang',
      commits: [
        { id: 'a', message: 'Initial import', at: '-20d' },
        { id: 'b1', parents: ['a'], message: 'Document the CVE patch (part 1)', at: '-10d' },
        { id: 'm48', parents: ['a', 'b1'], message: 'Merge pull request #48 from acme/bugfix/LANG-567-cve-patch\n\nLANG-567 Document the CVE patch', at: '-9d' },
        { id: 'r1', parents: ['m48'], message: `Revert "Merge pull request #48 from acme/bugfix/LANG-567-cve-patch"\n\nThis reverts commit ${oid('lang', 'm48')}, reversing\nchanges made to ${oid('lang', 'a')}.`, at: '-5d' },
        { id: 'm52', parents: ['m48', 'r1'], message: 'Merge pull request #52 from acme/revert-48-bugfix/LANG-567-cve-patch\n\nRevert "LANG-567 Document the CVE patch"', at: '-5d' },
        { id: 'r2', parents: ['m52'], message: `Revert "Revert "Merge pull request #48 from acme/bugfix/LANG-567-cve-patch""\n\nThis reverts commit ${oid('lang', 'r1')}.`, at: '-4d' },
      ],
      pullRequests: [
        { number: 48, title: 'LANG-567 Document the CVE patch', merge: 'm48', headRefName: 'bugfix/LANG-567-cve-patch' },
        { number: 52, title: 'Revert "LANG-567 Document the CVE patch"', body: 'Reverts acme/lang#48', merge: 'm52', headRefName: 'revert-48-bugfix/LANG-567-cve-patch' },
      ],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['dev', 'staging', 'prod'], deploy: { dev: { lang: 'r2' }, staging: { lang: 'm52' }, prod: { lang: 'm48' } } }));
    const first = await run();
    expect(where(first.snapshot, 'LANG-567')).toEqual({ dev: 'in', staging: 'reverted', prod: 'in' });
    // What a commit's message says it reverts is kept in the cache with it.
    const second = await run();
    expect(second.snapshot.sources.github).toMatchObject({ requests: 1 });
    expect(where(second.snapshot, 'LANG-567')).toEqual({ dev: 'in', staging: 'reverted', prod: 'in' });
  });

  it('a head with a wrong (old) date is read, with the window behind it', async () => {
    const commits: TinyCommit[] = [
      { id: 'a', message: 'LANG-1 start', at: '-40d' },
      { id: 'b', message: 'LANG-2 more', at: '-3d' },
      { id: 'c', message: 'LANG-3 and more', at: '2024-11-24T10:00:00Z' },
    ];
    // Nothing deployed runs the head: only the window's own walk can find it.
    const { run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'lang', commits }], envs: ['dev', 'prod'], deploy: { dev: { lang: 'b' }, prod: { lang: 'a' } } }));
    const { snapshot } = await run();
    expect(snapshot.repositories!['acme/lang'].head?.headline).toBe('LANG-3 and more');
    expect(snapshot.tickets!['LANG-3']).toMatchObject({ changes: [expect.objectContaining({ commit: oid('lang', 'c') })], environments: [] });
    expect(where(snapshot, 'LANG-2')).toEqual({ dev: 'in' });
    expect(pair(snapshot, 'dev', 'prod').services[0]).toMatchObject({ status: 'ahead', ahead: { commits: 1, tickets: ['LANG-2'] } });
  });
});

describe('GitHub references', () => {
  it('count only issues as tickets: a #N that names a pull request, or nothing, is not one', async () => {
    const repo = {
      name: 'lang',
      commits: [
        { id: 'a', message: 'Add CalendarUtils.toLocalDate() #725', at: '-5d' },
        { id: 'b', message: 'Fix the parser\n\nSolution from PR #786 but with more tests', at: '-4d' },
        { id: 'c', message: 'Handle leap years, fixes #12', at: '-3d' },
        { id: 'd', message: 'Fix NumberUtilsTest#testMaxDouble() #4959', at: '-2d' },
      ],
      pullRequests: [
        { number: 725, title: 'Add CalendarUtils.toLocalDate()', merge: 'a', mergedAt: '-200d' },
        { number: 786, title: 'DiffBuilder type constraint', merge: 'b', mergedAt: '-300d' },
      ],
      issues: [{ number: 12, title: 'Leap years are wrong' }],
    };
    const { run } = await start(tinyOrg({ now: NOW, repos: [repo], envs: ['prod'], deploy: { prod: { lang: 'd' } } }), { tickets: { githubIssues: true } });
    const first = await run();
    expect(Object.keys(first.snapshot.tickets!)).toEqual(['acme/lang#12']);
    expect(where(first.snapshot, 'acme/lang#12')).toEqual({ prod: 'in' });
    // Asked once: the answer is kept.
    const again = await run();
    expect(again.snapshot.sources.github).toMatchObject({ requests: 1 });
    expect(Object.keys(again.snapshot.tickets!)).toEqual(['acme/lang#12']);
  });
});

describe('rollback verdicts', () => {
  // main: 300 commits, the first 250 a year old; release/1 branched at c50 with hotfixes r1–r3 (old
  // too), off the default branch and outside the window.
  const main: TinyCommit[] = Array.from({ length: 300 }, (_, i) => ({ id: `c${i}`, message: `Change ${i}`, at: i < 250 ? `-${400 - i * 0.2}d` : `-${10 - (i - 250) * 0.1}d` }));
  const release: TinyCommit[] = [1, 2, 3].map((j) => ({ id: `r${j}`, parents: [j === 1 ? 'c50' : `r${j - 1}`], message: `REL-${j} hotfix`, at: `-${389 - j * 0.1}d` }));
  const releasesOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, '.snap', 'releases.json'), 'utf8')).events as NonNullable<Snapshot['deployments']>;

  it('a rollout back to an older release-branch commit is a rollback, though the previous one is off the default branch', async () => {
    // prod ran r3, then r1: git merge-base --is-ancestor r1 r3 is true.
    const { run } = await start(
      tinyOrg({ now: NOW, repos: [{ name: 'shop', commits: [...main, ...release], head: 'c299', branches: { 'release/1': 'r3' } }], envs: ['dev', 'prod'], deploy: { dev: { shop: 'c299' }, prod: { shop: { at: 'r1', previous: ['r3'] } } } }),
    );
    const { snapshot } = await run();
    const prod = snapshot.deployments!.filter((d) => d.environment === 'prod');
    expect(prod.map((d) => [d.from?.commit, d.to.commit, d.rollback])).toEqual([
      [undefined, oid('shop', 'r3'), false],
      [oid('shop', 'r3'), oid('shop', 'r1'), true],
    ]);
  });

  it('is unknown when a side did not resolve to a commit, never a roll forward', async () => {
    const { run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits: main }], envs: ['prod'], deploy: { prod: { shop: { at: 'c299', previous: ['c250'] } } } }));
    // The earlier revision's tag names no commit (a deleted build): the verdict cannot be decided.
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: 'nightly-build' });
    await run();
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c260') });
    const { snapshot } = await run();
    expect(snapshot.deployments).toEqual([expect.objectContaining({ environment: 'prod', rollback: 'unknown', rollbackReason: expect.stringContaining('the previous version nightly-build did not resolve') })]);
  });

  it('left unknown for want of history, is decided by a later run that has read it, in the release history', async () => {
    // prod ran c280, then c20; one page of older history a run is not enough to reach c20 at once.
    const { config, run } = await start(
      tinyOrg({ now: NOW, repos: [{ name: 'shop', commits: main }], envs: ['dev', 'prod'], deploy: { dev: { shop: 'c299' }, prod: { shop: { at: 'c20', previous: ['c280'] } } } }),
      {},
      (raw) => {
        raw.github.maxPages = 1;
      },
    );
    const first = await run();
    const back = (events: NonNullable<Snapshot['deployments']>) => events.find((d) => d.to.commit === oid('shop', 'c20'))!;
    expect(back(first.snapshot.deployments!).rollback).toBe('unknown');
    let updated = 0;
    for (let i = 0; i < 8 && back(await releasesOf(path.dirname(config.path))).rollback === 'unknown'; i++) updated += (await run()).record.releases?.updated ?? 0;
    // git merge-base --is-ancestor c20 c280: true.
    expect(back(await releasesOf(path.dirname(config.path)))).toMatchObject({ rollback: true, rollbackReason: expect.stringContaining('is an ancestor of the previous') });
    expect(updated).toBe(1);
  });

  it('left unknown because GitHub was not read, is decided by the next run that reads it', async () => {
    const recent: TinyCommit[] = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, message: `Change ${i}`, at: `-${20 - i * 0.5}d` }));
    const { config, run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits: recent }], envs: ['prod'], deploy: { prod: { shop: { at: 'c5', previous: ['c25'] } } } }));
    const blind = await runSnapshot(config, { progress: silentProgress, now: clockAt(NOW) });
    const back = (events: NonNullable<Snapshot['deployments']>) => events.find((d) => d.to.version === oid('shop', 'c5'))!;
    expect(back(blind.snapshot.deployments!)).toMatchObject({ rollback: 'unknown', rollbackReason: expect.stringContaining('was not read from GitHub') });
    const next = await run();
    expect(next.record.releases?.updated).toBe(1);
    // git merge-base --is-ancestor c5 c25: true.
    expect(back(await releasesOf(path.dirname(config.path)))).toMatchObject({ rollback: true, to: { commit: oid('shop', 'c5') }, from: { commit: oid('shop', 'c25') } });
  });
});

describe('pull requests ahead of an environment older than the window', () => {
  it('are a lower bound, said so, when PRs before the window were not read', async () => {
    // 100 squash-merged PRs, the first 80 half a year old; prod runs the 11th.
    const commits: TinyCommit[] = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, message: `PRJ-${i + 1} change ${i + 1} (#${i + 1})`, at: i < 80 ? `-${200 - i}d` : `-${10 - (i - 80) * 0.2}d` }));
    const pullRequests = commits.map((c, i) => ({ number: i + 1, title: `PRJ-${i + 1} change ${i + 1}`, merge: c.id }));
    const { run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits, pullRequests }], envs: ['dev', 'prod'], deploy: { dev: { shop: 'c99' }, prod: { shop: 'c10' } } }));
    const { snapshot } = await run();
    const p = pair(snapshot, 'dev', 'prod');
    // git rev-list --count c10..c99 = 89; the 20 PRs of the window are known, the 69 before it are not.
    expect(p.ahead).toMatchObject({ commits: 89, pullRequests: 20, pullRequestsSince: expect.any(String) });
    expect(p.services[0].ahead.pullRequestsSince).toBe(p.ahead.pullRequestsSince);
    expect(p.behind.pullRequestsSince).toBeUndefined();
  });

  it('are exact, with no such mark, when every commit ahead is in the window', async () => {
    const commits: TinyCommit[] = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, message: `PRJ-${i + 1} change (#${i + 1})`, at: `-${20 - i * 0.5}d` }));
    const pullRequests = commits.map((c, i) => ({ number: i + 1, title: `PRJ-${i + 1} change`, merge: c.id }));
    const { run } = await start(tinyOrg({ now: NOW, repos: [{ name: 'shop', commits, pullRequests }], envs: ['dev', 'prod'], deploy: { dev: { shop: 'c29' }, prod: { shop: 'c10' } } }));
    const p = pair((await run()).snapshot, 'dev', 'prod');
    expect(p.ahead).toEqual({ commits: 19, pullRequests: 19, tickets: expect.any(Array) });
  });
});
