import type { ServiceState, Snapshot } from '../core/snapshot-schema.js';
import { diffEnvironments } from '../history/compare.js';
import { computeMeasures, measureInputs, type Measures } from '../history/metrics.js';
import { loadSnapshot, type History } from '../history/open.js';
import { readTitles } from '../store/github-cache.js';
import { isDesired } from '../ui/summary.js';
import { healthOf } from './health.js';
import type { CellMark, MeasuresSummary, ReportCell, ReportData, ReportDeployment, ReportMetrics, ReportProject, ReportPromotion, ReportTicket } from './types.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface ReportDataOptions {
  /** Length of the window (ms), back from the newest snapshot. */
  windowMs: number;
  /** Only these projects (all when absent). */
  projects?: ReadonlySet<string>;
  now: Date;
  /** A deployment followed this soon by a rollback or a fix failed (ms; snap metrics' default 24 h). */
  failureWindowMs?: number;
  toolVersion: string;
}

/** A version value as the radar shows it: a full SHA as its first 12 characters. */
export function shortVersion(v: string | undefined): string | undefined {
  return v && /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 12) : v;
}

/** The radar mark of one service in one environment (see CellMark). */
export function cellMark(s: ServiceState): CellMark {
  if (s.status === 'not-found') return 'missing';
  if (s.status === 'unknown') return 'unknown';
  const state = s.rolloutStatus?.state;
  if (state === 'scaled-to-zero') return 'zero';
  if (state === 'stalled') return 'stalled';
  const desired = s.replicas?.desired ?? 1;
  const serving = s.serving ? s.serving.filter((x) => x.role !== 'preview').reduce((n, x) => n + x.ready, 0) : s.pods?.ready;
  if (desired > 0 && serving === 0) return 'down';
  if (state === 'paused') return 'paused';
  if (state === 'progressing') return 'progressing';
  if ((desiredReady(s) ?? desired) < desired || (s.pods?.notReady.length ?? 0) > 0) return 'degraded';
  return 'ok';
}

/** Ready pods of the desired version (a blue-green preview not counted); all ready pods when what serves is not known. */
function desiredReady(s: ServiceState): number | undefined {
  return s.serving ? s.serving.filter((x) => x.role !== 'preview' && isDesired(s, x)).reduce((n, x) => n + x.ready, 0) : s.pods?.ready;
}

function cellOf(s: ServiceState): ReportCell {
  const ready = desiredReady(s);
  const serving = (s.serving ?? []).filter((x) => x.ready > 0);
  const several = serving.length > 1 || (serving.length === 1 && !isDesired(s, serving[0]));
  return {
    mark: cellMark(s),
    status: s.status,
    ...(s.version ? { version: s.version.value } : s.container?.tag ? { version: s.container.tag } : {}),
    ...(s.commit ? { commit: s.commit.oid.slice(0, 12), ...(s.commit.committedAt ? { committedAt: s.commit.committedAt } : {}), ...(s.commit.headline ? { headline: s.commit.headline } : {}) } : {}),
    ...(s.container ? { image: s.container.image, ...(s.container.digest ? { digest: s.container.digest } : {}) } : {}),
    ...(s.workload ? { workload: `${s.workload.kind} ${s.workload.namespace}/${s.workload.name} in ${s.workload.context}` } : {}),
    ...(ready !== undefined ? { ready } : {}),
    ...(s.replicas ? { desired: s.replicas.desired } : {}),
    ...(s.pods ? { pods: { total: s.pods.total, ready: s.pods.ready, restarts: s.pods.restarts, notReady: s.pods.notReady.slice(0, 10) } } : {}),
    ...(s.rolloutStatus ? { rollout: { state: s.rolloutStatus.state, ...(s.rolloutStatus.reason ? { reason: s.rolloutStatus.reason } : {}), ...(s.rolloutStatus.message ? { message: s.rolloutStatus.message } : {}) } } : {}),
    ...(several ? { serving: serving.map((x) => ({ ...(x.version ? { version: x.version } : {}), ...(x.commit ? { commit: x.commit.slice(0, 12) } : {}), ready: x.ready, ...(x.role ? { role: x.role } : {}), ...(x.context ? { context: x.context } : {}) })) } : {}),
    ...(s.rollout?.at ? { deployedAt: s.rollout.at } : {}),
  };
}

/** Environments of a project in promotion order: the config's, then any other the snapshot has. */
function environmentsOf(history: History, project: string, snapshot: Snapshot): string[] {
  const configured = history.config.projects.find((p) => p.name === project)?.environments.map((e) => e.name) ?? [];
  const seen = Object.keys(snapshot.projects[project]?.environments ?? {});
  return [...configured.filter((e) => seen.includes(e)), ...seen.filter((e) => !configured.includes(e))];
}

