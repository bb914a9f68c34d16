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
  for (const kind of ['html', 'truncated'] as const) {
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
