import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LabelSelectorError, matchesLabelSelector, parseLabelSelector } from '../../sources/kubernetes/label-selector.js';
import { count, delay, newCounters, type KubeFaults, type RequestCounters } from '../faults.js';
import { Random } from '../fixtures/random.js';
import type { FixtureCluster } from '../fixtures/types.js';
import { discoveryFor } from './discovery.js';
import type { K8sObject } from './objects.js';
import { ClusterStore, type ResourceKind } from './store.js';
import { toTable } from './table.js';

const KINDS: Record<ResourceKind, { kind: string; group: string; namespaced: boolean; version?: string }> = {
  namespaces: { kind: 'Namespace', group: '', namespaced: false },
  pods: { kind: 'Pod', group: '', namespaced: true },
  deployments: { kind: 'Deployment', group: 'apps', namespaced: true },
  replicasets: { kind: 'ReplicaSet', group: 'apps', namespaced: true },
  statefulsets: { kind: 'StatefulSet', group: 'apps', namespaced: true },
  daemonsets: { kind: 'DaemonSet', group: 'apps', namespaced: true },
  controllerrevisions: { kind: 'ControllerRevision', group: 'apps', namespaced: true },
  cronjobs: { kind: 'CronJob', group: 'batch', namespaced: true },
  jobs: { kind: 'Job', group: 'batch', namespaced: true },
  rollouts: { kind: 'Rollout', group: 'argoproj.io', namespaced: true, version: 'v1alpha1' },
  applications: { kind: 'Application', group: 'argoproj.io', namespaced: true, version: 'v1alpha1' },
};

const ROUTE = /^\/(?:api\/v1|apis\/apps\/v1|apis\/batch\/v1|apis\/argoproj\.io\/v1alpha1)(?:\/namespaces\/([^/]+))?\/(namespaces|pods|deployments|replicasets|statefulsets|daemonsets|controllerrevisions|cronjobs|jobs|rollouts|applications)(?:\/([^/]+))?$/;
const NAMESPACE_GET = /^\/api\/v1\/namespaces\/([^/]+)$/;

export interface ClusterServerOptions {
  token: string;
  faults?: KubeFaults;
  /** How long a continue token stays valid. Kubernetes: about 5 minutes. */
  continueTtlMs?: number;
  seed?: number;
}

interface ContinueToken {
  rv: number;
  offset: number;
  issued: number;
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** One simulated Kubernetes API server on loopback, serving one cluster. */
export class ClusterServer {
  readonly store: ClusterStore;
  readonly counters: RequestCounters = newCounters();
  faults: KubeFaults;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;
  private readonly random: Random;

  constructor(
    fixture: FixtureCluster,
    private readonly options: ClusterServerOptions,
  ) {
    this.store = new ClusterStore(fixture);
    this.faults = options.faults ?? {};
    this.random = new Random(options.seed ?? 7);
  }

