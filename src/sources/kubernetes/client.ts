import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { slimList } from './slim.js';
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

const PATHS: Record<ListKind, { prefix: string; plural: string }> = {
  deployments: { prefix: '/apis/apps/v1', plural: 'deployments' },
  replicasets: { prefix: '/apis/apps/v1', plural: 'replicasets' },
  pods: { prefix: '/api/v1', plural: 'pods' },
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
 * A client for one kube context. Authentication, TLS, proxies and exec credential plugins come from
 * @kubernetes/client-node's KubeConfig (applyToHTTPSOptions); the list requests themselves are plain
 * GETs whose pages are trimmed to the fields snap reads (slim.ts) as they are parsed, so thousands of
 * pods never become full model objects in memory.
 */
export function createClusterClient(base: KubeConfig, context: string, timeoutMs: number): ClusterClient | undefined {
  const ctx = base.getContextObject(context);
  if (!ctx) return undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: base.clusters, users: base.users, contexts: base.contexts, currentContext: context });
  const server = kc.getCurrentCluster()?.server ?? '';

  return {
    context,
    server,
    async list(kind, { namespace, limit, continueToken }) {
      const { prefix, plural } = PATHS[kind];
      try {
        const url = new URL(`${server.replace(/\/+$/, '')}${prefix}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}`);
        url.searchParams.set('limit', String(limit));
        if (continueToken) url.searchParams.set('continue', continueToken);
        const options: https.RequestOptions = { headers: { accept: 'application/json' } };
        await kc.applyToHTTPSOptions(options);
        const { status, body } = await get(url, options, timeoutMs);
        if (status !== 200) throw { code: status, body };
        return slimList(kind, JSON.parse(body) as KubeList);
      } catch (error) {
        throw translateKubeError(error, context, timeoutMs);
      }
    },
  };
}
