import { createHash } from 'node:crypto';
import type { RepoBook } from './repo-book.js';
import type { DeploymentEvent, Revision, ServiceState, Snapshot } from './snapshot-schema.js';
import { inCluster, unitsOf } from './serving.js';
import { resolveVersion } from './versions/resolve.js';

/**
 * Deployments: rollouts detected since the previous snapshot, or, on the very first snapshot, the
 * revision history Kubernetes keeps (one ReplicaSet per revision). An event's id depends only on
 * the rollout (context, namespace, workload, revision, image), so the same rollout found both ways
 * is one event in the release history; a mutable tag pulled again (a new digest in the same
 * revision) adds its digest (`repull`), so it is an event of its own.
 */
export function deploymentId(workload: { context: string; namespace: string; name: string }, revision: number | undefined, image: string | undefined, repull?: string): string {
  return createHash('sha1')
    .update(`${workload.context}/${workload.namespace}/${workload.name}#${revision ?? '?'}:${image ?? ''}${repull ? `@${repull}` : ''}`)
    .digest('hex')
    .slice(0, 16);
}

/** One side of a rollout: what ran, and its commit when it resolved. */
export interface Version {
  image?: string;
  version?: string;
  digest?: string;
  commit?: string;
}

const same = (a: Version, b: Version) => a.image === b.image && a.version === b.version && (a.digest === undefined || b.digest === undefined || a.digest === b.digest);

function commitOf(book: RepoBook, state: ServiceState, version: string | undefined): string | undefined {
  if (!version || !state.version) return undefined;
  const view = book.get(state.repository);
  if (!view) return undefined;
  const r = resolveVersion(version, state.version.source, view);
  return r.status === 'resolved' ? r.commit.oid : undefined;
}

function currentVersion(state: ServiceState): Version {
  // While nothing serves (scaled to zero), what ran is the version that served last.
  const last = state.rolloutStatus?.state === 'scaled-to-zero' ? state.lastServed : undefined;
  if (last) {
    return { ...(last.image ? { image: last.image } : {}), ...(last.version ? { version: last.version } : {}), ...(last.digest ? { digest: last.digest } : {}), ...(last.commit ? { commit: last.commit } : {}) };
  }
  return {
    ...(state.container?.image ? { image: state.container.image } : {}),
    ...(state.version ? { version: state.version.value } : {}),
    ...(state.container?.digest ? { digest: state.container.digest } : {}),
    ...(state.commit ? { commit: state.commit.oid } : {}),
  };
}

function revisionVersion(book: RepoBook, state: ServiceState, r: Revision): Version {
  const commit = commitOf(book, state, r.version);
  return { ...(r.image ? { image: r.image } : {}), ...(r.version ? { version: r.version } : {}), ...(commit ? { commit } : {}) };
}

/**
 * Whether `to` is a rollback from `from`, and why: its commit is a proper ancestor of the previous
 * one (by the graph, exactly: unknown when the ancestry cannot be decided), or it returns to a
 * version that ran before. When a side's version has no commit (it did not resolve, or GitHub was
 * not read) and it returns to no earlier version, the verdict is `unknown`, with the reason: a
 * rollout to an older release is not to be taken for a roll forward. The first rollout seen has no
 * `from` and is not a rollback; nor is one that keeps the version (a configuration change).
 */
export function rollbackOf(book: RepoBook, repository: string, from: Version | undefined, to: Version, earlier: Version[]): { rollback: boolean | 'unknown'; reason?: string } {
  if (!from) return { rollback: false };
  // The same tag pulled again with another digest: only the commits can say which way it went.
  if (from.version === to.version && from.image === to.image && from.digest && to.digest && from.digest !== to.digest && (from.commit === undefined || to.commit === undefined)) {
    return { rollback: 'unknown', reason: `${to.version ?? to.image ?? 'the tag'} was pulled again with another digest, and the commit of ${from.commit === undefined && to.commit === undefined ? 'neither digest' : 'one of them'} is known` };
  }
  const back = earlier.find((v) => v.version !== undefined && v.version === to.version && v.image === to.image);
  const view = book.get(repository);
  const sameRelease = from.version === to.version && from.image === to.image;
  if (!sameRelease && (from.commit === undefined || to.commit === undefined)) {
    if (back) return { rollback: true, reason: `returns to ${to.version ?? to.image}, which ran before` };
    const sides = [from.commit === undefined ? `the previous version ${from.version ?? from.image ?? '?'}` : '', to.commit === undefined ? `the new version ${to.version ?? to.image ?? '?'}` : ''].filter(Boolean);
    const missing = sides.join(' and ');
    const why = view ? 'did not resolve to a commit' : `${sides.length > 1 ? 'have' : 'has'} no commit: ${repository} was not read from GitHub`;
    return { rollback: 'unknown', reason: `${missing} ${why}, so whether this returns to an older commit is unknown` };
  }
  if (view && from.commit && to.commit && from.commit !== to.commit) {
    const answer = view.ancestry.contains(from.commit, to.commit);
    if (answer === 'yes') return { rollback: true, reason: `commit ${to.commit.slice(0, 7)} is an ancestor of the previous ${from.commit.slice(0, 7)}` };
    if (answer === 'unknown') {
      if (back) return { rollback: true, reason: `returns to ${to.version ?? to.image}, which ran before` };
      return { rollback: 'unknown', reason: `whether ${to.commit.slice(0, 7)} is an ancestor of ${from.commit.slice(0, 7)} is unknown: ${view.ancestry.whyUnknown(from.commit)}` };
    }
    return { rollback: false };
  }
  return back ? { rollback: true, reason: `returns to ${to.version ?? to.image}, which ran before` } : { rollback: false };
}

