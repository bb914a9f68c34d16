import { mkdir, mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { runCli, SNAP_BIN, spawnAsync } from './helpers/cli.js';

/**
 * Every example of the read commands — in their --help and in the README — runs as written against the
 * demo's files (`snap demo --dir`): exit 0 (1 for `--exit-code` when there are differences), nothing on
 * stderr but notes. Examples that install files into the user's home are not run.
 */
const READ = /^snap (show|ticket|diff|releases|metrics|report|index|completion)\b/;
let root: string;
let demo: string;
let bin: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'snap-examples-'));
  demo = path.join(root, 'demo');
  const r = await runCli(['demo', '--dir', demo], { cwd: root, timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  bin = path.join(root, 'bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'snap'), `#!/bin/sh\nexec "${process.execPath}" "${SNAP_BIN}" "$@"\n`);
  await chmod(path.join(bin, 'snap'), 0o755);
}, 90_000);
afterAll(async () => rm(root, { recursive: true, force: true }));

/** `$ snap …   comment` lines of a help text: the command, without the comment. */
function helpExamples(help: string): string[] {
  return help
    .split('\n')
    .filter((l) => /^\s+\$ snap /.test(l))
    .map((l) => l.replace(/^\s+\$ /, '').split(/\s{2,}/)[0].trim());
}

/** `snap …` lines of the README's sh blocks, without their `# comment`. */
async function readmeExamples(): Promise<string[]> {
  const text = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => READ.test(l));
}

const installs = (command: string) => />>? ?~|>>? ?"\$\{fpath/.test(command);

async function runExample(command: string) {
  return spawnAsync('bash', ['-c', `set -o pipefail; cd "${demo}" && ${command}`], { PATH: `${bin}:${process.env.PATH}`, HOME: root, CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '', GITHUB_TOKEN: '' });
}

describe('examples run against the demo as written', () => {
  it('every --help example of the read commands', async () => {
    const commands: string[] = [];
    for (const sub of ['', 'show', 'ticket', 'diff', 'releases', 'metrics', 'report', 'index rebuild', 'completion']) {
      const help = await runCli([...sub.split(' ').filter(Boolean), '--help'], { cwd: demo });
      expect(help.code).toBe(0);
      commands.push(...helpExamples(help.stdout).filter((c) => READ.test(c) && !installs(c)));
    }
    expect(commands.length).toBeGreaterThan(25);
    const failures: string[] = [];
    for (const command of [...new Set(commands)]) {
      const r = await runExample(command);
      const ok = r.code === 0 || (command.includes('--exit-code') && r.code === 1);
      if (!ok || /^error/m.test(r.stderr)) failures.push(`${command}: exit ${r.code}\n${r.stderr.slice(0, 400)}`);
    }
    expect(failures).toEqual([]);
  }, 240_000);

  it('every README example of the read commands', async () => {
    const commands = (await readmeExamples()).filter((c) => !installs(c));
    expect(commands.length).toBeGreaterThan(8);
    const failures: string[] = [];
    for (const command of [...new Set(commands)]) {
      const r = await runExample(command);
      if (r.code !== 0 || /^error/m.test(r.stderr)) failures.push(`${command}: exit ${r.code}\n${r.stderr.slice(0, 400)}`);
    }
    expect(failures).toEqual([]);
  }, 240_000);
});

