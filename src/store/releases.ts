import { readFile } from 'node:fs/promises';
import type { DeploymentEvent } from '../core/snapshot-schema.js';
import { writeJsonAtomic } from './atomic.js';
import { readJsonOrSetAside } from './read-json.js';

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
  /** Events whose rollback verdict, `unknown` before, was decided by this run. */
  updated: number;
  /** Events in the history whose rollback verdict is still `unknown` (the next run tries them again). */
  unsettled: number;
  total: number;
  /** Every event in the history after the update. */
  events: DeploymentEvent[];
  /** The file was unreadable and set aside; it starts again from this run's events. */
  corrupt?: { movedTo: string; reason: string };
}

const check = (v: unknown) => (Array.isArray((v as ReleasesFile | null)?.events) ? undefined : 'no "events" list');

/**
 * Reads the events of the release history whose rollback verdict is `unknown` (at most `limit`, the
 * most recent), for the next run to decide again. An unreadable or missing file has none.
 */
export async function unsettledReleases(file: string, limit = 1000): Promise<DeploymentEvent[]> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as ReleasesFile;
    return Array.isArray(value?.events) ? value.events.filter((e) => e?.rollback === 'unknown').slice(-limit) : [];
  } catch {
    return [];
  }
}

/**
 * Adds `events` not yet in the history (by id) and replaces those in `updates` (a verdict decided
 * later: same id, the new rollback and reason), rewriting the file atomically when anything changed.
 * An unreadable file is set aside (see read-json.ts) and the history starts again from `events`.
 */
export async function appendReleases(file: string, corruptDir: string, events: readonly DeploymentEvent[], updates: readonly DeploymentEvent[] = []): Promise<ReleasesUpdate> {
  const read = await readJsonOrSetAside<ReleasesFile>(file, corruptDir, check);
  const byId = new Map(updates.map((u) => [u.id, u]));
  let updated = 0;
  const existing = (read.status === 'ok' ? read.value.events : []).map((e) => {
    const u = byId.get(e.id);
    if (!u || u.rollback === e.rollback) return e;
    updated++;
    return { ...u, ...(e.snapshot ? { snapshot: e.snapshot } : {}) };
  });
  const ids = new Set(existing.map((e) => e.id));
  const fresh = events.filter((e) => !ids.has(e.id) && ids.add(e.id));
  const all = [...existing, ...fresh].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.id.localeCompare(b.id));
  const result: ReleasesUpdate = { added: fresh.length, updated, unsettled: all.filter((e) => e.rollback === 'unknown').length, total: all.length, events: all, ...(read.status === 'corrupt' ? { corrupt: { movedTo: read.corrupt.movedTo, reason: read.corrupt.reason } } : {}) };
  if (fresh.length === 0 && updated === 0 && read.status !== 'corrupt') return result;
  await writeJsonAtomic(file, { format: RELEASES_FORMAT, events: all } satisfies ReleasesFile);
  return result;
}
