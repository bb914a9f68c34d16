import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isSnapshotFileName, snapshotFileStem, snapshotFiles, type DataLayout } from './layout.js';

export interface RetentionPolicy {
  keep?: number;
  maxAgeDays?: number;
}

/** Snapshot file name → its time (names are `2026-11-24T18-46-57.012Z.json.gz`, or `.json`). */
const timeOf = (name: string) => Date.parse(snapshotFileStem(name).replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'));

/**
 * Which snapshot files to delete: older than `maxAgeDays`, or beyond the newest `keep`. Never the
 * newest one, and never one the release history refers to (the snapshot that recorded a deployment).
 * Pure: `files` are names in the snapshots folder, `referenced` are snapshot file names to keep.
 */
export function expiredSnapshots(files: readonly string[], policy: RetentionPolicy, referenced: ReadonlySet<string>, now: Date): string[] {
  if (!policy.keep && !policy.maxAgeDays) return [];
  const sorted = files.filter((f) => isSnapshotFileName(f) && Number.isFinite(timeOf(f))).sort((a, b) => snapshotFileStem(a).localeCompare(snapshotFileStem(b)));
  const newest = sorted.at(-1);
  const cutoff = policy.maxAgeDays ? now.getTime() - policy.maxAgeDays * 86_400_000 : -Infinity;
  const beyondCount = policy.keep ? new Set(sorted.slice(0, Math.max(0, sorted.length - policy.keep))) : new Set<string>();
  return sorted.filter((f) => f !== newest && !referenced.has(f) && (beyondCount.has(f) || timeOf(f) < cutoff));
}

/** Applies the policy to the data directory (under the run's lock). `referenced`: snapshot file names the release history needs. Returns the files deleted. */
export async function applyRetention(layout: DataLayout, policy: RetentionPolicy, referenced: ReadonlySet<string>, now: Date): Promise<string[]> {
  if (!policy.keep && !policy.maxAgeDays) return [];
  const files = await snapshotFiles(layout.snapshotsDir);
  const expired = expiredSnapshots(files, policy, referenced, now);
  const deleted: string[] = [];
  for (const f of expired) {
    // One that cannot be deleted is tried again next run; retention never fails a run.
    if (await rm(path.join(layout.snapshotsDir, f), { force: true }).then(() => true, () => false)) deleted.push(f);
  }
  return deleted;
}
