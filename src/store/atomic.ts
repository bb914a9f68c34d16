import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import { SnapError } from '../errors.js';
import { onInterrupt } from '../util/cleanup.js';

/**
 * The one way snap writes a file: a temp file in the same directory, fsync, rename over the target,
 * fsync the directory. A reader sees the old file or the new one, never half of either.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  try {
    await writeAtomically(file, data);
  } catch (error) {
    throw translateFsError(error, file);
  }
}

const FS_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
};

/** A file-system refusal, in words a user can act on; anything else passes through unchanged. */
export function translateFsError(error: unknown, file: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !FS_PROBLEMS[code]) return error;
  return new SnapError('WRITE_FAILED', `cannot write ${file}: ${FS_PROBLEMS[code]} (${code})`, {
    cause: error,
    hint: 'point --data-dir or SNAP_DATA_DIR at a writable directory with free space',
  });
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

async function writeAtomically(file: string, data: string | Uint8Array | Iterable<string> | Readable): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true }).catch((error) => {
    // A file where the directory should be: say so in the same words as ENOTDIR.
    throw (error as NodeJS.ErrnoException).code === 'EEXIST' ? Object.assign(new Error(`${dir} is a file`), { code: 'ENOTDIR' }) : error;
  });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Stopped mid-write (SIGINT / SIGTERM): the target is untouched; remove the half-written temp file too.
  const forget = onInterrupt(() => rmSync(temp, { force: true }));
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else if (data instanceof Readable) for await (const chunk of data) await handle.write(chunk as Buffer);
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
    await writeAtomically(to, createReadStream(from));
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

/** The temp files `writeAtomically` makes: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** A temp file of a live process older than this is left over too (the pid was reused). */
const TEMP_MAX_AGE_MS = 3_600_000;

/**
 * Removes the temp files that writers killed mid-write (`kill -9`, a lost node) left in `dir` and
 * the folders below it (at most `depth` levels): those of processes that are gone, and any older
 * than an hour. Run with the data directory's lock held, so no writer of it is at work. Returns the
 * files removed and their total size (bytes); a file that cannot be removed is skipped.
 */
export async function removeStaleTempFiles(dir: string, isAlive: (pid: number) => boolean, depth = 4): Promise<{ files: string[]; bytes: number }> {
  const { readdir, stat: statFile } = await import('node:fs/promises');
  const removed: string[] = [];
  let bytes = 0;
  const walk = async (folder: string, level: number): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      // Never follow a symbolic link out of the data directory.
      if (entry.isDirectory() && !entry.isSymbolicLink()) {
        if (level < depth) await walk(full, level + 1);
        continue;
      }
      const match = entry.isFile() ? TEMP_FILE.exec(entry.name) : null;
      if (!match) continue;
      const stats = await statFile(full).catch(() => undefined);
      if (!stats) continue;
      const pid = Number(match[1]);
      if (pid !== process.pid && (!isAlive(pid) || Date.now() - stats.mtimeMs > TEMP_MAX_AGE_MS)) {
        try {
          await rm(full, { force: true });
          removed.push(full);
          bytes += stats.size;
        } catch {
          // left for the next run
        }
      }
    }
  };
  await walk(dir, 0);
  return { files: removed, bytes };
}
