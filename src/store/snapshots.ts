import path from 'node:path';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../core/snapshot-schema.js';
import { writeFileAtomic } from './atomic.js';
import { snapshotFileName, type DataLayout } from './layout.js';
import { readJsonOrSetAside, type ReadJsonResult } from './read-json.js';

/** Cheap structural check: enough to tell a snapshot from garbage without validating every field. */
export function checkSnapshot(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const v = value as Partial<Snapshot>;
  if (v.schemaVersion !== SNAPSHOT_SCHEMA_VERSION) return `schemaVersion is ${JSON.stringify(v.schemaVersion)}, expected ${SNAPSHOT_SCHEMA_VERSION}`;
  if (typeof v.id !== 'string' || typeof v.takenAt !== 'string' || !v.projects || typeof v.projects !== 'object') return 'missing id, takenAt or projects';
  return undefined;
}

/** Writes the snapshot file, then latest.json; each atomically. Returns the snapshot's file path. */
export async function writeSnapshot(layout: DataLayout, snapshot: Snapshot): Promise<string> {
  const file = path.join(layout.snapshotsDir, snapshotFileName(snapshot.takenAt));
  const text = `${JSON.stringify(snapshot, null, 2)}\n`;
  await writeFileAtomic(file, text);
  await writeFileAtomic(layout.latest, text);
  return file;
}

export async function readLatest(layout: DataLayout): Promise<ReadJsonResult<Snapshot>> {
  return readJsonOrSetAside<Snapshot>(layout.latest, layout.corruptDir, checkSnapshot);
}
