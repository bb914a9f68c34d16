import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { SnapError, errorMessage } from '../errors.js';
import type { GithubSource, GithubStats } from '../sources/github/collect.js';
import type { RepoData } from '../sources/github/types.js';
import { collectKubernetes, planClusters, plannedLists } from '../sources/kubernetes/collect.js';
import { collectGarbage } from '../util/memory.js';
import { SNAP_VERSION } from '../version.js';
import { detectDeployments, settleRollbacks, settleRollouts } from './deployments.js';
import { buildDrift, unknownDrift } from './drift.js';
import { linkCommits, unsettledTargets, type CommitTarget } from './link-commits.js';
import type { ProgressSink } from './progress.js';
import { servicePaths, type ServicePaths } from './paths.js';
import { shippedBy } from './shipped.js';
import { RepoBook } from './repo-book.js';
import { buildRepositories } from './repositories.js';
import { SNAPSHOT_SCHEMA_VERSION, type DeploymentEvent, type GithubSourceState, type Snapshot, type SnapshotWarning } from './snapshot-schema.js';
import { TicketKeyPolicy } from './tickets/keys.js';
import { inCluster, unitsOf } from './serving.js';
import { buildTickets } from './tickets/presence.js';
import { resolveVersion } from './versions/resolve.js';

export interface CollectResult {
  snapshot: Snapshot;
  apiCalls: Record<string, number>;
  github?: GithubStats;
  /** For the run log: cache rebuilds, rate-limit waits, page-size changes. */
  notes: string[];
  /** Earlier deployments (of `unsettled`) this run settled further: a rollback verdict decided, or a rollout state brought up to date. */
  settled: DeploymentEvent[];
}

export interface TakeSnapshotOptions {
  progress: ProgressSink;
  /** Warnings found before collection (config warnings, recovered files), carried into the snapshot. */
  warnings?: SnapshotWarning[];
  eta?: { etaMs: number; basedOnRuns: number };
  now?: () => Date;
  /** The GitHub token; without one the GitHub part is skipped and the snapshot is partial. */
  githubToken?: string;
  /** The previous snapshot: deployments and new commits are measured against it. */
  previous?: Snapshot;
  /** Where the incremental GitHub cache lives. */
  cacheDir: string;
  corruptDir: string;
  /** Waits (rate limits, back-off) go through here; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  /** Deployments from the release history whose rollback verdict is still `unknown`: decided again once the history allows. */
  unsettled?: readonly DeploymentEvent[];
}

interface GithubOutcome {
  state: GithubSourceState;
  source?: GithubSource;
  warnings: SnapshotWarning[];
}

function repositoriesOf(config: Config): string[] {
  return [...new Set(config.projects.flatMap((p) => p.services.map((s) => s.repository)))].sort();
}

async function collectGithub(config: Config, repositories: string[], options: TakeSnapshotOptions, started: Date): Promise<GithubOutcome> {
  const base = { url: config.github.url, requests: 0, points: 0, rateLimit: {}, waits: [], repositories: repositories.length, fetched: 0, unchanged: 0, rebuilt: 0, lookups: 0, durationMs: 0 };
  const { progress } = options;
  if (!options.githubToken) {
    progress({ kind: 'source-done', source: 'github', done: 0, total: repositories.length, ok: false });
    return {
      state: { ...base, status: 'skipped', error: 'no GitHub token' },
      warnings: [
        {
          code: 'GITHUB_TOKEN_MISSING',
          severity: 'error',
          scope: { source: 'github' },
          message: 'no GitHub token: commits, tickets, deployments by commit and drift are missing from this snapshot. Set GITHUB_TOKEN or GH_TOKEN, or run `gh auth login`.',
        },
      ],
    };
  }
  const { GithubSource } = await import('../sources/github/collect.js');
  const source = new GithubSource({
    settings: config.github,
    tickets: config.tickets,
    token: options.githubToken,
    historyDays: config.history.days,
    cacheDir: options.cacheDir,
    corruptDir: options.corruptDir,
    now: started,
    sleep: options.sleep,
    onStep: (repository, call, done, total) => progress({ kind: 'step', source: 'github', target: repository, call, done, total }),
  });
  const t0 = Date.now();
  try {
    await source.refresh(repositories);
    progress({ kind: 'source-done', source: 'github', done: repositories.length, total: repositories.length, ok: true });
    return { state: { ...base, ...source.stats(), status: 'ok', durationMs: Date.now() - t0 }, source, warnings: [...source.warnings] };
  } catch (error) {
    progress({ kind: 'source-done', source: 'github', done: 0, total: repositories.length, ok: false });
    const code = error instanceof SnapError ? error.code : 'GITHUB_FAILED';
    const hint = error instanceof SnapError && error.hint ? ` (${error.hint})` : '';
    return {
      state: { ...base, ...source.stats(), status: 'failed', error: errorMessage(error), durationMs: Date.now() - t0 },
      source,
      warnings: [...source.warnings, { code, severity: 'error', scope: { source: 'github' }, message: `${errorMessage(error)}${hint}; commits, tickets and drift are missing from this snapshot` }],
    };
  }
}

