import type { Lookup } from '../sources/github/queries/commit-lookup.js';
import type { RepoBook } from './repo-book.js';
import type { DeploymentEvent, Snapshot, SnapshotWarning } from './snapshot-schema.js';
import { inCluster, unitsOf } from './serving.js';
import { resolveVersion, type Resolution } from './versions/resolve.js';

interface Target {
  project: string;
  environment: string;
  service: string;
  repository: string;
  value: string;
  source: string;
  /** Index in `serving`, for a serving version other than the desired one. */
  serving?: number;
  /** Index in `targets`, for the desired version of one cluster of an environment of several. */
  unit?: number;
}

/**
 * The versions to resolve: each running service's desired version, and each serving version that
 * differs from it (a rollout under way or stalled, a rollback in progress).
 */
function targets(projects: Snapshot['projects']): Target[] {
  const out: Target[] = [];
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      for (const [service, state] of Object.entries(e.services)) {
        if (state.status !== 'running') continue;
        const source = state.version?.source;
        if (state.version) out.push({ project, environment, service, repository: state.repository, value: state.version.value, source: state.version.source });
        (state.serving ?? []).forEach((s, i) => {
          if (s.version && source && s.version !== state.version?.value) out.push({ project, environment, service, repository: state.repository, value: s.version, source, serving: i });
        });
        (state.targets ?? []).forEach((unit, i) => {
          if (unit.status === 'running' && unit.version) out.push({ project, environment, service, repository: state.repository, value: unit.version.value, source: unit.version.source, unit: i });
        });
      }
    }
  }
  return out;
}

/** A commit to have in the graph: by its id, or by a version string and where it was read (`version.source`). */
export type CommitTarget = { repository: string; oid: string } | { repository: string; value: string; source: string };

/**
 * The commits of earlier rollouts whose rollback verdict is still unknown: a side's commit, or, when
 * it had none, its version read with the service's current `version.source`. Events of services no
 * longer configured are left out.
 */
export function unsettledTargets(events: readonly DeploymentEvent[], projects: Snapshot['projects']): CommitTarget[] {
  const out: CommitTarget[] = [];
  for (const e of events) {
    if (e.rollback !== 'unknown') continue;
    const state = projects[e.project]?.environments[e.environment]?.services[e.service];
    if (!state) continue;
    for (const side of [e.from, e.to]) {
      if (side?.commit) out.push({ repository: state.repository, oid: side.commit });
      else if (side?.version && state.version) out.push({ repository: state.repository, value: side.version, source: state.version.source });
    }
  }
  return out;
}

/**
 * The versions of the rollout revisions this snapshot reports as deployments (every revision
 * Kubernetes keeps on a first snapshot, else those newer than the previous snapshot's), which
 * need commits for the rollback verdict. Resolved later, in detectDeployments.
 */
function revisionTargets(projects: Snapshot['projects'], previous: Snapshot | undefined): Array<{ repository: string; value: string; source: string }> {
  const out: Array<{ repository: string; value: string; source: string }> = [];
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      for (const [service, merged] of Object.entries(e.services)) {
        const was = previous?.projects[project]?.environments[environment]?.services[service];
        // An environment of several clusters: each cluster's revisions, against its own previous state.
        for (const state of unitsOf(merged)) {
          if (state.status !== 'running' || !state.version) continue;
          const before = inCluster(was, state.workload?.context);
          const since = previous ? before?.rollout?.revision : undefined;
          if (previous && since === undefined) continue;
          for (const r of state.rollout?.history ?? []) {
            if (r.version && (since === undefined || (r.revision !== undefined && r.revision > since))) out.push({ repository: state.repository, value: r.version, source: state.version.source });
          }
        }
      }
    }
  }
  return out;
}

/**
 * Sets `commit` on every running service whose version resolves, asking GitHub (through `lookup`)
 * only for SHAs the cached history lacks, in one batch. The same batch asks for the commits of the
 * rollout revisions reported as deployments (see `previous`) and for `also` (commits, or versions
 * with their source, of earlier deployments whose rollback verdict is still unknown), so that
 * rollbacks are decided by ancestry.
 * Returns a warning per unresolved running version, naming every strategy tried.
 */
