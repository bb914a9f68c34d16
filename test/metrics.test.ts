import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { prometheusText } from '../src/store/metrics.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The samples of a Prometheus text file, checked line by line against the format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      expect(line).toMatch(/^# (HELP snap_[a-z_]+ .+|TYPE snap_[a-z_]+ (gauge|counter))$/);
      continue;
    }
    const match = /^(snap_[a-z_]+(?:\{[a-z]+="[a-z]+"\})?) (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/.exec(line);
    expect(match, line).not.toBeNull();
    out.set(match![1], Number(match![2]));
  }
  return out;
}

describe('Prometheus textfile export', () => {
  it('is written after each run when configured, with success time, duration, outcomes, API calls and rate limit', async () => {
    t = await startTestSandbox();
    const config = await t.config({ monitoring: { prometheusFile: 'metrics/snap.prom' } });
    const first = await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken });
    await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken });
    const file = path.join(t.dir, 'metrics', 'snap.prom');
    const m = samples(await readFile(file, 'utf8'));
    expect(m.get('snap_runs_total{outcome="ok"}')).toBe(2);
    expect(m.get('snap_runs_total{outcome="failed"}')).toBe(0);
    expect(m.get('snap_last_run_outcome{outcome="ok"}')).toBe(1);
    expect(m.get('snap_last_run_api_requests{source="kubernetes"}')).toBe(8);
    expect(m.get('snap_last_run_api_requests{source="github"}')).toBe(1);
    expect(m.get('snap_github_rate_limit_remaining')).toBeGreaterThan(4900);
    expect(m.get('snap_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(Date.parse(first.record.finishedAt) / 1000));
    expect(m.get('snap_last_run_duration_seconds')).toBeGreaterThan(0);
  });

  it('says nothing it does not know, and counts failures', () => {
    expect(prometheusText([])).toBe('# HELP snap_runs_total Runs in the run log, by outcome.\n# TYPE snap_runs_total counter\nsnap_runs_total{outcome="ok"} 0\nsnap_runs_total{outcome="partial"} 0\nsnap_runs_total{outcome="failed"} 0\n');
    const failed = { id: 'f', startedAt: '2026-11-24T10:00:00Z', finishedAt: '2026-11-24T10:00:01Z', durationMs: 1000, outcome: 'failed' as const, error: { code: 'X', message: 'm' }, counts: { projects: 1, environments: 0, services: 0, running: 0, warnings: 0 }, apiCalls: {} };
    const m = samples(prometheusText([failed]));
    expect(m.get('snap_last_run_outcome{outcome="failed"}')).toBe(1);
    expect(m.has('snap_last_success_timestamp_seconds')).toBe(false);
    expect(m.get('snap_last_run_timestamp_seconds')).toBe(Date.parse('2026-11-24T10:00:01Z') / 1000);
  });
});
