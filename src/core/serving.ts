import type { RepoView } from './repo-book.js';
import type { ServiceState } from './snapshot-schema.js';

/**
 * What a service serves in one environment, as commits: the commit of every version that has
 * ready pods (`serving`), and the commit of what is desired (the pod template), or why nothing can
 * be said: `missing` (not deployed there, or scaled to zero: nothing serves) or `unknown` (the
 * cluster was not read, the repository was not read from GitHub, a serving version did not
 * resolve). A snapshot made before `serving` existed counts its desired commit as serving.
 */
export type Served =
  | {
      status: 'known';
      serving: string[];
      desired?: string;
      /** What every cluster of the environment wants (one commit for most); empty when one of them is not known. */
      wanted: string[];
      /** Per serving commit, how to name it: its version, and its cluster when there are several. */
      labels: Record<string, string>;
      nothingServes?: string;
    }
  | { status: 'missing' | 'unknown'; reason: string };

export const NOT_DEPLOYED = { status: 'missing', reason: 'not deployed there' } as const;
export const CLUSTER_UNREAD = { status: 'unknown', reason: 'its cluster could not be read' } as const;
export const UNRESOLVED = { status: 'unknown', reason: 'its version did not resolve to a commit' } as const;
export const UNREADABLE = { status: 'unknown', reason: 'its version could not be read (see the warnings: container or version not found)' } as const;
export const SCALED_TO_ZERO = { status: 'missing', reason: 'scaled to zero: nothing serves' } as const;

/** Why nothing serves although replicas are desired, in words: the rollout state and the pods' reasons. */
function whyNothingServes(state: ServiceState): string {
  const reasons = [...new Set((state.pods?.notReady ?? []).map((p) => p.reason))];
  const rollout = state.rolloutStatus?.state === 'stalled' ? `the rollout is stalled${state.rolloutStatus.reason ? ` (${state.rolloutStatus.reason})` : ''}` : '';
  return ['no pod is ready', rollout, reasons.length ? reasons.join(', ') : ''].filter(Boolean).join('; ');
}

export function servedBy(state: ServiceState | undefined, view: RepoView | undefined): Served {
  if (!state || state.status === 'not-found') return NOT_DEPLOYED;
  if (state.status === 'unknown') return CLUSTER_UNREAD;
  if (!view) return { status: 'unknown', reason: `${state.repository} was not read from GitHub` };
  const unread = state.targets?.filter((t) => t.status === 'unknown').map((t) => t.context) ?? [];
  if (unread.length) return { status: 'unknown', reason: `cluster ${unread.join(', ')} of this environment could not be read` };
  if (state.rolloutStatus?.state === 'scaled-to-zero') return SCALED_TO_ZERO;
  if (!state.serving) return state.commit ? { status: 'known', serving: [state.commit.oid], desired: state.commit.oid, wanted: [state.commit.oid], labels: {} } : UNRESOLVED;
  if (!state.version && state.serving.some((s) => !s.version)) return UNREADABLE;
  const commits: string[] = [];
  const labels: Record<string, string> = {};
  // A blue-green preview takes no production traffic: it does not serve.
  for (const s of state.serving.filter((x) => x.role !== 'preview')) {
    if (s.commit) labels[s.commit] = [labels[s.commit], `${s.version ?? s.commit.slice(0, 7)}${s.context ? ` in ${s.context}` : ''}`].filter(Boolean).join(', ');
    if (!s.commit) {
      if (state.serving.length === 1 && s.version === state.version?.value) return UNRESOLVED;
      return { status: 'unknown', reason: `the version ${s.version ?? s.image ?? s.replicaSet} that ${s.ready} ready pod${s.ready === 1 ? '' : 's'} serve${s.ready === 1 ? 's' : ''} did not resolve to a commit` };
    }
    if (!commits.includes(s.commit)) commits.push(s.commit);
  }
  // What the environment wants: each running cluster's desired commit (a cluster rolled back wants the older one).
  const units = state.targets ? state.targets.filter((t) => t.status === 'running' && t.rolloutStatus?.state !== 'scaled-to-zero') : [state];
  const wanted = units.every((u) => u.commit) ? [...new Set(units.map((u) => u.commit!.oid))] : [];
  return {
    status: 'known',
    serving: commits,
    wanted,
    labels,
    ...(state.commit ? { desired: state.commit.oid } : {}),
    ...(commits.length === 0 ? { nothingServes: whyNothingServes(state) } : {}),
  };
}

/**
 * The one commit that stands for what a service serves, for comparing environments: the only
 * serving commit, or, when several versions serve (a rollout under way or stalled), the one every
 * other serving commit contains (what all pods have); when replicas are wanted and none is ready,
 * the desired commit, with a note. Undefined with the reason when the serving versions diverge, or
 * when their ancestry is unknown (a workload scaled to zero never gets here: it is `missing`).
 */
export function floorCommit(served: Extract<Served, { status: 'known' }>, view: RepoView): { commit?: string; reason?: string; note?: string } {
  if (served.serving.length === 1) return { commit: served.serving[0] };
  // Replicas are wanted but none is ready (a rollout that never came up): what a promotion would
  // take from it, or bring to it, is measured against what it wants, and the note says so.
  if (served.serving.length === 0) {
    const why = served.nothingServes ?? 'no pod is ready';
    return served.desired ? { commit: served.desired, note: `nothing serves (${why}); compared with the version it wants, ${served.desired.slice(0, 7)}` } : { reason: `nothing serves: ${why}` };
  }
  for (const candidate of served.serving) {
    const answers = served.serving.filter((o) => o !== candidate).map((o) => view.ancestry.contains(o, candidate));
    if (answers.every((a) => a === 'yes')) {
      return { commit: candidate, note: `${served.serving.length} versions serve; compared with ${candidate.slice(0, 7)}, which every serving pod has` };
    }
    if (answers.includes('unknown')) return { reason: `${served.serving.length} versions serve and their ancestry is unknown: ${view.ancestry.whyUnknown(candidate)}` };
  }
  return { reason: `${served.serving.length} versions serve and their histories diverge (${served.serving.map((c) => c.slice(0, 7)).join(', ')})` };
}

/** The states a service has per cluster: its `targets` for an environment on several clusters, else itself. */
export const unitsOf = (state: ServiceState): ServiceState[] => state.targets ?? [state];

/** The state of `state` in one cluster (`context`): the matching target, or the state itself when it has none. */
export const inCluster = (state: ServiceState | undefined, context: string | undefined): ServiceState | undefined =>
  state?.targets ? state.targets.find((t) => t.workload?.context === context) : state;