export async function linkCommits(
  projects: Snapshot['projects'],
  book: RepoBook,
  lookup: ((lookups: Lookup[]) => Promise<void>) | undefined,
  previous?: Snapshot,
  also: readonly CommitTarget[] = [],
): Promise<SnapshotWarning[]> {
  const all = targets(projects);
  const resolutions = new Map<Target, Resolution>();
  const pending = new Map<string, Lookup>();
  for (const t of all) {
    const view = book.get(t.repository);
    if (!view) continue;
    const r = resolveVersion(t.value, t.source, view);
    resolutions.set(t, r);
    if (r.status === 'lookup') pending.set(`${t.repository}@${r.expression}`, { repository: t.repository, expression: r.expression });
  }
  for (const t of revisionTargets(projects, previous)) {
    const view = book.get(t.repository);
    const r = view ? resolveVersion(t.value, t.source, view) : undefined;
    if (r?.status === 'lookup') pending.set(`${t.repository}@${r.expression}`, { repository: t.repository, expression: r.expression });
  }
  for (const c of also) {
    const view = book.get(c.repository);
    if (!view) continue;
    if ('oid' in c) {
      if (!view.graph.has(c.oid)) pending.set(`${c.repository}@${c.oid}`, { repository: c.repository, expression: c.oid });
      continue;
    }
    const r = resolveVersion(c.value, c.source, view);
    if (r.status === 'lookup') pending.set(`${c.repository}@${r.expression}`, { repository: c.repository, expression: r.expression });
  }
  if (pending.size > 0 && lookup) {
    await lookup([...pending.values()]);
    const asked = new Map<string, Set<string>>();
    for (const l of pending.values()) asked.set(l.repository, (asked.get(l.repository) ?? new Set()).add(l.expression));
    for (const repository of asked.keys()) book.invalidate(repository);
    for (const t of all) {
      if (resolutions.get(t)?.status !== 'lookup') continue;
      resolutions.set(t, resolveVersion(t.value, t.source, book.get(t.repository)!, asked.get(t.repository)));
    }
  }
  const warnings: SnapshotWarning[] = [];
  for (const t of all) {
    const service = projects[t.project].environments[t.environment].services[t.service];
    const state = t.unit === undefined ? service : service.targets![t.unit];
    const r = resolutions.get(t);
    const scope = { project: t.project, environment: t.environment, service: t.service };
    if (!r) continue; // repository not read from GitHub: reported by the GitHub source
    const serving = t.serving === undefined ? '' : ` (serving ${state.serving![t.serving].ready} pod${state.serving![t.serving].ready === 1 ? '' : 's'})`;
    // A cluster's own version: its commit, and no second warning for a version warned about already.
    if (t.unit !== undefined && r.status !== 'resolved' && all.some((o) => o !== t && o.unit === undefined && o.project === t.project && o.environment === t.environment && o.service === t.service && o.value === t.value)) continue;
    if (r.status === 'resolved') {
      if (t.serving !== undefined) {
        state.serving![t.serving].commit = r.commit.oid;
        continue;
      }
      const commit = book.get(t.repository)!.graph.get(r.commit.oid);
      state.commit = { ...r.commit, ...(commit ? { committedAt: commit.committedAt, headline: commit.headline } : {}) };
      for (const s of state.serving ?? []) if (s.version === t.value) s.commit = r.commit.oid;
    } else if (r.status === 'unresolved') {
      warnings.push({ code: 'VERSION_UNRESOLVED', severity: 'warning', scope, message: `version ${t.value}${serving} (${t.source}) of ${t.repository} did not resolve to a commit; tried: ${r.tried.join('; ')}` });
    } else {
      warnings.push({ code: 'VERSION_UNRESOLVED', severity: 'warning', scope, message: `version ${t.value}${serving} (${t.source}) of ${t.repository} needs commit ${r.expression}, which GitHub could not be asked for` });
    }
  }
  return warnings;
}