/**
 * Per repository, the commits deployed now, at the previous snapshot, in the revisions Kubernetes
 * keeps, and in `also` (earlier rollouts still undecided), that the graph holds.
 */
function tipsOf(projects: Snapshot['projects'], previous: Snapshot | undefined, book: RepoBook, also: readonly CommitTarget[]): Map<string, Set<string>> {
  const tips = new Map<string, Set<string>>();
  const add = (repository: string, oid: string | undefined) => {
    if (!oid || !book.get(repository)?.graph.has(oid)) return;
    tips.set(repository, (tips.get(repository) ?? new Set()).add(oid));
  };
  for (const a of also) {
    const view = book.get(a.repository);
    const r = view && !('oid' in a) ? resolveVersion(a.value, a.source, view) : undefined;
    add(a.repository, 'oid' in a ? a.oid : r?.status === 'resolved' ? r.commit.oid : undefined);
  }
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      for (const [service, s] of Object.entries(e.services)) {
        add(s.repository, s.commit?.oid);
        for (const served of s.serving ?? []) add(s.repository, served.commit);
        add(s.repository, s.lastServed?.commit);
        const before = previous?.projects[project]?.environments[environment]?.services[service];
        const view = book.get(s.repository);
        if (!view) continue;
        const resolve = (value: string | undefined) => {
          if (!value || !s.version) return undefined;
          const r = resolveVersion(value, s.version.source, view);
          return r.status === 'resolved' ? r.commit.oid : undefined;
        };
        add(s.repository, before?.commit?.oid ?? resolve(before?.version?.value));
        add(s.repository, previous?.repositories?.[s.repository]?.head?.oid);
        for (const r of s.rollout?.history ?? []) add(s.repository, resolve(r.version));
        // The other clusters of an environment of several: their own commits and revisions.
        for (const t of s.targets ?? []) {
          add(s.repository, t.commit?.oid);
          add(s.repository, t.lastServed?.commit);
          for (const r of t.rollout?.history ?? []) add(s.repository, resolve(r.version));
          const was = before?.targets?.find((b) => b.workload?.context === t.workload?.context);
          add(s.repository, was?.commit?.oid ?? resolve(was?.version?.value));
        }
      }
    }
  }
  return tips;
}

/**
 * For each service scaled to zero, the version that served last (`lastServed`): the newest serving
 * version of the previous snapshot, or what that one carried. A snapshot from before `serving`
 * existed gives its desired version.
 */
