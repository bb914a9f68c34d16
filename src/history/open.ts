import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Snapshot } from '../core/snapshot-schema.js';
import type { SnapshotState } from './compare.js';
import { ExitCode, SnapError, errorMessage, usageError } from '../errors.js';
import { HistoryIndex, type IndexedSnapshot } from '../store/history-index.js';
import { syncIndex } from '../store/history-sync.js';
import { dataLayout, snapshotFiles, type DataLayout } from '../store/layout.js';
import { acquireLock } from '../store/lock.js';
import { readSnapshotFile } from '../store/snapshots.js';
import type { CommandIO, GlobalOptions } from '../commands/context.js';

/** What the read commands work from: the config, the data directory and its history index. */
export interface History {
  config: Config;
  layout: DataLayout;
  index: HistoryIndex;
  /** Notes for stderr: the index was rebuilt, or could not be brought up to date (a run holds the lock). */
  notes: string[];
  close(): void;
}

/**
 * Opens the history of the configured data directory for reading, with no network: the config (for
 * the data directory and the names in it) and the history index, brought in line with the snapshot
 * files first when the data directory's lock is free (a run in progress brings it up to date itself).
 * Throws NO_SNAPSHOTS (exit 2) when the data directory holds no snapshot, naming where it looked.
 */
export async function openHistory(options: GlobalOptions, io: CommandIO): Promise<History> {
  if (options.dataDir !== undefined && options.dataDir.trim() === '') throw usageError('--data-dir needs a directory (it was empty)', 'e.g. --data-dir .snap, or leave it out to use the config\'s dataDir');
  return openHistoryOf(await configFor(options, io), io);
}

/**
 * Opens the history of a loaded config's data directory, as openHistory does (the index brought in
 * line with the files when the lock is free). Throws NO_SNAPSHOTS, INDEX_FAILED or LOCKED.
 */
export async function openHistoryOf(config: Config, io: Pick<CommandIO, 'stderr'>): Promise<History> {
  const layout = dataLayout(config.dataDir);
  const exists = await stat(layout.snapshotsDir).then((s) => s.isDirectory(), () => false);
  if (!exists) throw noSnapshots(layout);
  const notes: string[] = [];
  let opened: ReturnType<typeof HistoryIndex.open>;
  let readOnly = false;
  try {
    opened = HistoryIndex.open(layout);
  } catch (error) {
    // A data directory this user may read but not write (another user's runs, a read-only mount): the index as it is.
    const code = String((error as { code?: string }).code ?? '');
    const denied = code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS';
    const asIs = denied ? (() => { try { return HistoryIndex.open(layout, { readonly: true }); } catch { return undefined; } })() : undefined;
    if (!asIs) {
      throw new SnapError('INDEX_FAILED', `the history index ${path.join(layout.root, 'index.sqlite')} cannot be opened: ${errorMessage(error)}`, {
        hint: denied ? `the data directory ${layout.root} cannot be written by this user, and the index cannot be read as it is: run the command as the user who runs snap run, or let this one write there` : 'snap index rebuild makes it again from the snapshot files',
      });
    }
    opened = asIs;
    readOnly = true;
    notes.push(`${layout.root} cannot be written by this user: the history index is read as it is, not brought up to date with the snapshot files`);
  }
  const { index } = opened;
  try {
    if (opened.setAside) notes.push(`${index.file} was unreadable (${opened.setAside.reason}); moved to ${opened.setAside.movedTo} and rebuilt`);
    let lock = readOnly ? undefined : await acquireLock(layout.lock, { command: 'snap (index)', waitMs: 0 }).catch(() => undefined);
    if (!lock && opened.fresh) {
      // No index to read while a run holds the directory: wait for it (the run writes the index as it ends), and say so now.
      io.stderr.write(`snap: the history index is missing and a snap run holds ${layout.root}; waiting up to 30 s for it to finish\n`);
      lock = await acquireLock(layout.lock, { command: 'snap (index)', waitMs: 30_000 }).catch(() => undefined);
    }
    if (lock) {
      try {
        const sync = await syncIndex(index, layout, { fresh: opened.fresh });
        if (sync.rebuilt && !opened.setAside) notes.push(`the history index was rebuilt (${sync.rebuilt}) from ${sync.added} snapshot file(s)`);
        if (sync.unreadable.length) notes.push(`${sync.unreadable.length} snapshot file(s) could not be read and were moved to ${layout.corruptDir} (${sync.unreadable.slice(0, 3).join(', ')}${sync.unreadable.length > 3 ? ', …' : ''})`);
      } finally {
        await lock.release();
      }
    } else if (opened.fresh) {
      throw new SnapError('LOCKED', 'the history index is missing and a snap run still holds the data directory after 30 s', { exitCode: ExitCode.locked, hint: 'try again when the run has finished (snap status shows the last run); the run writes the index as it ends' });
    }
    if (!index.newest() && index.snapshots().length === 0) throw noSnapshots(layout);
  } catch (error) {
    index.close();
    throw error;
  }
  return { config, layout, index, notes, close: () => index.close() };
}

