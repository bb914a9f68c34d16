import { snapshotFiles } from './layout.js';
import type { DeploymentEvent } from '../core/snapshot-schema.js';
import { writeFileAtomic } from './atomic.js';
import { jsonChunks } from './json-chunks.js';
import { readJsonOrSetAside } from './read-json.js';
import { readRegularFile } from '../util/read-file.js';
import { readSnapshotFile } from './snapshots.js';

/**
 * The release history: every deployment snap has seen, oldest first, deduplicated by event id, and
 * rewritten whole (atomically) on each change, never appended in place.
 */
export const RELEASES_FORMAT = 1;

interface ReleasesFile {
  format: number;
  events: DeploymentEvent[];
}

export interface ReleasesUpdate {
  added: number;
  /** Events this run settled further: a rollback verdict decided, or a rollout's state brought up to date. */
  updated: number;
  /** Events in the history still unsettled: rollback `unknown`, or a rollout not yet complete (the next run looks again). */
  unsettled: number;
  total: number;
  /** Every event in the history after the update. */
  events: DeploymentEvent[];
  /** The file was unreadable and set aside; the history was rebuilt from `recovered` events (the snapshot files) and this run's. */
  /** The file was missing and older snapshot files recorded deployments: this many were recovered from them. */
  rebuilt?: number;
  corrupt?: { movedTo: string; reason: string; recovered: number };
}

const check = (v: unknown) => (Array.isArray((v as ReleasesFile | null)?.events) ? undefined : 'no "events" list');

/** An event a later run looks at again: its rollback verdict is unknown, or its rollout had not completed. */
const unsettled = (e: DeploymentEvent | undefined) => e?.rollback === 'unknown' || (e?.rolloutStatus !== undefined && !e.rolloutStatus.final);

/** What a later run may change in an event: compared to tell an update from the same event. */
const settledPart = (e: DeploymentEvent) => JSON.stringify([e.rollback, e.rollbackReason ?? '', e.rolloutStatus ?? null, e.completedAt ?? '']);

/**
 * Reads the events of the release history that a later run may settle — a rollback verdict that is
 * `unknown`, or a rollout that had not completed (at most `limit`, the most recent). An unreadable or
 * missing file has none.
 */
export async function unsettledReleases(file: string, limit = 1000): Promise<DeploymentEvent[]> {
  try {
    const value = JSON.parse(await readRegularFile(file, 256 * 1048576)) as ReleasesFile;
    return Array.isArray(value?.events) ? value.events.filter(unsettled).slice(-limit) : [];
  } catch {
    return [];
  }
}

/**
 * Adds `events` not yet in the history (by id) and replaces those in `updates` (settled later: same
 * id, a decided rollback verdict or a rollout state brought up to date), rewriting the file
 * atomically when anything changed. Oldest first; events with no time yet last.
 * An unreadable file is set aside (see read-json.ts) and the history starts again from `events`.
 */
export async function appendReleases(
  file: string,
  corruptDir: string,
  events: readonly DeploymentEvent[],
  updates: readonly DeploymentEvent[] = [],
  recover?: () => Promise<DeploymentEvent[]>,
): Promise<ReleasesUpdate> {
  const read = await readJsonOrSetAside<ReleasesFile>(file, corruptDir, check);
  // An unreadable history is set aside and rebuilt from what is left (the snapshot files), never emptied;
  // so is a missing one (deleted by hand) when older snapshot files recorded deployments.
  const recovered = read.status !== 'ok' && recover ? await recover() : [];
  const given = new Set(events.map((e) => e.id));
  const rebuilt = read.status === 'missing' ? recovered.filter((e) => !given.has(e.id)).length : 0;
  const byId = new Map(updates.map((u) => [u.id, u]));
  let updated = 0;
  const existing = (read.status === 'ok' ? read.value.events : recovered.filter((e) => read.status === 'corrupt' || !given.has(e.id))).map((e) => {
    const u = byId.get(e.id);
    if (!u || settledPart(u) === settledPart(e)) return e;
    updated++;
    return { ...u, ...(e.snapshot ? { snapshot: e.snapshot } : {}) };
  });
  const ids = new Set(existing.map((e) => e.id));
  const fresh = events.filter((e) => !ids.has(e.id) && ids.add(e.id));
  const all = [...existing, ...fresh].sort((a, b) => (a.at ?? '\uffff').localeCompare(b.at ?? '\uffff') || a.id.localeCompare(b.id));
  const result: ReleasesUpdate = {
    added: fresh.length,
    updated,
    unsettled: all.filter(unsettled).length,
    total: all.length,
    events: all,
    ...(read.status === 'corrupt' ? { corrupt: { movedTo: read.corrupt.movedTo, reason: read.corrupt.reason, recovered: recovered.length } } : {}),
    ...(rebuilt > 0 ? { rebuilt } : {}),
  };
  if (fresh.length === 0 && updated === 0 && read.status !== 'corrupt' && rebuilt === 0) return result;
  // Compact, written event by event: at L the history holds tens of thousands of events with what each
  // shipped, and one pretty-printed string of it would be the largest allocation of the run.
  await writeFileAtomic(file, (function* () {
    yield* jsonChunks({ format: RELEASES_FORMAT, events: all } satisfies ReleasesFile, 3);
    yield '\n';
  })());
  return result;
}

/**
 * The deployments the snapshot files in `dir` recorded (each snapshot's `deployments`, with its id),
 * oldest first, deduplicated by id: what can be recovered of a release history that was lost.
 * Unreadable files are skipped. Reads every file, one at a time (a repair, not a routine path).
 */
export async function deploymentsFromSnapshots(dir: string, except?: string): Promise<DeploymentEvent[]> {
  // `except`: the snapshot this run just wrote (its deployments are at hand; a large one is tens of MB).
  const files = (await snapshotFiles(dir)).filter((f) => f !== except);
  const byId = new Map<string, DeploymentEvent>();
  for (const name of files) {
    try {
      const snapshot = (await readSnapshotFile(`${dir}/${name}`)) as { id?: string; deployments?: DeploymentEvent[] };
      for (const e of snapshot.deployments ?? []) if (e?.id && !byId.has(e.id)) byId.set(e.id, { ...e, ...(snapshot.id ? { snapshot: snapshot.id } : {}) });
    } catch {
      // unreadable: nothing to recover from it
    }
  }
  return [...byId.values()];
}
