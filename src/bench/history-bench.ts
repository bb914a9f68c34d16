import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfigOrThrow } from '../config/load.js';
import { silentProgress } from '../core/progress.js';
import { runSnapshot } from '../core/run.js';
import type { DeploymentEvent, Snapshot } from '../core/snapshot-schema.js';
import { generateFixture, PRESETS } from '../sandbox/fixtures/generate.js';
import { Random } from '../sandbox/fixtures/random.js';
import { configForFixture, startSandbox } from '../sandbox/index.js';
import { HistoryIndex, type IndexedSnapshot, type TicketChange } from '../store/history-index.js';
import { syncIndex } from '../store/history-sync.js';
import { dataLayout } from '../store/layout.js';
import type { RunRecord } from '../store/run-log.js';
import { writeSnapshot, type Keyframe } from '../store/snapshots.js';
import { timeCommand } from './time-command.js';

/**
 * The history benchmark: a data directory with a long history of 15-minute runs — a year for S, 90
 * days for L — built from one real snapshot of the organisation (its services, tickets, drift) and a
 * simulated delivery process: each workload deployed every few days (dev takes new commits, staging
 * what dev runs, prod what staging runs), rollbacks soon after some deployments, reverts, stalled
 * rollouts. The index holds every run; the newest `filesKept` snapshots are written as files through
 * snap's own writer. Then each read command is timed as a separate process (median of three), and the
 * storage one day adds is measured.
 */
export interface HistoryBenchOptions {
  size: 'S' | 'L';
  days: number;
  /** Mean days between two deployments of a workload. */
  intervalDays: number;
  /** How many of the newest snapshots are written as files (retention removes the others). */
  filesKept: number;
  seed?: number;
}

export interface HistoryBenchResult {
  size: string;
  days: number;
  runs: number;
  snapshots: number;
  files: number;
  deployments: number;
  ticketChanges: number;
  buildMs: number;
  indexBytes: number;
  /** Median wall time (ms) of each read command, a separate process each. */
  commands: Record<string, number>;
  /** snap report on the history (its default 30-day window): see ReportFigures. */
  report: import('./report-bench.js').ReportFigures;
  /** One more run written into the finished index as `snap run` writes it (ms), and its deployments. */
  indexWriteMs: number;
  indexWriteDeployments: number;
  /** The last simulated day: its runs and deployments, and the snapshot files it added (bytes). */
  lastDay: { runs: number; deployments: number; files: number; keyframes: number; bytes: number };
}

const STEP_MS = 15 * 60_000;

interface Workload {
  project: string;
  environment: string;
  envIndex: number;
  service: string;
  repository: string;
  workload: { context: string; namespace: string; name: string };
  /** Position of the running version in the repository's endless commit sequence. */
  at: number;
  next: number;
  revision: number;
}

interface RepoLine {
  messages: { text: string; keys: string[]; pr?: { number: number; title: string } }[];
}

const KEY = /\b[A-Z][A-Z0-9]+-\d+\b/g;
const sha = (text: string) => createHash('sha1').update(text).digest('hex');

