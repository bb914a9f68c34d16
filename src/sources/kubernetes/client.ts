import http from 'node:http';
import https from 'node:https';
import { readKubeconfig, staticRequestOptions, type KubeContext, type Kubeconfig } from './kubeconfig.js';
import { slimList } from './slim.js';
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

/** The kubeconfig (see kubeconfig.ts); a missing or unreadable file is a usage error with a hint. */
export function loadKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Kubeconfig {
  return readKubeconfig(file, env);
}

/** Request options for one context: static credentials directly, anything else through @kubernetes/client-node. */
async function requestOptions(kubeconfig: Kubeconfig, ctx: KubeContext): Promise<https.RequestOptions> {
  if (!ctx.needsClientLibrary) return staticRequestOptions(ctx);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (kubeconfig.files.length === 1) kc.loadFromFile(kubeconfig.files[0]);
  else kc.loadFromDefault();
  kc.setCurrentContext(ctx.name);
  const options: https.RequestOptions = { headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  return options;
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

const PATHS: Record<ListKind, { prefix: string; plural: string }> = {
  deployments: { prefix: '/apis/apps/v1', plural: 'deployments' },
  replicasets: { prefix: '/apis/apps/v1', plural: 'replicasets' },
  pods: { prefix: '/api/v1', plural: 'pods' },
  statefulsets: { prefix: '/apis/apps/v1', plural: 'statefulsets' },
  daemonsets: { prefix: '/apis/apps/v1', plural: 'daemonsets' },
  controllerrevisions: { prefix: '/apis/apps/v1', plural: 'controllerrevisions' },
  cronjobs: { prefix: '/apis/batch/v1', plural: 'cronjobs' },
  jobs: { prefix: '/apis/batch/v1', plural: 'jobs' },
  rollouts: { prefix: '/apis/argoproj.io/v1alpha1', plural: 'rollouts' },
  applications: { prefix: '/apis/argoproj.io/v1alpha1', plural: 'applications' },
};

/** One GET, with its own time limit; resolves with the status and the body text. */
function get(url: URL, options: https.RequestOptions, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'http:' ? http : https).request(url, { ...options, method: 'GET', signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      response.setEncoding('utf8');
      let body = '';
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * A client for one kube context. Static credentials are applied directly (kubeconfig.ts); exec
 * plugins, auth providers and proxies go through @kubernetes/client-node's KubeConfig. The list
 * requests are plain GETs whose pages are trimmed to the fields snap reads (slim.ts) as they are
 * parsed, so thousands of pods never become full model objects in memory.
 */
export function createClusterClient(kubeconfig: Kubeconfig, context: string, timeoutMs: number): ClusterClient | undefined {
  const ctx = kubeconfig.context(context);
  if (!ctx) return undefined;
  const server = ctx.server;

  return {
    context,
    server,
    async list(kind, { namespace, limit, continueToken }) {
      const { prefix, plural } = PATHS[kind];
      try {
        const url = new URL(`${server.replace(/\/+$/, '')}${prefix}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`);
        url.searchParams.set('limit', String(limit));
        if (continueToken) url.searchParams.set('continue', continueToken);
        const { status, body } = await get(url, await requestOptions(kubeconfig, ctx), timeoutMs);
        if (status !== 200) throw { code: status, body };
        return slimList(kind, JSON.parse(body) as KubeList);
      } catch (error) {
        throw translateKubeError(error, context, timeoutMs);
      }
    },
  };
}