function summary(m: Measures): MeasuresSummary {
  return {
    deployments: m.deployments,
    perWeek: Math.round(m.deploymentFrequency.perWeek * 100) / 100,
    ...(m.leadTime.medianMs !== undefined ? { leadTimeMs: m.leadTime.medianMs } : {}),
    ...(m.leadTime.p90Ms !== undefined ? { leadTimeP90Ms: m.leadTime.p90Ms } : {}),
    ...(m.changeFailureRate.rate !== undefined ? { changeFailureRate: Math.round(m.changeFailureRate.rate * 10000) / 10000 } : {}),
    failed: m.changeFailureRate.failed,
    ...(m.recoveryTime.medianMs !== undefined ? { recoveryMs: m.recoveryTime.medianMs } : {}),
    recovered: m.recoveryTime.recovered,
    open: m.recoveryTime.open,
    bands: {
      ...(m.deploymentFrequency.band ? { deploymentFrequency: m.deploymentFrequency.band } : {}),
      ...(m.leadTime.band ? { leadTime: m.leadTime.band } : {}),
      ...(m.changeFailureRate.band ? { changeFailureRate: m.changeFailureRate.band } : {}),
      ...(m.recoveryTime.band ? { recoveryTime: m.recoveryTime.band } : {}),
    },
  };
}

/**
 * Everything `snap report` shows, from the history alone (no network): the newest snapshot (radar,
 * promotion previews, tickets, warnings), the release history of the window (calendar, metrics, each
 * service's recent deployments), the ticket history of the index (when each ticket came into each
 * environment) and the run records (health). The window is `windowMs` back from the newest snapshot,
 * so the same history always gives the same page. Throws as openHistory/loadSnapshot do.
 */
