import type { AlertConditions } from '../alerts/state.js';
import type { Alert } from '../alerts/message.js';
import type { AlertChannel } from '../config/types.js';
import { writeJsonAtomic } from './atomic.js';
import { readJsonOrSetAside, type CorruptFile } from './read-json.js';
import { readRegularFile } from '../util/read-file.js';

/** `alerts.json`: what the alerts remember between runs. */
export interface AlertStateFile {
  conditions: AlertConditions;
  evaluatedAt: string;
  /** Alerts whose delivery failed after every retry: tried again at each evaluation for a day. */
  pending: { alert: Alert; channel: AlertChannel['kind']; firstFailedAt: string; error: string }[];
  /** The newest deliveries, newest last. */
  history: AlertDeliveryRecord[];
}

export interface AlertDeliveryRecord {
  at: string;
  event: Alert['event'];
  alert: string;
  channel: AlertChannel['kind'];
  ok: boolean;
  attempts: number;
  error?: string;
}

const ALERT_HISTORY_MAX = 50;

export async function readAlertState(file: string, corruptDir: string): Promise<{ state?: AlertStateFile; corrupt?: CorruptFile }> {
  const read = await readJsonOrSetAside<AlertStateFile>(file, corruptDir, (v) =>
    v && typeof v === 'object' && 'conditions' in v && Array.isArray((v as AlertStateFile).pending) && Array.isArray((v as AlertStateFile).history) ? undefined : 'not an alert state file',
  );
  if (read.status === 'ok') return { state: read.value };
  return read.status === 'corrupt' ? { corrupt: read.corrupt } : {};
}

export async function writeAlertState(file: string, state: AlertStateFile): Promise<void> {
  await writeJsonAtomic(file, { ...state, history: state.history.slice(-ALERT_HISTORY_MAX) });
}

/** For readers that change nothing (`snap status`): the last delivery and how many wait, or nothing known. */
export async function peekAlertState(file: string): Promise<{ lastDelivery?: AlertDeliveryRecord; pending: number }> {
  try {
    const state = JSON.parse(await readRegularFile(file, 256 * 1048576)) as AlertStateFile;
    return { lastDelivery: state.history.at(-1), pending: state.pending.length };
  } catch {
    return { pending: 0 };
  }
}
