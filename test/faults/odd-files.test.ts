import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/message.js';
import { deliver } from '../../src/alerts/send.js';
import { realClock } from '../../src/core/scheduler.js';
import { writePrometheusFile } from '../../src/store/metrics.js';
import { readJsonOrSetAside } from '../../src/store/read-json.js';
import { runCli } from '../helpers/cli.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

/**
 * Odd things where files should be, and odd values where settings should be: named pipes, devices,
 * folders named like files, files far too large, line breaks in secrets and paths. Each is an answer
 * with a named fix — never a hang, a replaced device, a deleted file of someone's, or a leaked secret.
 */
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});
const work = () => mkdtemp(path.join(tmpdir(), 'snap-odd-'));
const mkfifo = (file: string) => execFileSync('mkfifo', [file]);

describe('secrets with a line break', () => {
  it('a GITHUB_TOKEN with a line break is refused by name (exit 2), its value never printed or written', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const token = 'ghp_FIRSTHALF\nSECONDHALF';
    const result = await runCli(['run'], { cwd: t.dir, env: { GITHUB_TOKEN: token } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GITHUB_TOKEN holds a line break');
    const everything = [result.stdout, result.stderr];
    const data = path.join(t.dir, '.snap');
    if (existsSync(data)) for (const f of await readdir(data, { recursive: true })) if (statSync(path.join(data, f)).isFile()) everything.push(await readFile(path.join(data, f), 'utf8'));
    for (const text of everything) expect(text).not.toMatch(/FIRSTHALF|SECONDHALF/);
  });

  it('a webhook token with a line break fails the delivery once, permanently, without its value', async () => {
    const alert = { id: 'a', event: 'test', severity: 'info', title: 't', lines: [], at: '2026-12-07T00:00:00.000Z', host: 'h', dataDir: '/d', config: '/c', status: { health: 'ok', problems: [] } } as unknown as Alert;
    const delivery = await deliver({ kind: 'webhook', url: 'http://127.0.0.1:9/x', urlEnv: 'SNAP_WEBHOOK_URL', tokenEnv: 'SNAP_WEBHOOK_TOKEN' }, alert, { env: { SNAP_WEBHOOK_TOKEN: 'tok-ONE\ntok-TWO' }, retries: 3, timeoutMs: 1000, sleep: async () => {} });
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery.error).toContain('SNAP_WEBHOOK_TOKEN holds a line break');
    expect(delivery.error).not.toMatch(/tok-ONE|tok-TWO/);
  });
});

