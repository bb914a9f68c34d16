import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generateFixture, PRESETS, pushCommits } from '../sandbox/fixtures/generate.js';
import type { Snapshot } from '../core/snapshot-schema.js';
import type { Fixture } from '../sandbox/fixtures/types.js';
import { configForFixture, startSandbox, type Sandbox } from '../sandbox/index.js';
import type { HistoryBenchResult } from './history-bench.js';

/**
 * `npm run bench`: snap against generated organisations of size S and L, with latency injected
 * (150 ms per GitHub request, 20 ms per Kubernetes request). For each size: a cold run (empty data
 * directory), a warm run (nothing changed), and a warm run after 20 new commits and 2 rollouts.
 * Each run is a separate `snap run` process; figures are wall time, requests per source, GraphQL
 * points and that process's peak RSS. Results go to bench/results.json and bench/results.md.
 */
interface Target {
  wallMs?: number;
  points?: number;
}

const TARGETS: Record<string, Record<string, Target>> = {
  S: { cold: { wallMs: 3000 }, warm: { wallMs: 1000 } },
  L: { cold: { wallMs: 60_000 }, warm: { wallMs: 10_000, points: 50 } },
};
const RSS_LIMIT_MB = 400;
const GITHUB_LATENCY_MS = 150;
const KUBE_LATENCY_MS = 20;

interface RunFigures {
  run: string;
  wallMs: number;
  exitCode: number;
  requests: Record<string, number>;
  points: number;
  rssMb: number;
  fetched: number;
  deployments: number;
  tickets: number;
  /** Pages of older history read to make answers exact. */
  deepened: number;
  /** Drift services, rollbacks and ticket presences answered `unknown`. */
  unknown: number;
  /** Of those, the ones unknown for history that could not be completed (not for a version that does not resolve). */
  historyUnknown: number;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./child.js', import.meta.url));

function snapRun(dir: string, token: string): Promise<{ wallMs: number; code: number; maxRssKb: number }> {
  const report = path.join(dir, 'bench-report.json');
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, report, 'run', '--plain'], {
      cwd: dir,
      env: { ...process.env, GITHUB_TOKEN: token, GH_TOKEN: '', CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => (stdout += d));
    p.on('error', reject);
    p.on('close', async (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      try {
        const r = JSON.parse(await readFile(report, 'utf8'));
        if (r.code !== 0 && r.code !== 3) throw new Error(`exit ${r.code}`);
        resolve({ wallMs, code: code ?? r.code, maxRssKb: r.maxRssKb });
      } catch {
        stderr += stdout.slice(0, 2000);
        reject(new Error(`snap run failed (${code}):\n${stderr.slice(-2000)}`));
      }
    });
  });
}

