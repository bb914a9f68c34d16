import type { V1Deployment } from '@kubernetes/client-node';
import { mapLimit } from '../../util/pool.js';
import type { DiscoveredWorkload } from '../types.js';

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

/** Deployments of each chosen context (one paginated cluster-wide list each, in parallel): name, labels, images, replicas. */
export async function discoverKubernetes(
  kubeconfig: string | undefined,
  contexts: readonly string[],
  options: { timeoutMs?: number; pageSize?: number; onContext?: (context: string, workloads: number) => void } = {},
): Promise<ContextDiscovery[]> {
  const { loadKubeConfig, createClusterClient } = await import('../../sources/kubernetes/client.js');
  const kc = loadKubeConfig(kubeconfig);
  return mapLimit(contexts, 4, async (context): Promise<ContextDiscovery> => {
    const client = createClusterClient(kc, context, options.timeoutMs ?? 20_000);
    if (!client) return { context, status: 'failed', error: `no context "${context}" in the kubeconfig`, workloads: [] };
    const workloads: DiscoveredWorkload[] = [];
    try {
      let continueToken: string | undefined;
      do {
        const page = await client.list('deployments', { limit: options.pageSize ?? 500, continueToken });
        for (const d of page.items as V1Deployment[]) {
          const template = d.spec?.template;
          workloads.push({
            context,
            namespace: d.metadata?.namespace ?? '',
            name: d.metadata?.name ?? '',
            labels: { ...(d.metadata?.labels ?? {}), ...(template?.metadata?.labels ?? {}) },
            annotations: { ...(d.metadata?.annotations ?? {}), ...(template?.metadata?.annotations ?? {}) },
            containers: (template?.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? '' })),
            replicas: d.spec?.replicas ?? 1,
          });
        }
        continueToken = page.metadata?._continue || page.metadata?.continue || undefined;
      } while (continueToken);
      options.onContext?.(context, workloads.length);
      return { context, status: 'ok', workloads };
    } catch (error) {
      return { context, status: 'failed', error: (error as Error).message, workloads };
    }
  });
}