/**
 * The config the read commands work with: the config file, or — when there is none and a data
 * directory is named (--data-dir, SNAP_DATA_DIR) — the projects, environments (in order) and services of
 * that directory's latest snapshot, which is all they need of it.
 */
async function configFor(options: GlobalOptions, io: CommandIO): Promise<Config> {
  const dataDir = options.dataDir ?? (io.env.SNAP_DATA_DIR || undefined);
  let file: string;
  try {
    file = await findConfigPath(options.config, io.env, io.cwd);
  } catch (error) {
    if (!(error instanceof SnapError && error.code === 'CONFIG_NOT_FOUND') || !dataDir) throw error;
    const root = path.resolve(io.cwd, dataDir);
    // latest.json, else the newest snapshot file that reads.
    let latest = (await readSnapshotFile(dataLayout(root).latest).catch(() => undefined)) as Snapshot | undefined;
    for (const name of latest ? [] : (await snapshotFiles(dataLayout(root).snapshotsDir)).reverse()) {
      latest = (await readSnapshotFile(path.join(dataLayout(root).snapshotsDir, name)).catch(() => undefined)) as Snapshot | undefined;
      if (latest?.projects) break;
    }
    if (!latest?.projects) throw noSnapshots(dataLayout(root));
    const projects = Object.entries(latest.projects).map(([name, p]) => ({
      name,
      environments: Object.keys(p.environments).map((env) => ({ name: env })),
      services: [...new Map(Object.values(p.environments).flatMap((e) => Object.entries(e.services).map(([service, s]) => [service, { name: service, repository: s.repository }] as const))).values()],
    }));
    return { dataDir: root, path: '', projects } as unknown as Config;
  }
  return (await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir })).config;
}

/**
 * NO_SNAPSHOTS (exit 2) for a data directory with no snapshot, with the likelier mistakes named: a
 * file given as the directory, or the folder that holds the data directory (`.snap`) given instead of it.
 */
export function noSnapshots(layout: DataLayout): SnapError {
  const root = layout.root;
  let hint = 'take one with `snap run` (or point --data-dir / --config at the data directory that has them)';
  if (!existsSync(root)) return new SnapError('NO_SNAPSHOTS', `the data directory ${root} does not exist`, { exitCode: ExitCode.usage, hint });
  try {
    if (statSync(root).isFile()) return new SnapError('NO_SNAPSHOTS', `${root} is a file, not a data directory`, { exitCode: ExitCode.usage, hint: 'point --data-dir at the folder that holds snapshots/ and latest.json' });
    if (existsSync(path.join(root, '.snap', 'snapshots'))) hint = `the data directory seems to be ${path.join(root, '.snap')}: --data-dir ${path.join(root, '.snap')}`;
    else if (path.basename(root) === 'snapshots' && existsSync(path.join(path.dirname(root), 'latest.json'))) hint = `that is the snapshots folder; the data directory is ${path.dirname(root)}: --data-dir ${path.dirname(root)}`;
  } catch {
    // not there at all: the general hint
  }
  return new SnapError('NO_SNAPSHOTS', `no snapshot in ${root} yet`, { exitCode: ExitCode.usage, hint });
}

/** Parsed keyframes of this process, shared by the deltas read (snap diff of two snapshots reads one keyframe once). */
const keyframes = new Map<string, unknown>();

/**
 * Reads a snapshot of the history; the newest from latest.json (plain JSON, whole) when it is that
 * snapshot. Throws SNAPSHOT_REMOVED (exit 2) when retention removed it, SNAPSHOT_UNREADABLE when it
 * cannot be read.
 */