/** The simulated organisation's history, as events per 15-minute run. Deterministic for a seed. */
function* simulate(template: Snapshot, lines: Map<string, RepoLine>, options: HistoryBenchOptions, start: number, end: number): Generator<{ t: number; events: DeploymentEvent[] }> {
  const random = new Random(options.seed ?? 7);
  const rnd = () => random.next();
  const exp = (mean: number) => -Math.log(1 - rnd()) * mean;
  const workloads: Workload[] = [];
  for (const [project, p] of Object.entries(template.projects)) {
    Object.entries(p.environments).forEach(([environment, e], envIndex) => {
      for (const [service, s] of Object.entries(e.services)) {
        if (!s.workload || !lines.has(s.repository)) continue;
        workloads.push({ project, environment, envIndex, service, repository: s.repository, workload: { context: s.workload.context, namespace: s.workload.namespace, name: s.workload.name }, at: 1000 - envIndex * 8, next: start + exp(options.intervalDays * 86_400_000), revision: 1 });
      }
    });
  }
  const upstream = new Map(workloads.map((w) => [`${w.project}\n${w.service}\n${w.envIndex}`, w]));
  const pending: { t: number; w: Workload; to: number }[] = [];
  const version = (repository: string, n: number) => sha(`${repository}:${n}`);
  const shipped = (w: Workload, from: number, to: number, t: number): NonNullable<DeploymentEvent['shipped']> => {
    const line = lines.get(w.repository)!;
    const commits: { oid: string; at: string; pr?: number }[] = [];
    const prs = new Map<number, { number: number; title: string; mergedAt: string }>();
    const keys = new Set<string>();
    for (let n = to; n > from; n--) {
      const m = line.messages[n % line.messages.length];
      const at = new Date(t - (to - n + 1) * 3_600_000 - rnd() * 3 * 86_400_000).toISOString();
      if (commits.length < 200) commits.push({ oid: version(w.repository, n), at, ...(m.pr ? { pr: m.pr.number } : {}) });
      if (m.pr) prs.set(m.pr.number, { ...m.pr, mergedAt: at });
      for (const k of m.keys) keys.add(k);
    }
    return { status: 'known', commits: to - from, commitList: commits, ...(to - from > 200 ? { truncated: true } : {}), pullRequests: [...prs.values()], tickets: [...keys].sort(), ...(rnd() < 0.03 ? { reverts: 1 } : {}) };
  };
  const event = (w: Workload, to: number, t: number, rollback: boolean): DeploymentEvent => {
    const from = w.at;
    w.revision++;
    const e: DeploymentEvent = {
      id: sha(`${w.workload.context}/${w.workload.namespace}/${w.workload.name}#${w.revision}`).slice(0, 16),
      project: w.project,
      environment: w.environment,
      service: w.service,
      workload: w.workload,
      revision: w.revision,
      at: new Date(t).toISOString(),
      from: { version: version(w.repository, from).slice(0, 12), commit: version(w.repository, from) },
      to: { version: version(w.repository, to).slice(0, 12), commit: version(w.repository, to) },
      rollback,
      detectedBy: 'snapshot-diff',
      shipped: rollback ? { status: 'known', commits: 0, commitList: [], pullRequests: [], tickets: [], removed: { commits: from - to, tickets: [] } } : shipped(w, from, to, t),
      ...(w.envIndex === 2 && !rollback && rnd() < 0.02 ? { rolloutStatus: { state: 'stalled' as const, reason: 'ProgressDeadlineExceeded' } } : {}),
    };
    w.at = to;
    return e;
  };
  for (let t = start; t < end; t += STEP_MS) {
    const events: DeploymentEvent[] = [];
    for (let i = pending.length - 1; i >= 0; i--) {
      if (pending[i].t > t) continue;
      const { w, to } = pending[i];
      pending.splice(i, 1);
      events.push(event(w, to, t, true));
    }
    for (const w of workloads) {
      if (w.next > t) continue;
      w.next = t + Math.max(STEP_MS, exp(options.intervalDays * 86_400_000));
      const to = w.envIndex === 0 ? w.at + 1 + Math.floor(rnd() * 6) : (upstream.get(`${w.project}\n${w.service}\n${w.envIndex - 1}`)?.at ?? w.at);
      if (to <= w.at) continue;
      const previous = w.at;
      events.push(event(w, to, t, false));
      // Some deployments beyond the first environment are rolled back soon after.
      if (w.envIndex > 0 && rnd() < 0.04) pending.push({ t: t + STEP_MS * (1 + Math.floor(rnd() * 6)), w, to: previous });
    }
    yield { t, events };
  }
}