describe('the demo', () => {
  it('a ticket rolling out through a rollout that stalled says so, with why', async () => {
    const latest = JSON.parse(await readFile(path.join(demo, '.snap', 'latest.json'), 'utf8')) as Snapshot;
    const held = Object.entries(latest.tickets!).flatMap(([key, tk]) =>
      tk.environments
        .filter((e) => e.status === 'rolling-out')
        .flatMap((e) => Object.entries(latest.projects[e.project].environments[e.environment].services).filter(([, sv]) => sv.rolloutStatus?.state === 'stalled' && tk.changes.some((ch) => ch.repository === sv.repository)).map(([service]) => ({ key, ...e, service }))),
    );
    expect(held.length).toBeGreaterThan(0);
    const { key, project, environment, service } = held[0];
    const json = JSON.parse((await runExample(`snap ticket ${key} --json`)).stdout);
    const place = json.tickets[0].environments.find((e: { project: string; environment: string }) => e.project === project && e.environment === environment);
    expect(place).toMatchObject({ status: 'rolling-out', held: [expect.objectContaining({ service, state: 'stalled' })] });
    const text = await runExample(`snap ticket ${key}`);
    expect(text.stdout).toMatch(new RegExp(`${project}/${environment} +↻ rolling out but ${service}'s rollout ✖ stalled`));
  });

  it('every read command fits an 80-column terminal', async () => {
    for (const command of ['snap show', 'snap show --list', 'snap ticket PYM-230', 'snap diff latest~1', 'snap diff staging prod', 'snap diff dev prod', 'snap releases --limit 5', 'snap metrics', 'snap metrics --by service', 'snap report']) {
      const r = await runExample(`COLUMNS=80 ${command}`);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      const wide = r.stdout.split('\n').filter((l) => [...l].length > 80);
      expect({ command, wide }).toEqual({ command, wide: [] });
    }
  });

  it('filters that select nothing together, or name nothing, are usage errors saying where the names are', async () => {
    for (const command of ['snap show --project payments --service checkout-api', 'snap metrics --project payments --service checkout-api', 'snap releases --env prod --project payments --service checkout-api', 'snap diff latest~1 --project payments --service checkout-api']) {
      const r = await runExample(command);
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
      expect(r.stderr).toMatch(/nothing matches .*: no project has them together\nhint: checkout-api is a service of checkout/);
    }
    const empty = await runExample("snap show --env ''");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--env needs a name/);
    const ticket = await runExample('snap ticket PYM-230 --project checkout');
    expect(ticket.code).toBe(0);
    expect(ticket.stdout).toMatch(/in none of the environments selected \(--project checkout\)/);
  });

  it('an environment the config names but the history never saw (renamed) is said to be so, not measured as zero', async () => {
    const config = await readFile(path.join(demo, 'snap.config.yaml'), 'utf8');
    const renamed = path.join(root, 'renamed.yaml');
    await writeFile(renamed, config.replace(/\bprod\b/g, 'production').replace(/dataDir: .*/, `dataDir: ${path.join(demo, '.snap')}`).replace(/kubeconfig: (\S+)/, `kubeconfig: ${path.join(demo, 'kubeconfig.yaml')}`));
    const metrics = await runExample(`snap --config ${renamed} metrics`);
    expect(metrics.stderr).toMatch(/the release history has no deployment in production \(it has [^)]*prod[^)]*\)/);
    const releases = await runExample(`snap --config ${renamed} releases --env production`);
    expect(releases.stderr).toMatch(/no deployment in production at all/);
  });

  it('an environment diff shows what serves where a stalled rollout left the old version serving', async () => {
    const r = await runExample('COLUMNS=120 snap diff staging prod --service payments-worker');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/payments-worker +\S+ \(staging\) +\S+ \(prod; serving [0-9a-f]{7}\)/);
    const json = JSON.parse((await runExample('snap diff staging prod --service payments-worker --json')).stdout);
    expect(json.projects[0].services[0].to).toMatchObject({ serving: expect.stringMatching(/^[0-9a-f]{7}$/) });
  });

  it('a time in the future names the newest snapshot, and says so', async () => {
    const r = await runExample('snap show @2099-01-01 --json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/@2099-01-01 is in the future: this is the newest snapshot/);
  });

  it('snap ticket wraps what is missing and what would bring it at a narrow width, rather than cutting it', async () => {
    const wide = await runExample('COLUMNS=200 snap ticket PYM-230');
    const missing = /missing in ([^;\n]+)/.exec(wide.stdout)?.[1];
    expect(missing).toBeDefined();
    const narrow = await runExample('COLUMNS=50 snap ticket PYM-230');
    expect(narrow.stdout.split('\n').every((l) => [...l].length <= 50)).toBe(true);
    expect(narrow.stdout.replace(/\n\s+/g, ' ')).toContain(`missing in ${missing}`);
  });

  it('a folder or a config named as a snapshot is a usage error (exit 2) saying how to name one', async () => {
    for (const ref of ['./snap.config.yaml', './.snap']) {
      const r = await runExample(`snap show ${ref}`);
      expect({ ref, code: r.code }).toEqual({ ref, code: 2 });
      expect(r.stderr).toMatch(/is not a snapshot file: .*\nhint: name a snapshot by latest, latest~N/);
    }
  });

  it('run from inside the data directory, a read command points at the config above it', async () => {
    const r = await spawnAsync('bash', ['-c', `cd "${demo}/.snap/snapshots" && snap show`], { PATH: `${bin}:${process.env.PATH}`, HOME: root, CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`which is in the data directory ${path.join(demo, '.snap')}\nhint: run it from ${demo}, or pass --config ${path.join(demo, 'snap.config.yaml')}`);
  });

  it('help fits 80 columns: the root and every read command', async () => {
    for (const sub of ['', 'show', 'ticket', 'diff', 'releases', 'metrics', 'report', 'index rebuild', 'completion', 'run', 'status', 'demo']) {
      const r = await runExample(`COLUMNS=80 snap ${sub} --help`);
      expect(r.code).toBe(0);
      expect({ sub, wide: r.stdout.split('\n').filter((l) => [...l].length > 80) }).toEqual({ sub, wide: [] });
    }
  });

  it('dates in any form are their first moment, UTC; relative times stay exact', async () => {
    const { parseTime } = await import('../src/history/refs.js');
    const now = new Date('2026-12-07T22:40:00Z');
    const midnight = Date.parse('2026-11-20T00:00:00Z');
    for (const text of ['2026-11-20', '2026/11/20', 'Nov 20 2026', '20 November 2026']) expect({ text, ms: await parseTime(text, now, '--since') }).toEqual({ text, ms: midnight });
    expect(await parseTime('last tuesday', now, '--since')).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(await parseTime('2 days ago', now, '--since')).toBe(now.getTime() - 2 * 86_400_000);
    expect(await parseTime('yesterday 14:00', now, '--since')).toBe(Date.parse('2026-12-06T14:00:00Z'));
  });

  it('empty --since, --until, --ticket and --data-dir are usage errors; --ticket matches in any case', async () => {
    for (const command of ["snap releases --since ''", "snap releases --until ''", "snap releases --ticket ''", "snap metrics --until ''", "snap --data-dir '' show"]) {
      const r = await runExample(command);
      expect({ command, code: r.code }).toEqual({ command, code: 2 });
    }
    const upper = JSON.parse((await runExample('snap releases --ticket PYM-230 --json')).stdout);
    const lower = JSON.parse((await runExample('snap releases --ticket pym-230 --json')).stdout);
    expect(upper.count).toBeGreaterThan(0);
    expect(lower).toEqual(upper);
  });

  it('snap metrics --service shows only the projects that have the service', async () => {
    const r = await runExample('snap metrics --service payments-worker');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^payments \(prod\)$/m);
    expect(r.stdout).not.toMatch(/^(checkout|identity|All projects)/m);
  });

  it('a promotion from an environment that has a ticket only in part says it brings that part', async () => {
    const latest = JSON.parse(await readFile(path.join(demo, '.snap', 'latest.json'), 'utf8')) as Snapshot;
    const candidates = Object.keys(latest.tickets!).slice(0, 400);
    const json = JSON.parse((await runExample(`snap ticket ${candidates.join(' ')} --json`)).stdout) as { tickets: { key: string; environments: { environment: string; promotion?: string; promotionPartial?: string }[] }[] };
    const found = json.tickets.flatMap((t) => t.environments.filter((e) => e.promotionPartial).map((e) => ({ key: t.key, ...e })));
    expect(found.length).toBeGreaterThan(0);
    const text = await runExample(`COLUMNS=200 snap ticket ${found[0].key}`);
    expect(text.stdout).toContain(`promoting ${found[0].promotion} brings what ${found[0].promotion} has of it (${found[0].promotionPartial} there)`);
  });

  it('a lost keyframe: index rebuild sets its deltas aside and keeps the newest snapshot from latest.json', async () => {
    const { cp, readdir: list, rm: remove } = await import('node:fs/promises');
    const copy = path.join(root, 'lost-keyframe');
    await cp(demo, copy, { recursive: true });
    const files = (await list(path.join(copy, '.snap', 'snapshots'))).sort();
    await remove(path.join(copy, '.snap', 'snapshots', files[0]));
    const latest = JSON.parse(await readFile(path.join(copy, '.snap', 'latest.json'), 'utf8')) as Snapshot;
    const run = (command: string) => spawnAsync('bash', ['-c', `cd "${copy}" && ${command}`], { PATH: `${bin}:${process.env.PATH}`, HOME: root, CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '' });
    expect((await run('snap index rebuild')).code).toBe(0);
    const show = await run('snap show --json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).id).toBe(latest.id);
    expect(JSON.parse((await run('snap releases --json')).stdout).count).toBeGreaterThan(0);
  });
});