export function carryLastServed(projects: Snapshot['projects'], previous: Snapshot | undefined): void {
  if (!previous) return;
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      const units = Object.entries(e.services).flatMap(([service, s]) => unitsOf(s).map((u) => [service, u] as const));
      for (const [service, s] of units) {
        if (s.rolloutStatus?.state !== 'scaled-to-zero') continue;
        const before = inCluster(previous.projects[project]?.environments[environment]?.services[service], s.workload?.context);
        if (!before || before.status !== 'running') continue;
        const same = before.workload?.name === s.workload?.name && before.workload?.namespace === s.workload?.namespace && before.workload?.context === s.workload?.context;
        if (!same) continue;
        const newest = before.serving?.length ? before.serving[before.serving.length - 1] : undefined;
        if (newest) {
          const { ready: _ready, ...rest } = newest;
          s.lastServed = rest;
        } else if (before.lastServed) s.lastServed = before.lastServed;
        else if (!before.serving && before.rollout) {
          s.lastServed = {
            replicaSet: before.rollout.replicaSet,
            ...(before.rollout.revision !== undefined ? { revision: before.rollout.revision } : {}),
            ...(before.version ? { version: before.version.value } : {}),
            ...(before.container ? { image: before.container.image } : {}),
            ...(before.container?.digest ? { digest: before.container.digest } : {}),
            ...(before.commit ? { commit: before.commit.oid } : {}),
          };
        }
      }
    }
  }
}

