import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('snap status', () => {
  it('reports health from the run log and the latest snapshot; --check fails when unhealthy', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const never = await runCli(['status', '--check'], { cwd: t.dir });
    expect(never.code).toBe(1);
    expect(never.stdout).toMatch(/snap status: never-run[\s\S]*no run is recorded yet/);

    expect((await runCli(['run'], { cwd: t.dir })).code).toBe(0);
    const ok = await runCli(['status', '--check'], { cwd: t.dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/snap status: ok/);
    expect(ok.stdout).toMatch(/success rate +24 h: 100% \(1\/1\)/);
    expect(ok.stdout).toMatch(/Latest snapshot \S+ \(ok\)\n {2}project +dev +staging +prod\n {2}payments +5\/5/);
    expect(ok.stdout).toMatch(/payments: staging → prod would ship \d+ commits/);

    const json = JSON.parse((await runCli(['status', '--json'], { cwd: t.dir })).stdout);
    expect(json).toMatchObject({ health: 'ok', runs: 1, snapshot: { outcome: 'ok', projects: { payments: { prod: { services: 5, running: 5 } } } } });

    // A failed run after it: --check says so, with the error and its hint.
    const runs = path.join(t.dir, '.snap', 'runs.jsonl');
    const now = new Date().toISOString();
    const failed = { id: 'failed-1', startedAt: now, finishedAt: now, durationMs: 10, outcome: 'failed', error: { code: 'WRITE_FAILED', message: 'cannot write', hint: 'point --data-dir at a writable directory' }, counts: { projects: 3, environments: 0, services: 0, running: 0, warnings: 0 }, apiCalls: {} };
    await writeFile(runs, `${(await import('node:fs')).readFileSync(runs, 'utf8')}${JSON.stringify(failed)}\n`);
    const failing = await runCli(['status', '--check'], { cwd: t.dir });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/snap status: failing/);
    expect(failing.stdout).toMatch(/last error .*WRITE_FAILED: cannot write \(point --data-dir at a writable directory\)/);
    expect((await runCli(['status', '--stale-after', 'soon'], { cwd: t.dir })).code).toBe(2);
  });
});

describe('partial run after run (an expired token)', () => {
  it('status --check passes one partial run and fails when partial runs last', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const env = { GITHUB_TOKEN: 'expired-token', GH_TOKEN: '' };
    expect((await runCli(['run'], { cwd: t.dir, env })).code).toBe(3);
    expect((await runCli(['status', '--check'], { cwd: t.dir, env })).code).toBe(0);
    expect((await runCli(['run'], { cwd: t.dir, env })).code).toBe(3);
    expect((await runCli(['run'], { cwd: t.dir, env })).code).toBe(3);
    const check = await runCli(['status', '--check'], { cwd: t.dir, env });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/snap status: degraded[\s\S]*the last 3 snapshots are partial/);
  });
});
