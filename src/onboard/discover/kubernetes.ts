import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { mapLimit } from '../../util/pool.js';
import type { KubeObject, ListKind } from '../../sources/kubernetes/types.js';
import type { DiscoveredWorkload, WorkloadKind } from '../types.js';

export interface ContextDiscovery {
  context: string;
  status: 'ok' | 'failed';
  error?: string;
  workloads: DiscoveredWorkload[];
}

/** The contexts in the kubeconfig, the current one first. */
export async function listContexts(kubeconfig: string | undefined): Promise<{ contexts: string[]; current?: string; file?: string }> {
  const { loadKubeConfig } = await import('../../sources/kubernetes/client.js');
  const kc = loadKubeConfig(kubeconfig);
  const current = kc.current;
  const contexts = kc.contexts;
  return { contexts: current ? [current, ...contexts.filter((c) => c !== current)] : contexts, ...(current ? { current } : {}) };
}

/** The lists read per context, and the kind each holds. Rollouts are Argo Rollouts' custom resource: a cluster without its CRD answers 404 (none there). */
const KINDS: [ListKind, WorkloadKind][] = [
  ['deployments', 'Deployment'],
  ['statefulsets', 'StatefulSet'],
  ['daemonsets', 'DaemonSet'],
  ['cronjobs', 'CronJob'],
  ['rollouts', 'Rollout'],
];

interface WorkloadObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number; template?: V1PodTemplateSpec; workloadRef?: { name?: string }; jobTemplate?: { spec?: { template?: V1PodTemplateSpec } } };
}

function workloadOf(context: string, kind: WorkloadKind, object: KubeObject, template: V1PodTemplateSpec | undefined): DiscoveredWorkload {
  const o = object as WorkloadObject;
  return {
    context,
    namespace: o.metadata?.namespace ?? '',
    kind,
    name: o.metadata?.name ?? '',
    labels: { ...(o.metadata?.labels ?? {}), ...(template?.metadata?.labels ?? {}) },
    objectLabels: { ...(o.metadata?.labels ?? {}) },
    annotations: { ...(o.metadata?.annotations ?? {}), ...(template?.metadata?.annotations ?? {}) },
    containers: (template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' })),
    replicas: kind === 'DaemonSet' || kind === 'CronJob' ? 1 : (o.spec?.replicas ?? 1),
  };
}

/**
 * Workloads of each chosen context (one paginated cluster-wide list per kind, contexts in parallel):
 * Deployments, StatefulSets, DaemonSets, CronJobs and Argo Rollouts, with name, labels, pod-template
 * annotations, images and replicas. A Rollout whose pod template lives in a Deployment
 * (`spec.workloadRef`) takes that template, and the Deployment (kept at 0 replicas by Argo Rollouts)
 * is not listed on its own. `onContext` reports each context's count when it is done.
 */
export async function discoverKubernetes(
  kubeconfig: string | undefined,
  contexts: readonly string[],
  options: { timeoutMs?: number; pageSize?: number; onContext?: (context: string, workloads: number) => void } = {},
): Promise<ContextDiscovery[]> {
  const { loadKubeConfig, createClusterClient, KubeRequestError } = await import('../../sources/kubernetes/client.js');
  const kc = loadKubeConfig(kubeconfig);
  return mapLimit(contexts, 4, async (context): Promise<ContextDiscovery> => {
    const client = createClusterClient(kc, context, options.timeoutMs ?? 20_000);
    if (!client) return { context, status: 'failed', error: `no context "${context}" in the kubeconfig`, workloads: [] };
    const lists = new Map<WorkloadKind, KubeObject[]>();
    try {
      for (const [list, kind] of KINDS) {
        const items: KubeObject[] = [];
        let continueToken: string | undefined;
        try {
          do {
            const page = await client.list(list, { limit: options.pageSize ?? 500, continueToken });
            items.push(...page.items);
            continueToken = page.metadata?._continue || page.metadata?.continue || undefined;
          } while (continueToken);
        } catch (error) {
          // No Argo Rollouts here (404), or not allowed to list them (403): none.
          if (list === 'rollouts' && error instanceof KubeRequestError && (error.status === 404 || error.failure === 'forbidden')) continue;
          throw error;
        }
        lists.set(kind, items);
      }
    } catch (error) {
      return { context, status: 'failed', error: (error as Error).message, workloads: [] };
    }
    const deployments = new Map((lists.get('Deployment') ?? []).map((d) => [`${d.metadata?.namespace}/${d.metadata?.name}`, d as WorkloadObject]));
    const workloads: DiscoveredWorkload[] = [];
    const referenced = new Set<string>();
    for (const r of lists.get('Rollout') ?? []) {
      const o = r as WorkloadObject;
      const ref = o.spec?.workloadRef?.name ? `${o.metadata?.namespace}/${o.spec.workloadRef.name}` : undefined;
      if (ref) referenced.add(ref);
      workloads.push(workloadOf(context, 'Rollout', r, o.spec?.template ?? (ref ? deployments.get(ref)?.spec?.template : undefined)));
    }
    for (const [kind, items] of lists) {
      if (kind === 'Rollout') continue;
      for (const item of items) {
        const o = item as WorkloadObject;
        if (kind === 'Deployment' && referenced.has(`${o.metadata?.namespace}/${o.metadata?.name}`)) continue;
        workloads.push(workloadOf(context, kind, item, kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template));
      }
    }
    options.onContext?.(context, workloads.length);
    return { context, status: 'ok', workloads };
  });
}
