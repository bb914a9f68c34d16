import { runsIn, runsInTarget, type Config } from '../../config/types.js';
import type { ClusterState, EnvironmentState, SnapshotWarning } from '../../core/snapshot-schema.js';
import { mapLimit } from '../../util/pool.js';
import { noObjects, type ClusterPlan, type ClusterRead } from './read-cluster.js';
import { LIST_KINDS, LISTS_OF, WORKLOAD_KINDS, type ListKind } from './types.js';
import { mergeTargets } from './targets.js';
import { indexCluster, needsOtherKinds, serviceState } from './workload-state.js';

export interface KubernetesProgress {
  onStep(context: string, call: string, done: number, total: number): void;
}

export interface KubernetesResult {
  clusters: Record<string, ClusterState>;
  /** project → environment → state */
  environments: Record<string, Record<string, EnvironmentState>>;
  warnings: SnapshotWarning[];
  requests: number;
  /** At least one cluster could not be read. */
  partial: boolean;
}

/**
 * One plan per kube context: which namespaces the configured environments need there, and which
 * lists: pods, and per workload kind the services name (a service naming none: Deployments and
 * ReplicaSets; other kinds are listed later only when it is not found among them, see
 * collectKubernetes).
 */
export function planClusters(config: Config): ClusterPlan[] {
  const byContext = new Map<string, ClusterPlan>();
  for (const project of config.projects) {
    // Argo CD Applications: one list per cluster (a 404 where Argo CD is not installed).
    const kinds = new Set<ListKind>(['pods', 'applications', ...project.services.flatMap((s) => LISTS_OF[s.workload.kind ?? 'Deployment'])]);
    for (const env of project.environments.flatMap((e) => e.targets)) {
      const plan = byContext.get(env.context) ?? { context: env.context, kinds: [], namespaces: [], scope: config.kubernetes.listScope };
      plan.kinds = LIST_KINDS.filter((k) => plan.kinds.includes(k) || kinds.has(k));
      if (env.namespaces === null || plan.namespaces === null) plan.namespaces = null;
      else plan.namespaces = [...new Set([...plan.namespaces, ...env.namespaces])].sort();
      byContext.set(env.context, plan);
    }
  }
  return [...byContext.values()];
}

/** Lists per cluster: one per kind, times the namespaces when listed per namespace. */
export function plannedLists(plan: ClusterPlan): number {
  return plan.kinds.length * (plan.scope === 'namespace' && plan.namespaces ? plan.namespaces.length : 1);
}

/** The workload kinds whose lists a plan reads. */
const kindsRead = (lists: readonly ListKind[]) => WORKLOAD_KINDS.filter((k) => LISTS_OF[k].every((l) => lists.includes(l)));

const FAILURE_TEXT: Record<string, string> = {
  unreachable: 'cannot be reached',
  unauthorized: 'rejected the credentials (401)',
  forbidden: 'forbids listing (403)',
  error: 'answered with an error',
  'unknown-context': 'is not a context in the kubeconfig',
};

const FAILURE_HINT: Record<string, string> = {
  unreachable: 'check the network path and the server address in the kubeconfig',
  unauthorized: 'refresh the credentials of this context',
  forbidden: 'grant get/list on the workload kinds, their ReplicaSets, ControllerRevisions and Jobs, and pods (see templates/ RBAC), or set kubernetes.listScope: namespace',
  error: 'retry; if it persists, check the API server health',
  'unknown-context': 'run `kubectl config get-contexts` and fix the environment context in the config',
};

