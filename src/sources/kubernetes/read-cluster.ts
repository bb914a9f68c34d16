import type { ClusterState } from '../../core/snapshot-schema.js';
import { KubeRequestError, type ClusterClient } from './client.js';
import { CUSTOM_KINDS, LIST_KINDS, type KubeObject, type ListKind } from './types.js';

export interface ClusterPlan {
  context: string;
  /** The lists to read (pods always among them). */
  kinds: ListKind[];
  /** null: every namespace is needed, so lists must be cluster-wide. */
  namespaces: string[] | null;
  scope: 'auto' | 'cluster' | 'namespace';
}

export type ClusterObjects = Record<ListKind, KubeObject[]>;

/** No objects of any kind. */
export const noObjects = (): ClusterObjects => Object.fromEntries(LIST_KINDS.map((k) => [k, []])) as unknown as ClusterObjects;

export interface ClusterRead {
  state: ClusterState;
  objects: ClusterObjects;
  /** Extra remarks, e.g. a fallback to namespace lists or a restarted list. */
  notes: string[];
}

export interface ReadOptions {
  pageSize: number;
  /** How many times a list is restarted after its continue token expired. */
  maxRestarts?: number;
  /** First back-off before retrying a 429 / 5xx answer (doubled, then tripled). */
  retryDelayMs?: number;
  onCall?: (call: string) => void;
  onListDone?: () => void;
}

const MAX_PAGES = 10_000;
const RETRIES = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isTransient = (error: unknown) => error instanceof KubeRequestError && error.failure === 'error' && (error.status === undefined || error.status === 429 || error.status >= 500);

/** One request, retried with backoff when the API server answers 429 / 5xx. */
async function listPage(client: ClusterClient, kind: ListKind, params: Parameters<ClusterClient['list']>[1], options: ReadOptions, counters: { requests: number }) {
  for (let attempt = 0; ; attempt++) {
    counters.requests++;
    try {
      return await client.list(kind, params);
    } catch (error) {
      if (!isTransient(error) || attempt >= RETRIES) throw error;
      await sleep((options.retryDelayMs ?? 250) * (attempt + 1));
    }
  }
}

/** One paginated list: every page shares the first page's resourceVersion; a 410 restarts the list from scratch. */
async function listAll(client: ClusterClient, kind: ListKind, namespace: string | undefined, options: ReadOptions, counters: { requests: number }) {
  const maxRestarts = options.maxRestarts ?? 3;
  for (let restarts = 0; ; restarts++) {
    const items: KubeObject[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    let pages = 0;
    try {
      do {
        options.onCall?.(`list ${kind}${namespace ? ` in ${namespace}` : ''}${pages > 0 ? ` (page ${pages + 1})` : ''}`);
        const page = await listPage(client, kind, { namespace, limit: options.pageSize, continueToken: token }, options, counters);
        pages++;
        resourceVersion ??= page.metadata?.resourceVersion;
        items.push(...page.items);
        token = page.metadata?._continue || page.metadata?.continue || undefined;
      } while (token && pages < MAX_PAGES);
      return { items, list: { kind, ...(namespace ? { namespace } : {}), resourceVersion, pages, items: items.length, restarts } };
    } catch (error) {
      if (error instanceof KubeRequestError && error.failure === 'expired' && restarts < maxRestarts) continue;
      // A custom resource the cluster does not serve (no CRD: 404) or lets snap list (403): none here.
      if (error instanceof KubeRequestError && CUSTOM_KINDS.includes(kind) && (error.status === 404 || error.failure === 'forbidden')) {
        return { items: [] as KubeObject[], list: { kind, ...(namespace ? { namespace } : {}), pages: 0, items: 0, restarts, absent: true } };
      }
      throw error;
    }
  }
}

async function readLists(client: ClusterClient, kinds: readonly ListKind[], namespaces: (string | undefined)[], options: ReadOptions, counters: { requests: number }) {
  const objects = noObjects();
  const lists: ClusterState['lists'] = [];
  // Kinds in parallel; namespaces of one kind one after another, to stay gentle on the API server.
  await Promise.all(
    kinds.map(async (kind) => {
      // Argo CD Applications live in its own namespace (argocd), whatever the environments' are.
      for (const namespace of kind === 'applications' ? [undefined] : namespaces) {
        const result = await listAll(client, kind, namespace, options, counters);
        objects[kind].push(...result.items);
        lists.push(result.list);
        options.onListDone?.();
      }
    }),
  );
  lists.sort((a, b) => LIST_KINDS.indexOf(a.kind) - LIST_KINDS.indexOf(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? ''));
  return { objects, lists };
}

export async function readCluster(client: ClusterClient, plan: ClusterPlan, options: ReadOptions): Promise<ClusterRead> {
  const started = Date.now();
  const counters = { requests: 0 };
  const notes: string[] = [];
  const byNamespace = plan.scope === 'namespace' && plan.namespaces !== null;
  const base = { context: plan.context, server: client.server };
  const finish = (partial: Omit<ClusterState, 'context' | 'server' | 'requests' | 'durationMs'>, objects: ClusterObjects): ClusterRead => ({
    state: { ...base, ...partial, requests: counters.requests, durationMs: Date.now() - started },
    objects,
    notes,
  });
  const empty = noObjects();
  try {
    const { objects, lists } = await readLists(client, plan.kinds, byNamespace ? plan.namespaces! : [undefined], options, counters);
    return finish({ status: 'ok', listScope: byNamespace ? 'namespace' : 'cluster', lists }, objects);
  } catch (error) {
    const failure = error instanceof KubeRequestError ? error : new KubeRequestError('error', String(error));
    if (failure.failure === 'forbidden' && !byNamespace && plan.scope === 'auto' && plan.namespaces !== null) {
      try {
        const { objects, lists } = await readLists(client, plan.kinds, plan.namespaces, options, counters);
        notes.push(`cluster-wide lists are forbidden (${failure.message}); listed the ${plan.namespaces.length} configured namespaces instead`);
        return finish({ status: 'ok', listScope: 'namespace', lists }, objects);
      } catch (second) {
        const again = second instanceof KubeRequestError ? second : new KubeRequestError('error', String(second));
        return finish({ status: again.failure === 'expired' ? 'error' : again.failure, error: again.message, lists: [] }, empty);
      }
    }
    return finish({ status: failure.failure === 'expired' ? 'error' : failure.failure, error: failure.message, lists: [] }, empty);
  }
}
