import type { RunRecord } from '../store/run-log.js';

/**
 * Health of the snapshots, from the run log alone: last run, last success, success rates, runtime
 * trend, the last error, staleness and anomalies. Pure, so it is tested on crafted logs.
 */
export type Health = 'ok' | 'degraded' | 'failing' | 'stale' | 'never-run';

export interface RunStatus {
  health: Health;
  problems: string[];
  runs: number;
  lastRun?: { id: string; startedAt: string; outcome: RunRecord['outcome']; durationMs: number };
  lastSuccess?: { id: string; startedAt: string; ageMs: number };
  successRate: { day: Rate; week: Rate };
  durations: { medianMs?: number; p95Ms?: number; recentMs: number[]; sparkline: string };
  lastError?: { at: string; code: string; message: string; hint?: string };
  stale: { thresholdMs: number; thresholdFrom: 'option' | 'observed interval' | 'default'; isStale: boolean };
  /** The partial runs at the end of the log: how many in a row, since when, and whether that lasts long enough to count (`degradedAfter`). */
  degraded?: { runs: number; since: string; sustained: boolean };
  anomaly?: { id: string; durationMs: number; medianMs: number; factor: number };
}

export interface Rate {
  succeeded: number;
  total: number;
  /** 0..1, or null when there were no runs. */
  rate: number | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN_OBSERVED_THRESHOLD = 10 * 60_000;
const SPARKS = '▁▂▃▄▅▆▇█';

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => SPARKS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))]).join('');
}

const succeeded = (r: RunRecord) => r.outcome === 'ok' || r.outcome === 'partial';

function rate(records: readonly RunRecord[], since: number): Rate {
  const window = records.filter((r) => Date.parse(r.startedAt) >= since);
  const ok = window.filter(succeeded).length;
  return { succeeded: ok, total: window.length, rate: window.length ? ok / window.length : null };
}

/**
 * `staleAfterMs`: no success for longer than this is stale. Default: twice the usual interval between
 * runs (the median of the last 20 gaps; at least 10 minutes), or 2 hours when there are too few runs to tell.
 */
export function runStatus(records: readonly RunRecord[], now: Date, options: { staleAfterMs?: number; anomalyFactor?: number; degradedAfter?: { runs: number; ms: number } } = {}): RunStatus {
  const at = now.getTime();
  const last = records.at(-1);
  const lastOk = [...records].reverse().find(succeeded);
  const done = records.filter(succeeded).map((r) => r.durationMs);
  const recent = done.slice(-20);
  const medianMs = percentile(done.slice(-100), 50);
  const p95Ms = percentile(done.slice(-100), 95);
  const starts = records.slice(-21).map((r) => Date.parse(r.startedAt));
  const gaps = starts.slice(1).map((s, i) => s - starts[i]).filter((g) => g > 0);
  const observed = gaps.length >= 3 ? percentile(gaps, 50) : undefined;
  // Never under 10 minutes from the log alone: a few manual runs in a row must not make the next gap stale.
  const thresholdMs = options.staleAfterMs ?? (observed ? Math.max(2 * observed, MIN_OBSERVED_THRESHOLD) : 2 * HOUR);
  const thresholdFrom = options.staleAfterMs ? 'option' : observed ? 'observed interval' : 'default';
  const failed = [...records].reverse().find((r) => r.outcome === 'failed' && r.error);
  const factor = options.anomalyFactor ?? 3;
  const anomalyRun = last && succeeded(last) && medianMs && done.length >= 5 && last.durationMs > factor * medianMs ? last : undefined;
  // Stale: no success for longer than the threshold — since the last success, or, with none yet, since the first run.
  const isStale = records.length > 0 && at - Date.parse(lastOk ? lastOk.finishedAt : records[0].startedAt) > thresholdMs;

  // Partial runs at the end of the log: a source that stays unreadable (an expired token, a cluster gone).
  let streak = 0;
  while (streak < records.length && records[records.length - 1 - streak].outcome === 'partial') streak++;
  const since = streak ? records[records.length - streak].startedAt : undefined;
  const after = options.degradedAfter ?? { runs: 3, ms: 3_600_000 };
  const degraded = since ? { runs: streak, since, sustained: streak >= after.runs || at - Date.parse(since) >= after.ms } : undefined;

  const problems: string[] = [];
  let health: Health = 'ok';
  if (!last) {
    health = 'never-run';
    problems.push('no run is recorded yet: run `snap run`');
  } else {
    if (isStale) {
      health = 'stale';
      problems.push(lastOk ? `no successful snapshot for ${formatAge(at - Date.parse(lastOk.finishedAt))} (threshold ${formatAge(thresholdMs)})` : 'no run has succeeded yet');
    }
    if (!lastOk && !isStale) problems.push('no run has succeeded yet');
    if (last.outcome === 'failed') {
      // Every run failed, or the last one: failing, whatever the age.
      if (health === 'ok' || !lastOk) health = 'failing';
      problems.push(`the last run failed: ${last.error?.code ?? 'error'}: ${last.error?.message ?? ''}`.trim());
    } else if (last.outcome === 'partial' && health === 'ok') {
      health = 'degraded';
      problems.push(degraded?.sustained ? `the last ${degraded.runs} snapshots are partial, since ${since} (a cluster or GitHub stays unreadable; see their warnings)` : 'the last snapshot is partial (a cluster or GitHub could not be read; see its warnings)');
    }
    if (anomalyRun && health === 'ok') health = 'degraded';
    if (anomalyRun) problems.push(`the last run took ${formatAge(anomalyRun.durationMs)}, ${(anomalyRun.durationMs / medianMs!).toFixed(1)}× the median of ${formatAge(medianMs!)}`);
  }
  return {
    health,
    problems,
    runs: records.length,
    ...(last ? { lastRun: { id: last.id, startedAt: last.startedAt, outcome: last.outcome, durationMs: last.durationMs } } : {}),
    ...(lastOk ? { lastSuccess: { id: lastOk.id, startedAt: lastOk.startedAt, ageMs: at - Date.parse(lastOk.finishedAt) } } : {}),
    successRate: { day: rate(records, at - DAY), week: rate(records, at - 7 * DAY) },
    durations: { ...(medianMs !== undefined ? { medianMs } : {}), ...(p95Ms !== undefined ? { p95Ms } : {}), recentMs: recent, sparkline: sparkline(recent) },
    ...(failed?.error ? { lastError: { at: failed.startedAt, code: failed.error.code, message: failed.error.message, ...(failed.error.hint ? { hint: failed.error.hint } : {}) } } : {}),
    stale: { thresholdMs, thresholdFrom, isStale },
    ...(degraded ? { degraded } : {}),
    ...(anomalyRun && medianMs ? { anomaly: { id: anomalyRun.id, durationMs: anomalyRun.durationMs, medianMs, factor: Math.round((anomalyRun.durationMs / medianMs) * 10) / 10 } } : {}),
  };
}

export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < HOUR) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * DAY) return `${(ms / HOUR).toFixed(1)} h`;
  return `${Math.round(ms / DAY)} d`;
}