  get context(): string {
    return this.store.fixture.context;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Changes faults; `unreachable` closes or reopens the port. */
  async setFaults(faults: KubeFaults): Promise<void> {
    this.faults = faults;
    if (faults.unreachable && this.server) await this.stop();
    if (!faults.unreachable && !this.server && this.port) await this.start();
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const faults = this.faults;
    if (faults.hang) return; // never answer
    if (faults.latencyMs) await delay(faults.latencyMs);
    // kubectl sends no bearer token over plain http, so anonymous requests are let in; a wrong token is not.
    const auth = req.headers.authorization;
    if ((auth !== undefined && auth !== `Bearer ${this.options.token}`) || faults.unauthorized) {
      count(this.counters, 'unauthorized');
      return this.send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (req.method !== 'GET') return this.send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported by the sandbox`));
    const discovery = discoveryFor(url.pathname, this.store.crds);
    if (discovery) {
      count(this.counters, 'discovery');
      return this.send(res, 200, discovery);
    }
    const failNow = (faults.failNext ?? 0) > 0;
    if (failNow) faults.failNext! -= 1;
    if (failNow || (faults.errorRate && this.random.next() < faults.errorRate)) {
      count(this.counters, 'error');
      return this.send(res, 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
    }
    const nsGet = NAMESPACE_GET.exec(url.pathname);
    const match = ROUTE.exec(url.pathname) ?? (nsGet ? [url.pathname, undefined, 'namespaces', nsGet[1]] : null);
    if (!match) {
      count(this.counters, 'not-found');
      return this.send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    }
    const [, namespace, resource, name] = match as [string, string | undefined, ResourceKind, string | undefined];
    const spec = KINDS[resource];
    const prefix = spec.group ? `/apis/${spec.group}/${spec.version ?? 'v1'}/` : '/api/v1/';
    // A custom resource exists only where its CRD is installed (Argo Rollouts, Argo CD).
    if (!url.pathname.startsWith(prefix) || (spec.group === 'argoproj.io' && !this.store.crds.includes(resource as 'rollouts' | 'applications'))) {
      count(this.counters, 'not-found');
      return this.send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    }
    const asTable = (req.headers.accept ?? '').includes('as=Table');
    if (faults.forbidden === 'all' || (faults.forbidden === 'cluster-scope' && !namespace && spec.namespaced)) {
      count(this.counters, `forbidden ${resource}`);
      const where = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      return this.send(res, 403, status(403, 'Forbidden', `${resource}${spec.group ? `.${spec.group}` : ''} is forbidden: User "system:serviceaccount:snap:snap" cannot list resource "${resource}" in API group "${spec.group}" ${where}`));
    }
    if (name) {
      count(this.counters, `get ${resource}`);
      const found = this.store.current().objects[resource].find((o) => o.metadata.name === name && (!spec.namespaced || o.metadata.namespace === namespace));
      if (!found) return this.send(res, 404, status(404, 'NotFound', `${resource} "${name}" not found`));
      return this.send(res, 200, asTable ? toTable(spec.kind, [found], found.metadata.resourceVersion ?? '') : found);
    }
    count(this.counters, `list ${resource}`);
    return this.list(res, resource, namespace, url.searchParams, asTable);
  }

  private list(res: ServerResponse, resource: ResourceKind, namespace: string | undefined, params: URLSearchParams, asTable: boolean): void {
    const spec = KINDS[resource];
    const limit = Number(params.get('limit') ?? 0);
    const token = params.get('continue');
    let start = 0;
    let version = this.store.current();
    if (token) {
      let parsed: ContinueToken | undefined;
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
      } catch {
        return this.send(res, 400, status(400, 'BadRequest', 'continue key is not valid'));
      }
      const kept = this.store.at(parsed.rv);
      const ttl = this.options.continueTtlMs ?? 5 * 60_000;
      const forced = (this.faults.expireContinueTokens ?? 0) > 0;
      if (forced) this.faults.expireContinueTokens! -= 1;
      if (forced || !kept || Date.now() - parsed.issued > ttl) {
        count(this.counters, 'expired');
        return this.send(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
      }
      version = kept;
      start = parsed.offset;
    }
    const requested = params.get('resourceVersion');
    if (!token && requested && requested !== '0') {
      // Exact: that version or 410; otherwise (NotOlderThan) the current one, if it is at least that new.
      const wanted = Number(requested);
      if (params.get('resourceVersionMatch') === 'Exact') {
        const kept = this.store.at(wanted);
        if (!kept) return this.send(res, 410, status(410, 'Expired', `too old resource version: ${requested} (${version.resourceVersion})`));
        version = kept;
      } else if (wanted > version.resourceVersion) {
        return this.send(res, 504, status(504, 'Timeout', `Too large resource version: ${requested}, current: ${version.resourceVersion}`));
      }
    }
    let items: K8sObject[] = version.objects[resource];
    if (namespace) items = items.filter((o) => o.metadata.namespace === namespace);
    const selectorText = params.get('labelSelector');
    if (selectorText) {
      try {
        const selector = parseLabelSelector(selectorText);
        items = items.filter((o) => matchesLabelSelector(selector, o.metadata.labels));
      } catch (error) {
        if (!(error instanceof LabelSelectorError)) throw error;
        return this.send(res, 400, status(400, 'BadRequest', `unable to parse requirement: ${error.message}`));
      }
    }
    const fieldSelector = params.get('fieldSelector');
    const nameField = fieldSelector ? /metadata\.name=([^,]+)/.exec(fieldSelector)?.[1] : undefined;
    if (nameField) items = items.filter((o) => o.metadata.name === nameField);
    const end = limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const page = items.slice(start, end);
    const next = end < items.length ? Buffer.from(JSON.stringify({ rv: version.resourceVersion, offset: end, issued: Date.now() } satisfies ContinueToken)).toString('base64url') : undefined;
    const rv = String(version.resourceVersion);
    if (asTable) return this.send(res, 200, toTable(spec.kind, page, rv, next));
    this.send(res, 200, {
      kind: `${spec.kind}List`,
      apiVersion: spec.group ? `${spec.group}/${spec.version ?? 'v1'}` : 'v1',
      metadata: { resourceVersion: rv, ...(next ? { continue: next, remainingItemCount: items.length - end } : {}) },
      items: page,
    });
  }
}
