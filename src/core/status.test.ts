import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../store/run-log.js';
import { percentile, runStatus, sparkline } from './status.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const MIN = 60_000;

/** A run every 15 minutes, ending `minutesAgo` before NOW. */
function log(outcomes: RunRecord['outcome'][], options: { every?: number; durations?: number[]; endMinutesAgo?: number } = {}): RunRecord[] {
  const every = options.every ?? 15;
  return outcomes.map((outcome, i) => {
    const start = NOW.getTime() - ((outcomes.length - 1 - i) * every + (options.endMinutesAgo ?? 1)) * MIN;
    const durationMs = options.durations?.[i] ?? 1000;
    return {
      id: `run-${i}`,
      startedAt: new Date(start).toISOString(),
      finishedAt: new Date(start + durationMs).toISOString(),
      durationMs,
      outcome,
      ...(outcome === 'failed' ? { error: { code: 'GITHUB_RATE_LIMITED', message: 'waited too long', hint: 'raise github.maxWaitSeconds' } } : {}),
      counts: { projects: 1, environments: 1, services: 1, running: 1, warnings: 0 },
      apiCalls: {},
    };
  });
}

describe('snapshot health from the run log', () => {
  it('is ok when the last run succeeded recently, with rates, trend and a threshold from the usual interval', () => {
    const status = runStatus(log(['ok', 'ok', 'failed', 'ok', 'partial', 'ok'], { durations: [1000, 1200, 50, 900, 1100, 1000] }), NOW);
    expect(status.health).toBe('ok');
    expect(status.problems).toEqual([]);
    expect(status.successRate.day).toEqual({ succeeded: 5, total: 6, rate: 5 / 6 });
    expect(status.durations).toMatchObject({ medianMs: 1000, p95Ms: 1200, recentMs: [1000, 1200, 900, 1100, 1000] });
    expect(status.stale).toEqual({ thresholdMs: 30 * MIN, thresholdFrom: 'observed interval', isStale: false });
    expect(status.lastError).toEqual({ at: expect.any(String), code: 'GITHUB_RATE_LIMITED', message: 'waited too long', hint: 'raise github.maxWaitSeconds' });
  });

  it('is failing after a failed run, stale when no success is recent, degraded after a partial one or a slow one', () => {
    expect(runStatus(log(['ok', 'ok', 'ok', 'failed']), NOW)).toMatchObject({ health: 'failing', problems: ['the last run failed: GITHUB_RATE_LIMITED: waited too long'] });
    const stale = runStatus(log(['ok', 'ok', 'ok', 'ok'], { endMinutesAgo: 45 }), NOW);
    expect(stale).toMatchObject({ health: 'stale', stale: { isStale: true } });
    expect(stale.problems[0]).toMatch(/no successful snapshot for 45 min \(threshold 30 min\)/);
    expect(runStatus(log(['ok', 'partial']), NOW).health).toBe('degraded');
    const slow = runStatus(log(['ok', 'ok', 'ok', 'ok', 'ok', 'ok'], { durations: [1000, 1000, 1000, 1000, 1000, 5000] }), NOW);
    expect(slow).toMatchObject({ health: 'degraded', anomaly: { id: 'run-5', durationMs: 5000, medianMs: 1000, factor: 5 } });
    expect(runStatus([], NOW)).toMatchObject({ health: 'never-run', problems: ['no run is recorded yet: run `snap run`'] });
    expect(runStatus(log(['failed', 'failed']), NOW)).toMatchObject({ health: 'failing', problems: ['no run has succeeded yet', expect.stringMatching(/the last run failed/)] });
  });

  it('takes the staleness threshold from the option, and counts only the last 7 days and 24 hours', () => {
    const status = runStatus(log(['ok', 'ok'], { every: 24 * 60 }), NOW, { staleAfterMs: 10 * MIN });
    expect(status.stale).toEqual({ thresholdMs: 10 * MIN, thresholdFrom: 'option', isStale: false });
    expect(status.successRate).toEqual({ day: { succeeded: 1, total: 1, rate: 1 }, week: { succeeded: 2, total: 2, rate: 1 } });
    // Runs seconds apart (someone trying it out) do not make a threshold of seconds.
    const quick = runStatus(log(['ok', 'ok', 'ok', 'ok'], { every: 0.2, endMinutesAgo: 5 }), NOW);
    expect(quick.stale).toEqual({ thresholdMs: 10 * MIN, thresholdFrom: 'observed interval', isStale: false });
  });

  it('summarises durations', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(sparkline([1, 2, 3, 8])).toBe('▁▂▃█');
    expect(sparkline([2, 2])).toBe('▄▄');
  });
});

describe('partial snapshots that last', () => {
  it('are a sustained degradation after 3 partial runs (or an hour), which status --check and alerts count', async () => {
    const { conditionsOf, transitions } = await import('../alerts/state.js');
    const now = new Date('2026-12-07T12:00:00Z');
    const run = (minutesAgo: number, outcome: 'ok' | 'partial') => ({ id: `r${minutesAgo}`, startedAt: new Date(now.getTime() - minutesAgo * 60_000).toISOString(), finishedAt: new Date(now.getTime() - minutesAgo * 60_000 + 1000).toISOString(), durationMs: 1000, outcome, counts: {}, apiCalls: {} });
    const two = runStatus([run(45, 'ok'), run(30, 'partial'), run(15, 'partial')] as never, now);
    expect(two.degraded).toEqual({ runs: 2, since: expect.any(String), sustained: false });
    const three = runStatus([run(60, 'ok'), run(45, 'partial'), run(30, 'partial'), run(15, 'partial')] as never, now);
    expect(three).toMatchObject({ health: 'degraded', degraded: { runs: 3, sustained: true } });
    expect(three.problems.join('\n')).toContain('the last 3 snapshots are partial');
    expect(transitions(conditionsOf(two), conditionsOf(three))).toEqual(['degraded']);
    const longAgo = runStatus([run(90, 'partial'), run(15, 'partial')] as never, now);
    expect(longAgo.degraded?.sustained).toBe(true);
    const back = runStatus([run(45, 'partial'), run(30, 'partial'), run(15, 'partial'), run(1, 'ok')] as never, now);
    expect(transitions(conditionsOf(three), conditionsOf(back))).toEqual(['recovery']);
  });
});
