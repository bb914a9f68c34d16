import type { DeploymentEvent } from '../core/snapshot-schema.js';
import type { HistoryIndex } from '../store/history-index.js';

/**
 * The four DORA measures of software delivery performance, computed from the release history alone
 * (every input is in `snap releases --json`, so each number can be redone by hand; docs/metrics.md):
 *
 * - deployment frequency: deployments in the window per week, and days with at least one deployment
 *   per week;
 * - lead time for changes: for every commit a deployment shipped (its `shipped.commitList`), the time
 *   from the commit to the deployment running (`completedAt`, else `at`); median and p90 (nearest
 *   rank) over all of them; by stage per merged PR: merge → first deployment in the project's first
 *   environment that shipped it → this environment;
 * - change failure rate: deployments that failed over all deployments; a deployment failed when its
 *   rollout stalled, or when the next deployment of the same service in the environment came within
 *   the failure window and was a rollback or a fix (it shipped a revert or a cherry-picked hotfix);
 * - failed-deployment recovery time: from a failed deployment to the next deployment that put it
 *   right (that rollback or fix, when it completed; for a stalled rollout, the next one that did not
 *   stall); median over the failures that recovered.
 *
 * Bands: each measure on its own, against the software delivery performance clusters of DORA's
 * Accelerate State of DevOps Report 2023 (elite, high, medium, low), taken as thresholds — see BANDS.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** How far before the windows a PR's first deployment in the first environment is looked for (docs/metrics.md). */
export const STAGE_LOOKBACK_MS = 30 * DAY;

export type Band = 'elite' | 'high' | 'medium' | 'low';

/**
 * The thresholds, from the clusters of the Accelerate State of DevOps Report 2023 (DORA, Google Cloud):
 * elite deploy on demand (several times a day), lead time under a day, 5 % failures, recovery under an
 * hour; high between daily and weekly, a day to a week, 10 %, under a day; medium between weekly and
 * monthly, a week to a month, 15 %, a day to a week; low below those.
 */
export const BANDS = {
  source: 'DORA, Accelerate State of DevOps Report 2023: software delivery performance clusters (https://dora.dev/research/2023/dora-report/)',
  /** Deployments per week at or above which a band holds. */
  deploymentFrequency: { elite: 7, high: 1, medium: 12 / 52 },
  /** Median lead time (ms) below which a band holds. */
  leadTime: { elite: DAY, high: WEEK, medium: 30 * DAY },
  /** Change failure rate (fraction) at or below which a band holds. */
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  /** Median recovery time (ms) below which a band holds. */
  recoveryTime: { elite: HOUR, high: DAY, medium: WEEK },
} as const;

export interface MetricsOptions {
  /** Window start and end (ms since the epoch): deployments at or after start, before end. */
  start: number;
  end: number;
  /** A deployment followed within this long (ms) by a rollback or a fix failed. */
  failureWindowMs: number;
  /** The project's environments in promotion order, by project: the first is where lead-time stages start. */
  environmentsOf: (project: string) => readonly string[];
  /** When each PR first ran in its project's first environment ("project\nservice\nPR number" → ms); worked out from `all` when not given. */
  firstArrivals?: ReadonlyMap<string, number>;
}

export interface Measures {
  deployments: number;
  deploymentFrequency: { perWeek: number; daysPerWeek: number; days: number; band?: Band };
  leadTime: {
    commits: number;
    /** Commits shipped by deployments with no record of their commits (bootstrap history, unresolved versions). */
    unknownDeployments: number;
    medianMs?: number;
    p90Ms?: number;
    band?: Band;
    stages: { pullRequests: number; mergeToFirstMs?: number; firstToHereMs?: number; unknown: number };
    truncated?: number;
  };
  /** `unknown`: deployments whose next one came within the failure window with a rollback verdict of `unknown` (the rate is then a lower bound). */
  changeFailureRate: { failed: number; of: number; rate?: number; band?: Band; failures: { id: string; why: string }[]; unknown?: number };
  recoveryTime: { recovered: number; open: number; medianMs?: number; band?: Band };
}

/** Nearest-rank percentile (p in 0..100) of sorted values: the value at rank ceil(p/100 × n). */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** ISO time → ms, parsed once per string (the same events are measured for every scope and window). */
const parsedTimes = new Map<string, number>();
const time = (iso: string | undefined) => {
  if (!iso) return NaN;
  let ms = parsedTimes.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsedTimes.size > 1_000_000) parsedTimes.clear();
    parsedTimes.set(iso, ms);
  }
  return ms;
};
const runningAt = (e: DeploymentEvent) => time(e.completedAt ?? e.at);
const bandBelow = (value: number | undefined, t: { elite: number; high: number; medium: number }): Band | undefined =>
  value === undefined ? undefined : value < t.elite ? 'elite' : value < t.high ? 'high' : value < t.medium ? 'medium' : 'low';
