import { ExitCode, SnapError, usageError } from '../errors.js';
import type { IndexedSnapshot } from '../store/history-index.js';

/** A snapshot reference resolved: one of the history, or a file given by path. */
/** A resolved reference; `note`: something the reader should be told (a time in the future). */
export type SnapshotRef = { kind: 'indexed'; entry: IndexedSnapshot; note?: string } | { kind: 'file'; path: string };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A point in time from the command line (ms since the epoch): an ISO date or time (`2026-11-20`,
 * `2026-11-20T14:00Z`; a date alone — in any form, `2026/11/20`, `Nov 20 2026`, `last tuesday` — is its
 * first moment, UTC, as in ISO 8601 and git; a time without a zone is UTC), a duration
 * back from `now` (`30m`, `12h`, `7d`, `2w`), or words chrono-node understands (`2 days ago`,
 * `yesterday 14:00`, `last monday`). Throws a usage error naming `what` when it is none of these.
 */
export async function parseTime(text: string, now: Date, what: string): Promise<number> {
  const value = text.trim();
  const bad = () => usageError(`${what} "${text}" is not a time`, 'use a date (2026-11-20), a time (2026-11-20T14:00Z; UTC unless a zone is given), a duration back from now (30m, 12h, 7d, 2w) or words (2 days ago, yesterday)');
  if (value === '' || value.startsWith('-')) throw bad();
  const duration = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(value);
  if (duration) {
    const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[duration[2].toLowerCase() as 'm'];
    return now.getTime() - Number(duration[1]) * unit;
  }
  if (ISO_TIME.test(value)) {
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`;
    const ms = Date.parse(iso);
    // A day the month does not have (2026-02-30) is refused, not rolled over.
    const [year, month, day] = value.slice(0, 10).split('-').map(Number);
    const date = new Date(Date.UTC(year, month - 1, day));
    if (!Number.isFinite(ms) || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw bad();
    return ms;
  }
  // Words only: chrono-node is loaded when a time is not a date or a duration (it takes ~0.2 s to load).
  const chrono = await import('chrono-node');
  const [result] = chrono.parse(value, { instant: now, timezone: 'UTC' });
  const parsed = result?.start.date();
  if (!parsed || !Number.isFinite(parsed.getTime())) throw bad();
  // A date without a time of day (2026/11/20, Nov 20 2026, last tuesday) is its first moment, as an
  // ISO date is; chrono-node would take its noon.
  const start = result.start;
  if (!start.isCertain('hour') && start.get('hour') === 12 && start.get('minute') === 0 && start.get('second') === 0) return Date.UTC(parsed.getUTCFullYear(), parsed.getUTCMonth(), parsed.getUTCDate());
  return parsed.getTime();
}

/** How many snapshots before the newest `latest`, `latest~N`, `HEAD~N` or `~N` names; undefined for any other reference. */
export function relativeBack(ref: string): number | undefined {
  const text = ref.trim();
  if (/^(latest|HEAD)$/.test(text)) return 0;
  const m = /^(?:latest|HEAD)?~(\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Resolves a snapshot reference against the history (`snapshots` oldest first):
 * - `latest`, `latest~N` (N snapshots before the newest), or `~N` alone;
 * - a snapshot id (`20261124T184657Z-24004a`) or an unambiguous prefix of one;
 * - a time: `@2026-11-20`, `@2026-11-20T14:00Z`, `@{2 days ago}`, `@{yesterday}` — the snapshot in
 *   force then (the newest taken at or before it);
 * - a path to a snapshot file (`./snap.json`, anything with a `/` or ending in `.json`).
 * Throws SNAPSHOT_NOT_FOUND (exit 2) with the nearest snapshots when it names none.
 */
export async function resolveSnapshotRef(ref: string, snapshots: readonly IndexedSnapshot[], now: Date): Promise<SnapshotRef> {
  const text = ref.trim();
  const newest = snapshots.length - 1;
  const notFound = (message: string, hint?: string) => new SnapError('SNAPSHOT_NOT_FOUND', message, { exitCode: ExitCode.usage, hint: hint ?? nearestHint(snapshots) });
  const back = relativeBack(text);
  if (back !== undefined) {
    if (back > newest) throw notFound(`${text}: the history holds ${snapshots.length} snapshot(s), so latest~${newest} is the oldest`, `the oldest is ${snapshots[0]?.id} (${snapshots[0]?.takenAt})`);
    return { kind: 'indexed', entry: snapshots[newest - back] };
  }
  if (text.startsWith('@')) {
    const inner = text.slice(1).replace(/^\{(.*)\}$/, '$1');
    const at = await parseTime(inner, now, 'the time in');
    let found: IndexedSnapshot | undefined;
    for (const s of snapshots) if (Date.parse(s.takenAt) <= at) found = s;
    if (!found) throw notFound(`no snapshot was taken at or before ${new Date(at).toISOString()} (${text})`, `the oldest is ${snapshots[0]?.id} (${snapshots[0]?.takenAt})`);
    return { kind: 'indexed', entry: found, ...(at > now.getTime() ? { note: `${text} is in the future: this is the newest snapshot, ${found.id} (${found.takenAt})` } : {}) };
  }
  if (text.includes('/') || /\.json(\.gz)?$/.test(text)) return { kind: 'file', path: text };
  const exact = snapshots.find((s) => s.id === text);
  if (exact) return { kind: 'indexed', entry: exact };
  const prefixed = snapshots.filter((s) => s.id.startsWith(text));
  if (prefixed.length === 1) return { kind: 'indexed', entry: prefixed[0] };
  if (prefixed.length > 1) throw notFound(`${text} matches ${prefixed.length} snapshots (${prefixed.slice(-3).map((s) => s.id).join(', ')}…)`, 'give more of the id');
  throw notFound(`no snapshot named "${text}"`);
}

function nearestHint(snapshots: readonly IndexedSnapshot[]): string {
  const last = snapshots.slice(-3).reverse().map((s) => s.id).join(', ');
  return `use latest, latest~N, @DATE, @{2 days ago}, a snapshot id (newest: ${last}) or a file path; \`snap show --list\` lists them`;
}
