import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
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
import { readRegularFile } from '../util/read-file.js';

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

    const sendOptions = sendOptionsOf(config, options);
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

/** While the data directory stays unusable, its alert is sent again after this long (not at every run). */
export const UNUSABLE_REPEAT_MS = 6 * 3_600_000;

/** Errors that stop a run before it can write anything, its run log included. */
export const DATA_DIR_FAILURES = new Set(['DATA_DIR_UNUSABLE', 'WRITE_FAILED', 'LOCK_UNUSABLE']);

interface UnusableMarker {
  dataDir: string;
  since: string;
  sentAt?: string;
  code: string;
}

/**
 * Where the fact "this data directory is unusable" is kept while it is: outside it (it may not exist),
 * in the system's temp directory, one small file per data directory. A CronJob pod starts with an empty
 * temp directory, so there the alert is sent at every run while it lasts.
 */
export function unusableMarkerFile(dataDir: string): string {
  return path.join(tmpdir(), `snap-unusable-${createHash('sha1').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}.json`);
}

/**
 * A run that could not use its data directory at all (an unmounted volume, a read-only or full disk, a
 * lock that is no file): nothing can go in its run log or its alert state, so the alert is sent from
 * here — a `failure` naming the error and its fix, to every channel, again after `UNUSABLE_REPEAT_MS`
 * while it lasts. The next run that can use the directory sends the `recovery` (`recoverDataDir`).
 * Never throws.
 */
export async function notifyDataDirUnusable(config: Config, error: SnapError, options: NotifyOptions): Promise<NotifyResult> {
  const { channels } = config.alerts;
  if (channels.length === 0 || !config.alerts.on.includes('failure')) return { events: [], deliveries: [] };
  const now = options.now ?? (() => new Date());
  const file = unusableMarkerFile(config.dataDir);
  const marker = await readMarker(file);
  const since = marker?.since ?? now().toISOString();
  if (marker?.sentAt && now().getTime() - Date.parse(marker.sentAt) < UNUSABLE_REPEAT_MS) {
    options.log(`alerts: the data directory is still unusable; the alert sent at ${marker.sentAt} is repeated after ${UNUSABLE_REPEAT_MS / 3_600_000} h`);
    return { events: [], deliveries: [] };
  }
  const alert: Alert = {
    id: `failure:data-dir:${since}`,
    event: 'failure',
    severity: 'critical',
    title: 'snap: the data directory is unusable',
    lines: [
      `${error.code}: ${error.message}`,
      ...(error.hint ? [`What to do: ${error.hint}`] : []),
      `Since ${since}. No run can be recorded until it is usable again; this alert is repeated every ${UNUSABLE_REPEAT_MS / 3_600_000} hours while it lasts.`,
    ],
    at: now().toISOString(),
    host: hostname(),
    dataDir: config.dataDir,
    config: config.path,
    status: { health: 'failing', problems: [error.message], lastError: { at: since, code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } },
  };
  const deliveries = await deliverToAll(config, alert, options, 'the data directory is unusable');
  const sent = deliveries.some((d) => d.ok);
  await writeFile(file, JSON.stringify({ dataDir: path.resolve(config.dataDir), since, code: error.code, ...(sent ? { sentAt: alert.at } : {}) } satisfies UnusableMarker)).catch(() => undefined);
  return { events: ['failure'], deliveries };
}

/**
 * After a run that could use the data directory again: the `recovery` for a `notifyDataDirUnusable`
 * alert sent from this machine, and the marker removed. Nothing when there was none. Never throws.
 */
export async function recoverDataDir(config: Config, options: NotifyOptions): Promise<NotifyResult> {
  const file = unusableMarkerFile(config.dataDir);
  const marker = await readMarker(file);
  if (!marker) return { events: [], deliveries: [] };
  await rm(file, { force: true }).catch(() => undefined);
  const { channels } = config.alerts;
  if (!marker.sentAt || channels.length === 0 || !config.alerts.on.includes('recovery')) return { events: [], deliveries: [] };
  const now = options.now ?? (() => new Date());
  const alert: Alert = {
    id: `recovery:data-dir:${marker.since}`,
    event: 'recovery',
    severity: 'resolved',
    title: 'snap: the data directory is usable again',
    lines: [`It was unusable (${marker.code}) from ${marker.since}; a run has used it again.`],
    at: now().toISOString(),
    host: hostname(),
    dataDir: config.dataDir,
    config: config.path,
    status: { health: 'ok', problems: [] },
  };
  return { events: ['recovery'], deliveries: await deliverToAll(config, alert, options, 'the data directory is usable again') };
}

/** How deliveries are made: the config's retries and time limit, the caller's environment, sleep and log. */
function sendOptionsOf(config: Config, options: NotifyOptions) {
  return { env: options.env, retries: config.alerts.retries, timeoutMs: config.alerts.timeoutMs, sleep: options.sleep, backoffMs: options.backoffMs, log: options.log };
}

/** One alert to every channel at once, each outcome logged (`why` says what it is about). */
async function deliverToAll(config: Config, alert: Alert, options: NotifyOptions, why: string): Promise<NotifyResult['deliveries']> {
  const { channels } = config.alerts;
  const deliveries = await Promise.all(channels.map((channel) => deliver(channel, alert, sendOptionsOf(config, options))));
  return deliveries.map((d, i) => {
    const name = channelName(channels[i]!);
    options.log(d.ok ? `alert ${alert.event} sent to ${name} (${why})` : `alert ${alert.event} → ${name} failed after ${d.attempts} attempt(s): ${d.error}`);
    return { ...d, event: alert.event };
  });
}

async function readMarker(file: string): Promise<UnusableMarker | undefined> {
  try {
    const value = JSON.parse(await readRegularFile(file, 65536)) as UnusableMarker;
    return typeof value.since === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
