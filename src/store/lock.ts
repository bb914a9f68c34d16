import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { link, lstat, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, SnapError } from '../errors.js';
import { onInterrupt } from '../util/cleanup.js';
import { makeDirectory } from '../util/make-dir.js';
import { translateFsError } from './atomic.js';

/**
 * One run at a time per data directory. The lock is a file created with O_EXCL (so exactly one
 * process can create it) that names its holder. The holder touches it every few seconds; a lock is
 * stale when its holder is a dead process on this host, or when it has not been touched for
 * `staleAfterMs` (a holder on another host, e.g. a killed Kubernetes pod on a shared volume).
 */
export interface LockInfo {
  pid: number;
  host: string;
  token: string;
  command: string;
  startedAt: string;
  /** Set on a recovered lock that was empty or unreadable (left half-written). */
  unreadable?: boolean;
}

export interface LockOptions {
  command?: string;
  /** Wait up to this many ms for the lock (0: fail at once). */
  waitMs?: number;
  pollMs?: number;
  staleAfterMs?: number;
  heartbeatMs?: number;
  onWait?: (holder: LockInfo | undefined) => void;
}

export interface Lock {
  info: LockInfo;
  /** Set when a stale lock was taken over. */
  recovered?: LockInfo;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Is a process of this host still running? (EPERM: it is, under another user.) */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<{ info?: LockInfo; mtimeMs: number } | undefined> {
  try {
    const [text, stats] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    try {
      const info = JSON.parse(text) as Partial<LockInfo> | null;
      // JSON, but no lock snap wrote (`[]`, `"x"`, a pid that is no process id): unreadable, like garbage.
      const valid = info !== null && typeof info === 'object' && Number.isInteger(info.pid) && (info.pid as number) > 0 && typeof info.host === 'string' && typeof info.token === 'string';
      return valid ? { info: info as LockInfo, mtimeMs: stats.mtimeMs } : { mtimeMs: stats.mtimeMs };
    } catch {
      // Half-written by a holder that died between create and write: stale by age only.
      return { mtimeMs: stats.mtimeMs };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A live holder writes its lock within milliseconds of creating it: an empty or unreadable lock older
 * than this was left half-written (a full disk, a kill between create and write) and is stale.
 */
const UNREADABLE_GRACE_MS = 2_000;

function isStale(found: { info?: LockInfo; mtimeMs: number }, staleAfterMs: number): boolean {
  if (!found.info) return Date.now() - found.mtimeMs > UNREADABLE_GRACE_MS;
  if (found.info.host === hostname() && !isAlive(found.info.pid)) return true;
  return Date.now() - found.mtimeMs > staleAfterMs;
}

/**
 * A lock path that is not a regular file (a dangling or planted symlink, a directory, a device):
 * snap did not write it and cannot take it; an error (exit 4) naming it, at once.
 */
async function checkLockPath(file: string): Promise<void> {
  let kind: string | undefined;
  try {
    const stats = await lstat(file);
    kind = stats.isSymbolicLink() ? 'a symbolic link' : stats.isDirectory() ? 'a directory' : stats.isFile() ? undefined : 'not a regular file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw unusable(file, (error as NodeJS.ErrnoException).code ?? String(error));
  }
  if (kind) throw unusable(file, kind);
}

function unusable(file: string, what: string): SnapError {
  return new SnapError('LOCK_UNUSABLE', `the lock ${file} cannot be taken: it is ${what}, not a lock file snap wrote`, {
    exitCode: ExitCode.locked,
    hint: `if no snap run is using this data directory, remove it (rm -r ${JSON.stringify(file)}) and run again; check that --data-dir is a writable directory of its own`,
  });
}

/**
 * Why the data directory cannot be made or written, in words a user can act on: a dangling symbolic
 * link (an unmounted volume: exit 1, the run failed and nothing was written), a file where the
 * directory should be (exit 2, a wrong --data-dir), a refusal with a known cause (WRITE_FAILED:
 * permission, read-only, full disk), or a file system that makes no folders or files there at all
 * (`/proc`: exit 2, a wrong --data-dir).
 */
async function dataDirProblem(dir: string, error: unknown, doing = 'create it'): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException)?.code;
  let what: string | undefined;
  try {
    const link = await lstat(dir);
    const stats = link.isSymbolicLink() ? await stat(dir).catch(() => undefined) : link;
    if (!stats) {
      const { readlink } = await import('node:fs/promises');
      what = `a symbolic link to ${await readlink(dir).catch(() => '?')}, which does not exist (an unmounted volume?)`;
    } else if (!stats.isDirectory()) what = 'a file, not a directory';
  } catch {
    // Not there: is it under a link to nowhere (the data directory inside an unmounted volume)?
    for (let up = path.dirname(dir); up !== path.dirname(up) && !what; up = path.dirname(up)) {
      const stats = await lstat(up).catch(() => undefined);
      if (stats?.isSymbolicLink() && !(await stat(up).catch(() => undefined))) {
        const { readlink } = await import('node:fs/promises');
        what = `a symbolic link to ${await readlink(up).catch(() => '?')}, which does not exist (an unmounted volume?), is on its path (${up})`;
      }
    }
  }
  if (!what && code !== 'EEXIST' && code !== 'ENOTDIR') {
    const translated = translateFsError(error, dir);
    if (translated !== error || !code) return translated;
    what = `the file system refused to ${doing} (${code}); it does not hold ordinary files there`;
  }
  // A volume that is not there is a failed run (exit 1); anything else is a wrong --data-dir (exit 2).
  const usage = !what?.includes('an unmounted volume?');
  return new SnapError('DATA_DIR_UNUSABLE', `the data directory ${dir} cannot be used: ${what ?? `a part of the path is not a directory (${code})`}`, {
    exitCode: usage ? ExitCode.usage : ExitCode.failed,
    cause: error,
    hint: 'mount the volume or create the directory, or point --data-dir / SNAP_DATA_DIR at a writable directory',
  });
}

/** Attempts without progress (the lock vanishes between create and read) before giving up: no loop may be unbounded. */
const MAX_VANISHED = 50;

async function tryCreate(file: string, info: LockInfo): Promise<boolean> {
  try {
    const handle = await open(file, 'wx', 0o644);
    try {
      await handle.writeFile(JSON.stringify(info));
      await handle.sync();
    } catch (error) {
      // A full disk: no half-written lock left behind for the next run to wait on.
      await handle.close().catch(() => undefined);
      await rm(file, { force: true });
      throw error;
    }
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Moves a stale lock away. Only one contender wins the rename; a live lock grabbed by mistake is put back. */
async function takeOverStale(file: string, stale: { info?: LockInfo }): Promise<boolean> {
  const aside = `${file}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readLock(aside);
  if (stale.info && moved?.info && moved.info.token !== stale.info.token) {
    // Another contender replaced the stale lock between our read and our rename: give it back.
    await link(aside, file).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

export async function acquireLock(file: string, options: LockOptions = {}): Promise<Lock> {
  const staleAfterMs = options.staleAfterMs ?? 120_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.waitMs ?? 0);
  await makeDirectory(path.dirname(file)).catch(async (error) => {
    throw await dataDirProblem(path.dirname(file), error);
  });
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    command: options.command ?? 'snap',
    startedAt: new Date().toISOString(),
  };
  // Registered before the file exists, so an interrupt at any moment drops a lock that is ours.
  const forget = onInterrupt(() => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as LockInfo).token === info.token) rmSync(file, { force: true });
    } catch {
      // not ours, or already gone
    }
  });
  let recovered: LockInfo | undefined;
  let waitedOnce = false;
  let vanished = 0;
  let unwritten = 0;
  try {
    await checkLockPath(file);
    for (;;) {
      if (await tryCreate(file, info).catch(async (error) => Promise.reject(await dataDirProblem(path.dirname(file), error, 'create a file in it')))) break;
      // EEXIST: something is there; a symlink or directory is not a lock to wait for.
      await checkLockPath(file);
      const found = await readLock(file).catch((error) => Promise.reject(unusable(file, `unreadable (${(error as NodeJS.ErrnoException).code ?? error})`)));
      if (!found) {
        if (++vanished > MAX_VANISHED) throw unusable(file, 'there and not there by turns (create says it exists, read says it does not)');
        continue;
      }
      if (isStale(found, staleAfterMs)) {
        if (await takeOverStale(file, found)) recovered = found.info ?? { pid: 0, host: 'unknown', token: '', command: 'unknown', startedAt: new Date(found.mtimeMs).toISOString(), unreadable: true };
        continue;
      }
      // Created a moment ago and not yet written (its holder writes who it is right after creating it): read it again.
      if (!found.info && Date.now() - found.mtimeMs < 2_000 && ++unwritten <= 50) {
        await sleep(20);
        continue;
      }
      if (Date.now() >= deadline) {
        const holder = found.info;
        const who = holder ? `process ${holder.pid} on ${holder.host ?? 'an unknown host'} (${holder.command ?? 'an unknown command'}, since ${holder.startedAt ?? 'an unknown time'})` : 'another process';
        throw new SnapError('LOCKED', `another snap run holds the lock: ${who}`, {
          exitCode: ExitCode.locked,
          hint: `wait for it to finish, or pass --wait to queue behind it; the lock file is ${file}`,
        });
      }
      if (!waitedOnce) options.onWait?.(found.info);
      waitedOnce = true;
      await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    }
  } catch (error) {
    forget();
    throw error;
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  let released = false;
  return {
    info,
    recovered,
    async release() {
      if (released) return;
      released = true;
      forget();
      clearInterval(heartbeat);
      const current = await readLock(file);
      if (current?.info?.token === info.token) await rm(file, { force: true });
    },
  };
}
