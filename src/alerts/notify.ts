import path from 'node:path';
import type { AlertChannel, Config } from '../config/types.js';
import { runStatus, type RunStatus } from '../core/status.js';
import { SnapError, errorMessage } from '../errors.js';
import { readAlertState, writeAlertState, type AlertDeliveryRecord, type AlertStateFile } from '../store/alert-state.js';
import { dataLayout } from '../store/layout.js';
import { acquireLock } from '../store/lock.js';
import { readRunLog } from '../store/run-log.js';
import { buildAlert, type Alert } from './message.js';
import { channelName, deliver, type Delivery } from './send.js';
import { NO_CONDITIONS, conditionsOf, transitions } from './state.js';

export interface NotifyOptions {
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Overrides `alerts.staleAfterMinutes` (e.g. `snap status --stale-after`). */
  staleAfterMs?: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  backoffMs?: number;
}

export interface NotifyResult {
  events: Alert['event'][];
  deliveries: (Delivery & { event: Alert['event'] })[];
  status?: RunStatus;
}

/** Undelivered alerts are tried again at each evaluation for this long, then dropped (and said so). */
const PENDING_FOR_MS = 24 * 3_600_000;

/**
 * Compares the health of the snapshots with what it was at the last evaluation and sends an alert for
 * each change of state, to every configured channel. Called after each run and by
 * `snap status --notify`. Never throws for a delivery problem: those are logged, kept in alerts.json,
 * and tried again next time.
 */
export async function notifyOnChange(config: Config, options: NotifyOptions): Promise<NotifyResult> {
  const { channels } = config.alerts;
  if (channels.length === 0) return { events: [], deliveries: [] };
  const layout = dataLayout(config.dataDir);
  const now = options.now ?? (() => new Date());
  let lock;
  try {
    lock = await acquireLock(layout.alertsLock, { command: 'snap alerts', waitMs: 60_000 });
  } catch (error) {
    if (error instanceof SnapError && error.code === 'LOCKED') {
      options.log('alerts: another process is sending alerts; leaving it to that one');
      return { events: [], deliveries: [] };
    }
    throw error;
  }
  try {
    const [{ records }, read] = await Promise.all([readRunLog(layout.runLog), readAlertState(layout.alerts, layout.corruptDir)]);
    if (read.corrupt) options.log(`alerts: ${read.corrupt.file} was unreadable (${read.corrupt.reason}); moved to ${read.corrupt.movedTo}`);
    const state: AlertStateFile = read.state ?? { conditions: NO_CONDITIONS, evaluatedAt: now().toISOString(), pending: [], history: [] };
    const status = runStatus(records, now(), { staleAfterMs: options.staleAfterMs ?? config.alerts.staleAfterMs, anomalyFactor: config.alerts.anomalyFactor, degradedAfter: config.alerts.degradedAfter });
    const conditions = conditionsOf(status);
    const events = transitions(state.conditions, conditions).filter((e) => config.alerts.on.includes(e));
    const where = { dataDir: layout.root, config: config.path };
    const work: { alert: Alert; channel: AlertChannel; firstFailedAt?: string }[] = [];

    for (const p of state.pending) {
      const channel = channels.find((c) => c.kind === p.channel);
      if (!channel) continue;
      if (now().getTime() - Date.parse(p.firstFailedAt) > PENDING_FOR_MS) {
        options.log(`alert ${p.alert.event} → ${channelName(channel)}: undelivered for a day; dropped (last error: ${p.error})`);
        continue;
      }
      work.push({ alert: p.alert, channel, firstFailedAt: p.firstFailedAt });
    }
    for (const event of events) {
      const alert = buildAlert(event, status, where, now());
      for (const channel of channels) work.push({ alert, channel });
    }

    const sendOptions = { env: options.env, retries: config.alerts.retries, timeoutMs: config.alerts.timeoutMs, sleep: options.sleep, backoffMs: options.backoffMs, log: options.log };
    // Channels in parallel, alerts to one channel in order (a failure before its recovery).
    const byChannel = new Map<AlertChannel, typeof work>();
    for (const w of work) byChannel.set(w.channel, [...(byChannel.get(w.channel) ?? []), w]);
    const results = await Promise.all(
      [...byChannel].map(async ([channel, items]) => {
        const out: { item: (typeof work)[number]; delivery: Delivery }[] = [];
        for (const item of items) out.push({ item, delivery: await deliver(channel, item.alert, sendOptions) });
        return out;
      }),
    );

    const pending: AlertStateFile['pending'] = [];
    const history: AlertDeliveryRecord[] = [...state.history];
    const deliveries: NotifyResult['deliveries'] = [];
    for (const { item, delivery } of results.flat()) {
      const at = now().toISOString();
      history.push({ at, event: item.alert.event, alert: item.alert.id, channel: delivery.channel, ok: delivery.ok, attempts: delivery.attempts, ...(delivery.error ? { error: delivery.error } : {}) });
      deliveries.push({ ...delivery, event: item.alert.event });
      const name = channelName(item.channel);
      if (delivery.ok) options.log(`alert ${item.alert.event} sent to ${name}${delivery.attempts > 1 ? ` (attempt ${delivery.attempts})` : ''}`);
      else {
        options.log(`alert ${item.alert.event} → ${name} failed after ${delivery.attempts} attempt(s): ${delivery.error}; will try again at the next run or check`);
        pending.push({ alert: item.alert, channel: item.channel.kind, firstFailedAt: item.firstFailedAt ?? at, error: delivery.error ?? 'failed' });
      }
    }
    await writeAlertState(layout.alerts, { conditions, evaluatedAt: now().toISOString(), pending, history });
    return { events, deliveries, status };
  } finally {
    await lock.release();
  }
}

/** notifyOnChange for callers that must not fail because of alerts (after a snapshot run). */
export async function notifyAfterRun(config: Config, options: NotifyOptions): Promise<NotifyResult> {
  try {
    return await notifyOnChange(config, options);
  } catch (error) {
    options.log(`alerts: not evaluated: ${errorMessage(error)} (${path.join(config.dataDir, 'alerts.json')})`);
    return { events: [], deliveries: [] };
  }
}