describe('files that are not files', () => {
  it('a config or kubeconfig that is a named pipe (or /dev/zero) is refused at once, not read for ever', async () => {
    const dir = await work();
    const fifo = path.join(dir, 'pipe.yaml');
    mkfifo(fifo);
    for (const args of [['run', '--config', fifo], ['config', 'validate', '--config', '/dev/zero']]) {
      const result = await runCli(args, { cwd: dir, timeoutMs: 10_000 });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr + result.stdout).toMatch(/is not a regular file \(a named pipe, a device or a socket\)/);
    }
    t = await startTestSandbox();
    await t.writeConfig({ kubernetes: { kubeconfig: fifo } });
    const kube = await runCli(['config', 'validate'], { cwd: t.dir, timeoutMs: 10_000 });
    expect(kube.code).toBe(2);
    expect(kube.stdout).toMatch(/kubernetes\.kubeconfig: .*is not a regular file/);
  });

  it('a metrics file that is a pipe or a folder is left as it is, and the failure is printed and logged', async () => {
    const dir = await work();
    const fifo = path.join(dir, 'metrics.prom');
    mkfifo(fifo);
    await expect(writePrometheusFile(fifo, [])).rejects.toThrow(/is not a regular file/);
    expect(statSync(fifo).isFIFO()).toBe(true);
    t = await startTestSandbox();
    await mkdir(path.join(t.dir, 'metrics.prom'));
    await t.writeConfig({ monitoring: { prometheusFile: 'metrics.prom' } });
    const result = await runCli(['run'], { cwd: t.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: METRICS_WRITE_FAILED: cannot write .*metrics\.prom: .*is a folder/);
    const last = JSON.parse((await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n').at(-1)!);
    expect(last.notes.join('\n')).toContain('METRICS_WRITE_FAILED');
    expect(statSync(path.join(t.dir, 'metrics.prom')).isDirectory()).toBe(true);
  });

  it('onboard --output a folder is a usage error before anything is asked', async () => {
    const dir = await work();
    const result = await runCli(['onboard', '--yes', '--dry-run', '--output', dir], { cwd: dir, env: { GITHUB_TOKEN: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--output ${dir} is a folder`);
  });
});

describe('the data directory holding odd things', () => {
  it('a named pipe where a data file should be: run and status answer within seconds (it hung them, SIGTERM too)', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    expect((await runCli(['run'], { cwd: t.dir })).code).toBe(0);
    const { rm } = await import('node:fs/promises');
    for (const file of ['latest.json', 'releases.json', 'runs.jsonl']) {
      const where = path.join(t.dir, '.snap', file);
      const saved = await readFile(where, 'utf8');
      await rm(where);
      mkfifo(where);
      const run = await runCli(['run'], { cwd: t.dir, timeoutMs: 15_000 });
      expect(run.code, file).toBe(1);
      expect(run.stderr).toContain(`${where} is not a regular file (a named pipe, a device or a socket)`);
      const status = await runCli(['status'], { cwd: t.dir, timeoutMs: 15_000 });
      expect(status.code, `status with ${file}`).not.toBeNull();
      await rm(where);
      await writeFile(where, saved);
    }
  });

  it('a release history deleted by hand is rebuilt from the snapshot files, and said so', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    expect((await runCli(['run'], { cwd: t.dir })).code).toBe(0);
    const file = path.join(t.dir, '.snap', 'releases.json');
    const before = JSON.parse(await readFile(file, 'utf8')).events.length;
    expect(before).toBeGreaterThan(0);
    const { rm } = await import('node:fs/promises');
    await rm(file);
    const result = await runCli(['run', '--json'], { cwd: t.dir });
    expect(result.code).toBe(0);
    const { snapshot, run } = JSON.parse(result.stdout);
    expect(snapshot.warnings.find((w: { code: string }) => w.code === 'RELEASES_REBUILT')?.message).toMatch(/releases\.json was missing; the release history was rebuilt from the snapshot files \(\d+ deployments recovered/);
    expect(run.notes.join('\n')).toContain('RELEASES_REBUILT');
    expect(JSON.parse(await readFile(file, 'utf8')).events.length).toBe(before);
  });

  it('a folder named like a snapshot is not a snapshot: retention leaves it, the run is ok', async () => {
    t = await startTestSandbox();
    await t.writeConfig({ retention: { keep: 1 } });
    expect((await runCli(['run'], { cwd: t.dir })).code).toBe(0);
    const odd = path.join(t.dir, '.snap', 'snapshots', '2020-01-01T00-00-00.000Z.json');
    await mkdir(odd);
    const result = await runCli(['run'], { cwd: t.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(odd).isDirectory()).toBe(true);
  });

  it('a file where cache/ or corrupt/ should be is a failure naming the fix (exit 1), logged', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    expect((await runCli(['run'], { cwd: t.dir })).code).toBe(0);
    for (const folder of ['cache', 'corrupt']) {
      const where = path.join(t.dir, '.snap', folder);
      const { rm } = await import('node:fs/promises');
      await rm(where, { recursive: true, force: true });
      await writeFile(where, 'x');
      const result = await runCli(['run'], { cwd: t.dir });
      expect(result.code, folder).toBe(1);
      expect(result.stderr).toContain(`${where} is a file, where snap keeps a folder`);
      expect(result.stderr).toMatch(/hint: move it out of the data directory/);
      const last = JSON.parse((await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n').at(-1)!);
      expect(last).toMatchObject({ outcome: 'failed', error: { code: 'DATA_DIR_UNUSABLE' } });
      await rm(where);
    }
  });

  it('a data file far larger than snap writes is set aside without being read', async () => {
    const dir = await work();
    const file = path.join(dir, 'latest.json');
    // Sparse: 300 MB on paper, nothing on disk.
    execFileSync('truncate', ['-s', '300M', file]);
    const read = await readJsonOrSetAside(file, path.join(dir, 'corrupt'));
    expect(read).toMatchObject({ status: 'corrupt', corrupt: { reason: '300 MB, far larger than snap writes it' } });
    expect(existsSync(file)).toBe(false);
  });
});

describe('settings from the environment', () => {
  it('SNAP_GITHUB_URL that is no URL, and a line break in SNAP_DATA_DIR, are usage errors naming the variable', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const url = await runCli(['run'], { cwd: t.dir, env: { SNAP_GITHUB_URL: 'not-a-url' } });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('SNAP_GITHUB_URL is not an http(s) URL');
    const cron = await runCli(['schedule', 'install', 'cron', '--output', path.join(t.dir, 'deploy')], { cwd: t.dir, env: { SNAP_DATA_DIR: 'data\n* * * * * touch /tmp/x' } });
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain('SNAP_DATA_DIR holds a line break');
    expect(existsSync(path.join(t.dir, 'deploy'))).toBe(false);
  });
});

describe('schedules', () => {
  it('a wait longer than a timer can hold (--every 30d) waits, it does not fire at once', async () => {
    const abort = new AbortController();
    let done = false;
    const sleeping = realClock.sleep(30 * 86_400_000, abort.signal).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done).toBe(false);
    abort.abort();
    await sleeping;
    expect(done).toBe(true);
  });

  it('a cron expression that never fires, or has six fields, is a usage error (exit 2) for schedule run and install alike', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    for (const [cron, why] of [['0 0 30 2 *', /it never fires/], ['* * * * * *', /it has 6 fields, not 5/]] as const) {
      for (const args of [['schedule', 'run', '--cron', cron], ['schedule', 'install', 'cron', '--cron', cron, '--output', path.join(t.dir, 'deploy')]]) {
        const result = await runCli(args, { cwd: t.dir, timeoutMs: 10_000 });
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toMatch(/is not a cron expression: /);
        expect(result.stderr).toMatch(why);
      }
    }
    expect(existsSync(path.join(t.dir, 'deploy'))).toBe(false);
    const storage = await runCli(['schedule', 'install', 'kubernetes', '--storage', '0', '--output', path.join(t.dir, 'deploy')], { cwd: t.dir });
    expect(storage.code).toBe(2);
    expect(storage.stderr).toContain('--storage 0 is no room for the data directory');
  });
});

describe('--log-format json', () => {
  it('every line on stderr is JSON: config warnings and usage errors too', async () => {
    t = await startTestSandbox();
    await t.writeConfig({ monitoring: { prometheusFile: 'metrics.txt' } });
    for (const args of [['run', '--log-format', 'json'], ['run', '--log-format', 'json', '--no-such-flag'], ['--log-format', 'json', 'frobnicate']]) {
      const result = await runCli(args, { cwd: t.dir });
      const lines = result.stderr.trim().split('\n');
      expect(lines.length, args.join(' ')).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    }
  });
});
