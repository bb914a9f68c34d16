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
  total: number;
  /** Every event in the history after the update. */
  events: DeploymentEvent[];
  /** The file was unreadable and set aside; it starts again from this run's events. */
  corrupt?: { movedTo: string; reason: string };
}

const check = (v: unknown) => (Array.isArray((v as ReleasesFile | null)?.events) ? undefined : 'no "events" list');

export async function appendReleases(file: string, corruptDir: string, events: readonly DeploymentEvent[]): Promise<ReleasesUpdate> {
  const read = await readJsonOrSetAside<ReleasesFile>(file, corruptDir, check);
  const existing = read.status === 'ok' ? read.value.events : [];
  const ids = new Set(existing.map((e) => e.id));
  const fresh = events.filter((e) => !ids.has(e.id) && ids.add(e.id));
  const all = [...existing, ...fresh].sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.id.localeCompare(b.id));
  const result: ReleasesUpdate = { added: fresh.length, total: all.length, events: all, ...(read.status === 'corrupt' ? { corrupt: { movedTo: read.corrupt.movedTo, reason: read.corrupt.reason } } : {}) };
  if (fresh.length === 0 && read.status !== 'corrupt') return result;
  await writeJsonAtomic(file, { format: RELEASES_FORMAT, events: all } satisfies ReleasesFile);
  return result;
}