export async function collectKubernetes(config: Config, progress: KubernetesProgress): Promise<KubernetesResult> {
  const { loadKubeConfig, createClusterClient } = await import('./client.js');
  const { readCluster } = await import('./read-cluster.js');
  const kubeconfig = loadKubeConfig(config.kubernetes.kubeconfig);
  const plans = planClusters(config);
  const total = plans.reduce((sum, p) => sum + plannedLists(p), 0);
  let done = 0;
  const step = (context: string, call: string) => progress.onStep(context, call, Math.min(done, total), total);

  const reads = await mapLimit(plans, config.kubernetes.concurrency, async (plan): Promise<ClusterRead> => {
    const client = createClusterClient(kubeconfig, plan.context, config.kubernetes.requestTimeoutMs);
    if (!client) {
      done += plannedLists(plan);
      step(plan.context, 'unknown context');
      return {
        state: { context: plan.context, status: 'unknown-context', error: `no context "${plan.context}" in the kubeconfig`, lists: [], requests: 0, durationMs: 0 },
        objects: noObjects(),
        notes: [],
      };
    }
    let listsDone = 0;
    const read = await readCluster(client, plan, {
      pageSize: config.kubernetes.pageSize,
      onCall: (call) => step(plan.context, call),
      onListDone: () => {
        listsDone++;
        done++;
        step(plan.context, 'list done');
      },
    });
    // A failed or re-planned cluster may have done fewer or more lists than planned; settle the count.
    done += Math.max(0, plannedLists(plan) - listsDone);
    return read;
  });

  // A service whose config names no kind and that no Deployment matched may be a StatefulSet,
  // DaemonSet or CronJob: list those kinds too, in the clusters where that happened (once each).
  const more = new Map<string, ClusterPlan>();
  // Each cluster is indexed once; again only where more kinds were listed.
  const firstIndexes = new Map<string, ReturnType<typeof indexCluster>>();
  for (const read of reads) {
    if (read.state.status !== 'ok') continue;
    const plan = plans.find((p) => p.context === read.state.context)!;
    const index = indexCluster(read.objects, kindsRead(plan.kinds));
    firstIndexes.set(plan.context, index);
    const missing = config.projects.some((project) =>
      project.environments.some((env) => env.targets.some((target) => target.context === plan.context && project.services.some((service) => needsOtherKinds(index, service, { ...env, ...target })))),
    );
    if (missing) more.set(plan.context, { ...plan, kinds: LIST_KINDS.filter((k) => !plan.kinds.includes(k)) });
  }
  const extraTotal = [...more.values()].reduce((sum, p) => sum + plannedLists(p), 0);
  const extraNotes = new Map<string, string>();
  await mapLimit([...more.values()], config.kubernetes.concurrency, async (plan) => {
    const read = reads.find((r) => r.state.context === plan.context)!;
    const client = createClusterClient(kubeconfig, plan.context, config.kubernetes.requestTimeoutMs)!;
    const second = await readCluster(client, plan, {
      pageSize: config.kubernetes.pageSize,
      onCall: (call) => progress.onStep(plan.context, call, Math.min(done, total + extraTotal), total + extraTotal),
      onListDone: () => {
        done++;
      },
    });
    read.state.requests += second.state.requests;
    read.state.durationMs += second.state.durationMs;
    if (second.state.status !== 'ok') {
      extraNotes.set(plan.context, `listing ${plan.kinds.join(', ')} failed (${second.state.error ?? second.state.status}): services not found as Deployments may be of another kind`);
      return;
    }
    for (const kind of plan.kinds) read.objects[kind] = second.objects[kind];
    read.state.lists = [...read.state.lists, ...second.state.lists].sort((a, b) => LIST_KINDS.indexOf(a.kind) - LIST_KINDS.indexOf(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? ''));
    read.notes.push(...second.notes);
  });

  const clusters: Record<string, ClusterState> = {};
  const warnings: SnapshotWarning[] = [];
  const indexes = new Map<string, ReturnType<typeof indexCluster>>();
  for (const read of reads) {
    const { state } = read;
    clusters[state.context] = state;
    const source = `kubernetes:${state.context}`;
    for (const note of read.notes) warnings.push({ code: 'NAMESPACE_FALLBACK', severity: 'info', scope: { source }, message: note });
    for (const list of state.lists.filter((l) => l.restarts > 0)) {
      warnings.push({ code: 'LIST_RESTARTED', severity: 'info', scope: { source }, message: `the ${list.kind} list was restarted ${list.restarts}× after its continue token expired (410)` });
    }
    const note = extraNotes.get(state.context);
    if (note) warnings.push({ code: 'KINDS_UNREAD', severity: 'warning', scope: { source }, message: note });
    const lists = [...new Set(state.lists.map((l) => l.kind))];
    if (state.status === 'ok') indexes.set(state.context, more.has(state.context) ? indexCluster(read.objects, kindsRead(lists)) : firstIndexes.get(state.context)!);
  }

  const environments: KubernetesResult['environments'] = {};
  for (const project of config.projects) {
    environments[project.name] = {};
    for (const environment of project.environments) {
      const several = environment.targets.length > 1;
      const envState: EnvironmentState = {
        context: environment.context,
        namespaces: environment.namespaces,
        ...(several ? { targets: environment.targets.map((t) => ({ context: t.context, namespaces: t.namespaces })) } : {}),
        services: {},
      };
      environments[project.name][environment.name] = envState;
      const perTarget = environment.targets.map((target) => {
        const index = indexes.get(target.context);
        if (!index) {
          const cluster = clusters[target.context];
          warnings.push({
            code: `CLUSTER_${cluster.status.toUpperCase().replace('-', '_')}`,
            severity: 'error',
            scope: { project: project.name, environment: environment.name, source: `kubernetes:${target.context}` },
            message: `context ${target.context} ${FAILURE_TEXT[cluster.status] ?? 'failed'}${cluster.error && cluster.status !== 'unknown-context' ? ` (${cluster.error})` : ''}; the ${project.services.length} service(s) of ${project.name}/${environment.name}${several ? ` in ${target.context}` : ''} are unknown in this snapshot. ${FAILURE_HINT[cluster.status] ?? ''}`.trim(),
          });
        }
        return { target, index };
      });
      for (const service of project.services) {
        // A service meant to run elsewhere only is not looked for here.
        if (!runsIn(service, environment.name)) continue;
        const states = perTarget.filter(({ target }) => runsInTarget(service, environment.name, target.context)).map(({ target, index }) => {
          if (!index) return { context: target.context, state: { repository: service.repository, status: 'unknown' as const }, warnings: [] };
          const result = serviceState(index, { project: project.name, environment: { ...environment, ...target }, service });
          return { context: target.context, ...result };
        });
        if (!several) warnings.push(...states[0].warnings);
        else {
          // Each cluster's warnings say which cluster; a cluster at zero beside others that serve does
          // not take the service out of the environment.
          const live = states.filter((s) => s.state.status === 'running' && (s.state.serving?.length ?? 0) > 0).map((s) => s.context);
          for (const s of states) {
            for (const w of s.warnings) {
              const elsewhere = live.filter((c) => c !== s.context);
              const message = w.code === 'SCALED_TO_ZERO' && elsewhere.length ? `${s.state.workload?.kind ?? 'the workload'} is scaled to 0 replicas here; ${elsewhere.join(', ')} still serve${elsewhere.length === 1 ? 's' : ''} it` : w.message;
              warnings.push({ ...w, scope: { ...w.scope, source: `kubernetes:${s.context}` }, message: `in ${s.context}: ${message}` });
            }
          }
        }
        if (!several) {
          envState.services[service.name] = states[0].state;
          continue;
        }
        const merged = mergeTargets(states.map((s) => ({ ...s.state, context: s.context })), { project: project.name, environment: environment.name, service: service.name });
        envState.services[service.name] = merged.state;
        warnings.push(...merged.warnings);
      }
    }
  }
  return {
    clusters,
    environments,
    warnings,
    requests: reads.reduce((sum, r) => sum + r.state.requests, 0),
    partial: reads.some((r) => r.state.status !== 'ok'),
  };
}