export async function buildReportData(history: History, options: ReportDataOptions): Promise<ReportData> {
  const newest = history.index.newest();
  if (!newest) throw new Error('the history has no snapshot');
  const newestState = await loadSnapshot(history, newest, { preferLatest: true });
  // A snapshot taken without GitHub has no tickets and no drift: tickets come from the newest one that has them, said so (its drift would not match the versions now).
  let snapshot = newestState;
  let ticketsFrom: { id: string; takenAt: string } | undefined;
  if (!newestState.tickets) {
    const withTickets = history.index.newestWithTickets();
    if (withTickets && withTickets.id !== newestState.id) {
      const older = await loadSnapshot(history, withTickets).catch(() => undefined);
      if (older?.tickets) {
        snapshot = { ...newestState, tickets: older.tickets };
        ticketsFrom = { id: older.id, takenAt: older.takenAt };
      }
    }
  }
  const end = Date.parse(snapshot.takenAt);
  // No further back than the history reaches (its first snapshot, or the oldest revision Kubernetes kept), from that day's start.
  const earliest = Math.min(Date.parse(history.index.firstSnapshotTime() ?? snapshot.takenAt), Date.parse(history.index.deploymentSummary().first ?? snapshot.takenAt));
  const reach = Math.floor(earliest / DAY) * DAY;
  const start = Math.max(end - options.windowMs, Number.isFinite(reach) ? reach : end - options.windowMs);
  const windowMs = end - start;
  const days = (ms: number) => Math.round((ms / DAY) * 100) / 100;
  const window = { start: new Date(start).toISOString(), end: snapshot.takenAt, days: days(windowMs), ...(windowMs < options.windowMs ? { askedDays: days(options.windowMs) } : {}) };
  const chosen = (project: string) => !options.projects || options.projects.has(project);
  const projectNames = Object.keys(snapshot.projects).filter(chosen);
  const configOrder = history.config.projects.map((p) => p.name);
  projectNames.sort((a, b) => (configOrder.indexOf(a) + 1 || 1e9) - (configOrder.indexOf(b) + 1 || 1e9) || a.localeCompare(b));

  // Radar.
  const projects: ReportProject[] = projectNames.map((name) => {
    const environments = environmentsOf(history, name, snapshot);
    const envs = snapshot.projects[name].environments;
    const services = [...new Set(environments.flatMap((e) => Object.keys(envs[e]?.services ?? {})))].sort((a, b) => a.localeCompare(b));
    const pairs = snapshot.drift?.[name] ?? [];
    return {
      name,
      environments,
      services: services.map((service) => {
        const states = environments.map((e) => envs[e]?.services[service]);
        const repository = states.find((s) => s)?.repository ?? '';
        const cells = states.map((s, i) => {
          if (!s) return null;
          const cell = cellOf(s);
          const pair = i > 0 ? pairs.find((p) => p.from === environments[i - 1] && p.to === environments[i]) : undefined;
          const d = pair?.services.find((x) => x.service === service);
          if (d && pair) {
            cell.behind =
              d.status === 'unknown'
                ? { from: pair.from, unknown: d.reason ?? 'unknown' }
                : { from: pair.from, commits: d.ahead.commits, pullRequests: d.ahead.pullRequests.length, tickets: d.ahead.tickets.length, status: d.status, ahead: d.behind.commits };
          }
          return cell;
        });
        return { name: service, repository, cells };
      }),
    };
  });

  // The window's deployments, light: what the calendar and each service's list show.
  const scope = options.projects ? { projects: [...options.projects] } : {};
  // From the start of the window's first day: the calendar shows whole days.
  const rows = history.index.deploymentRows({ since: `${window.start.slice(0, 10)}T00:00:00.000Z`, until: new Date(end + 1).toISOString(), ...scope });
  // Whole only in the environments measured (each project's last), this window and the one before: the measures read them.
  const measuredEnvironments = [...new Set(projects.map((p) => p.environments.at(-1)).filter((e): e is string => !!e))];
  // The measures take the window asked for, as snap metrics does (not cut to the history: before it, the revisions Kubernetes kept count).
  const askedMs = options.windowMs;
  const measuredStart = end - askedMs;
  const known = history.index.deployments({ environments: measuredEnvironments, since: new Date(measuredStart - askedMs).toISOString(), until: new Date(end + 1).toISOString(), ...scope });
  // PR titles: from the GitHub cache of each repository, else from what the measured deployments shipped.
  const titles = new Map<string, string>();
  const repositories = [...new Set(projects.flatMap((p) => p.services.map((s) => s.repository)).filter(Boolean))];
  // And the headline of the first commit of each ticket named in commits only (no PR).
  const wanted = new Map<string, Set<string>>();
  for (const t of Object.values(snapshot.tickets ?? {})) {
    if (t.changes.some((c) => c.pr !== undefined)) continue;
    const first = t.changes[0];
    if (first) (wanted.get(first.repository) ?? wanted.set(first.repository, new Set()).get(first.repository)!).add(first.commit);
  }
  const headlines = new Map<string, string>();
  const cached = await Promise.all(repositories.map((repo) => readTitles(history.layout.cacheDir, repo, wanted.get(repo))));
  repositories.forEach((repo, i) => {
    for (const [number, title] of cached[i].pullRequests) titles.set(`${repo}#${number}`, title);
    for (const [oid, headline] of cached[i].commits) headlines.set(`${repo}@${oid}`, headline);
  });
  const repositoryOf = new Map(history.config.projects.flatMap((p) => p.services.map((s) => [`${p.name}/${s.name}`, s.repository] as const)));
  for (const p of projects) for (const s of p.services) if (s.repository) repositoryOf.set(`${p.name}/${s.name}`, s.repository);
  for (const e of known) {
    const repo = repositoryOf.get(`${e.project}/${e.service}`);
    if (repo) for (const pr of e.shipped?.pullRequests ?? []) if (!titles.has(`${repo}#${pr.number}`)) titles.set(`${repo}#${pr.number}`, pr.title);
  }
  const names = { projects: [...projectNames], environments: [...new Set(projects.flatMap((p) => p.environments))] };
  const index = (list: string[], name: string) => {
    const i = list.indexOf(name);
    return i >= 0 ? i : list.push(name) - 1;
  };
  const deployments: ReportDeployment[] = rows.map((e) => {
    const flags = (e.rollback === true ? 1 : e.rollback === 'unknown' ? 2 : 0) | (e.rolloutState === 'stalled' ? 4 : e.rolloutState ? 8 : 0);
    return [e.at ?? '', index(names.projects, e.project), index(names.environments, e.environment), e.service, shortVersion(e.fromVersion) ?? '', shortVersion(e.toVersion) ?? e.toImage ?? '', e.toCommit?.slice(0, 7) ?? '', flags, e.commits ?? null, e.tickets, e.unknownBecause ?? '', e.removed ? [e.removed.commits, e.removed.tickets] : null];
  });

  // Promotion previews: each pair of neighbouring environments.
  const promotions: ReportPromotion[] = [];
  for (const p of projects) {
    for (let i = 1; i < p.environments.length; i++) {
      const [from, to] = [p.environments[i - 1], p.environments[i]];
      const diff = diffEnvironments({ ...snapshot, projects: { [p.name]: snapshot.projects[p.name] } }, from, to).projects[0];
      const pair = diff?.pair;
      if (!pair || diff.reversed) continue;
      const prs = new Map<string, { repository: string; number: number; title?: string }>();
      for (const s of pair.services) {
        for (const n of s.ahead.pullRequests) {
          const key = `${s.repository}#${n}`;
          if (!prs.has(key)) prs.set(key, { repository: s.repository, number: n, ...(titles.has(key) ? { title: titles.get(key) } : {}) });
        }
      }
      const whole: string[] = [];
      const partial: ReportPromotion['partial'] = [];
      for (const key of pair.ahead.tickets) {
        const there = snapshot.tickets?.[key]?.environments.find((x) => x.project === p.name && x.environment === from);
        if (there && there.status !== 'in') partial.push({ key, status: there.status, missing: there.missing ?? (there.reason ? [there.reason] : []) });
        else whole.push(key);
      }
      promotions.push({
        project: p.name,
        from,
        to,
        status: pair.status,
        commits: pair.ahead.commits,
        pullRequests: [...prs.values()].sort((a, b) => a.repository.localeCompare(b.repository) || b.number - a.number),
        ...(pair.ahead.pullRequestsSince ? { pullRequestsSince: pair.ahead.pullRequestsSince } : {}),
        tickets: whole,
        partial,
        services: diff.services.map((s) => ({ service: s.service, status: s.status ?? (s.same ? 'same' : 'unknown'), ...(s.ahead !== undefined ? { commits: s.ahead } : {}), ...(s.tickets ? { tickets: s.tickets.length } : {}), ...(s.reason ? { reason: s.reason } : {}) })),
        unknown: pair.unknown ?? [],
      });
    }
  }

  // Tickets: their place now (the snapshot) and when they came into each environment (the index).
  const lastChange = history.index.lastTicketChanges();
  // Tickets there when the history began: when a deployment brought them, from the ReplicaSets kept.
  const firstTime = history.index.firstSnapshotTime();
  const deployedBefore = firstTime ? history.index.ticketDeploymentsUntil(firstTime) : new Map<string, string>();
  // Rollouts held (stalled, paused) per place: the repositories they build.
  const heldRepositories = new Map<string, Map<string, string>>();
  for (const p of projects) {
    p.environments.forEach((env, i) => {
      for (const sv of p.services) {
        const state = sv.cells[i]?.rollout?.state;
        if (state === 'stalled' || state === 'paused') (heldRepositories.get(`${p.name}/${env}`) ?? heldRepositories.set(`${p.name}/${env}`, new Map()).get(`${p.name}/${env}`)!).set(sv.repository, state);
      }
    });
  }
  const tickets: ReportTicket[] = [];
  for (const [key, t] of Object.entries(snapshot.tickets ?? {})) {
    const environments = t.environments.filter((e) => chosen(e.project));
    const repositories = [...new Set(t.changes.map((c) => c.repository))];
    if (options.projects && environments.length === 0 && !projects.some((p) => p.services.some((s) => repositories.includes(s.repository)))) continue;
    const first = t.changes.reduce<(typeof t.changes)[number] | undefined>((min, c) => (!min || c.at < min.at ? c : min), undefined);
    const title = t.changes.map((c) => (c.pr !== undefined ? titles.get(`${c.repository}#${c.pr}`) : undefined)).find((x) => x) ?? (t.changes[0] ? headlines.get(`${t.changes[0].repository}@${t.changes[0].commit}`) : undefined);
    const status: Record<string, string> = {};
    const missing: Record<string, string[]> = {};
    for (const e of environments) {
      status[`${e.project}/${e.environment}`] = e.status;
      if (e.missing?.length) missing[`${e.project}/${e.environment}`] = e.missing;
    }
    // Since when it has had its present status there: the newest change, when it is to that status.
    const arrived: Record<string, string> = {};
    const deployed: string[] = [];
    const firstSeen: string[] = [];
    const held: Record<string, string> = {};
    const reasons: Record<string, string> = {};
    for (const e of environments) if (e.reason) reasons[`${e.project}/${e.environment}`] = e.reason;
    for (const e of environments) {
      const where = `${e.project}/${e.environment}`;
      const change = lastChange.get(`${key}\n${e.project}\n${e.environment}`);
      if (!change || change[0] !== e.status) continue;
      if (firstTime && change[1] <= firstTime) {
        // There at the first snapshot: the time it came is that of the deployment that brought it, if known; else the first snapshot's.
        const at = deployedBefore.get(`${key}\n${e.project}\n${e.environment}`);
        if (at) (arrived[where] = at), deployed.push(where);
        else (arrived[where] = change[1]), firstSeen.push(where);
      } else arrived[where] = change[1];
    }
    for (const e of environments) {
      if (e.status !== 'rolling-out') continue;
      const where = `${e.project}/${e.environment}`;
      const state = repositories.map((r) => heldRepositories.get(where)?.get(r)).find((x) => x);
      if (state) held[where] = state;
    }
    tickets.push({
      key,
      kind: t.kind,
      ...(title ? { title } : {}),
      ...(first ? { mergedAt: first.at } : {}),
      repositories,
      pullRequests: [...new Map(t.changes.filter((c) => c.pr !== undefined).map((c) => [`${c.repository}#${c.pr}`, { repository: c.repository, number: c.pr! }])).values()],
      status,
      ...(Object.keys(missing).length ? { missing } : {}),
      arrived,
      ...(deployed.length ? { deployed } : {}),
      ...(firstSeen.length ? { firstSeen } : {}),
      ...(Object.keys(reasons).length ? { reasons } : {}),
      ...(Object.keys(held).length ? { held } : {}),
    });
  }
  tickets.sort((a, b) => ((b.mergedAt ?? '') < (a.mergedAt ?? '') ? -1 : (b.mergedAt ?? '') > (a.mergedAt ?? '') ? 1 : a.key.localeCompare(b.key)));

  // Delivery metrics: each project's last environment, the window and week by week.
  const failureWindowMs = options.failureWindowMs ?? DAY;
  const measured = projects.filter((p) => p.environments.length).map((p) => ({ project: p.name, environment: p.environments.at(-1)! }));
  const configProjects = projects.map((p) => ({ name: p.name, environments: p.environments.map((name) => ({ name })) }));
  // The measured environments' deployments are loaded already (this window and the one before).
  const loaded = {
    deployments: (f: { environments?: readonly string[]; since?: string; until?: string }) => known.filter((e) => (!f.environments || f.environments.includes(e.environment)) && (e.at ?? '') >= (f.since ?? '') && (f.until === undefined || (e.at ?? '') < f.until)),
    prArrivals: (environment: string, since: string, until: string) => history.index.prArrivals(environment, since, until),
  };
  const inputs = measureInputs(loaded, configProjects, { environments: [...new Set(measured.map((m) => m.environment))], from: measuredStart - askedMs, to: end, failureWindowMs, keep: (e) => chosen(e.project) });
  // The window before begins before snap's first snapshot: only the revisions Kubernetes kept are known of it.
  const firstSnapshot = Date.parse(history.index.firstSnapshotTime() ?? snapshot.takenAt);
  const previousPartial = measuredStart - askedMs < firstSnapshot;
  const envsOf = (project: string) => projects.find((p) => p.name === project)?.environments ?? [];
  // Whole weeks back from the newest snapshot, within the window and the history (days before the first whole week are in the window's figures only); none whole: the window as far as the history goes.
  const weekSpans: [number, number][] = [];
  for (let t = end; t - WEEK >= Math.max(measuredStart, start) - 1; t -= WEEK) weekSpans.unshift([t - WEEK, t]);
  if (weekSpans.length === 0) weekSpans.push([start, end]);
  const metrics: ReportMetrics[] = measured.map(({ project, environment }) => {
    const pool = inputs.all.filter((e) => e.project === project);
    const selected = pool.filter((e) => e.environment === environment);
    const measure = (from: number, to: number) => computeMeasures(selected, pool, { start: from, end: to, failureWindowMs, environmentsOf: envsOf, firstArrivals: inputs.arrivals });
    return {
      project,
      environment,
      days: Math.round((askedMs / DAY) * 100) / 100,
      window: summary(measure(measuredStart, end)),
      previous: summary(measure(measuredStart - askedMs, measuredStart)),
      ...(previousPartial ? { previousPartial: true as const } : {}),
      weeks: weekSpans.map(([from, to]) => ({ start: new Date(from).toISOString(), end: new Date(to).toISOString(), ...summary(measure(from, to)) })),
    };
  });

  const historySince = history.index.firstSnapshotTime();
  return {
    format: 1,
    generatedAt: options.now.toISOString(),
    tool: `snap ${options.toolVersion}`,
    snapshot: { id: snapshot.id, takenAt: snapshot.takenAt, outcome: snapshot.outcome, ...(ticketsFrom ? { ticketsFrom } : {}) },
    window,
    ...(historySince ? { historySince } : {}),
    projects,
    promotions,
    tickets,
    names,
    deployments,
    metrics,
    health: healthOf(history, snapshot, projects, { since: window.start, end, chosen }),
  };
}
