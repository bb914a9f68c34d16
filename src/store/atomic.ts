import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { lstat, open, rename, rm, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';
import { SnapError } from '../errors.js';
import { onInterrupt } from '../util/cleanup.js';
import { makeDirectory } from '../util/make-dir.js';

/** How a write treats a symbolic link where the file should be. */
export interface WriteOptions {
  /**
   * true: write where the link points (a config kept in a dotfiles folder). false (the default, for
   * everything inside the data directory): replace the link with the file, never write through it.
   */
  followLinks?: boolean;
  /** What to do when the file cannot be written (default: the data directory's hint). */
  hint?: string;
}

/**
 * Writes a whole file atomically: a reader sees the old file or the new one, never half of either.
 *
 * A string or bytes go through write-file-atomic (temp file `<name>.<number>` beside the target,
 * fsync, rename; the temp file removed on exit and on signals). A document too large to hold as one
 * string — an iterable of chunks — goes through the one streaming writer (`writeStreamAtomic`) with
 * the same guarantees. Either way the directory is created when missing and fsynced after the rename.
 * Throws SnapError WRITE_FAILED (permission, read-only, full disk, a file where a folder should be)
 * naming the file; other errors pass through.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>, options: WriteOptions = {}): Promise<void> {
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await writeWhole(file, data, options);
    else await writeStreamAtomic(file, data);
  } catch (error) {
    throw translateFsError(error, file, options.hint);
  }
}

async function writeWhole(file: string, data: string | Uint8Array, options: WriteOptions): Promise<void> {
  const dir = path.dirname(file);
  await makeDirectory(dir);
  if (!options.followLinks) {
    // write-file-atomic writes where a link points; inside the data directory a link is replaced instead.
    const stats = await lstat(file).catch(() => undefined);
    if (stats?.isSymbolicLink()) await unlink(file);
  }
  await writeFileAtomicLib(file, typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  await syncDirectory(dir);
}


const FS_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'a folder is where the file should be',
  ENOTEMPTY: 'a folder is where the file should be',
};

/** A file-system refusal, in words a user can act on; anything else passes through unchanged. */
export function translateFsError(error: unknown, file: string, hint = 'point --data-dir or SNAP_DATA_DIR at a writable directory with free space'): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !FS_PROBLEMS[code]) return error;
  return new SnapError('WRITE_FAILED', `cannot write ${file}: ${FS_PROBLEMS[code]} (${code})`, { cause: error, hint });
}

/**
 * Writes chunks through one reused 1 MB buffer: a large document never has to exist as one string,
 * and writing it leaves no trail of temporary buffers behind.
 */
async function writeChunks(handle: import('node:fs/promises').FileHandle, chunks: Iterable<string>): Promise<void> {
  const buffer = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  for (const chunk of chunks) {
    if (used + Buffer.byteLength(chunk) > buffer.length) {
      if (used > 0) await handle.write(buffer, 0, used);
      used = 0;
      if (Buffer.byteLength(chunk) > buffer.length) {
        await handle.write(chunk);
        continue;
      }
    }
    used += buffer.write(chunk, used);
  }
  if (used > 0) await handle.write(buffer, 0, used);
}

/**
 * The streaming writer, for a document written as it is produced (a snapshot of tens of MB as
 * chunks, a copy of a finished file): temp file `.<name>.<pid>.<8 hex>.tmp` beside the target,
 * written, fsynced, renamed over the target (a link there is replaced, not followed), directory
 * fsynced. Stopped by SIGINT / SIGTERM, the temp file is removed; after `kill -9` the next run's
 * `removeStaleTempFiles` removes it.
 */
export async function writeStreamAtomic(file: string, data: Iterable<string> | Readable): Promise<void> {
  const dir = path.dirname(file);
  await makeDirectory(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const forget = onInterrupt(() => rmSync(temp, { force: true }));
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      if (data instanceof Readable) for await (const chunk of data) await handle.write(chunk as Buffer);
      else await writeChunks(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    forget();
  }
  await syncDirectory(dir);
}

/** Copies a finished file to another name, atomically: the same temp-file, fsync and rename as any write. */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  try {
    await writeStreamAtomic(to, createReadStream(from));
  } catch (error) {
    throw translateFsError(error, to);
  }
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** The streaming writer's temp files: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/**
 * write-file-atomic's temp files: `<name>.<32-bit number>` (a hash of pid, thread and call count, so the
 * writer cannot be told from the name), only of the files snap writes whole, where it writes them: the
 * data directory's own files, and the GitHub cache (`cache/github/<owner>/<repository>.json`). At
 * least 5 digits: a rotated `runs.jsonl.1` or a copy `releases.json.2` is someone's, not a temp file
 * (a hash below 10,000 comes once in 400,000 writes, and is left).
 */
const LIBRARY_TEMP_FILE = /^(.+)\.\d{5,10}$/;
const WHOLE_FILES = new Set(['releases.json', 'baseline.json', 'runs.jsonl', 'alerts.json', 'scheduler.json']);
const isLibraryTemp = (name: string, folder: string[]): string | undefined => {
  const target = LIBRARY_TEMP_FILE.exec(name)?.[1];
  if (!target) return undefined;
  if (folder.length === 0 && WHOLE_FILES.has(target)) return target;
  if (folder.length === 3 && folder[0] === 'cache' && folder[1] === 'github' && /^[^.][^/]*\.json$/.test(target)) return target;
  return undefined;
};
/** Files written under a lock other than the run's, or none: their temp files are left to age. */
const NOT_RUN_LOCKED = new Set(['alerts.json', 'scheduler.json']);
/** A temp file of a live process, or one the run lock does not guard, older than this is left over too. */
const TEMP_MAX_AGE_MS = 3_600_000;

/**
 * Removes the temp files that writers killed mid-write (`kill -9`, a lost node) left in `dir` and
 * the folders below it (at most `depth` levels): the streaming writer's of processes that are gone;
 * write-file-atomic's of the files that only a run writes (the caller holds the run lock, so no such
 * writer is at work), where they are written; and any of those older than an hour. Run with the data directory's lock held. Returns
 * the files removed and their total size (bytes); a file that cannot be removed is skipped.
 */
export async function removeStaleTempFiles(dir: string, isAlive: (pid: number) => boolean, depth = 4): Promise<{ files: string[]; bytes: number }> {
  const { readdir, stat: statFile } = await import('node:fs/promises');
  const removed: string[] = [];
  let bytes = 0;
  const stale = (name: string, folder: string[], mtimeMs: number): boolean => {
    const old = Date.now() - mtimeMs > TEMP_MAX_AGE_MS;
    const ours = TEMP_FILE.exec(name);
    if (ours) return Number(ours[1]) !== process.pid && (old || !isAlive(Number(ours[1])));
    const library = isLibraryTemp(name, folder);
    if (library) return old || !NOT_RUN_LOCKED.has(library);
    return false;
  };
  const walk = async (folder: string, relative: string[]): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      // Never follow a symbolic link out of the data directory.
      if (entry.isDirectory() && !entry.isSymbolicLink()) {
        if (relative.length < depth) await walk(full, [...relative, entry.name]);
        continue;
      }
      if (!entry.isFile() || !(TEMP_FILE.test(entry.name) || isLibraryTemp(entry.name, relative))) continue;
      const stats = await statFile(full).catch(() => undefined);
      if (!stats || !stale(entry.name, relative, stats.mtimeMs)) continue;
      try {
        await rm(full, { force: true });
        removed.push(full);
        bytes += stats.size;
      } catch {
        // left for the next run
      }
    }
  };
  await walk(dir, []);
  return { files: removed, bytes };
}
