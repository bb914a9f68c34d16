import path from 'node:path';
import { READABLE_SCHEMA_VERSIONS, SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../core/snapshot-schema.js';
import { rm, stat } from 'node:fs/promises';
import { copyFileAtomic, writeFileAtomic } from './atomic.js';
import { jsonChunks } from './json-chunks.js';
import { snapshotFileName, type DataLayout } from './layout.js';
import { readJsonOrSetAside, type ReadJsonResult } from './read-json.js';

/** Cheap structural check: enough to tell a snapshot from garbage without validating every field. */
export function checkSnapshot(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const v = value as Partial<Snapshot>;
  if (!READABLE_SCHEMA_VERSIONS.includes(v.schemaVersion as number)) return `schemaVersion is ${JSON.stringify(v.schemaVersion)}, expected ${SNAPSHOT_SCHEMA_VERSION}`;
  if (typeof v.id !== 'string' || typeof v.takenAt !== 'string' || !v.projects || typeof v.projects !== 'object') return 'missing id, takenAt or projects';
  return undefined;
}

/**
 * Writes the snapshot file, then latest.json (a copy); each atomically. Compact JSON, written member
 * by member: a large organisation's snapshot never has to exist as one string, and `jq .` prints it
 * readably. Returns the snapshot's path and size. When latest.json cannot be written the snapshot
 * file is removed again before the error (WRITE_FAILED naming latest.json) is thrown: a failed run
 * leaves no snapshot that latest.json and the run log do not know.
 */
export async function writeSnapshot(layout: DataLayout, snapshot: Snapshot): Promise<{ file: string; bytes: number }> {
  const file = path.join(layout.snapshotsDir, snapshotFileName(snapshot.takenAt));
  await writeFileAtomic(file, (function* () {
    yield* jsonChunks(snapshot, 3);
    yield '\n';
  })());
  try {
    await copyFileAtomic(file, layout.latest);
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { file, bytes: (await stat(file)).size };
}

export async function readLatest(layout: DataLayout): Promise<ReadJsonResult<Snapshot>> {
  return readJsonOrSetAside<Snapshot>(layout.latest, layout.corruptDir, checkSnapshot);
}
