import { Command } from 'commander';
import { constants, rmSync } from 'node:fs';
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { translateFsError } from '../store/atomic.js';
import { makeDirectory } from '../util/make-dir.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfigOrThrow } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { ReportResult } from '../report/write.js';
import { pathToFileURL } from 'node:url';
import { versionChanges } from '../core/compare.js';
import { runSnapshot } from '../core/run.js';
import { errorMessage, usageError } from '../errors.js';
import type { Fixture } from '../sandbox/fixtures/types.js';
import { renderDeployments, renderDrift, renderTicketKeys } from '../ui/delivery.js';
import { outputWidth, renderWhatRunsWhere } from '../ui/show.js';
import { renderRunHeader, renderWarnings } from '../ui/summary.js';
import { formatBytes, formatDuration } from '../ui/terminal.js';
import { colorsFor, progressFor, type CommandIO, type GlobalOptions } from './context.js';

export interface DemoOptions extends GlobalOptions {
  seed?: string;
  serve?: boolean;
  size?: string;
  fixture?: string;
  fixtureFromGit?: string;
  deploy?: string[];
  saveFixture?: string;
  dir?: string;
  json?: boolean;
}

/** Demo time between the first snapshot and the second (ms): three hours. */
export const DEMO_GAP_MS = 3 * 3_600_000;

