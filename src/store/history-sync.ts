import path from 'node:path';
import type { DeploymentEvent, Snapshot } from '../core/snapshot-schema.js';
import { readRegularFile } from '../util/read-file.js';
import type { HistoryIndex } from './history-index.js';
import { snapshotFileStem, snapshotFiles, type DataLayout } from './layout.js';
import { MAX_DATA_FILE_BYTES } from './read-json.js';
import type { RunRecord } from './run-log.js';
import { deltaBaseOf, fingerprintSnapshot, readSnapshotFile } from './snapshots.js';

/**
 * Keeping the history index (history-index.ts) in line with the record — the snapshot files,
 * releases.json and runs.jsonl —: bringing it up to date when it is opened, and rebuilding it.
 */

/** A snapshot file (either form), parsed; undefined when it cannot be read or is not a snapshot. */
async function readSnapshotOrNothing(file: string): Promise<Snapshot | undefined> {
  try {
    const value = (await readSnapshotFile(file)) as Snapshot;
    return value && typeof value === 'object' && typeof value.id === 'string' && typeof value.takenAt === 'string' && value.projects ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface IndexSync {
  /** Snapshot files read into the index. */
  added: number;
  /** Snapshots whose files are gone (retention, or removed by hand). */
  forgotten: number;
  /** The index was rebuilt from the files (missing, unreadable, or out of order with them). */
  rebuilt?: string;
  /** Snapshot files that could not be read (moved to corrupt/). */
  unreadable: string[];
}

/**
 * Brings the index in line with the files: snapshot files newer than the newest indexed one are read
 * in (a run stopped after writing its snapshot), rows whose file is gone are marked so, and an index
 * that is new, or lacks a file older than its newest, is rebuilt from every file, releases.json and
 * runs.jsonl. Cheap when they agree: one directory listing and one query.
 */
export async function syncIndex(index: HistoryIndex, layout: DataLayout, options: { fresh?: boolean; reason?: string } = {}): Promise<IndexSync> {
  const files = await snapshotFiles(layout.snapshotsDir);
  const indexed = index.indexedFiles();
  const present = new Set(files);
  const gone = [...indexed].filter((f) => !present.has(f));
  const unknown = files.filter((f) => !indexed.has(f));
  const newest = [...indexed].map(snapshotFileStem).sort().at(-1) ?? '';
  const outOfOrder = index.outOfOrder();
  if (options.fresh || outOfOrder || unknown.some((f) => snapshotFileStem(f) < newest)) {
    const rebuilt = await rebuildIndex(index, layout);
    return { added: rebuilt.snapshots, forgotten: 0, rebuilt: options.reason ?? (options.fresh ? 'the index was missing' : outOfOrder ? `a snapshot was indexed out of time order: ${outOfOrder}` : 'snapshot files the index did not know'), unreadable: rebuilt.unreadable };
  }
  const unreadable: string[] = [];
  for (const name of unknown) {
    const file = path.join(layout.snapshotsDir, name);
    const snapshot = await readSnapshotOrNothing(file);
    if (snapshot) index.recordRun({ snapshot, file: name, bytes: 0, base: await deltaBaseOf(file), deployments: (snapshot.deployments ?? []).map((d) => ({ ...d, snapshot: snapshot.id })) });
    else {
      unreadable.push(name);
      const { setAside } = await import('./read-json.js');
      await setAside(file, layout.corruptDir, 'not a readable snapshot').catch(() => undefined);
    }
  }
  if (gone.length) index.recordRun({ removedFiles: gone });
  return { added: unknown.length - unreadable.length, forgotten: gone.length, unreadable };
}

/**
 * Rebuilds the index from the record: every snapshot file (oldest first: rows and ticket changes),
 * the release history (releases.json) and the run log (runs.jsonl). Unreadable files are skipped.
 * Reads one snapshot at a time.
 */
export async function rebuildIndex(index: HistoryIndex, layout: DataLayout): Promise<{ snapshots: number; deployments: number; runs: number; unreadable: string[] }> {
  const { stat } = await import('node:fs/promises');
  const { readRunLog } = await import('./run-log.js');
  const { setAside } = await import('./read-json.js');
  index.clear();
  let snapshots = 0;
  const unreadable: string[] = [];
  for (const name of await snapshotFiles(layout.snapshotsDir)) {
    const file = path.join(layout.snapshotsDir, name);
    const snapshot = await readSnapshotOrNothing(file);
    if (!snapshot) {
      // Unreadable (or a delta of an unreadable keyframe): set aside, so that it is not met again.
      unreadable.push(name);
      await setAside(file, layout.corruptDir, 'not a readable snapshot').catch(() => undefined);
      continue;
    }
    const bytes = (await stat(file).catch(() => undefined))?.size ?? 0;
    index.recordRun({ snapshot, file: name, bytes, base: await deltaBaseOf(file), deployments: (snapshot.deployments ?? []).map((d) => ({ ...d, snapshot: snapshot.id })) });
    snapshots++;
  }
  // latest.json holds a newer snapshot than every readable file (its file, or its keyframe, was lost):
  // indexed without a file, so that it is still read, from latest.json.
  const latest = (await readSnapshotOrNothing(layout.latest)) as Snapshot | undefined;
  if (latest && latest.takenAt > (index.newest()?.takenAt ?? '') && !index.snapshots().some((x) => x.id === latest.id)) {
    index.recordRun({ snapshot: latest, file: '', bytes: 0, deployments: (latest.deployments ?? []).map((d) => ({ ...d, snapshot: latest.id })) });
    snapshots++;
  }
  let deployments = 0;
  try {
    const releases = JSON.parse(await readRegularFile(layout.releases, MAX_DATA_FILE_BYTES)) as { events?: DeploymentEvent[] };
    if (Array.isArray(releases.events)) {
      index.recordRun({ deployments: releases.events });
      deployments = releases.events.length;
    }
  } catch {
    // no release history: the snapshots' own deployments are what there is
  }
  const log = await readRunLog(layout.runLog).catch(() => ({ records: [] as RunRecord[] }));
  index.transaction(() => {
    for (const run of log.records) index.recordRun({ run });
  });
  // The newest snapshot's fingerprint again, so that the next run with nothing new writes no file.
  const newest = index.newest();
  if (newest?.file) {
    const snapshot = await readSnapshotOrNothing(path.join(layout.snapshotsDir, newest.file));
    if (snapshot) index.setFingerprint(newest.id, fingerprintSnapshot(snapshot));
  }
  return { snapshots, deployments: Math.max(deployments, index.deploymentCount()), runs: log.records.length, unreadable };
}
