import { AppsV1Api, CoreV1Api, KubeConfig, Observable, type ConfigurationOptions, type ResponseContext } from '@kubernetes/client-node';
import { slimListText } from './slim.js';
import { existsSync } from 'node:fs';
import { ExitCode, SnapError } from '../../errors.js';
import type { KubeList, ListKind } from './types.js';

/** What went wrong talking to one cluster, in snap's words. */
export type ClusterFailure = 'unreachable' | 'unauthorized' | 'forbidden' | 'expired' | 'error';

export class KubeRequestError extends Error {
  constructor(
    readonly failure: ClusterFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ClusterClient {
  context: string;
  server: string;
  list(kind: ListKind, params: { namespace?: string; limit: number; continueToken?: string }): Promise<KubeList>;
}

export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) {
      if (!existsSync(file)) throw new Error(`${file} does not exist`);
      kc.loadFromFile(file);
    } else kc.loadFromDefault();
  } catch (error) {
    throw new SnapError('KUBECONFIG_INVALID', `cannot load the kubeconfig: ${(error as Error).message}`, {
      exitCode: ExitCode.usage,
      hint: 'set kubernetes.kubeconfig in the config, SNAP_KUBECONFIG or KUBECONFIG to a readable kubeconfig file',
    });
  }
  return kc;
}

/** Translates whatever the client threw into a KubeRequestError with a failure class. */
export function translateKubeError(error: unknown, context: string, timeoutMs: number): KubeRequestError {
  const e = error as { code?: unknown; body?: unknown; name?: string; message?: string; cause?: { code?: string } };
  if (typeof e.code === 'number') {
    const status = e.code;
    const body = typeof e.body === 'string' ? safeMessage(e.body) : '';
    const failure: ClusterFailure = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 410 ? 'expired' : 'error';
    return new KubeRequestError(failure, `HTTP ${status}${body ? `: ${body}` : ''}`, status);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || /aborted|timeout/i.test(e.message ?? '')) {
    return new KubeRequestError('unreachable', `no answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  const sysCode = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  if (sysCode && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH/.test(sysCode)) {
    return new KubeRequestError('unreachable', `${sysCode} (${context})`);
  }
  return new KubeRequestError('error', e.message ?? String(error));
}

function safeMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? '';
  } catch {
    return body.slice(0, 200);
  }
}

export function createClusterClient(base: KubeConfig, context: string, timeoutMs: number): ClusterClient | undefined {
  const ctx = base.getContextObject(context);
  if (!ctx) return undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: base.clusters, users: base.users, contexts: base.contexts, currentContext: context });
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const server = kc.getCurrentCluster()?.server ?? '';
  // The object-parameter API runs observable middleware: give every request its own time limit.
  // It also trims each page before the client turns it into model objects: only the fields snap reads
  // are kept, so a cluster of thousands of pods (with their managedFields) costs little memory.
  const options = (kind: ListKind): ConfigurationOptions =>
    ({
      middleware: [
        {
          pre: (request: { setSignal(signal: AbortSignal): void }) => {
            request.setSignal(AbortSignal.timeout(timeoutMs));
            return new Observable(Promise.resolve(request));
          },
          post: (response: ResponseContext) => {
            if (response.httpStatusCode === 200) {
              const original = response.body;
              response.body = { text: async () => slimListText(kind, await original.text()), binary: () => original.binary() };
            }
            return new Observable(Promise.resolve(response));
          },
        },
      ],
      middlewareMergeStrategy: 'append',
    }) as unknown as ConfigurationOptions;

  return {
    context,
    server,
    async list(kind, { namespace, limit, continueToken }) {
      const params = { limit, _continue: continueToken };
      try {
        let result: unknown;
        if (kind === 'deployments') {
          result = namespace
            ? await apps.listNamespacedDeployment({ namespace, ...params }, options(kind))
            : await apps.listDeploymentForAllNamespaces(params, options(kind));
        } else if (kind === 'replicasets') {
          result = namespace
            ? await apps.listNamespacedReplicaSet({ namespace, ...params }, options(kind))
            : await apps.listReplicaSetForAllNamespaces(params, options(kind));
        } else {
          result = namespace ? await core.listNamespacedPod({ namespace, ...params }, options(kind)) : await core.listPodForAllNamespaces(params, options(kind));
        }
        return result as KubeList;
      } catch (error) {
        throw translateKubeError(error, context, timeoutMs);
      }
    },
  };
}