const serviceKey = (e: DeploymentEvent) => `${e.project}\n${e.environment}\n${e.service}`;

/** Each service's deployments in time order, and each deployment's place there: worked out once per list of events. */
const servicesCache = new WeakMap<readonly DeploymentEvent[], { byService: Map<string, DeploymentEvent[]>; position: Map<DeploymentEvent, number> }>();
function servicesOf(all: readonly DeploymentEvent[]) {
  const cached = servicesCache.get(all);
  if (cached) return cached;
  const byService = new Map<string, DeploymentEvent[]>();
  for (const e of all) if (e.at) (byService.get(serviceKey(e)) ?? byService.set(serviceKey(e), []).get(serviceKey(e))!).push(e);
  const position = new Map<DeploymentEvent, number>();
  for (const list of byService.values()) {
    list.sort((a, b) => (a.at! < b.at! ? -1 : a.at! > b.at! ? 1 : 0));
    list.forEach((e, i) => position.set(e, i));
  }
  const result = { byService, position };
  servicesCache.set(all, result);
  return result;
}

/**
 * When each merged PR first ran in its project's first environment: "project\nservice\nPR number" → ms,
 * from the deployments there that shipped it (rollbacks ship nothing).
 */
export function firstArrivals(events: Iterable<Pick<DeploymentEvent, 'project' | 'environment' | 'service' | 'rollback' | 'at' | 'completedAt' | 'shipped'>>, environmentsOf: (project: string) => readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.environment !== environmentsOf(e.project)[0] || e.shipped?.status !== 'known' || e.rollback === true) continue;
    const at = runningAt(e as DeploymentEvent);
    if (!Number.isFinite(at)) continue;
    for (const pr of e.shipped.pullRequests ?? []) {
      const key = `${e.project}\n${e.service}\n${pr.number}`;
      if (!(out.get(key)! <= at)) out.set(key, at);
    }
  }
  return out;
}

/** One service's share of the lead time in a window: its commits' lead times and its PRs' stages (ms). */
interface ServiceLeads {
  leads: number[];
  unknownDeployments: number;
  truncated: number;
  prs: number;
  toFirst: number[];
  toHere: number[];
  unknownStages: number;
}

/** Per map of first arrivals (one metrics command), each service's share by window: see computeMeasures. */
const leadCache = new WeakMap<ReadonlyMap<string, number>, Map<string, ServiceLeads>>();

/**
 * Lead time for changes of one service's deployments in the window (time order): every commit
 * shipped, commit time → running, each commit once at its first arrival (one that shipped, was
 * rolled back and shipped again got there the first time); and per merged PR shipped, the stages
 * merge → first environment → here. A rollout that stalled and never completed ran nothing: its
 * commits and PRs arrive with the service's next deployment that did not stall (which ships from the
 * stalled version, so it does not list them).
 */
function serviceLeads(inWindow: readonly DeploymentEvent[], firstDeploy: ReadonlyMap<string, number>): ServiceLeads {
  const leads: number[] = [];
  const arrived = new Set<string>();
  let waiting: { oid: string; at: string }[] = [];
  let unknownDeployments = 0;
  let truncated = 0;
  const neverRan = (e: DeploymentEvent) => e.rolloutStatus?.state === 'stalled' && !e.completedAt;
  for (const e of inWindow) {
    if (e.shipped?.status !== 'known') {
      if (e.rollback !== true) unknownDeployments++;
      continue;
    }
    if (e.shipped.truncated) truncated++;
    if (neverRan(e)) {
      waiting = [...waiting, ...(e.shipped.commitList ?? [])];
      continue;
    }
    const commits = [...(e.rollback === true ? [] : waiting), ...(e.shipped.commitList ?? [])];
    waiting = [];
    const running = runningAt(e);
    for (const c of commits) {
      if (arrived.has(c.oid)) continue;
      arrived.add(c.oid);
      const ms = running - Date.parse(c.at);
      if (Number.isFinite(ms)) leads.push(Math.max(0, ms));
    }
  }
  const toFirst: number[] = [];
  const toHere: number[] = [];
  let prs = 0;
  let unknownStages = 0;
  const counted = new Set<number>();
  let waitingPrs: NonNullable<NonNullable<DeploymentEvent['shipped']>['pullRequests']> = [];
  for (const e of inWindow) {
    if (e.shipped?.status !== 'known' || e.rollback === true) continue;
    if (neverRan(e)) {
      waitingPrs = [...waitingPrs, ...(e.shipped.pullRequests ?? [])];
      continue;
    }
    const arriving = [...waitingPrs, ...(e.shipped.pullRequests ?? [])];
    waitingPrs = [];
    for (const pr of arriving) {
      if (counted.has(pr.number)) continue;
      counted.add(pr.number);
      prs++;
      const first = firstDeploy.get(`${e.project}\n${e.service}\n${pr.number}`);
      const merged = time(pr.mergedAt);
      // Not seen in the first environment before it got here (it skipped it, or went there later): no stages.
      if (first === undefined || !Number.isFinite(merged) || first > runningAt(e)) {
        unknownStages++;
        continue;
      }
      toFirst.push(Math.max(0, first - merged));
      toHere.push(runningAt(e) - first);
    }
  }
  return { leads, unknownDeployments, truncated, prs, toFirst, toHere, unknownStages };
}