export function detectDeployments(projects: Snapshot['projects'], previous: Snapshot | undefined, book: RepoBook): DeploymentEvent[] {
  const events: DeploymentEvent[] = [];
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      // An environment of several clusters: each cluster's rollouts are deployments of their own.
      const units = Object.entries(e.services).flatMap(([service, s]) => unitsOf(s).map((u) => [service, u] as const));
      for (const [service, state] of units) {
        // A workload scaled to zero serves nothing: a template changed meanwhile is not deployed.
        if (state.status !== 'running' || !state.workload || state.rolloutStatus?.state === 'scaled-to-zero') continue;
        const workload = { context: state.workload.context, namespace: state.workload.namespace, name: state.workload.name };
        const history = state.rollout?.history ?? [];
        const versions = history.map((r) => revisionVersion(book, state, r));
        const now = currentVersion(state);
        if (versions.length) versions[versions.length - 1] = { ...versions[versions.length - 1], ...now };
        const event = (i: number | undefined, from: Version | undefined, to: Version, earlier: Version[], detectedBy: DeploymentEvent['detectedBy'], repull?: { digest: string; at?: string }): DeploymentEvent => {
          const r = i === undefined ? undefined : history[i];
          const revision = r?.revision ?? state.rollout?.revision;
          const { rollback, reason } = rollbackOf(book, state.repository, from, to, earlier);
          let at = repull ? (repull.at ?? r?.at ?? state.rollout?.at) : (r?.at ?? state.rollout?.at);
          // A ReplicaSet older than the previous snapshot rolled out again (kubectl rollout undo reuses
          // it; a scale-up from zero): dated when its serving pods started, not when it was created;
          // before any has started, at the previous snapshot (the earliest it can have happened).
          if (!repull && previous && at && at < previous.takenAt) {
            const since = state.serving?.filter((x) => x.revision === revision && x.since).map((x) => x.since!).sort()[0];
            at = since && since > previous.takenAt ? since : previous.takenAt;
          }
          const current = (revision !== undefined && revision === state.rollout?.revision) || (i === undefined && revision === undefined);
          const rollout = current && state.rolloutStatus && state.rolloutStatus.state !== 'complete' ? { state: state.rolloutStatus.state, ...(state.rolloutStatus.reason ? { reason: state.rolloutStatus.reason } : {}) } : undefined;
          return {
            id: deploymentId(workload, revision, to.image, repull?.digest),
            project,
            environment,
            service,
            workload,
            ...(revision !== undefined ? { revision } : {}),
            ...(at ? { at } : {}),
            ...(from ? { from } : {}),
            to,
            rollback,
            ...(reason ? { rollbackReason: reason } : {}),
            ...(rollout ? { rolloutStatus: rollout } : {}),
            detectedBy,
          };
        };
        if (!previous) {
          versions.forEach((v, i) => events.push(event(i, versions[i - 1], v, versions.slice(0, Math.max(0, i - 1)), 'replicaset-history')));
          continue;
        }
        // The same cluster's state in the previous snapshot.
        const before = inCluster(previous.projects[project]?.environments[environment]?.services[service], state.workload.context);
        if (!before || before.status !== 'running') continue;
        // A previous snapshot taken without GitHub has no commits: resolve its version now.
        const seen = currentVersion(before);
        const resolved = seen.commit ?? commitOf(book, before, before.version?.value);
        const was = resolved ? { ...seen, commit: resolved } : seen;
        const sameWorkload = before.workload?.name === workload.name && before.workload?.namespace === workload.namespace && before.workload?.context === workload.context;
        const lastServed = before.rolloutStatus?.state === 'scaled-to-zero' ? before.lastServed : undefined;
        if (sameWorkload && before.rolloutStatus?.state === 'scaled-to-zero' && !lastServed) {
          // Seen only at zero until now: scaling up deploys what it wants, from nothing known.
          events.push(event(history.length ? history.length - 1 : undefined, undefined, now, [], 'snapshot-diff'));
          continue;
        }
        const prevRevision = sameWorkload ? (lastServed ? lastServed.revision : before.rollout?.revision) : undefined;
        const newer = prevRevision === undefined ? [] : history.map((r, i) => ({ r, i })).filter(({ r }) => r.revision !== undefined && r.revision > prevRevision);
        if (newer.length > 0) {
          let from: Version = was;
          for (const { i } of newer) {
            events.push(event(i, from, versions[i], versions.slice(0, i).filter((v) => !same(v, from)), 'snapshot-diff'));
            from = versions[i];
          }
        } else if (!same(was, now)) {
          // The same revision running another digest: the tag was moved and the pods pulled it again.
          const repulled = sameWorkload && prevRevision !== undefined && prevRevision === state.rollout?.revision && was.image === now.image && was.version === now.version && now.digest !== undefined && was.digest !== undefined && was.digest !== now.digest;
          const since = repulled ? state.serving?.find((s) => s.digest === now.digest && s.revision === state.rollout?.revision)?.since : undefined;
          // A CronJob has no revision numbers: its template change is dated by the first Job that ran it (if any yet).
          const index = state.workload.kind === 'CronJob' || !history.length ? undefined : history.length - 1;
          events.push(event(index, was, now, versions.slice(0, -1), 'snapshot-diff', repulled ? { digest: now.digest!, ...(since ? { at: since } : {}) } : undefined));
        }
      }
    }
  }
  // Oldest first; an event with no time yet (a CronJob template that has not run) last.
  return events.sort((a, b) => (a.at ?? '\uffff').localeCompare(b.at ?? '\uffff') || a.id.localeCompare(b.id));
}

