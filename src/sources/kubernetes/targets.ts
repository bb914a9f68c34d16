import type { ServiceState, SnapshotWarning } from '../../core/snapshot-schema.js';

type RolloutState = NonNullable<ServiceState['rolloutStatus']>['state'];

/** Which rollout state speaks for an environment of several clusters: the one that needs attention most. */
const URGENCY: Record<RolloutState, number> = { stalled: 4, progressing: 3, paused: 2, complete: 1, 'scaled-to-zero': 0 };

/**
 * One service's state in an environment that runs in several clusters (targets), from its state in
 * each (`states`, in config order, each with its context). The result is the first target where
 * the workload was found, with `serving`, replicas and pods over every target (each serving entry
 * names its context), the rollout state that needs attention most (scaled-to-zero only when every
 * target is), and `targets` listing each. Not found anywhere: not-found, or unknown when a cluster
 * could not be read. A desired version that differs between targets is a TARGETS_DIFFER warning:
 * tickets and drift then follow what serves in all of them.
 */
export function mergeTargets(states: readonly (ServiceState & { context: string })[], scope: SnapshotWarning['scope']): { state: ServiceState; warnings: SnapshotWarning[] } {
  const warnings: SnapshotWarning[] = [];
  const found = states.filter((s) => s.status === 'running');
  const targets = states.map((s) => ({ ...s }));
  if (found.length === 0) {
    const status = states.some((s) => s.status === 'unknown') ? 'unknown' : 'not-found';
    return { state: { repository: states[0].repository, status, targets }, warnings };
  }
  const first = found[0];
  for (const s of found) for (const served of s.serving ?? []) served.context = s.context;
  const versions = [...new Set(found.map((s) => s.version?.value ?? s.container?.image ?? '?'))];
  if (versions.length > 1) {
    warnings.push({
      code: 'TARGETS_DIFFER',
      severity: 'warning',
      scope,
      message: `the clusters of this environment want different versions: ${found.map((s) => `${s.context} ${s.version?.value ?? s.container?.image ?? '?'}`).join(', ')}; tickets and drift count what serves in all of them`,
    });
  }
  const live = found.filter((s) => s.rolloutStatus?.state !== 'scaled-to-zero');
  const status = (live.length ? live : found).map((s) => s.rolloutStatus).filter((r) => r !== undefined).sort((a, b) => URGENCY[b.state] - URGENCY[a.state])[0];
  const sum = (pick: (s: ServiceState) => number | undefined) => found.reduce((n, s) => n + (pick(s) ?? 0), 0);
  const { context: _context, ...base } = first;
  return {
    state: {
      ...base,
      serving: found.flatMap((s) => s.serving ?? []),
      ...(status ? { rolloutStatus: status } : {}),
      replicas: { desired: sum((s) => s.replicas?.desired), ready: sum((s) => s.replicas?.ready), available: sum((s) => s.replicas?.available), updated: sum((s) => s.replicas?.updated) },
      pods: {
        total: sum((s) => s.pods?.total),
        running: sum((s) => s.pods?.running),
        ready: sum((s) => s.pods?.ready),
        restarts: sum((s) => s.pods?.restarts),
        notReady: found.flatMap((s) => s.pods?.notReady ?? []),
      },
      targets,
    },
    warnings,
  };
}