/**
 * The measures over the deployments of one selection (an environment, a project, a service) in the
 * window. `all` is the whole release history of the same selection's services, in every environment
 * (oldest first): the next deployment after a failure and the first-environment deployment of a PR
 * may lie outside the selection or the window.
 */
export function computeMeasures(selected: readonly DeploymentEvent[], all: readonly DeploymentEvent[], options: MetricsOptions): Measures {
  const inWindow = selected.filter((e) => {
    const at = time(e.at);
    return at >= options.start && at < options.end;
  });
  // Usually in time order already (the index lists them so): sorted only when not.
  if (inWindow.some((e, i) => i > 0 && time(inWindow[i - 1].at) > time(e.at))) inWindow.sort((a, b) => time(a.at) - time(b.at));
  const weeks = (options.end - options.start) / WEEK;

  // Deployment frequency.
  const days = new Set(inWindow.map((e) => e.at!.slice(0, 10)));
  const perWeek = inWindow.length / weeks;
  const deploymentFrequency = {
    perWeek,
    // A window shorter than a week has at most its own days.
    daysPerWeek: Math.min(7, days.size / Math.max(weeks, 1)),
    days: days.size,
    ...(inWindow.length ? { band: (perWeek >= BANDS.deploymentFrequency.elite ? 'elite' : perWeek >= BANDS.deploymentFrequency.high ? 'high' : perWeek >= BANDS.deploymentFrequency.medium ? 'medium' : 'low') as Band } : {}),
  };

  // Lead time for changes, service by service (each service's figures depend on its own deployments
  // only, so those of one window are worked out once for every scope that has the service).
  const firstDeploy = options.firstArrivals ?? firstArrivals(all, options.environmentsOf);
  const byServiceHere = new Map<string, DeploymentEvent[]>();
  for (const e of inWindow) (byServiceHere.get(serviceKey(e)) ?? byServiceHere.set(serviceKey(e), []).get(serviceKey(e))!).push(e);
  const cache = options.firstArrivals ? (leadCache.get(options.firstArrivals) ?? leadCache.set(options.firstArrivals, new Map()).get(options.firstArrivals)!) : undefined;
  const parts: ServiceLeads[] = [];
  for (const [service, events] of byServiceHere) {
    const key = `${service}\n${options.start}\n${options.end}\n${events.length}\n${events[0].id}\n${events[events.length - 1].id}`;
    let part = cache?.get(key);
    if (!part) {
      part = serviceLeads(events, firstDeploy);
      cache?.set(key, part);
    }
    parts.push(part);
  }
  // Typed arrays sort numerically, and much faster than an array with a comparator.
  const joined = (of: (p: ServiceLeads) => number[]) => {
    const out = new Float64Array(parts.reduce((n, p) => n + of(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(of(p), at);
      at += of(p).length;
    }
    return out.sort();
  };
  const leads = joined((p) => p.leads);
  const toFirst = joined((p) => p.toFirst);
  const toHere = joined((p) => p.toHere);
  const sum = (f: (p: ServiceLeads) => number) => parts.reduce((n, p) => n + f(p), 0);
  const unknownDeployments = sum((p) => p.unknownDeployments);
  const truncated = sum((p) => p.truncated);
  const prs = sum((p) => p.prs);
  const unknownStages = sum((p) => p.unknownStages);
  const medianLead = percentile(leads, 50);
  const leadTime = {
    commits: leads.length,
    unknownDeployments,
    ...(medianLead !== undefined ? { medianMs: medianLead, p90Ms: percentile(leads, 90), band: bandBelow(medianLead, BANDS.leadTime) } : {}),
    stages: { pullRequests: prs, ...(toFirst.length ? { mergeToFirstMs: percentile(toFirst, 50), firstToHereMs: percentile(toHere, 50) } : {}), unknown: unknownStages },
    ...(truncated ? { truncated } : {}),
  };

  // Change failure rate and recovery time: each deployment against the next one of its service there.
  const { byService, position } = servicesOf(all);
  const failures: { id: string; why: string }[] = [];
  const recoveries: number[] = [];
  let open = 0;
  let undecided = 0;
  for (const e of inWindow) {
    const list = byService.get(serviceKey(e)) ?? [];
    const at = position.get(e);
    const next = at === undefined ? undefined : list[at + 1];
    let why: string | undefined;
    let recoveredBy: DeploymentEvent | undefined;
    if (e.rolloutStatus?.state === 'stalled') {
      why = `its rollout stalled${e.rolloutStatus.reason ? ` (${e.rolloutStatus.reason})` : ''}`;
      // The next deployment that did not stall (within the next 49).
      for (let i = (at ?? Infinity) + 1; i < list.length && i < (at ?? 0) + 50 && !recoveredBy; i++) if (list[i].rolloutStatus?.state !== 'stalled') recoveredBy = list[i];
    } else if (next && time(next.at) - time(e.at) <= options.failureWindowMs) {
      const fix = next.rollback === true ? 'rolled back' : next.shipped?.reverts ? 'a revert followed' : next.shipped?.cherryPicks ? 'a hotfix (cherry-pick) followed' : undefined;
      if (fix) {
        why = `${fix} ${Math.round((time(next.at) - time(e.at)) / 60_000)} min later (${next.id})`;
        recoveredBy = next;
      } else if (next.rollback === 'unknown') undecided++;
    }
    if (!why) continue;
    failures.push({ id: e.id, why });
    if (recoveredBy && Number.isFinite(runningAt(recoveredBy))) recoveries.push(Math.max(0, runningAt(recoveredBy) - time(e.at)));
    else open++;
  }
  recoveries.sort((a, b) => a - b);
  const rate = inWindow.length ? failures.length / inWindow.length : undefined;
  const medianRecovery = percentile(recoveries, 50);
  return {
    deployments: inWindow.length,
    deploymentFrequency,
    leadTime,
    changeFailureRate: { failed: failures.length, of: inWindow.length, ...(undecided ? { unknown: undecided } : {}), ...(rate !== undefined ? { rate, band: rate <= BANDS.changeFailureRate.elite ? 'elite' : rate <= BANDS.changeFailureRate.high ? 'high' : rate <= BANDS.changeFailureRate.medium ? 'medium' : 'low' } : {}), failures },
    recoveryTime: { recovered: recoveries.length, open, ...(medianRecovery !== undefined ? { medianMs: medianRecovery, band: bandBelow(medianRecovery, BANDS.recoveryTime) } : {}) },
  };
}

/**
 * What computeMeasures needs from the history index for windows between `from` and `to` (ms since the
 * epoch): `all`, the whole deployments of the measured `environments` from `from` to one failure
 * window after `to` (a failure's next deployment may come after the window), oldest first; and
 * `arrivals`, when each PR ("project\nservice\nPR number") first ran in its project's first
 * environment (ms), looked for from STAGE_LOOKBACK_MS before `from`. `keep` narrows both to some
 * projects or services.
 */
export function measureInputs(
  index: Pick<HistoryIndex, 'deployments' | 'prArrivals'>,
  projects: readonly { name: string; environments: readonly { name: string }[] }[],
  options: { environments: readonly string[]; from: number; to: number; failureWindowMs: number; keep?: (e: { project: string; service: string }) => boolean },
): { all: DeploymentEvent[]; arrivals: Map<string, number> } {
  const keep = options.keep ?? (() => true);
  const all = index.deployments({ environments: options.environments, since: new Date(options.from).toISOString(), until: new Date(options.to + options.failureWindowMs + 1).toISOString() }).filter(keep);
  const firstOf = new Map(projects.map((p) => [p.name, p.environments[0]?.name]));
  const firstEnvs = [...new Set([...firstOf.values()].filter((e): e is string => !!e))];
  const arrivals = new Map<string, number>();
  const lookback = new Date(options.from - STAGE_LOOKBACK_MS).toISOString();
  for (const env of firstEnvs) {
    for (const [pr, iso] of index.prArrivals(env, lookback, new Date(options.to).toISOString())) {
      const [project, service] = pr.split('\n');
      if (env !== firstOf.get(project) || !keep({ project, service })) continue;
      const at = Date.parse(iso);
      if (Number.isFinite(at) && !(arrivals.get(pr)! <= at)) arrivals.set(pr, at);
    }
  }
  return { all, arrivals };
}