/** Builds the history in `dir` (its config and GitHub cache from one real run) and returns its counts. */
async function buildHistory(dir: string, template: Snapshot, lines: Map<string, RepoLine>, options: HistoryBenchOptions) {
  const layout = dataLayout(path.join(dir, '.snap'));
  for (const f of ['snapshots', 'latest.json', 'baseline.json', 'releases.json', 'runs.jsonl', 'index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm']) await rm(path.join(layout.root, f), { recursive: true, force: true });
  const end = Date.now();
  const start = end - options.days * 86_400_000;
  let total = 0;
  for (const step of simulate(template, lines, options, start, end)) if (step.events.length) total++;
  const { index } = HistoryIndex.open(layout);
  const rows: { snapshots: (IndexedSnapshot & { tickets: number })[]; runs: RunRecord[]; deployments: DeploymentEvent[]; ticketChanges: TicketChange[] } = { snapshots: [], runs: [], deployments: [], ticketChanges: [] };
  const flush = () => {
    index.importRows(rows);
    rows.snapshots = [];
    rows.runs = [];
    rows.deployments = [];
    rows.ticketChanges = [];
  };
  const status = new Map<string, string>();
  let snapshots = 0;
  let deployments = 0;
  let ticketChanges = 0;
  let runs = 0;
  let last: (IndexedSnapshot & { tickets: number }) | undefined;
  let files = 0;
  const services = Object.values(template.projects).reduce((n, p) => n + Object.values(p.environments).reduce((m, e) => m + Object.keys(e.services).length, 0), 0);
  const versionOf = new Map<string, { version: string; commit: string }>();
  let keyframe: Keyframe | undefined;
  // What the last simulated day added to the snapshot files.
  const lastDay = { files: 0, keyframes: 0, bytes: 0, deployments: 0, runs: 0 };
  for (const { t, events } of simulate(template, lines, options, start, end)) {
    runs++;
    if (t >= end - 86_400_000) {
      lastDay.runs++;
      lastDay.deployments += events.length;
    }
    const takenAt = new Date(t + 40_000).toISOString();
    const id = `${takenAt.replace(/[-:]/g, '').replace(/\.\d+/, '')}-${sha(`${t}`).slice(0, 6)}`;
    for (const e of events) versionOf.set(`${e.project}\n${e.environment}\n${e.service}`, { version: e.to.version!, commit: e.to.commit! });
    const run: RunRecord = { id, startedAt: new Date(t).toISOString(), finishedAt: takenAt, durationMs: 40_000, outcome: 'ok', counts: { projects: 0, environments: 0, services, running: services, warnings: 0 }, apiCalls: {} };
    if (events.length === 0 && last) {
      rows.runs.push({ ...run, snapshot: last.file ?? undefined, unchangedSince: last.id });
      last.confirmedAt = takenAt;
      last.confirmedRuns++;
    } else {
      snapshots++;
      let file: string | null = null;
      let bytes = 0;
      let base: string | null = null;
      if (snapshots > total - options.filesKept) {
        // The newest snapshots as files, through snap's own writer (keyframes and deltas, as snap run
        // stores them): the template with this moment's versions, repository heads and ticket places.
        for (const [key, v] of versionOf) {
          const [project, environment, service] = key.split('\n');
          const state = template.projects[project]?.environments[environment]?.services[service];
          if (state?.version) state.version = { ...state.version, value: v.version };
          if (state?.commit) state.commit = { ...state.commit, oid: v.commit };
        }
        for (const e of events) {
          const repo = template.projects[e.project]?.environments[e.environment]?.services[e.service]?.repository;
          const head = repo ? template.repositories?.[repo] : undefined;
          if (head && e.environment === Object.keys(template.projects[e.project].environments)[0]) head.head = { oid: e.to.commit! };
          for (const key of e.shipped?.tickets ?? []) {
            const ticket = template.tickets?.[key];
            if (!ticket) continue;
            ticket.environments = [...ticket.environments.filter((x) => x.project !== e.project || x.environment !== e.environment), { project: e.project, environment: e.environment, status: 'in' }];
          }
        }
        const written = await writeSnapshot(layout, { ...template, id, takenAt, startedAt: run.startedAt, deployments: events }, { keyframe });
        if (written.leaves) keyframe = { file: path.basename(written.file), takenAt, bytes: written.bytes, hashes: written.leaves };
        base = written.base ?? null;
        file = path.basename(written.file);
        bytes = written.storedBytes;
        files++;
        if (t >= end - 86_400_000) {
          lastDay.bytes += written.storedBytes;
          lastDay.files++;
          if (!written.base) lastDay.keyframes++;
        }
      }
      if (last) rows.snapshots.push(last);
      last = { id, takenAt, file, bytes, outcome: 'ok', services, running: services, warnings: 0, deployments: events.length, fingerprint: null, confirmedAt: null, confirmedRuns: 0, base, tickets: Object.keys(template.tickets ?? {}).length };
      rows.runs.push({ ...run, ...(file ? { snapshot: path.join(layout.snapshotsDir, file) } : {}) });
      for (const e of events) {
        rows.deployments.push({ ...e, snapshot: id });
        deployments++;
        const moved = e.rollback ? (e.shipped?.removed?.tickets ?? []).map((k) => [k, 'missing'] as const) : (e.shipped?.tickets ?? []).map((k) => [k, 'in'] as const);
        for (const [key, s] of moved) {
          const where = `${key}\n${e.project}\n${e.environment}`;
          const previous = status.get(where) ?? null;
          if (previous === s) continue;
          status.set(where, s);
          rows.ticketChanges.push({ key, project: e.project, environment: e.environment, status: s, previous, snapshot: id, at: takenAt });
          ticketChanges++;
        }
      }
    }
    if (rows.runs.length >= 5000) flush();
  }
  if (last) rows.snapshots.push(last);
  flush();
  index.close();
  return { runs, snapshots, files, deployments, ticketChanges, lastDay };
}