async function measure(name: string, dir: string, sandbox: Sandbox): Promise<RunFigures> {
  const { wallMs, code, maxRssKb } = await snapRun(dir, sandbox.githubToken);
  const latest = JSON.parse(await readFile(path.join(dir, '.snap', 'latest.json'), 'utf8'));
  const runs = (await readFile(path.join(dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n');
  const record = JSON.parse(runs[runs.length - 1]);
  return {
    run: name,
    wallMs: Math.round(wallMs),
    exitCode: code,
    requests: record.apiCalls,
    points: record.github?.points ?? 0,
    rssMb: Math.round(maxRssKb / 1024),
    fetched: record.github?.fetched ?? 0,
    // A run that found nothing changed wrote no snapshot: latest.json is the one that still holds (same
    // state, so the same tickets and unknowns), and the run's own figures are in its run record.
    deployments: record.unchangedSince ? 0 : (latest.deployments?.length ?? 0),
    tickets: Object.keys(latest.tickets ?? {}).length,
    deepened: record.unchangedSince ? (record.github?.deepened ?? 0) : (latest.sources?.github?.deepened ?? 0),
    unknown: unknownAnswers(latest),
    historyUnknown: unknownAnswers(latest, true),
  };
}

/** Reasons that are about a side that could not be read or serves nothing, not about history (see src/core/serving.ts). */
const NOT_HISTORY = /cluster could not be read|did not resolve to a commit|was not read from GitHub|not deployed there|nothing serves|versions serve and their histories diverge|could not be read/;

function unknownAnswers(snapshot: Snapshot, historyOnly = false): number {
  const counts = (reason: string | undefined) => !historyOnly || !NOT_HISTORY.test(reason ?? '');
  const drift = Object.values(snapshot.drift ?? {}).flatMap((pairs) => pairs.filter((p) => !p.span).flatMap((p) => p.services)).filter((s) => s.status === 'unknown' && counts(s.reason)).length;
  const rollbacks = (snapshot.deployments ?? []).filter((d) => d.rollback === 'unknown').length;
  const tickets = Object.values(snapshot.tickets ?? {}).flatMap((t) => t.environments).filter((e) => e.status === 'unknown' && counts(e.reason)).length;
  return drift + rollbacks + tickets;
}

function describeFixture(f: Fixture) {
  const commits = f.repositories.reduce((n, r) => n + r.commits.length, 0);
  const deployments = f.clusters.reduce((n, c) => n + c.deployments.length, 0);
  const namespaces = f.clusters.reduce((n, c) => n + c.namespaces.length - 1, 0);
  return { repositories: f.repositories.length, commits, clusters: f.clusters.length, namespaces, deployments, environments: f.environments.length };
}

/**
 * "prod runs a release 2 years old": the same organisation with two years of older history before
 * the window, and prod of a share of services running one of the oldest releases. Exactness reads
 * the history between that release and the window once (cold) and keeps it (warm).
 */
const OLD_RELEASE = {
  S: { days: 730, changes: 300, oldProd: 0.2 },
  L: { days: 730, changes: 150, oldProd: 0.05 },
} as const;

async function benchOld(size: 'S' | 'L') {
  const fixture = generateFixture({ seed: 2026, ...PRESETS[size], past: OLD_RELEASE[size] });
  const shape = describeFixture(fixture);
  const old = fixture.clusters.flatMap((c) => c.deployments).filter((d) => d.revisions.at(-1)!.createdAt < new Date(Date.now() - 365 * 86_400_000).toISOString()).length;
  process.stderr.write(`bench ${size} with a 2-year-old prod: ${shape.repositories} repositories, ${shape.commits} commits, ${old} services whose prod runs a release ~2 years old\n`);
  const sandbox = await startSandbox(fixture, { githubLatencyMs: GITHUB_LATENCY_MS, kubeLatencyMs: KUBE_LATENCY_MS });
  const dir = await mkdtemp(path.join(tmpdir(), `snap-bench-${size}-old-`));
  try {
    await sandbox.writeKubeconfig(dir);
    await writeFile(path.join(dir, 'snap.config.yaml'), stringify(configForFixture(fixture, 'kubeconfig.yaml', {}, sandbox.githubUrl)));
    const runs: RunFigures[] = [];
    for (const name of ['cold, prod 2 years old', 'warm, prod 2 years old']) {
      const figures = await measure(name, dir, sandbox);
      runs.push(figures);
      process.stderr.write(`bench ${size} ${name}: ${(figures.wallMs / 1000).toFixed(2)} s, ${JSON.stringify(figures.requests)} requests, ${figures.points} points, ${figures.rssMb} MB, ${figures.deepened} pages of older history, ${figures.unknown} unknown answers (${figures.historyUnknown} for history)\n`);
    }
    return { size: `${size}, prod 2 years old`, shape: { ...shape, oldProd: old }, runs };
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * "every workload kind": the same organisation with a share of its services run as StatefulSets,
 * DaemonSets, CronJobs and Argo Rollouts (with workloadRef), and a config that names no kind, so
 * snap looks for Deployments first and lists the other kinds in each cluster once.
 */
async function benchKinds(size: 'S' | 'L') {
  const fixture = generateFixture({ seed: 2026, ...PRESETS[size] });
  const kinds = ['StatefulSet', 'DaemonSet', 'CronJob', 'Rollout'] as const;
  let changed = 0;
  fixture.projects.forEach((project) =>
    project.services.forEach((service, i) => {
      if (i % 10 !== 3) return;
      const kind = kinds[changed++ % kinds.length];
      for (const d of fixture.clusters.flatMap((c) => c.deployments).filter((x) => (x.repository ?? `${fixture.owner}/${x.name}`) === service.repository)) {
        d.kind = kind;
        if (kind === 'Rollout') d.workloadRef = true;
      }
    }),
  );
  const shape = describeFixture(fixture);
  process.stderr.write(`bench ${size} with every kind: ${changed} services are StatefulSets, DaemonSets, CronJobs or Rollouts\n`);
  const sandbox = await startSandbox(fixture, { githubLatencyMs: GITHUB_LATENCY_MS, kubeLatencyMs: KUBE_LATENCY_MS });
  const dir = await mkdtemp(path.join(tmpdir(), `snap-bench-${size}-kinds-`));
  try {
    await sandbox.writeKubeconfig(dir);
    const config = configForFixture(fixture, 'kubeconfig.yaml', {}, sandbox.githubUrl);
    // Name no kind: the case where snap has to find them.
    for (const project of config.projects) for (const service of project.services as { workload?: unknown }[]) delete service.workload;
    await writeFile(path.join(dir, 'snap.config.yaml'), stringify(config));
    const runs: RunFigures[] = [];
    for (const name of ['cold, every kind', 'warm, every kind']) {
      const figures = await measure(name, dir, sandbox);
      runs.push(figures);
      process.stderr.write(`bench ${size} ${name}: ${(figures.wallMs / 1000).toFixed(2)} s, ${JSON.stringify(figures.requests)} requests, ${figures.points} points, ${figures.rssMb} MB\n`);
    }
    return { size: `${size}, every kind`, shape: { ...shape, otherKinds: changed }, runs };
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchSize(size: 'S' | 'L') {
  const t0 = Date.now();
  const fixture = generateFixture({ seed: 2026, ...PRESETS[size] });
  const shape = describeFixture(fixture);
  process.stderr.write(`bench ${size}: ${shape.repositories} repositories, ${shape.commits} commits, ${shape.deployments} deployments in ${shape.clusters} clusters (generated in ${Date.now() - t0} ms)\n`);
  const sandbox = await startSandbox(fixture, { githubLatencyMs: GITHUB_LATENCY_MS, kubeLatencyMs: KUBE_LATENCY_MS });
  const dir = await mkdtemp(path.join(tmpdir(), `snap-bench-${size}-`));
  try {
    await sandbox.writeKubeconfig(dir);
    await writeFile(path.join(dir, 'snap.config.yaml'), stringify(configForFixture(fixture, 'kubeconfig.yaml', {}, sandbox.githubUrl)));
    const runs: RunFigures[] = [];
    const step = async (name: string) => {
      const figures = await measure(name, dir, sandbox);
      runs.push(figures);
      process.stderr.write(`bench ${size} ${name}: ${(figures.wallMs / 1000).toFixed(2)} s, ${JSON.stringify(figures.requests)} requests, ${figures.points} points, ${figures.rssMb} MB\n`);
    };
    await step('cold');
    await step('warm');
    // 20 new commits over 5 repositories, and 2 rollouts in staging to what dev runs.
    for (const repo of fixture.repositories.slice(0, 5)) pushCommits(fixture, repo.name, 4);
    const staging = fixture.environments.find((e) => e.name === 'staging')!;
    const dev = fixture.environments.find((e) => e.name === 'dev')!;
    let rolled = 0;
    for (const project of fixture.projects) {
      for (const service of project.services) {
        if (rolled === 2) break;
        const ns = (env: typeof dev) => env.namespaces[0].replace('{project}', project.name);
        const from = fixture.clusters.find((c) => c.context === dev.context)!.deployments.find((d) => d.namespace === ns(dev) && d.name === service.name)!;
        const to = fixture.clusters.find((c) => c.context === staging.context)!.deployments.find((d) => d.namespace === ns(staging) && d.name === service.name)!;
        const tag = from.revisions.at(-1)!;
        if (to.revisions.at(-1)!.tag === tag.tag) continue;
        sandbox.kubernetes.cluster(staging.context).store.rollout(to.namespace, to.name, { tag: tag.tag, digest: tag.digest, ...(tag.annotations ? { annotations: tag.annotations } : {}) });
        rolled++;
      }
    }
    await step('warm after 20 commits and 2 rollouts');
    const status = size === 'S' ? await statusWithLongLog(dir) : undefined;
    return { size, shape, runs, ...(status ? { status } : {}) };
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Median wall time of three `snap …` processes. */
async function timeSnap(dir: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [path.join(root, 'bin', 'snap.js'), ...args], { cwd: dir, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', () => resolve());
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.round(times.sort((a, b) => a - b)[1]);
}

/**
 * `snap status` with 10,000 runs in the log (the log's bound): the time a monitoring check waits; and
 * the cron watchdog, `snap status --check --notify`, with an alert channel configured.
 */
async function statusWithLongLog(dir: string): Promise<{ runs: number; wallMs: number; notifyWallMs: number }> {
  const file = path.join(dir, '.snap', 'runs.jsonl');
  const last = JSON.parse((await readFile(file, 'utf8')).trim().split('\n').at(-1)!);
  const start = Date.now() - 10_000 * 15 * 60_000;
  const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ ...last, id: `bench-${i}`, startedAt: new Date(start + i * 15 * 60_000).toISOString(), finishedAt: new Date(start + i * 15 * 60_000 + 900).toISOString(), outcome: i % 50 === 0 ? 'failed' : 'ok', ...(i % 50 === 0 ? { error: { code: 'BENCH', message: 'crafted failure' } } : {}) }));
  await writeFile(file, `${lines.join('\n')}\n`);
  const wallMs = await timeSnap(dir, ['status', '--json']);
  process.stderr.write(`bench status with 10,000 runs: ${(wallMs / 1000).toFixed(2)} s\n`);
  // The log is healthy, so the watchdog evaluates the alerts and has nothing to send.
  await appendFile(path.join(dir, 'snap.config.yaml'), 'alerts:\n  webhook:\n    url: http://127.0.0.1:9/snap\n');
  const notifyWallMs = await timeSnap(dir, ['status', '--check', '--notify']);
  process.stderr.write(`bench status --check --notify with 10,000 runs: ${(notifyWallMs / 1000).toFixed(2)} s\n`);
  return { runs: 10_000, wallMs, notifyWallMs };
}

function verdicts(size: string, runs: RunFigures[]): string[] {
  const out: string[] = [];
  const targets = TARGETS[size];
  const cold = runs[0];
  const warm = runs[1];
  const check = (label: string, ok: boolean, text: string) => out.push(`${ok ? 'met' : 'NOT met'}: ${size} ${label} ${text}`);
  if (targets.cold.wallMs) check('cold', cold.wallMs <= targets.cold.wallMs, `${(cold.wallMs / 1000).toFixed(2)} s ≤ ${targets.cold.wallMs / 1000} s`);
  if (targets.warm.wallMs) check('warm', warm.wallMs <= targets.warm.wallMs, `${(warm.wallMs / 1000).toFixed(2)} s ≤ ${targets.warm.wallMs / 1000} s`);
  if (targets.warm.points) check('warm', warm.points <= targets.warm.points, `${warm.points} points ≤ ${targets.warm.points}`);
  const rss = Math.max(...runs.map((r) => r.rssMb));
  check('peak RSS', rss <= RSS_LIMIT_MB, `${rss} MB ≤ ${RSS_LIMIT_MB} MB`);
  for (const r of runs) if (r.exitCode !== 0) out.push(`NOT met: ${size} ${r.run} exited ${r.exitCode}`);
  return out;
}

/** The old-release case: every answer known, and within the size's cold and warm targets. */
function oldVerdicts(size: string, runs: RunFigures[]): string[] {
  const base = size.startsWith('S') ? 'S' : 'L';
  const out: string[] = [];
  const [cold, warm] = runs;
  const targets = TARGETS[base];
  out.push(`${cold.wallMs <= targets.cold.wallMs! ? 'met' : 'NOT met'}: ${size} cold ${(cold.wallMs / 1000).toFixed(2)} s ≤ ${targets.cold.wallMs! / 1000} s`);
  out.push(`${warm.wallMs <= targets.warm.wallMs! ? 'met' : 'NOT met'}: ${size} warm ${(warm.wallMs / 1000).toFixed(2)} s ≤ ${targets.warm.wallMs! / 1000} s`);
  out.push(`${warm.deepened === 0 ? 'met' : 'NOT met'}: ${size} warm reads no older history again (${warm.deepened} pages)`);
  out.push(`${cold.historyUnknown === 0 && warm.historyUnknown === 0 ? 'met' : 'NOT met'}: ${size} no answer unknown for want of history (${cold.historyUnknown} and ${warm.historyUnknown})`);
  const rss = Math.max(...runs.map((r) => r.rssMb));
  out.push(`${rss <= RSS_LIMIT_MB ? 'met' : 'NOT met'}: ${size} peak RSS ${rss} MB ≤ ${RSS_LIMIT_MB} MB`);
  return out;
}

/** Every kind: within the size's cold and warm targets, with every service found. */
function kindVerdicts(size: string, runs: RunFigures[]): string[] {
  const targets = TARGETS[size.startsWith('S') ? 'S' : 'L'];
  const [cold, warm] = runs;
  return [
    `${cold.wallMs <= targets.cold.wallMs! ? 'met' : 'NOT met'}: ${size} cold ${(cold.wallMs / 1000).toFixed(2)} s ≤ ${targets.cold.wallMs! / 1000} s`,
    `${warm.wallMs <= targets.warm.wallMs! ? 'met' : 'NOT met'}: ${size} warm ${(warm.wallMs / 1000).toFixed(2)} s ≤ ${targets.warm.wallMs! / 1000} s (${warm.requests.kubernetes} Kubernetes requests)`,
    `${Math.max(...runs.map((r) => r.rssMb)) <= RSS_LIMIT_MB ? 'met' : 'NOT met'}: ${size} peak RSS ${Math.max(...runs.map((r) => r.rssMb))} MB ≤ ${RSS_LIMIT_MB} MB`,
  ];
}

function markdown(results: { size: string; shape: ReturnType<typeof describeFixture> & { oldProd?: number; otherKinds?: number }; runs: RunFigures[] }[], lines: string[], histories: HistoryBenchResult[] = [], demoReport?: import('./report-bench.js').ReportFigures): string {
  const names = [...new Set(histories.flatMap((h) => Object.keys(h.commands).map((n) => n.replace(/ [A-Z]+-\d+$/, ' KEY').replace(/latest~\d+$/, 'latest~N'))))];
  const history = histories.length
    ? [
        '',
        'The read side (each command a separate process, median of three), on a history built from one real snapshot of the organisation and a simulated delivery process (src/bench/history-bench.ts):',
        '',
        `| history | runs | snapshots (files) | deployments | ticket changes | index | ${names.join(' | ')} |`,
        `| --- | --- | --- | --- | --- | --- | ${names.map(() => '---').join(' | ')} |`,
        ...histories.map((h) => `| ${h.size} | ${h.runs.toLocaleString('en')} | ${h.snapshots.toLocaleString('en')} (${h.files}) | ${h.deployments.toLocaleString('en')} | ${h.ticketChanges.toLocaleString('en')} | ${(h.indexBytes / 1048576).toFixed(1)} MB | ${Object.values(h.commands).map((ms) => `${(ms / 1000).toFixed(2)} s`).join(' | ')} |`),
      ]
    : [];
  const reports = [...(demoReport ? [['demo', demoReport] as const] : []), ...histories.filter((h) => h.report).map((h) => [h.size, h.report] as const)];
  const report = reports.length
    ? ['', 'snap report (generation: the whole process, median of three; first render: navigation to the first view drawn in headless Chromium, median of three):', '', '| history | page | generation | first render |', '| --- | --- | --- | --- |', ...reports.map(([name, r]) => `| ${name} | ${r.bytes >= 1048576 ? `${(r.bytes / 1048576).toFixed(1)} MB` : `${Math.round(r.bytes / 1024)} KB`} | ${(r.generateMs / 1000).toFixed(2)} s | ${(r.firstRenderMs / 1000).toFixed(2)} s |`)]
    : [];
  const rows = results.flatMap(({ size, runs }) =>
    runs.map((r) => `| ${size} | ${r.run} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.requests.github ?? 0} | ${r.requests.kubernetes ?? 0} | ${r.points} | ${r.deepened} | ${r.unknown} (${r.historyUnknown}) | ${r.rssMb} MB |`),
  );
  const shapes = results.map(({ size, shape }) => `- ${size}: ${shape.repositories} repositories, ${shape.commits.toLocaleString('en')} commits, ${shape.environments} environments, ${shape.clusters} clusters, ${shape.namespaces} namespaces, ${shape.deployments.toLocaleString('en')} deployments${'oldProd' in shape ? `, ${shape.oldProd} services whose prod runs a release about 2 years old` : ''}${'otherKinds' in shape ? `, ${shape.otherKinds} services run as StatefulSets, DaemonSets, CronJobs or Argo Rollouts (the config names no kind)` : ''}`);
  return [
    `Latency injected: ${GITHUB_LATENCY_MS} ms per GitHub request, ${KUBE_LATENCY_MS} ms per Kubernetes request. Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    ...shapes,
    '',
    '| size | run | wall time | GitHub requests | Kubernetes requests | GraphQL points | older-history pages | unknown answers (for history) | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...history,
    ...report,
    '',
    ...lines.map((l) => `- ${l}`),
    '',
  ].join('\n');
}

async function mainBench() {
  const arg = process.argv.slice(2).find((a) => a.startsWith('--size='))?.slice(7) ?? 'all';
  const sizes = (arg === 'all' ? ['S', 'L'] : arg.split(',')) as ('S' | 'L')[];
  if (sizes.some((s) => s !== 'S' && s !== 'L')) throw new Error(`--size takes S, L or all, not ${arg}`);
  const results: (Awaited<ReturnType<typeof benchSize>> | Awaited<ReturnType<typeof benchOld>> | Awaited<ReturnType<typeof benchKinds>>)[] = [];
  for (const size of sizes) {
    results.push(await benchSize(size));
    results.push(await benchOld(size));
    if (size === 'L') results.push(await benchKinds(size));
  }
  const lines = results.flatMap((r) => (r.size === 'S' || r.size === 'L' ? verdicts(r.size, r.runs) : r.size.endsWith('every kind') ? kindVerdicts(r.size, r.runs) : oldVerdicts(r.size, r.runs)));
  for (const r of results) {
    if (!('status' in r) || !r.status) continue;
    lines.push(`${r.status.wallMs <= 500 ? 'met' : 'NOT met'}: snap status with 10,000 runs in the log ${(r.status.wallMs / 1000).toFixed(2)} s ≤ 0.5 s`);
    lines.push(`${r.status.notifyWallMs <= 500 ? 'met' : 'NOT met'}: snap status --check --notify (the watchdog) with 10,000 runs ${(r.status.notifyWallMs / 1000).toFixed(2)} s ≤ 0.5 s`);
  }
  // The read side: a long history for each size, its commands timed; and what a day adds to the storage at L.
  const { benchHistory } = await import('./history-bench.js');
  const histories: HistoryBenchResult[] = [];
  if (!process.argv.includes('--no-history')) {
    for (const size of sizes) histories.push(await benchHistory(size === 'S' ? { size, days: 365, intervalDays: 3, filesKept: 800 } : { size, days: 90, intervalDays: 3, filesKept: 100 }));
    if (sizes.includes('L')) histories.push(await benchHistory({ size: 'L', days: 1, intervalDays: 150, filesKept: 200 }));
  }
  // The HTML report: on the demo, and on the long histories.
  const { benchDemoReport, reportVerdicts } = await import('./report-bench.js');
  const demoReport = await benchDemoReport();
  process.stderr.write(`demo snap report: ${(demoReport.generateMs / 1000).toFixed(2)} s, ${(demoReport.bytes / 1024).toFixed(0)} KB, first render ${(demoReport.firstRenderMs / 1000).toFixed(2)} s\n`);
  lines.push(...reportVerdicts('demo', demoReport, { bytes: 1048576, generateMs: 500 }));
  for (const h of histories) if (h.days > 1) lines.push(...reportVerdicts(h.size, h.report, { bytes: 10 * 1048576, generateMs: 3000, firstRenderMs: 2000 }));
  for (const h of histories) {
    const limit = h.size.startsWith('S') ? 500 : 1000;
    if (h.days > 1) for (const [name, ms] of Object.entries(h.commands)) lines.push(`${ms <= limit ? 'met' : 'NOT met'}: ${h.size}: ${name} ${(ms / 1000).toFixed(2)} s ≤ ${limit / 1000} s`);
    const day = h.lastDay;
    if (h.days === 1) lines.push(`${day.bytes <= 100 * 1048576 ? 'met' : 'NOT met'}: L, a day of ${day.runs} runs and ${day.deployments} deployments adds ${(day.bytes / 1048576).toFixed(1)} MB of snapshot files (${day.files} files, ${day.keyframes} keyframe) ≤ 100 MB`);
    const warm = results.find((r) => r.size === (h.size.startsWith('S') ? 'S' : 'L'))?.runs.find((r) => r.run === 'warm after 20 commits and 2 rollouts');
    if (h.days > 1 && warm) lines.push(`${h.indexWriteMs <= warm.wallMs * 0.05 ? 'met' : 'NOT met'}: ${h.size}: writing a run with ${h.indexWriteDeployments} deployments into the index takes ${h.indexWriteMs.toFixed(0)} ms, ≤ 5 % of a warm run (${(warm.wallMs / 1000).toFixed(2)} s)`);
  }
  const outDir = path.join(root, 'bench');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'results.json'), `${JSON.stringify({ node: process.version, githubLatencyMs: GITHUB_LATENCY_MS, kubeLatencyMs: KUBE_LATENCY_MS, results, histories, demoReport, verdicts: lines }, null, 2)}\n`);
  const md = markdown(results, lines, histories, demoReport);
  await writeFile(path.join(outDir, 'results.md'), `# Benchmark results\n\nWritten by \`npm run bench\`.\n\n${md}`);
  process.stdout.write(`${md}\n`);
  if (lines.some((l) => l.startsWith('NOT'))) process.exitCode = 1;
}

await mainBench();