/** Sandbox up, snapshot, a staging rollout, snapshot again, show what changed. No token, cluster or network needed. */
export async function runDemo(options: DemoOptions, io: CommandIO): Promise<number> {
  const started = Date.now();
  const seed = Number(options.seed ?? 42);
  if (!Number.isInteger(seed) || seed < 0) throw usageError(`--seed must be a whole number, not "${options.seed}"`);
  const { startSandbox, configForFixture } = await import('../sandbox/index.js');
  const fixture = await demoFixture(options, seed, io.cwd);
  if (options.serve) return serveSandbox(fixture, options, io);
  if (options.saveFixture) {
    const target = path.resolve(io.cwd, options.saveFixture);
    await writeFile(target, `${JSON.stringify(fixture, null, 2)}\n`).catch((error) => {
      throw usageError(`--save-fixture ${target} cannot be written: ${errorMessage(translateFsError(error, target))}`, 'name a file in a folder you can write');
    });
  }

  const dir = options.dir ? path.resolve(io.cwd, options.dir) : await mkdtemp(path.join(tmpdir(), 'snap-demo-'));
  await demoDirectory(dir);
  const c = colorsFor(io, options);
  const say = (text: string) => !options.json && io.stdout.write(`${text}\n`);
  const sandbox = await startSandbox(fixture);
  try {
    const kubeconfig = await sandbox.writeKubeconfig(dir);
    const configFile = path.join(dir, 'snap.config.yaml');
    await writeFile(configFile, stringify(configForFixture(fixture, 'kubeconfig.yaml', { dataDir: '.snap' }, sandbox.githubUrl)));
    const { config } = await loadConfigOrThrow(configFile, { env: {} });
    const services = fixture.projects.reduce((n, p) => n + p.services.length, 0);
    say(c.bold(`snap demo: ${fixture.owner}, ${fixture.projects.length} projects, ${services} services, ${fixture.environments.map((e) => e.name).join(' → ')} on ${fixture.clusters.length} simulated clusters`));
    say(c.dim(`config ${configFile}\nkubeconfig ${kubeconfig}\n`));

    const progress = await progressFor(io, options);
    // The clock runs from the fixture's reference time, so a saved fixture reads the same years later;
    // the second snapshot is taken DEMO_GAP_MS after the first (a generated organisation is made that
    // much in the past), so that the history has two moments to compare (snap diff @{1 hour ago}).
    const startedAt = Date.now();
    const firstNow = () => new Date(Date.parse(fixture.now) + (Date.now() - startedAt));
    const now = () => new Date(Date.parse(fixture.now) + DEMO_GAP_MS + (Date.now() - startedAt));
    const first = await runSnapshot(config, { progress: progress.sink, githubToken: sandbox.githubToken, now: firstNow });
    say(`${c.bold('1.')} ${renderRunHeader(first.snapshot, first.file, first.record.apiCalls, c, first.record.durationMs)}\n`);

    // Promote what the first environment runs to the second (dev to staging), for the first service
    // where they differ; not with --fixture-from-git (or its saved fixture), whose --deploy says what runs where.
    const envs = fixture.environments.map((e) => e.name);
    const target = (() => {
      for (const [projectName, project] of Object.entries(first.snapshot.projects)) {
        for (const [name, dev] of Object.entries(project.environments[envs[0]]?.services ?? {})) {
          const staging = envs[1] ? project.environments[envs[1]]?.services[name] : undefined;
          if (dev.container?.tag && staging?.workload && staging.container?.tag !== dev.container.tag) return { projectName, name, dev, staging };
        }
      }
      return undefined;
    })();
    if (options.fixtureFromGit || fixture.demoRollout === false) {
      // --deploy said what runs where: the demo keeps it, and the second run shows a warm snapshot of it.
      say(`${c.bold('2.')} No rollout: the environments run what ${options.fixtureFromGit ? '--deploy' : 'the fixture'} set (${envs.join(', ')}); the next snapshot is a warm run of the same state\n`);
    } else if (!target) {
      say(`${c.bold('2.')} No rollout: ${envs.length > 1 ? `no service runs a different version in ${envs[0]} and ${envs[1]}` : 'one environment, nothing to promote'}\n`);
    } else {
      const { workload } = target.staging;
      say(`${c.bold('2.')} Rolling out ${c.cyan(target.name)} ${target.dev.container!.tag} to ${envs[1]} (the version in ${envs[0]}; ${envs[1]} ran ${target.staging.container?.tag})\n`);
      sandbox.kubernetes.cluster(workload!.context).store.rollout(workload!.namespace, workload!.name, { tag: target.dev.container!.tag!, digest: target.dev.container!.digest, createdAt: now().toISOString() });
    }

    const second = await runSnapshot(config, { progress: progress.sink, githubToken: sandbox.githubToken, now });
    progress.stop();
    const changes = versionChanges(first.snapshot, second.snapshot);
    // The report outlives the demo: in --dir, else in a folder of its own that is kept.
    const report = await demoReport(config, options.dir ? dir : undefined, io, now());
    if (options.json) {
      const deployments = second.snapshot.deployments ?? [];
      // Without --dir the files are removed when the demo ends: no paths to them.
      const files = options.dir ? { dir, config: configFile, files: [first.file, second.file] } : {};
      io.stdout.write(`${JSON.stringify({ kept: Boolean(options.dir), ...files, report: { file: report.file, bytes: report.bytes }, snapshots: [first.snapshot.id, second.snapshot.id], changes, deployments, snapshot: second.snapshot }, null, 2)}\n`);
    } else {
      say(`${c.bold('3.')} ${renderRunHeader(second.snapshot, second.file, second.record.apiCalls, c, second.record.durationMs, second.record.unchangedSince)}\n`);
      say(renderWhatRunsWhere(second.snapshot, c, outputWidth(io)));
      if (second.snapshot.ticketKeys) say(renderTicketKeys(second.snapshot, c));
      say(`\n${renderDeployments(second.snapshot.deployments ?? [], c)}`);
      if (envs.length > 1) say(`\n${renderDrift(second.snapshot, c, { from: envs[envs.length - 2], to: envs[envs.length - 1] })}`);
      const warnings = renderWarnings(second.snapshot.warnings, c, 8, outputWidth(io));
      if (warnings) say(`\n${warnings}`);
      say(`\n${c.bold('Report:')} ${report.file} (${formatBytes(report.bytes)})\n${c.dim(`Open it in a browser: ${pathToFileURL(report.file).href}`)}`);
      say(`\nDemo finished in ${formatDuration(Date.now() - started)}. ${options.dir ? `Files are in ${dir}.` : 'Pass --dir <folder> to keep the files and read them back with snap show, ticket, diff, releases and metrics.'}`);
      if (options.dir) {
        const quote = (p: string) => (/^[\w./-]+$/.test(p) ? p : `'${p.replaceAll("'", "'\\''")}'`);
        const pair = envs.length > 1 ? `; snap diff ${envs[envs.length - 2]} ${envs[envs.length - 1]}` : '';
        const back = second.record.unchangedSince ? '' : '; snap diff latest~1';
        say(c.dim(`Read it back (no network): cd ${quote(dir)} && snap show${back}${pair}; snap releases --since 30d; snap metrics`));
      }
      say(c.dim('Next: `snap onboard` writes a config for your organisation; `snap demo --serve` keeps this sandbox running to try it on.'));
    }
    return 0;
  } finally {
    await sandbox.close();
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the demo's HTML report (snap report) as of the demo's clock: into `dir` when the files are
 * kept, else into a new temporary folder that is not removed. Returns where it went and its size.
 */
async function demoReport(config: Config, dir: string | undefined, io: CommandIO, now: Date): Promise<ReportResult> {
  const { openHistoryOf } = await import('../history/open.js');
  const { writeReport } = await import('../report/write.js');
  const { DEFAULT_REPORT_FILE } = await import('./report.js');
  const folder = dir ?? (await mkdtemp(path.join(tmpdir(), 'snap-demo-report-')));
  const history = await openHistoryOf(config, io);
  try {
    return await writeReport(history, path.join(folder, DEFAULT_REPORT_FILE), { windowMs: 30 * 86_400_000, now });
  } finally {
    history.close();
  }
}

/** The organisation to run on: a fixture file, a local git repository, or a generated one. */
async function demoFixture(options: DemoOptions, seed: number, cwd: string): Promise<Fixture> {
  if (options.fixture && options.fixtureFromGit) throw usageError('--fixture and --fixture-from-git cannot be used together');
  if (options.deploy?.length && !options.fixtureFromGit) throw usageError('--deploy goes with --fixture-from-git <dir>');
  if (options.fixture) {
    const { loadFixture } = await import('../sandbox/fixtures/load.js');
    return loadFixture(path.resolve(cwd, options.fixture));
  }
  if (options.fixtureFromGit) {
    const { fixtureFromGit, parseDeploySpec } = await import('../sandbox/fixtures/from-git.js');
    const deploy = (options.deploy?.length ? options.deploy : ['dev=HEAD']).map(parseDeploySpec);
    return fixtureFromGit(path.resolve(cwd, options.fixtureFromGit), { deploy });
  }
  const { generateFixture, PRESETS } = await import('../sandbox/fixtures/generate.js');
  const size = (options.size ?? 'demo') as keyof typeof PRESETS;
  if (!(size in PRESETS)) throw usageError(`--size takes ${Object.keys(PRESETS).join(', ')}, not "${options.size}"`);
  const fixture = generateFixture({ seed, ...PRESETS[size], now: new Date(Date.now() - DEMO_GAP_MS) });
  if (size !== 'demo') return fixture;
  const { showcaseRuntimeStates } = await import('../sandbox/fixtures/showcase.js');
  return showcaseRuntimeStates(fixture);
}

/**
 * `snap demo --serve`: the sandbox stays up until Ctrl-C, and the shell lines to point snap at it
 * are printed, so `snap onboard` and `snap run` can be tried without an organisation of one's own.
 */
async function serveSandbox(fixture: Fixture, options: DemoOptions, io: CommandIO): Promise<number> {
  const { startSandbox } = await import('../sandbox/index.js');
  const { onInterrupt } = await import('../util/cleanup.js');
  const dir = options.dir ? path.resolve(io.cwd, options.dir) : await mkdtemp(path.join(tmpdir(), 'snap-sandbox-'));
  await demoDirectory(dir);
  const sandbox = await startSandbox(fixture);
  const kubeconfig = await sandbox.writeKubeconfig(dir);
  if (!options.dir) onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  const env = { GITHUB_TOKEN: sandbox.githubToken, SNAP_GITHUB_URL: sandbox.githubUrl, KUBECONFIG: kubeconfig };
  if (options.json) io.stdout.write(`${JSON.stringify({ dir, owner: fixture.owner, contexts: fixture.clusters.map((c) => c.context), env }, null, 2)}\n`);
  else {
    const c = colorsFor(io, options);
    const services = fixture.projects.reduce((n, p) => n + p.services.length, 0);
    io.stdout.write(
      [
        c.bold(`Sandbox running: GitHub organisation "${fixture.owner}" (${fixture.repositories.length} repositories), ${fixture.clusters.length} clusters (${fixture.clusters.map((x) => x.context).join(', ')}), ${services} services.`),
        '',
        'In another terminal:',
        ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
        '  snap onboard --yes          # writes snap.config.yaml for the sandbox',
        '  snap run',
        '',
        c.dim('Ctrl-C stops the sandbox.'),
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>(() => undefined);
  return 0;
}

export function demoCommand(handle: (options: DemoOptions) => Promise<void>): Command {
  return new Command('demo')
    .description('run snap on a built-in simulated organisation: snapshot, a staging rollout, snapshot again (no token, cluster or network needed)')
    .option('--seed <n>', 'seed of the generated organisation', '42')
    .option('--fixture <file>', 'use an organisation from a fixture JSON file (format: docs/sandbox.md)')
    .option('--fixture-from-git <dir>', 'use a local git repository: its history, tags and pull requests (from merge and squash commits)')
    .option('--deploy <env=rev[,previous...]>', 'with --fixture-from-git: an environment and the revision it runs, then the revisions that ran before it, oldest first (repeatable; default dev=HEAD)', (value: string, all: string[] = []) => [...all, value])
    .option('--save-fixture <file>', 'write the organisation used to a fixture JSON file')
    .option('--dir <folder>', 'keep the config, kubeconfig and data directory in this folder')
    .option('--serve', 'keep the sandbox running and print how to point snap at it (Ctrl-C stops it)')
    .option('--size <preset>', 'size of the generated organisation: demo, S or L', 'demo')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ snap demo\n  $ snap demo --dir /tmp/snap-demo && ls /tmp/snap-demo/.snap\n  $ snap demo --save-fixture org.json   # then edit it and: snap demo --fixture org.json\n  $ snap demo --serve                   # a sandbox to try snap onboard and snap run on\n  $ snap demo --fixture-from-git ~/src/shop --deploy dev=main --deploy staging=v1.4.0 --deploy prod=v1.3.0,v1.2.0',
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}

/** Makes the folder of `--dir`; one that cannot be made or written is a usage error naming why (exit 2). */
async function demoDirectory(dir: string): Promise<void> {
  // A history there already: the demo's own would interleave with it (its clock is its own).
  const snapshots = await readdir(path.join(dir, '.snap', 'snapshots')).catch(() => [] as string[]);
  if (snapshots.length > 0) throw usageError(`--dir ${dir} already holds a demo's history (${snapshots.length} snapshot file(s) in .snap/snapshots)`, `point --dir at a new folder, or remove ${path.join(dir, '.snap')} first`);
  try {
    await makeDirectory(dir);
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = errorMessage(translateFsError(error, dir)).replace(/^cannot write [^:]*: /, '');
    throw usageError(`--dir ${dir} cannot be used: ${code === 'ENOENT' ? `the file system refused to create it (ENOENT)` : why}`, 'point --dir at a folder you can write, or leave it out for a temporary one');
  }
}
