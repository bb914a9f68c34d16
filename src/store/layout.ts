import path from 'node:path';

/** Where everything lives inside the data directory. */
export interface DataLayout {
  root: string;
  snapshotsDir: string;
  latest: string;
  runLog: string;
  lock: string;
  corruptDir: string;
  /** Incremental caches (GitHub history), rebuilt when missing. */
  cacheDir: string;
  /** Release history: every deployment seen, deduplicated. */
  releases: string;
  /** What the next run compares against: the small part of latest.json it needs. */
  baseline: string;
  /** Alert conditions at the last evaluation, undelivered alerts, recent deliveries. */
  alerts: string;
  /** Held while alerts are evaluated and sent, so two processes never send the same alert. */
  alertsLock: string;
}

export function dataLayout(root: string): DataLayout {
  return {
    root,
    snapshotsDir: path.join(root, 'snapshots'),
    latest: path.join(root, 'latest.json'),
    runLog: path.join(root, 'runs.jsonl'),
    lock: path.join(root, 'lock'),
    corruptDir: path.join(root, 'corrupt'),
    cacheDir: path.join(root, 'cache'),
    releases: path.join(root, 'releases.json'),
    baseline: path.join(root, 'baseline.json'),
    alerts: path.join(root, 'alerts.json'),
    alertsLock: path.join(root, 'alerts.lock'),
  };
}

/** A snapshot file's name: gzip-compressed JSON (`.json.gz`, readable with zcat), or plain JSON (`.json`, written before 0.2). */
export const isSnapshotFileName = (name: string): boolean => name.endsWith('.json') || name.endsWith('.json.gz');

/** The time part of a snapshot file name, without its extension: names compare by it. */
export const snapshotFileStem = (name: string): string => name.replace(/\.json(\.gz)?$/, '');

/**
 * The snapshot files in `dir`, by time (oldest first): regular files named `*.json.gz` or `*.json`, one
 * per snapshot (the compressed one when both are there) — a folder or a link named like a snapshot is
 * not one. Empty when the folder is missing or unreadable.
 */
export async function snapshotFiles(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // One file per snapshot: a plain copy beside the compressed one (what `gunzip -k` leaves) is not another.
  const byStem = new Map<string, string>();
  for (const e of entries) {
    if (!e.isFile() || !isSnapshotFileName(e.name)) continue;
    const stem = snapshotFileStem(e.name);
    if (!byStem.has(stem) || e.name.endsWith('.gz')) byStem.set(stem, e.name);
  }
  return [...byStem].sort((a, b) => a[0].localeCompare(b[0])).map(([, name]) => name);
}

/** Snapshot file names sort by time: 2026-11-24T18-32-28.123Z.json.gz (`compressed` false: the .json of earlier versions). */
export function snapshotFileName(takenAt: string, compressed = true): string {
  return `${takenAt.replaceAll(':', '-')}.json${compressed ? '.gz' : ''}`;
}

/**
 * Refuses a data directory with a symbolic link to a folder inside it (snapshots, cache, corrupt, or a
 * folder of the cache): writes, retention and setting corrupt files aside would happen wherever it
 * points. Links to files are harmless (they are replaced, not followed). Throws a usage error (exit 2)
 * naming the link and the fix. Reads a handful of folders: cheap enough for every run.
 */
export async function checkConfinement(layout: DataLayout): Promise<void> {
  const { lstat, readdir, readlink } = await import('node:fs/promises');
  const { SnapError, ExitCode } = await import('../errors.js');
  const refuse = async (dir: string) => {
    const target = await readlink(dir).catch(() => '?');
    throw new SnapError('DATA_DIR_SYMLINK', `${dir} is a symbolic link (to ${target}); snap does not follow links inside its data directory`, {
      exitCode: ExitCode.usage,
      hint: `replace it with a directory (rm ${JSON.stringify(dir)}), or point --data-dir at the volume itself`,
    });
  };
  const check = async (dir: string, mustBeFolder = true) => {
    const stats = await lstat(dir).catch(() => undefined);
    if (stats?.isSymbolicLink()) await refuse(dir);
    if (stats && !stats.isDirectory() && mustBeFolder) {
      // A file where snap keeps a folder (snapshots/, cache/, corrupt/): nothing there can be written.
      throw new SnapError('DATA_DIR_UNUSABLE', `${dir} is a file, where snap keeps a folder`, {
        exitCode: ExitCode.failed,
        hint: `move it out of the data directory (mv ${JSON.stringify(dir)} /tmp/); snap makes the folder again`,
      });
    }
    return stats?.isDirectory() ?? false;
  };
  for (const dir of [layout.snapshotsDir, layout.corruptDir]) await check(dir);
  if (!(await check(layout.cacheDir))) return;
  // cache/<source>/<owner>/<repository>.json
  for (const source of await readdir(layout.cacheDir).catch(() => [] as string[])) {
    const sourceDir = path.join(layout.cacheDir, source);
    if (!(await check(sourceDir, false))) continue;
    for (const owner of await readdir(sourceDir).catch(() => [] as string[])) await check(path.join(sourceDir, owner), false);
  }
}
