import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/store/lock.js';

/**
 * Faults of the fault campaign around the lock and the data directory (issue "nothing lost, nothing
 * hanging"): every case ends, within a second, with the documented exit code and a hint.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'snap-faults-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const timed = async <T>(f: () => Promise<T>) => {
  const started = Date.now();
  try {
    return { value: await f(), ms: Date.now() - started };
  } catch (error) {
    return { error: error as { code?: string; exitCode?: number; message: string; hint?: string }, ms: Date.now() - started };
  }
};

describe('lock and data directory faults', () => {
  it('a lock that is a dangling symlink is an error (exit 4) with a hint, at once, not a spin', async () => {
    const lock = path.join(dir, 'lock');
    await symlink(path.join(dir, 'nowhere', 'x'), lock);
    const { error, ms } = await timed(() => acquireLock(lock));
    expect(ms).toBeLessThan(1000);
    expect(error).toMatchObject({ code: 'LOCK_UNUSABLE', exitCode: 4 });
    expect(error!.message).toContain('a symbolic link');
    expect(error!.hint).toContain('remove it');
  });

  it('a lock that is a directory is an error (exit 4), not a stack trace', async () => {
    const lock = path.join(dir, 'lock');
    await mkdir(lock);
    const { error } = await timed(() => acquireLock(lock));
    expect(error).toMatchObject({ code: 'LOCK_UNUSABLE', exitCode: 4 });
    expect(error!.message).toContain('a directory');
  });

  it('an empty or garbage lock left by a full disk is stale at once, and its takeover is reported', async () => {
    for (const content of ['', '{"pid": 12', '[]', '"x"', '{"pid":"abc"}', '{"pid":0}', '{"pid":-1,"host":"h","token":"t"}']) {
      const lock = path.join(dir, `lock-${content.length}`);
      await writeFile(lock, content);
      const old = new Date(Date.now() - 5_000);
      await utimes(lock, old, old);
      const { value, ms } = await timed(() => acquireLock(lock));
      expect(ms).toBeLessThan(1000);
      expect(value!.recovered).toMatchObject({ unreadable: true });
      await value!.release();
    }
  });

  it('a data directory that is a dangling symlink (an unmounted volume) is a clear failure (exit 1)', async () => {
    const data = path.join(dir, 'data');
    await symlink(path.join(dir, 'unmounted'), data);
    const { error } = await timed(() => acquireLock(path.join(data, 'lock')));
    expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE', exitCode: 1 });
    expect(error!.message).toContain('a symbolic link to');
    expect(error!.message).toContain('an unmounted volume?');
  });

  it.runIf(existsSync('/proc/self'))('a data directory under /proc is a usage error (exit 2) within a second, not an endless mkdir', async () => {
    // Node's recursive mkdir loops forever on /proc/1/snap (ENOENT under a parent that exists).
    for (const data of ['/proc/1/snap', '/proc/self', '/proc/self/x/y']) {
      const { error, ms } = await timed(() => acquireLock(path.join(data, 'lock')));
      expect(ms).toBeLessThan(1000);
      expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE', exitCode: 2 });
      expect(error!.message).toMatch(/refused to create (it|a file in it) \(ENOENT\)/);
    }
  });

  it('a data directory below a dangling symlink (inside an unmounted volume) is a clear failure (exit 1) naming the link', async () => {
    await symlink(path.join(dir, 'unmounted'), path.join(dir, 'volume'));
    const { error } = await timed(() => acquireLock(path.join(dir, 'volume', 'snap', 'lock')));
    expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE', exitCode: 1 });
    expect(error!.message).toContain(`is on its path (${path.join(dir, 'volume')})`);
  });

  it('a data directory that is a file is a usage error (exit 2)', async () => {
    const data = path.join(dir, 'data');
    await writeFile(data, 'not a directory');
    const { error } = await timed(() => acquireLock(path.join(data, 'lock')));
    expect(error).toMatchObject({ code: 'DATA_DIR_UNUSABLE', exitCode: 2 });
    expect(error!.message).toContain('a file, not a directory');
  });
});

describe('temp files left by kill -9', () => {
  it('are removed when their writer is gone (or older than an hour), and a live writer\'s are kept', async () => {
    const { removeStaleTempFiles } = await import('../../src/store/atomic.js');
    await mkdir(path.join(dir, 'snapshots'), { recursive: true });
    await mkdir(path.join(dir, 'cache', 'github', 'acme'), { recursive: true });
    const dead = [path.join(dir, '.latest.json.999991.0a1b2c3d.tmp'), path.join(dir, 'cache', 'github', 'acme', '.api.json.999992.deadbeef.tmp')];
    const live = path.join(dir, 'snapshots', `.s.json.${process.pid + 1}.01234567.tmp`);
    const old = path.join(dir, 'snapshots', `.t.json.${process.pid + 1}.89abcdef.tmp`);
    for (const f of [...dead, live, old]) await writeFile(f, 'x'.repeat(1000));
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    const alive = (pid: number) => pid === process.pid + 1;
    const { files, bytes } = await removeStaleTempFiles(dir, alive);
    expect(files.sort()).toEqual([...dead, old].sort());
    expect(bytes).toBe(3000);
    const { existsSync } = await import('node:fs');
    expect(existsSync(live)).toBe(true);
  });
});

describe('status of a data directory whose runs all failed', () => {
  it('is failing (not stale) a minute after two failed first runs', async () => {
    const { runStatus } = await import('../../src/core/status.js');
    const now = new Date('2026-12-07T12:00:00Z');
    const failed = (minutesAgo: number) => ({ id: `f${minutesAgo}`, startedAt: new Date(now.getTime() - minutesAgo * 60_000).toISOString(), finishedAt: new Date(now.getTime() - minutesAgo * 60_000 + 500).toISOString(), durationMs: 500, outcome: 'failed' as const, error: { code: 'GITHUB_UNAUTHORIZED', message: 'bad token' } });
    const status = runStatus([failed(2), failed(1)] as never, now);
    expect(status.health).toBe('failing');
    expect(status.problems.join('\n')).toContain('no run has succeeded yet');
  });
});

describe('symbolic links inside the data directory', () => {
  it('a folder linked out of the data directory is refused (exit 2), and nothing is written where it points', async () => {
    const { checkConfinement, dataLayout } = await import('../../src/store/layout.js');
    const { readdir } = await import('node:fs/promises');
    const layout = dataLayout(path.join(dir, 'data'));
    const outside = path.join(dir, 'outside');
    await mkdir(outside, { recursive: true });
    await mkdir(path.join(layout.cacheDir, 'github'), { recursive: true });
    await symlink(outside, path.join(layout.cacheDir, 'github', 'acme'));
    await expect(checkConfinement(layout)).rejects.toMatchObject({ code: 'DATA_DIR_SYMLINK', exitCode: 2, message: expect.stringContaining('cache/github/acme is a symbolic link') });
    await rm(path.join(layout.cacheDir, 'github', 'acme'));
    await symlink(outside, layout.snapshotsDir);
    await expect(checkConfinement(layout)).rejects.toMatchObject({ code: 'DATA_DIR_SYMLINK' });
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('a volume about to fill', () => {
  it('is a DISK_SPACE_LOW warning when fewer than 20 more snapshots fit, and nothing otherwise', async () => {
    const { diskWarning } = await import('../../src/core/run.js');
    const { statfs } = await import('node:fs/promises');
    const stats = await statfs(dir);
    const free = stats.bavail * stats.bsize;
    expect(await diskWarning(dir, 1024)).toBeUndefined();
    const warning = await diskWarning(dir, Math.ceil(free / 10));
    expect(warning).toMatchObject({ code: 'DISK_SPACE_LOW', severity: 'warning' });
    expect(warning!.message).toMatch(/room for about (9|10) more snapshots .* set retention\.keep or retention\.maxAgeDays lower, or grow the volume/);
  });

  it('retention defaults to 30 days when the config sets none', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const { config } = parseConfig('version: 1\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\n', '/tmp/c.yaml', { env: {} });
    expect(config!.retention).toEqual({ maxAgeDays: 30, keep: 800 });
  });
});

describe('folders snap cannot make', () => {
  it.runIf(existsSync('/proc/self'))('snap demo --dir under /proc or below a file: exit 2 naming why, at once', async () => {
    const { runCli } = await import('../helpers/cli.js');
    for (const [target, why] of [
      ['/proc/1/demo', /--dir \/proc\/1\/demo cannot be used: the file system refused to create it \(ENOENT\)/],
      [path.join(dir, 'file', 'demo'), /cannot be used: a part of the path is not a directory/],
    ] as const) {
      await writeFile(path.join(dir, 'file'), 'x');
      const result = await runCli(['demo', '--dir', target], { cwd: dir, timeoutMs: 10_000 });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(why);
      expect(result.stderr).not.toMatch(/a bug in snap/);
    }
  });
});