export async function loadSnapshot(history: Pick<History, 'layout' | 'index'>, entry: IndexedSnapshot, options: { preferLatest?: boolean } = {}): Promise<Snapshot> {
  // The newest snapshot is latest.json too: read from there when asked (it is plain JSON), or when its file is gone.
  if (options.preferLatest || !entry.file) {
    const latest = (await readSnapshotFile(history.layout.latest).catch(() => undefined)) as Snapshot | undefined;
    if (latest?.id === entry.id) return latest;
  }
  if (!entry.file) {
    // Retention never removes the newest snapshot (nor latest.json): that one went by hand.
    if (history.index.newestId() === entry.id) {
      throw new SnapError('SNAPSHOT_REMOVED', `the file of the newest snapshot ${entry.id} (${entry.takenAt}) is gone, and latest.json does not hold it: removed by hand`, { exitCode: ExitCode.usage, hint: 'name an earlier one (snap show latest~1), or run snap run for a new one; its deployments are still in `snap releases`' });
    }
    throw new SnapError('SNAPSHOT_REMOVED', `the file of snapshot ${entry.id} (${entry.takenAt}) is gone: removed by the retention policy, or by hand`, { exitCode: ExitCode.usage, hint: 'its deployments are still in `snap releases`; keep more with retention.keep / retention.maxAgeDays' });
  }
  return readSnapshotAt(path.join(history.layout.snapshotsDir, entry.file));
}

/** Parsed members of keyframes read by loadSnapshotState in this process, shared by their deltas. */
const keyframeMembers = new Map<string, Record<string, unknown>>();

/**
 * What runs where in a snapshot of the history — its id, time and `projects` — read from its file
 * without the rest (store/snapshot-members.ts): a sixth of an L snapshot. Throws as loadSnapshot does.
 */
export async function loadSnapshotState(history: Pick<History, 'layout' | 'index'>, entry: IndexedSnapshot): Promise<SnapshotState> {
  if (!entry.file) return loadSnapshot(history, entry);
  const file = path.join(history.layout.snapshotsDir, entry.file);
  try {
    const { readSnapshotMembers } = await import('../store/snapshot-members.js');
    const value = (await readSnapshotMembers(file, ['id', 'takenAt', 'projects'], keyframeMembers)) as Partial<SnapshotState>;
    if (typeof value.id !== 'string' || typeof value.takenAt !== 'string' || !value.projects || typeof value.projects !== 'object') throw new Error('not a snapshot (no id, takenAt or projects)');
    return value as SnapshotState;
  } catch (error) {
    throw unreadableSnapshot(file, error);
  }
}

/** Reads and parses one snapshot file (any path). Throws SNAPSHOT_UNREADABLE (exit 1) naming the file and why. */
export async function readSnapshotAt(file: string): Promise<Snapshot> {
  try {
    const value = (await readSnapshotFile(file, keyframes)) as Snapshot;
    if (!value || typeof value !== 'object' || typeof value.id !== 'string' || !value.projects) throw Object.assign(new Error('not a snapshot (no id or projects)'), { code: 'NOT_A_SNAPSHOT' });
    return value;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A folder, a device or another kind of JSON named as a snapshot: a usage error, not a damaged file.
    if (code === 'EISDIR' || code === 'ENOTREG' || code === 'NOT_A_SNAPSHOT' || error instanceof SyntaxError) {
      throw new SnapError('SNAPSHOT_NOT_FOUND', `${file} is not a snapshot file: ${errorMessage(error)}`, { exitCode: ExitCode.usage, hint: 'name a snapshot by latest, latest~N, @DATE, an id, or the path of a file in the data directory\'s snapshots/ (`snap show --list` lists them)' });
    }
    throw unreadableSnapshot(file, error);
  }
}

/** SNAPSHOT_NOT_FOUND (exit 2) for a file that is not there, else SNAPSHOT_UNREADABLE (exit 1), with the fix. */
function unreadableSnapshot(file: string, error: unknown): SnapError {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  return new SnapError(missing ? 'SNAPSHOT_NOT_FOUND' : 'SNAPSHOT_UNREADABLE', `${file} ${missing ? 'does not exist' : `cannot be read: ${errorMessage(error)}`}`, {
    exitCode: missing ? ExitCode.usage : ExitCode.failed,
    hint: missing ? 'a relative path is taken from the current directory; `snap show --list` lists the snapshots by id' : '`snap index rebuild` sets unreadable snapshot files aside (into corrupt/) and indexes the rest; `snap show --list` then lists what is left',
  });
}