/** Reads every source and assembles one snapshot document. Writes only the GitHub cache. */
export async function takeSnapshot(config: Config, options: TakeSnapshotOptions): Promise<CollectResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const { progress } = options;
  const kubeTotal = planClusters(config).reduce((sum, p) => sum + plannedLists(p), 0);
  const repositories = repositoriesOf(config);
  progress({ kind: 'start', sources: [{ source: 'kubernetes', total: kubeTotal, unit: 'list' }, { source: 'github', total: repositories.length, unit: 'repository' }], ...(options.eta ?? {}) });

  // GitHub first: its requests are in flight while the (large) Kubernetes client loads.
  const githubDone = collectGithub(config, repositories, options, started);
  const kubeDone = collectKubernetes(config, { onStep: (context, call, done, total) => progress({ kind: 'step', source: 'kubernetes', target: context, call, done, total }) }).then((result) => {
    progress({ kind: 'source-done', source: 'kubernetes', done: kubeTotal, total: kubeTotal, ok: !result.partial });
    return result;
  });
  const [kube, github] = await Promise.all([kubeDone, githubDone]);
  const warnings = [...(options.warnings ?? []), ...kube.warnings, ...github.warnings];
  const projects: Snapshot['projects'] = {};
  for (const project of config.projects) projects[project.name] = { environments: kube.environments[project.name] };
  carryLastServed(projects, options.previous);

  const repos: Map<string, RepoData> = github.state.status === 'ok' && github.source ? github.source.repos : new Map();
  const source = github.state.status === 'ok' ? github.source : undefined;
  const lookup = source
    ? async (lookups: Parameters<GithubSource['lookup']>[0]) => {
        try {
          await source.lookup(lookups);
        } catch (error) {
          warnings.push({ code: 'GITHUB_LOOKUP_FAILED', severity: 'warning', scope: { source: 'github' }, message: `looking up ${lookups.length} commit(s) outside the cached window failed: ${errorMessage(error)}` });
        }
      }
    : undefined;
  const analysis: Partial<Snapshot> = {};
  let book = new RepoBook(repos);
  let shippedPaths: ServicePaths | undefined;
  if (source) {
    const also = unsettledTargets(options.unsettled ?? [], projects);
    warnings.push(...(await linkCommits(projects, book, lookup, options.previous, also)));
    // The commits ancestry questions are asked about: deployed now, deployed at the previous
    // snapshot, the revisions Kubernetes keeps, and earlier rollouts still undecided. History is
    // read until each is answered exactly.
    const tips = tipsOf(projects, options.previous, book, also);
    try {
      await source.complete(tips);
    } catch (error) {
      warnings.push({ code: 'HISTORY_INCOMPLETE', severity: 'warning', scope: { source: 'github' }, message: `reading older history failed: ${errorMessage(error)}; answers that depend on it are unknown in this snapshot` });
    }
    const paths = new Map<string, string[]>();
    for (const s of config.projects.flatMap((p) => p.services)) if (s.paths?.length) paths.set(s.repository, [...new Set([...(paths.get(s.repository) ?? []), ...s.paths])]);
    try {
      await source.updatePaths(paths, tips);
    } catch (error) {
      warnings.push({ code: 'GITHUB_PATHS_FAILED', severity: 'warning', scope: { source: 'github' }, message: `reading which commits touch the services' paths failed: ${errorMessage(error)}; their counts are of the commits known to touch them` });
    }
    if (config.tickets.githubIssues) {
      try {
        await source.classifyReferences();
      } catch (error) {
        warnings.push({ code: 'GITHUB_REFERENCES_FAILED', severity: 'warning', scope: { source: 'github' }, message: `asking GitHub which #N references are issues failed: ${errorMessage(error)}; they count as tickets in this snapshot` });
      }
    }
    await source.persist(tips);
    // Keys are learnt from what the cache keeps (persist prunes it), not from whatever older history
    // this run happened to read: the next, unchanged run then learns the same.
    const policy = new TicketKeyPolicy(config.tickets.jiraProjects);
    for (const data of source.repos.values()) policy.learnRepo(data);
    const read = source.stats();
    // What paging GitHub parsed (histories, older history) is garbage now: collect it before the
    // analysis builds its graphs and tickets, so the two do not add up to the peak. A run that paged
    // nothing has little garbage and would only wait for the collector.
    if (read.fetched > 0 || read.deepened > 0) collectGarbage();
    github.state = { ...github.state, ...read, status: 'ok' };
    warnings.push(...source.warnings.filter((w) => !github.warnings.includes(w)));
    book = new RepoBook(repos, { tips, windowStart: source.windowStart, accepts: (ref) => policy.accepts(ref), incomplete: source.completion?.incomplete });
    const owned = servicePaths(book);
    shippedPaths = owned;
    analysis.repositories = buildRepositories(repositories, book, options.previous, source.windowStart, config.projects, owned);
    analysis.tickets = buildTickets(config.projects, projects, book, owned);
    analysis.drift = buildDrift(config.projects, projects, book, owned);
    analysis.ticketKeys = policy.report();
  }
  if (!source) analysis.drift = unknownDrift(config.projects, `GitHub was not read: ${github.state.error ?? github.state.status}`);
  analysis.deployments = detectDeployments(projects, options.previous, book);
  // What each deployment shipped, while the history is at hand (read back by snap releases and snap metrics).
  if (source && shippedPaths) for (const event of analysis.deployments) event.shipped = shippedBy(event, config.projects, book, shippedPaths);
  // Earlier events settled further: rollback verdicts (with GitHub), and rollout states (from the clusters).
  const decided = new Map((source ? settleRollbacks(options.unsettled ?? [], projects, book) : []).map((e) => [e.id, e]));
  for (const r of settleRollouts((options.unsettled ?? []).map((e) => decided.get(e.id) ?? e), projects, now().toISOString())) decided.set(r.id, r);
  const settled = [...decided.values()];
  for (const warning of warnings.slice((options.warnings ?? []).length)) progress({ kind: 'warning', warning });

  const finished = now();
  const partial = kube.partial || github.state.status !== 'ok' || (github.source?.failedRepositories.length ?? 0) > 0;
  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    id: `${finished.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`,
    takenAt: finished.toISOString(),
    startedAt: started.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    outcome: partial ? 'partial' : 'ok',
    tool: { name: 'snap', version: SNAP_VERSION },
    config: { path: config.path, hash: config.hash },
    sources: { kubernetes: { clusters: kube.clusters }, github: github.state },
    projects,
    ...analysis,
    warnings,
  };
  return {
    snapshot,
    apiCalls: { kubernetes: kube.requests, github: github.state.requests },
    ...(github.source ? { github: github.source.stats() } : {}),
    notes: github.source?.notes ?? [],
    settled,
  };
}
