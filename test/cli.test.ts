import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSnapshotFile } from '../src/store/snapshots.js';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { demoFixture, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('snap CLI (spawned)', () => {
  it('prints help with examples for the program and every command', async () => {
    const cwd = tmpdir();
    const top = await runCli(['--help'], { cwd });
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Examples:');
    expect(top.stdout).toMatch(/run\|snapshot/);
    expect(top.stdout).toContain('snapshotctl');
    for (const command of ['run', 'demo', 'config', 'config validate', 'config schema']) {
      const help = await runCli([...command.split(' '), '--help'], { cwd });
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain('Examples:');
    }
    const version = await runCli(['--version'], { cwd });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with a hint when there is no config, and on an unknown option', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'snap-empty-'));
    const result = await runCli(['run'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no snap.config.yaml in');
    expect(result.stderr).toContain('hint: run `snap onboard`');
    const bad = await runCli(['run', '--frobnicate'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--frobnicate'");
    await rm(cwd, { recursive: true });
  });

  it('exits 2 on a bad config, naming file, line and key, and writes nothing', async () => {
    t = await startTestSandbox();
    const file = await t.writeConfig({ dataDirr: 'x' });
    const result = await runCli(['run'], { cwd: t.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${file} has 1 problem`);
    expect(result.stderr).toMatch(/snap\.config\.yaml:\d+:1 dataDirr: unknown key "dataDirr" \(did you mean "dataDir"\?\)/);
    expect(existsSync(path.join(t.dir, '.snap'))).toBe(false);
    const validate = await runCli(['config', 'validate', '--json'], { cwd: t.dir });
    expect(validate.code).toBe(2);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: false, errors: [{ path: 'dataDirr' }] });
  });

  it('takes a snapshot: exit 0, summary on stdout, plain progress on stderr, files in the data directory', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const result = await runCli(['run'], { cwd: t.dir });
    expect(result.stderr).toContain('snap: snapshot started: kubernetes 8 lists, github 15 repositories; first run, no estimate yet');
    expect(result.stderr).toMatch(/snap: kubernetes sandbox-prod: list pods \[\d\/8\]/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Snapshot \S+ ok in /);
    expect(result.stdout).toMatch(/payments-api\s+\S+ @[0-9a-f]{7} 1\/1/);
    const data = path.join(t.dir, '.snap');
    const files = await readdir(path.join(data, 'snapshots'));
    expect(files).toHaveLength(1);
    const latest = JSON.parse(await readFile(path.join(data, 'latest.json'), 'utf8'));
    expect(latest).toEqual(await readSnapshotFile(path.join(data, 'snapshots', files[0])));
    expect(latest.schemaVersion).toBe(2);
    const runs = (await readFile(path.join(data, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(runs).toEqual([expect.objectContaining({ id: latest.id, outcome: 'ok', apiCalls: { kubernetes: 8, github: expect.any(Number) }, github: expect.objectContaining({ fetched: 15, rebuilt: 15 }), counts: expect.objectContaining({ services: 45, running: 45 }) })]);
    expect(existsSync(path.join(data, 'lock'))).toBe(false);
    expect(existsSync(path.join(data, 'cache', 'github', 'acme', 'payments-api.json'))).toBe(true);
    expect(JSON.parse(await readFile(path.join(data, 'releases.json'), 'utf8')).events.length).toBe(runs[0].releases.total);

    // The second run has an estimate from the first, and --json gives the snapshot to scripts.
    const second = await runCli(['run', '--json'], { cwd: t.dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/expected \d+(\.\d)? m?s \(median of the last 1 runs\)/);
    const parsed = JSON.parse(second.stdout);
    expect(parsed.snapshot.projects.payments.environments.prod.services['payments-api'].status).toBe('running');
    expect(parsed.run.outcome).toBe('ok');
  });

  it('exits 2 with a clear message when the data directory is under a file (a wrong --data-dir)', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    await writeFile(path.join(t.dir, 'not-a-dir'), 'x');
    const result = await runCli(['run', '--data-dir', 'not-a-dir/data'], { cwd: t.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: the data directory .*not-a-dir\/data cannot be used: a part of the path is not a directory \(ENOTDIR\)/);
    expect(result.stderr).toContain('point --data-dir / SNAP_DATA_DIR at a writable directory');
  });

  it('writes JSON progress lines with --log-format json', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const result = await runCli(['run', '--log-format', 'json', '--json'], { cwd: t.dir });
    expect(result.code).toBe(0);
    const events = result.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ kind: 'start', sources: [{ source: 'kubernetes', total: 8 }, { source: 'github', total: 15 }] });
    expect(events.at(-1)).toMatchObject({ kind: 'finish', outcome: 'ok', level: 'info' });
    expect(events.filter((e) => e.kind === 'step').length).toBeGreaterThanOrEqual(6);
    // Every line has a level; nothing comes after the finish; one duration on both streams.
    expect(events.every((e) => ['info', 'warning', 'error'].includes(e.level))).toBe(true);
    expect(events.findIndex((e) => e.kind === 'finish')).toBe(events.length - 1);
    const run = JSON.parse(result.stdout).run;
    expect(events.at(-1).durationMs).toBe(run.durationMs);

    // A failure ends with a JSON line too, not plain "error:" and "hint:" lines.
    const failed = await runCli(['run', '--log-format', 'json', '--data-dir', 'snap.config.yaml/x'], { cwd: t.dir });
    expect(failed.code).toBe(2);
    const lines = failed.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ level: 'error', kind: 'error', code: 'DATA_DIR_UNUSABLE', hint: expect.any(String), exitCode: 2 });
  });

  it('exits 3 with a partial snapshot when a cluster is unreachable', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { unreachable: true } } });
    await t.writeConfig();
    const result = await runCli(['run', '--data-dir', 'elsewhere'], { cwd: t.dir });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/Snapshot \S+ partial/);
    expect(result.stdout).toContain('CLUSTER_UNREACHABLE');
    expect(result.stdout).toMatch(/payments-api\s+.*\? unknown/);
    const runs = (await readFile(path.join(t.dir, 'elsewhere', 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(runs[0].outcome).toBe('partial');
  });

  it('without a GitHub token, writes the Kubernetes state and exits 3 with a warning that says how to fix it', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const result = await runCli(['run'], { cwd: t.dir, env: { GITHUB_TOKEN: '', GH_TOKEN: '', PATH: '/nonexistent' } });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/GITHUB_TOKEN_MISSING github: no GitHub token: .*Set GITHUB_TOKEN or GH_TOKEN, or run `gh auth login`/);
    // The version is there (no commit: nothing to resolve it with), with its health.
    const dev = t.sandbox.fixture.clusters.flatMap((c) => c.deployments).find((d) => d.namespace === 'payments-dev' && d.name === 'payments-api')!;
    expect(result.stdout).toMatch(new RegExp(`payments-api\\s+${dev.revisions.at(-1)!.tag.replace(/\./g, '\\.')} 1/1`));
  });

  it('sets a corrupt latest.json aside, reports it and carries on', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const data = path.join(t.dir, '.snap');
    await runCli(['run'], { cwd: t.dir });
    await writeFile(path.join(data, 'latest.json'), '{"schemaVersion":1,"id":"trunc');
    const result = await runCli(['run', '--json'], { cwd: t.dir });
    expect(result.code).toBe(0);
    const { snapshot } = JSON.parse(result.stdout);
    expect(snapshot.warnings.filter((w: { code: string }) => w.code !== 'NOTHING_SERVING')).toEqual([expect.objectContaining({ code: 'CORRUPT_FILE', scope: { source: 'store' } })]);
    const corrupt = await readdir(path.join(data, 'corrupt'));
    expect(corrupt).toHaveLength(1);
    expect(await readFile(path.join(data, 'corrupt', corrupt[0]), 'utf8')).toBe('{"schemaVersion":1,"id":"trunc');
  });

  it('lets exactly one of two simultaneous runs hold the lock; the other exits 4, or waits with --wait', async () => {
    // Slow enough that the second process starts while the first holds the lock, even on a loaded machine.
    t = await startTestSandbox(demoFixture(), { kubeLatencyMs: 800 });
    await t.writeConfig();
    const [a, b] = await Promise.all([runCli(['run'], { cwd: t.dir }), runCli(['run'], { cwd: t.dir })]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 4]);
    const loser = a.code === 4 ? a : b;
    expect(loser.stderr).toMatch(/error: another snap run holds the lock: process \d+/);
    expect(loser.stderr).toContain('hint: wait for it to finish, or pass --wait');
    expect(await readdir(path.join(t.dir, '.snap', 'snapshots'))).toHaveLength(1);

    // Start the waiter only once the first run holds the lock.
    const first = runCli(['run'], { cwd: t.dir });
    const lock = path.join(t.dir, '.snap', 'lock');
    for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 10));
    const [c, d] = await Promise.all([first, runCli(['run', '--wait', '30'], { cwd: t.dir })]);
    expect([c.code, d.code]).toEqual([0, 0]);
    expect(d.stderr).toMatch(/snap: waiting for the run of process \d+ to finish \(up to 30 s\)/);
    // Three runs, one snapshot file: the two after the first found nothing but timestamps changed.
    expect(await readdir(path.join(t.dir, '.snap', 'snapshots'))).toHaveLength(1);
    const runs = (await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.unchangedSince)).toEqual([undefined, runs[0].id, runs[0].id]);
  });

  it('releases the lock when interrupted', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { hang: true } } });
    await t.writeConfig();
    const { spawn } = await import('node:child_process');
    const { SNAP_BIN } = await import('./helpers/cli.js');
    const child = spawn(process.execPath, [SNAP_BIN, 'run', '--plain'], { cwd: t.dir, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lock = path.join(t.dir, '.snap', 'lock');
    for (let i = 0; i < 100 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(lock)).toBe(true);
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(existsSync(lock)).toBe(false);
  });

  it('runs the demo end to end', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'snap-demo-test-'));
    const result = await runCli(['demo', '--dir', 'out'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('snap demo: acme, 3 projects, 15 services, dev → staging → prod on 2 simulated clusters');
    // The staging rollout is a detected deployment, with image tags and commits on both sides.
    expect(result.stdout).toMatch(/Deployments since the previous snapshot \(1\)\n {2}\w+\/staging\/[\w-]+ in [\w-]+: \S+ \([0-9a-f]{7}\) → \S+ \([0-9a-f]{7}\)/);
    expect(result.stdout).toMatch(/Tickets per environment[^]*\n {2}payments\/dev +\d+ {2}(\(\+ [^)]*\) )?[A-Z]+-\d+/);
    expect(result.stdout).toMatch(/Promotion preview staging → prod\n {2}payments: promoting staging → prod ships [A-Z]+-\d+/);
    expect(await readdir(path.join(cwd, 'out', '.snap', 'snapshots'))).toHaveLength(2);
    // Again into the same folder: refused (two demos' histories would interleave), nothing touched.
    const again = await runCli(['demo', '--dir', 'out'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--dir .*out already holds a demo's history \(2 snapshot file\(s\)/);
    expect(await readdir(path.join(cwd, 'out', '.snap', 'snapshots'))).toHaveLength(2);
    const json = await runCli(['demo', '--json', '--seed', '7'], { cwd });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.changes).toHaveLength(1);
    expect(parsed.changes[0]).toMatchObject({ environment: 'staging' });
    expect(existsSync(parsed.dir)).toBe(false);
    await rm(cwd, { recursive: true });
  });
});