/**
 * Decides again the rollback verdicts left `unknown` by earlier runs (`events`, from the release
 * history), now that more history may be known or a side's version may resolve (GitHub was not read
 * then, or its git tag was made later; resolved with the service's current `version.from`). Returns
 * the events whose verdict is now true or false, with the reason; the others stay as they were. The service's repository is taken from
 * this snapshot; an event of a service no longer configured stays undecided.
 */
export function settleRollbacks(events: readonly DeploymentEvent[], projects: Snapshot['projects'], book: RepoBook): DeploymentEvent[] {
  const out: DeploymentEvent[] = [];
  for (const e of events) {
    if (e.rollback !== 'unknown' || !e.from) continue;
    const state = projects[e.project]?.environments[e.environment]?.services[e.service];
    if (!state) continue;
    // A side whose version did not resolve then (GitHub not read, a tag made later) may now.
    const withCommit = (side: Version): Version => {
      const commit = side.commit ?? commitOf(book, state, side.version);
      return commit ? { ...side, commit } : side;
    };
    const from = withCommit(e.from);
    const to = withCommit(e.to);
    const { rollback, reason } = rollbackOf(book, state.repository, from, to, []);
    if (rollback === 'unknown') continue;
    const { rollbackReason: _old, ...rest } = e;
    out.push({ ...rest, from, to, rollback, ...(reason ? { rollbackReason: reason } : {}) });
  }
  return out;
}

/**
 * Brings up to date the rollout state of earlier deployments recorded before their rollout
 * completed (`rolloutStatus`, from the release history): the same cluster's workload still on that
 * revision gives its state now — complete removes it and sets `completedAt` (when its newest serving
 * pod started, else `now`); a stall, an abort or a pause replaces it — and a newer revision marks it
 * `final` (replaced before it completed). Returns the events that changed.
 */
export function settleRollouts(events: readonly DeploymentEvent[], projects: Snapshot['projects'], now: string): DeploymentEvent[] {
  const out: DeploymentEvent[] = [];
  for (const e of events) {
    if (!e.rolloutStatus || e.rolloutStatus.final) continue;
    const merged = projects[e.project]?.environments[e.environment]?.services[e.service];
    const unit = inCluster(merged, e.workload.context);
    if (!unit || unit.status !== 'running' || unit.workload?.name !== e.workload.name || unit.workload?.namespace !== e.workload.namespace || unit.workload?.context !== e.workload.context) continue;
    const same = e.revision !== undefined ? unit.rollout?.revision === e.revision : unit.version?.value === e.to.version;
    const { rolloutStatus: old, ...rest } = e;
    if (!same) {
      // Replaced by a newer revision (or another template) before it completed.
      out.push({ ...rest, rolloutStatus: { ...old!, final: true } });
      continue;
    }
    const state = unit.rolloutStatus;
    if (!state || state.state === 'complete') {
      const since = (unit.serving ?? []).filter((x) => x.revision === e.revision).map((x) => x.since ?? '').sort().at(-1);
      out.push({ ...rest, completedAt: since || now });
      continue;
    }
    if (state.state === old!.state && (state.reason ?? '') === (old!.reason ?? '')) continue;
    out.push({ ...rest, rolloutStatus: { state: state.state, ...(state.reason ? { reason: state.reason } : {}) } });
  }
  return out;
}