/** Median wall time (ms) of three `snap …` processes in `dir`. */
/** The organisation, one real snapshot of it, the simulated history, and the timings. */
export async function benchHistory(options: HistoryBenchOptions): Promise<HistoryBenchResult> {
  const fixture = generateFixture({ seed: 2026, ...PRESETS[options.size] });
  const sandbox = await startSandbox(fixture);
  const dir = await mkdtemp(path.join(tmpdir(), `snap-history-${options.size}-`));
  try {
    await sandbox.writeKubeconfig(dir);
    await writeFile(path.join(dir, 'snap.config.yaml'), stringify(configForFixture(fixture, 'kubeconfig.yaml', {}, sandbox.githubUrl)));
    const { config } = await loadConfigOrThrow(path.join(dir, 'snap.config.yaml'), { env: {} });
    const template = (await runSnapshot(config, { progress: silentProgress, githubToken: sandbox.githubToken })).snapshot;
    await sandbox.close();
    const lines = new Map<string, RepoLine>();
    for (const repo of fixture.repositories) {
      const prs = new Map(repo.pullRequests.filter((p) => p.mergeCommit).map((p) => [p.mergeCommit!, { number: p.number, title: p.title }]));
      lines.set(`${fixture.owner}/${repo.name}`, { messages: repo.commits.map((c) => ({ text: c.message, keys: [...new Set(c.message.split('\n')[0].match(KEY) ?? [])], ...(prs.get(c.oid) ? { pr: prs.get(c.oid) } : {}) })) });
    }
    const t0 = Date.now();
    const counts = await buildHistory(dir, template, lines, options);
    const buildMs = Date.now() - t0;
    process.stderr.write(`history ${options.size}, ${options.days} days: ${counts.runs} runs, ${counts.snapshots} snapshots (${counts.files} files), ${counts.deployments} deployments, ${counts.ticketChanges} ticket changes, built in ${(buildMs / 1000).toFixed(1)} s\n`);
    const d = counts.lastDay;
    process.stderr.write(`history ${options.size} last day: ${d.runs} runs, ${d.deployments} deployments, ${d.files} snapshot files (${d.keyframes} keyframes), ${(d.bytes / 1048576).toFixed(1)} MB\n`);
    // Bring the index in line once (as the first read command would), so each timing is a steady one.
    await timeCommand(dir, ['show', '--list', '--limit', '1']);
    const key = Object.keys(template.tickets ?? {})[0];
    // A day of 15-minute runs back, or as far back as the files go.
    const back = Math.min(96, counts.files - 1);
    const commands: Record<string, number> = {};
    for (const [name, args] of [
      [`snap ticket ${key}`, ['ticket', key]],
      ['snap show', ['show']],
      [`snap diff latest latest~${back}`, ['diff', 'latest', `latest~${back}`]],
      ['snap releases --since 30d', ['releases', '--since', '30d']],
      ['snap metrics', ['metrics']],
    ] as const) {
      commands[name] = await timeCommand(dir, [...args]);
      process.stderr.write(`history ${options.size} ${name}: ${(commands[name] / 1000).toFixed(2)} s\n`);
    }
    const { measureReport } = await import('./report-bench.js');
    const report = await measureReport(dir);
    process.stderr.write(`history ${options.size} snap report: ${(report.generateMs / 1000).toFixed(2)} s, ${(report.bytes / 1048576).toFixed(1)} MB, first render ${(report.firstRenderMs / 1000).toFixed(2)} s\n`);
    const indexBytes = (await stat(path.join(dir, '.snap', 'index.sqlite'))).size;
    // What the index adds to a run: open it, check it against the files, write one more run with a day's
    // share of deployments and its ticket changes, as snap run does (store/history-index.ts).
    const layout = dataLayout(path.join(dir, '.snap'));
    const perRun = Math.max(1, Math.round(counts.deployments / counts.runs));
    const recent = (await (async () => {
      const { index } = HistoryIndex.open(layout);
      try {
        return index.deployments({ newest: perRun });
      } finally {
        index.close();
      }
    })()).map((e) => ({ ...e, id: `${e.id}-x`, at: new Date().toISOString() }));
    // Its tickets stand where the history left them (as a real next run finds them), so the ticket changes
    // written are those of a run, not the difference between the template and the simulated history.
    const tickets = await (async () => {
      const { index } = HistoryIndex.open(layout);
      try {
        const out: NonNullable<Snapshot['tickets']> = {};
        for (const key of index.ticketKeys()) {
          const last = new Map<string, TicketChange>();
          for (const c of index.ticketChanges(key)) last.set(`${c.project}\n${c.environment}`, c);
          const environments = [...last.values()].filter((c) => c.status !== 'missing').map((c) => ({ project: c.project, environment: c.environment, status: c.status as 'in' }));
          out[key] = { kind: 'jira', changes: [], environments };
        }
        return out;
      } finally {
        index.close();
      }
    })();
    // Into a copy of the index (beside the same snapshot files), so that the history stays as built.
    const copyRoot = await mkdtemp(path.join(tmpdir(), 'snap-history-index-'));
    await copyFile(path.join(layout.root, 'index.sqlite'), path.join(copyRoot, 'index.sqlite'));
    await symlink(layout.snapshotsDir, path.join(copyRoot, 'snapshots'));
    const copy = dataLayout(copyRoot);
    const t1 = performance.now();
    const { index: writing } = HistoryIndex.open(copy);
    await syncIndex(writing, copy);
    const takenAt = new Date().toISOString();
    writing.transaction(() => {
      writing.recordRun({ snapshot: { ...template, tickets, id: `bench-${takenAt}`, takenAt, deployments: recent }, file: 'bench-extra.json.gz', bytes: 0, deployments: recent });
      writing.recordRun({ run: { id: `bench-${takenAt}`, startedAt: takenAt, finishedAt: takenAt, durationMs: 0, outcome: 'ok', counts: { projects: 0, environments: 0, services: 0, running: 0, warnings: 0 }, apiCalls: {} } });
    });
    writing.close();
    const indexWriteMs = performance.now() - t1;
    await rm(copyRoot, { recursive: true, force: true });
    return { size: `${options.size}, ${options.days} days`, days: options.days, ...counts, buildMs, indexBytes, commands, report, indexWriteMs, indexWriteDeployments: recent.length };
  } finally {
    await sandbox.close().catch(() => undefined);
    // SNAP_BENCH_KEEP=1 keeps the data directory, to profile a command on it.
    if (process.env.SNAP_BENCH_KEEP) process.stderr.write(`history kept in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const size = (arg('size') ?? 'S') as 'S' | 'L';
  const days = Number(arg('days') ?? (size === 'S' ? 365 : 90));
  const result = await benchHistory({ size, days, intervalDays: Number(arg('interval') ?? 3), filesKept: Number(arg('files') ?? (size === 'S' ? 800 : 100)) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
