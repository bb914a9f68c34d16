import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { readSnapshotFile } from '../src/store/snapshots.js';
import type { DeploymentEvent, Snapshot } from '../src/core/snapshot-schema.js';
import { visibleLength } from '../src/ui/terminal.js';
import { runCli } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

/**
 * snap show / releases / diff / ticket / index, through the CLI, on a history of five runs: the
 * first (bootstrap), a staging rollout of payments-api to what dev runs, its rollback, and two runs
 * where nothing changed (they write no snapshot file).
 */
let t: TestSandbox;
const runs: Snapshot[] = [];
let forward: DeploymentEvent;
let rollback: DeploymentEvent;
let quiet: Awaited<ReturnType<typeof runSnapshot>>;
let fifth: Awaited<ReturnType<typeof runSnapshot>>;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(['--config', path.join(t.dir, 'snap.config.yaml'), ...args], { cwd: t.dir, env });

beforeAll(async () => {
  t = await startTestSandbox();
  await t.writeConfig();
  const run = async () => runs.push((await runSnapshot(await t.config(), { progress: silentProgress, githubToken: t.sandbox.githubToken })).snapshot);
  await run();
  const first = runs[0].projects.payments.environments;
  const dev = first.dev.services['payments-api'];
  const staging = first.staging.services['payments-api'];
  const cluster = t.sandbox.kubernetes.cluster('sandbox-nonprod').store;
  cluster.rollout('payments-staging', 'payments-api', { tag: dev.container!.tag!, digest: dev.container!.digest });
  await run();
  cluster.rollout('payments-staging', 'payments-api', { tag: staging.container!.tag!, digest: staging.container!.digest });
  await run();
  // Nothing changes any more: these runs write no snapshot file.
  quiet = await runSnapshot(await t.config(), { progress: silentProgress, githubToken: t.sandbox.githubToken });
  fifth = await runSnapshot(await t.config(), { progress: silentProgress, githubToken: t.sandbox.githubToken });
  forward = runs[1].deployments![0];
  rollback = runs[2].deployments![0];
}, 60_000);
afterAll(async () => t?.close());

describe('storage', () => {
  it('snapshot files are gzip-compressed JSON; a run that finds nothing but timestamps changed writes none, and says since when', async () => {
    const files = (await readdir(path.join(t.dir, '.snap', 'snapshots'))).sort();
    expect(files).toHaveLength(3);
    expect(files.every((f) => f.endsWith('.json.gz'))).toBe(true);
    const { spawnAsync } = await import('./helpers/cli.js');
    // The first is a keyframe (the whole snapshot); the ones after, deltas of it (what changed, and its name).
    const zcat = (f: string) => spawnAsync('sh', ['-c', `zcat "${path.join(t.dir, '.snap', 'snapshots', f)}"`]);
    expect((await zcat(files[0])).stdout).toContain(`"id":"${runs[0].id}"`);
    const delta = JSON.parse((await zcat(files[2])).stdout);
    expect(delta).toMatchObject({ snapDelta: 1, base: files[0] });
    expect(delta.set).toContainEqual([['id'], runs[2].id]);
    expect(await readSnapshotFile(path.join(t.dir, '.snap', 'snapshots', files[2]))).toEqual(runs[2]);
    // The run after a rollback: its deployments since the previous snapshot are empty, its state the same.
    expect(quiet.record.unchangedSince).toBe(runs[2].id);
    expect(fifth.record.unchangedSince).toBe(runs[2].id);
    expect(path.basename(fifth.record.snapshot!)).toBe(files[2]);
    const log = (await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ id: fifth.snapshot.id, unchangedSince: runs[2].id, outcome: 'ok' });
    const show = await cli(['show']);
    expect(show.stdout).toContain(`Snapshot ${runs[2].id} ok`);
    expect(show.stdout).toMatch(/unchanged through .*2 later runs found the same/);
    expect(JSON.parse((await cli(['show', '--json'])).stdout).unchangedThrough).toBe(fifth.record.finishedAt);
    // The id of a run that wrote nothing names the snapshot that held then.
    const byRun = await cli(['show', fifth.snapshot.id, '--json']);
    expect(JSON.parse(byRun.stdout).id).toBe(runs[2].id);
    expect(byRun.stderr).toMatch(/wrote no snapshot/);
    // --raw: the whole stored document, a delta made whole.
    expect(JSON.parse((await cli(['show', runs[1].id, '--raw'])).stdout)).toEqual(runs[1]);
  });
});

