import type { AlertEvent } from '../config/types.js';
import type { RunStatus } from '../core/status.js';

/**
 * What alerts remember between runs: which bad conditions held at the last evaluation. An alert is
 * sent when a condition starts (failure, stale, anomaly) and when the bad ones end (recovery), never
 * while it merely goes on: one message per change of state, no alert storm.
 */
export interface AlertConditions {
  failing: boolean;
  stale: boolean;
  /** Id of the run that was an anomaly, if the last run was one. */
  anomaly?: string;
  /** Partial snapshots for long enough (status `degraded.sustained`). */
  degraded?: boolean;
}

export const NO_CONDITIONS: AlertConditions = { failing: false, stale: false };

export function conditionsOf(status: RunStatus): AlertConditions {
  return {
    failing: status.lastRun?.outcome === 'failed',
    stale: status.stale.isStale,
    ...(status.degraded?.sustained && status.lastRun?.outcome === 'partial' ? { degraded: true } : {}),
    ...(status.anomaly ? { anomaly: status.anomaly.id } : {}),
  };
}

/** The events that the move from `before` to `after` calls for, in the order they should be read. */
export function transitions(before: AlertConditions, after: AlertConditions): AlertEvent[] {
  const events: AlertEvent[] = [];
  if (after.failing && !before.failing) events.push('failure');
  // Failing and stale at once (a first run that fails) is one problem: the failure says it.
  else if (after.stale && !before.stale) events.push('stale');
  if (after.anomaly && after.anomaly !== before.anomaly) events.push('anomaly');
  if (after.degraded && !before.degraded && !after.failing && !after.stale) events.push('degraded');
  if ((before.failing || before.stale || before.degraded) && !after.failing && !after.stale && !after.degraded) events.push('recovery');
  return events;
}
