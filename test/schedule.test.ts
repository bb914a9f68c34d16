import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSnapshotFile } from '../src/store/snapshots.js';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SANDBOX_TOKEN, SNAP_BIN } from './helpers/cli.js';
import { demoFixture, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function scheduler(cwd: string, args: string[]) {
  const child = spawn(process.execPath, [SNAP_BIN, 'schedule', 'run', ...args], { cwd, env: { ...process.env, CI: '1', NO_COLOR: '1', GITHUB_TOKEN: SANDBOX_TOKEN, GH_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, stderr: () => stderr, closed };
}

describe('snap schedule run', () => {
  it('two schedulers never run at once, and SIGTERM leaves no lock and no half-written file', async () => {
    // Slow clusters make each run take a while, so the two schedulers' slots collide.
    t = await startTestSandbox(demoFixture(), { kubeLatencyMs: 150 });
    await t.writeConfig();
    const a = scheduler(t.dir, ['--every', '1s']);
    const b = scheduler(t.dir, ['--every', '1s']);
    await new Promise((r) => setTimeout(r, 3000));
    // `snap status` knows when the next run is while a scheduler runs.
    const status = JSON.parse((await runCli(['status', '--json'], { cwd: t.dir })).stdout);
    expect([a.child.pid, b.child.pid]).toContain(status.scheduler.pid);
    expect(status.scheduler).toMatchObject({ schedule: 'every 1s', next: expect.any(String) });
    await new Promise((r) => setTimeout(r, 1500));
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.closed).toBe(143);
    expect(await b.closed).toBe(143);
    expect(a.stderr() + b.stderr()).toMatch(/snap schedule: every 1s; Ctrl-C or SIGTERM stops/);
    expect(a.stderr() + b.stderr()).toMatch(/skipped: another run holds the lock/);

    const data = path.join(t.dir, '.snap');
    expect(existsSync(path.join(data, 'lock'))).toBe(false);
    expect(existsSync(path.join(data, 'scheduler.json'))).toBe(false);
    const leftovers = [...(await readdir(data)), ...(await readdir(path.join(data, 'snapshots')))].filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
    const runs = (await readFile(path.join(data, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const spans = runs.map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt)]).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    // Every snapshot file in the folder is whole.
    for (const f of await readdir(path.join(data, 'snapshots'))) await expect(readSnapshotFile(path.join(data, 'snapshots', f))).resolves.toMatchObject({ schemaVersion: 2 });
  });

  it('says what is wrong with its options', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const none = await runCli(['schedule', 'run'], { cwd: t.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/pass one of --every or --cron/);
    expect((await runCli(['schedule', 'run', '--every', 'soon'], { cwd: t.dir })).stderr).toMatch(/--every takes a duration such as 15m/);
    expect((await runCli(['schedule', 'run', '--cron', 'every day'], { cwd: t.dir })).stderr).toMatch(/--cron "every day" is not a cron expression/);
  });
});