describe('a data directory without a config and without latest.json', () => {
  it('takes the names from the newest snapshot file', async () => {
    const { mkdtemp, rename } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const empty = await mkdtemp(path.join(tmpdir(), 'snap-noconfig-'));
    const data = path.join(t.dir, '.snap');
    await rename(path.join(data, 'latest.json'), path.join(data, 'latest.json.away'));
    try {
      const r = await runCli(['releases', '--data-dir', data, '--json'], { cwd: empty });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).deployments.map((e: DeploymentEvent) => e.id)).toContain(rollback.id);
    } finally {
      await rename(path.join(data, 'latest.json.away'), path.join(data, 'latest.json'));
    }
  });
});

describe('snap show', () => {
  it('prints what runs where and the tickets per environment from the latest snapshot, fitted to 80 columns', async () => {
    const r = await cli(['show'], { COLUMNS: '80' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Snapshot ${runs[2].id} ok`);
    expect(r.stdout).toMatch(/payments-api/);
    expect(r.stdout).toMatch(/Tickets per environment/);
    expect(r.stdout).toMatch(/n\/m: ready pods of the desired version/);
    const wide = r.stdout.split('\n').filter((l) => visibleLength(l) > 80);
    expect(wide).toEqual([]);
  });

  it('--json, filters, earlier snapshots by reference, and a list', async () => {
    const json = JSON.parse((await cli(['show', '--env', 'staging', '--project', 'payments', '--json'])).stdout);
    expect(Object.keys(json.projects)).toEqual(['payments']);
    expect(Object.keys(json.projects.payments.environments)).toEqual(['staging']);
    expect(Object.keys(json.tickets)).toEqual(['payments/staging']);
    const earlier = JSON.parse((await cli(['show', 'latest~1', '--json'])).stdout);
    expect(earlier.id).toBe(runs[1].id);
    const byId = JSON.parse((await cli(['show', runs[0].id.slice(0, 20), '--json'])).stdout);
    expect(byId.id).toBe(runs[0].id);
    const file = (await readdir(path.join(t.dir, '.snap', 'snapshots'))).sort()[1];
    const byFile = JSON.parse((await cli(['show', path.join('.snap', 'snapshots', file), '--json'])).stdout);
    expect(byFile.id).toBe(runs[1].id);
    const list = await cli(['show', '--list']);
    expect(list.stdout).toContain('latest~2');
    for (const s of runs) expect(list.stdout).toContain(s.id);
  });

  it('exit 2 with a clear error: no such environment (nearest named), no such snapshot, no snapshot yet', async () => {
    const env = await cli(['show', '--env', 'prd']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--env prd: no such environment; did you mean prod\?/);
    const far = await cli(['show', 'latest~9']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/holds 3 snapshot\(s\)/);
    const before = await cli(['show', '@2001-01-01']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/no snapshot was taken at or before 2001-01-01/);
    const empty = await cli(['show', '--data-dir', path.join(t.dir, 'nothing-here')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the data directory .*nothing-here does not exist/);
    expect(empty.stderr).toMatch(/snap run/);
  });
});

describe('snap releases', () => {
  it('lists the deployments with what they shipped; --json, --csv, --rollbacks, filters', async () => {
    const json = JSON.parse((await cli(['releases', '--env', 'staging', '--service', 'payments-api', '--json'])).stdout);
    const ids = json.deployments.map((e: DeploymentEvent) => e.id);
    expect(ids).toContain(forward.id);
    expect(ids).toContain(rollback.id);
    const f = json.deployments.find((e: DeploymentEvent) => e.id === forward.id);
    expect(f.shipped).toMatchObject({ status: 'known', commits: forward.shipped!.commits });
    expect(f.shipped.commits).toBeGreaterThan(0);
    const r = json.deployments.find((e: DeploymentEvent) => e.id === rollback.id);
    expect(r).toMatchObject({ rollback: true, shipped: { status: 'known', commits: 0, removed: { commits: forward.shipped!.commits } } });
    const text = await cli(['releases', '--env', 'staging', '--service', 'payments-api']);
    expect(text.stdout).toMatch(/rollback/);
    expect(text.stdout).toMatch(new RegExp(`${forward.shipped!.commits} commits?`));
    const csv = (await cli(['releases', '--csv', '--rollbacks'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('at,project,environment,service,context,namespace,workload,revision,from_version,from_commit,to_version,to_commit,rollback,rollout_state,completed_at,shipped,commits,pull_requests,tickets,snapshot,id');
    expect(csv.slice(1).every((line) => line.includes(',true,'))).toBe(true);
    expect(csv.some((line) => line.endsWith(rollback.id))).toBe(true);
    const bad = await cli(['releases', '--service', 'payments-apl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean payments-api/);
    const since = await cli(['releases', '--since', 'last blue moon']);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since "last blue moon" is not a time/);
  });
});

describe('snap diff', () => {
  it('two snapshots: only the version change, with the commits and tickets between, and the tickets that moved', async () => {
    const r = JSON.parse((await cli(['diff', runs[0].id, runs[1].id, '--json'])).stdout);
    expect(r.kind).toBe('snapshots');
    const changed = r.services.filter((s: { version?: unknown }) => s.version);
    expect(changed).toEqual([expect.objectContaining({ project: 'payments', environment: 'staging', service: 'payments-api', change: 'changed' })]);
    expect(changed[0].version.between).toMatchObject({ deployments: 1, commits: forward.shipped!.commits, tickets: forward.shipped!.tickets });
    const moved = r.tickets.find((x: { environment: string }) => x.environment === 'staging');
    expect(moved.entered.length).toBeGreaterThan(0);
    const same = await cli(['diff', 'latest', 'latest', '--exit-code']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/No change/);
    const back = await cli(['diff', 'latest~1', 'latest', '--exit-code']);
    expect(back.code).toBe(1);
    expect(back.stdout).toMatch(/1 rollback/);
    expect(back.stdout).toMatch(/tickets out/);
  });

  it('a rollback moves tickets out, with what they were', async () => {
    const r = JSON.parse((await cli(['diff', 'latest~1', 'latest', '--json'])).stdout);
    const staging = r.tickets.find((x: { environment: string; project: string }) => x.project === 'payments' && x.environment === 'staging');
    expect(staging.left.length).toBeGreaterThan(0);
    expect(staging.entered.filter((x: { was?: string }) => x.was === 'in')).toEqual([]);
    // snap ticket says the same: taken out, since the rollback's snapshot.
    const gone = staging.left.find((x: { status: string }) => x.status === 'missing');
    expect(gone).toBeDefined();
    const ticket = JSON.parse((await cli(['ticket', gone.key, '--json'])).stdout);
    const place = ticket.tickets[0].environments.find((e: { project: string; environment: string }) => e.project === 'payments' && e.environment === 'staging');
    expect(place).toMatchObject({ status: 'taken out', since: { snapshot: runs[2].id } });
  });

  it('two environments, neighbours or not, from the snapshot’s promotion preview', async () => {
    const r = JSON.parse((await cli(['diff', 'staging', 'prod', '--json'])).stdout);
    expect(r.kind).toBe('environments');
    const payments = r.projects.find((p: { project: string }) => p.project === 'payments');
    const pair = runs[2].drift!.payments.find((p) => p.from === 'staging' && p.to === 'prod')!;
    expect(payments.pair.ahead).toEqual(pair.ahead);
    const far = JSON.parse((await cli(['diff', 'dev', 'prod', '--json'])).stdout);
    expect(far.projects[0].pair).toMatchObject({ from: 'dev', to: 'prod', span: 2 });
    const reversed = JSON.parse((await cli(['diff', 'prod', 'staging', '--json'])).stdout);
    expect(reversed.projects.find((p: { project: string }) => p.project === 'payments').reversed).toBe(true);
    const bad = await cli(['diff', 'staging', 'latest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/staging is an environment/);
  });
});

describe('snap ticket', () => {
  it('per environment: status, since when and the deployment that brought it; unknown keys exit 2 with the nearest', async () => {
    const key = forward.shipped!.tickets![0];
    const r = JSON.parse((await cli(['ticket', key, '--at', runs[1].id, '--json'])).stdout);
    const staging = r.tickets[0].environments.find((e: { project: string; environment: string }) => e.project === 'payments' && e.environment === 'staging');
    expect(staging.status).toMatch(/^(in|partial)$/);
    expect(staging.since).toMatchObject({ snapshot: runs[1].id, deployment: { id: forward.id } });
    const text = await cli(['ticket', key.toLowerCase(), '--at', runs[1].id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(key);
    expect(text.stdout).toMatch(/changes:/);
    const missing = await cli(['ticket', `${key}9999`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no ticket .*; nearest known: /);
    const far = await cli(['ticket', 'QQQQQQ-1']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/no ticket QQQQQQ-1 .*; none is near it \(known keys look like [A-Z]+-\d+/);
  });

  it('a pull request named like a ticket (#N) is told as such, with the tickets it carries', async () => {
    const latest = JSON.parse(await readFile(path.join(t.dir, '.snap', 'latest.json'), 'utf8')) as Snapshot;
    const keys = Object.keys(latest.tickets!);
    const carried = Object.entries(latest.tickets!).flatMap(([k, tk]) => tk.changes.filter((ch) => ch.pr !== undefined).map((ch) => ({ key: k, repository: ch.repository, pr: ch.pr! })));
    // A PR number no GitHub-issue ticket ends with.
    const pick = carried.find((x) => !keys.some((k) => k.endsWith(`#${x.pr}`)))!;
    expect(pick).toBeDefined();
    const r = await cli(['ticket', `#${pick.pr}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`#${pick.pr} is not a ticket but (a pull request|\\d+ pull requests) carrying tickets: .*${pick.repository}#${pick.pr} \\([^)]*${pick.key}`));
    // Every repository's #N, not one of them.
    const all = [...new Set(carried.filter((x) => x.pr === pick.pr).map((x) => x.repository))];
    for (const repository of all) expect(r.stderr).toContain(`${repository}#${pick.pr} (`);
  });
});

describe('the history index', () => {
  it('is rebuilt when deleted or unreadable (the unreadable one kept in corrupt/), and by snap index rebuild', async () => {
    const index = path.join(t.dir, '.snap', 'index.sqlite');
    await rm(index);
    const rebuilt = await cli(['show', '--list']);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toMatch(/rebuilt/);
    for (const s of runs) expect(rebuilt.stdout).toContain(s.id);
    await rm(`${index}-wal`, { force: true });
    await rm(`${index}-shm`, { force: true });
    await writeFile(index, 'this is not a database, but long enough to look like one to a quick check.'.repeat(100));
    const again = await cli(['releases', '--json']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/unreadable/);
    expect((await readdir(path.join(t.dir, '.snap', 'corrupt'))).some((f) => f.startsWith('index.sqlite.'))).toBe(true);
    expect(JSON.parse(again.stdout).deployments.map((e: DeploymentEvent) => e.id)).toContain(rollback.id);
    const cmd = await cli(['index', 'rebuild', '--json']);
    expect(cmd.code).toBe(0);
    expect(JSON.parse(cmd.stdout)).toMatchObject({ snapshots: 3, runs: 5 });
  });

  it('keeps the newest snapshot from latest.json when its file was removed and the index rebuilt', async () => {
    const files = (await readdir(path.join(t.dir, '.snap', 'snapshots'))).sort();
    const newest = JSON.parse(await readFile(path.join(t.dir, '.snap', 'latest.json'), 'utf8')) as Snapshot;
    const keep = path.join(t.dir, 'newest.keep');
    const { rename } = await import('node:fs/promises');
    await rename(path.join(t.dir, '.snap', 'snapshots', files.at(-1)!), keep);
    try {
      expect((await cli(['index', 'rebuild'])).code).toBe(0);
      const show = await cli(['show', '--json']);
      expect(show.code).toBe(0);
      expect(JSON.parse(show.stdout).id).toBe(newest.id);
      const list = JSON.parse((await cli(['show', '--list', '--json'])).stdout).snapshots as { id: string; file: string | null }[];
      expect(list.at(-1)).toMatchObject({ id: newest.id, file: null });
    } finally {
      await rename(keep, path.join(t.dir, '.snap', 'snapshots', files.at(-1)!));
      await cli(['index', 'rebuild']);
    }
  });

  it('never names a snapshot whose file is gone: it says the file was removed', async () => {
    const files = (await readdir(path.join(t.dir, '.snap', 'snapshots'))).sort();
    const gone = (await readSnapshotFile(path.join(t.dir, '.snap', 'snapshots', files[0]))) as Snapshot;
    await rm(path.join(t.dir, '.snap', 'snapshots', files[0]));
    const list = await cli(['show', '--list']);
    expect(list.stdout).toMatch(new RegExp(`${gone.id}.*removed`));
    const show = await cli(['show', gone.id]);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/the file of snapshot .* is gone: removed by the retention policy, or by hand/);
    // The deltas of that keyframe cannot be read any more: --list says so, and reading one names the fix.
    const listed = JSON.parse((await cli(['show', '--list', '--json'])).stdout).snapshots as { id: string; base?: string; unreadable?: string }[];
    const orphans = listed.filter((x) => x.base === files[0]);
    expect(orphans.length).toBeGreaterThan(0);
    for (const o of orphans) expect(o.unreadable).toBe(`its keyframe ${files[0]} is gone`);
    expect(list.stdout).toMatch(new RegExp(`${orphans[0].id}.*keyframe gone`));
    const orphan = await cli(['show', orphans[0].id]);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toMatch(/hint: `snap index rebuild` sets unreadable snapshot files aside/);
  });


});

describe('shell completion', () => {
  it('bash, sourced from snap completion bash: subcommands, options, environments, snapshot ids and ticket keys from the history', async () => {
    const { mkdir, chmod } = await import('node:fs/promises');
    const { SNAP_BIN, spawnAsync } = await import('./helpers/cli.js');
    const bin = path.join(t.dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, 'snap'), `#!/bin/sh\nexec "${process.execPath}" "${SNAP_BIN}" "$@"\n`);
    await chmod(path.join(bin, 'snap'), 0o755);
    const script = [
      'cd "$1"',
      'source <(snap completion bash)',
      't() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _snap_completion; echo "${COMPREPLY[*]}"; }',
      't snap sh',
      't snap show --env ""',
      't snap diff latest~',
      `t snap ticket ${forward.shipped!.tickets![0].slice(0, 4)}`,
      't snap releases --s',
      't snap diff staging ""',
      't snap ticket KEY --at ""',
    ].join('\n');
    const r = await spawnAsync('bash', ['-c', script, 'bash', t.dir], { PATH: `${bin}:${process.env.PATH}`, SNAP_CONFIG: path.join(t.dir, 'snap.config.yaml') });
    expect(r.stderr).toBe('');
    const [sub, envs, refs, tickets, options, otherEnv, at] = r.stdout.trim().split('\n');
    // After one environment, only the others; after --at, references (latest, latest~N) and ids.
    expect(otherEnv.split(' ')).toEqual(['dev', 'prod']);
    expect(at.split(' ')).toEqual(expect.arrayContaining(['latest', 'latest~1', runs[2].id]));
    expect(sub).toBe('show');
    expect(envs.split(' ')).toEqual(['dev', 'staging', 'prod']);
    expect(refs.split(' ')).toEqual(expect.arrayContaining(['latest~1']));
    expect(tickets.split(' ')).toContain(forward.shipped!.tickets![0]);
    expect(options.split(' ').sort()).toEqual(['--service', '--since']);
  });

  it('zsh and fish scripts, and the candidates in their formats; an unknown shell is a usage error', async () => {
    for (const shell of ['zsh', 'fish']) {
      const r = await cli(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/snap completion-server/);
    }
    const bad = await cli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bash, zsh, fish/);
  });
});

describe('what a first trial found', () => {
  it('a --data-dir that is not one is named for what it is, with the likely one; index rebuild leaves nothing there', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const empty = await mkdtemp(path.join(tmpdir(), 'snap-notdata-'));
    const cases: [string, RegExp][] = [
      [t.dir, new RegExp(`hint: the data directory seems to be ${path.join(t.dir, '.snap')}`)],
      [path.join(t.dir, '.snap', 'snapshots'), /hint: that is the snapshots folder; the data directory is /],
      [path.join(t.dir, '.snap', 'latest.json'), /is a file, not a data directory/],
      [empty, /no snapshot in .* yet/],
    ];
    for (const [dir, message] of cases) {
      for (const args of [['show'], ['index', 'rebuild']]) {
        const r = await runCliIn(empty, ['--data-dir', dir, ...args]);
        expect({ dir, args, code: r.code }).toEqual({ dir, args, code: 2 });
        expect(r.stderr).toMatch(message);
      }
    }
    expect(await readdir(empty)).toEqual([]);
  });

  it('index rebuild behind a run that holds the lock says at once that it waits, and how long it waited', async () => {
    const { acquireLock } = await import('../src/store/lock.js');
    const lock = await acquireLock(path.join(t.dir, '.snap', 'lock'), { command: 'snap run' });
    try {
      const r = await cli(['index', 'rebuild', '--wait', '1']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/snap: a snap run holds .*; waiting up to 1 s for it to finish/);
      expect(r.stderr).toMatch(/\(waited 1 s\)\nhint: try again when the run has finished, or wait longer/);
    } finally {
      await lock.release();
    }
  });

  it('reads a data directory with no config, from --data-dir or SNAP_DATA_DIR', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const empty = await mkdtemp(path.join(tmpdir(), 'snap-noconfig-'));
    const data = path.join(t.dir, '.snap');
    const show = await runCliIn(empty, ['show', '--data-dir', data, '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).id).toBe(runs[2].id);
    const releases = await runCliIn(empty, ['releases', '--env', 'staging', '--json'], { SNAP_DATA_DIR: data });
    expect(releases.code).toBe(0);
    expect(JSON.parse(releases.stdout).deployments.map((e: DeploymentEvent) => e.id)).toContain(rollback.id);
    const none = await runCliIn(empty, ['show']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no snap.config.yaml/);
  });

  it('refuses what does nothing or cannot be: impossible dates, negative durations, --limit without --list, an unknown --ticket, --since after --until', async () => {
    for (const [args, message] of [
      [['show', '@2026-02-30'], /not a time/],
      [['show', '@-1h'], /not a time/],
      [['show', '--limit', '2'], /--limit goes with --list/],
      [['show', '--list', '--env', 'prod'], /--list lists whole snapshots/],
      [['releases', '--ticket', 'NOPE-1'], /no deployment shipped or took out such a ticket/],
      [['releases', '--since', '7d', '--until', '30d'], /is not before --until/],
      [['diff', 'staging', 'nope'], /"nope" is not an environment/],
      [['ticket', ''], /an empty ticket key/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

});

function runCliIn(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { cwd, env });
}
