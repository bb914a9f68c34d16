import { hostname } from 'node:os';
import type { AlertEvent } from '../config/types.js';
import { formatAge, type RunStatus } from '../core/status.js';

/** One alert, channel-neutral: the webhook sends it as it is, Slack and email render `title` and `lines`. */
export interface Alert {
  /** Stable per change of state: the same alert delivered twice has the same id. */
  id: string;
  event: AlertEvent | 'test';
  severity: 'critical' | 'warning' | 'resolved' | 'info';
  title: string;
  lines: string[];
  at: string;
  host: string;
  dataDir: string;
  config: string;
  status: Pick<RunStatus, 'health' | 'problems' | 'lastRun' | 'lastSuccess' | 'lastError' | 'anomaly' | 'degraded'>;
}

const SEVERITY: Record<Alert['event'], Alert['severity']> = { failure: 'critical', stale: 'critical', anomaly: 'warning', degraded: 'warning', recovery: 'resolved', test: 'info' };

export function buildAlert(event: Alert['event'], status: RunStatus, where: { dataDir: string; config: string }, now: Date): Alert {
  const last = status.lastRun;
  const lines: string[] = [];
  let title: string;
  switch (event) {
    case 'failure':
      title = 'snap: snapshots are failing';
      if (status.lastError) lines.push(`The last run failed: ${status.lastError.code}: ${status.lastError.message}`);
      if (status.lastError?.hint) lines.push(`What to do: ${status.lastError.hint}`);
      break;
    case 'stale':
      title = 'snap: snapshots are stale';
      lines.push(
        status.lastSuccess
          ? `No successful snapshot for ${formatAge(status.lastSuccess.ageMs)} (threshold ${formatAge(status.stale.thresholdMs)}).`
          : 'No run has succeeded yet.',
        last ? `The last run started ${last.startedAt} (${last.outcome}); if nothing ran since, the scheduler may have stopped.` : 'No run is recorded.',
      );
      break;
    case 'anomaly':
      title = 'snap: a snapshot run was unusually slow';
      if (status.anomaly) lines.push(`Run ${status.anomaly.id} took ${formatAge(status.anomaly.durationMs)}, ${status.anomaly.factor}× the median of ${formatAge(status.anomaly.medianMs)}.`);
      break;
    case 'degraded':
      title = 'snap: snapshots are partial, run after run';
      if (status.degraded) lines.push(`The last ${status.degraded.runs} snapshots are partial, since ${status.degraded.since}: a cluster or GitHub stays unreadable (an expired token, a cluster gone), so tickets, drift or services are missing.`);
      lines.push('See the warnings of the latest snapshot (`snap run` prints them), or `snap status`.');
      break;
    case 'recovery':
      title = 'snap: snapshots recovered';
      if (last) lines.push(`Run ${last.id} ${last.outcome === 'partial' ? 'succeeded partially' : 'succeeded'} in ${formatAge(last.durationMs)}.`);
      break;
    case 'test':
      title = 'snap: test alert';
      lines.push(`This is a test from \`snap alerts test\`. Snapshots are ${status.health}.`);
      break;
  }
  if (event !== 'recovery' && event !== 'test' && status.lastSuccess) lines.push(`Last success: ${formatAge(status.lastSuccess.ageMs)} ago (${status.lastSuccess.id}).`);
  const rate = status.successRate.day;
  if (event !== 'test' && rate.total > 0) lines.push(`Success rate over 24 h: ${Math.round((rate.rate ?? 0) * 100)}% (${rate.succeeded}/${rate.total}).`);
  const at = now.toISOString();
  const id = `${event}:${event === 'anomaly' ? status.anomaly?.id : (last?.id ?? 'none')}:${event === 'test' ? at : ''}`;
  return {
    id,
    event,
    severity: SEVERITY[event],
    title,
    lines,
    at,
    host: hostname(),
    dataDir: where.dataDir,
    config: where.config,
    status: {
      health: status.health,
      problems: status.problems,
      ...(status.lastRun ? { lastRun: status.lastRun } : {}),
      ...(status.lastSuccess ? { lastSuccess: status.lastSuccess } : {}),
      ...(status.lastError ? { lastError: status.lastError } : {}),
      ...(status.anomaly ? { anomaly: status.anomaly } : {}),
      ...(status.degraded ? { degraded: status.degraded } : {}),
    },
  };
}

/** Plain text: the email body and the Slack fallback. */
export function alertText(alert: Alert): string {
  return [alert.title, '', ...alert.lines, '', `Host ${alert.host}, data directory ${alert.dataDir}`, 'See `snap status` for details.'].join('\n');
}
