import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { snapshotSchema } from '../src/core/snapshot-schema.js';
import { takeSnapshot } from '../src/core/take-snapshot.js';
import type { Fixture } from '../src/sandbox/fixtures/types.js';
import { demoFixture, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Warnings other than NOTHING_SERVING (the demo organisation has single-replica workloads whose pod crashes). */
const serving = (w: { code: string }) => w.code !== 'NOTHING_SERVING';

const snapshotOf = async (config: Parameters<typeof takeSnapshot>[0]) =>
  takeSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, cacheDir: `${t!.dir}/cache`, corruptDir: `${t!.dir}/corrupt` });

describe('Kubernetes collector against the sandbox', () => {
  it('reads every service of every environment with one list per kind per cluster', async () => {
    t = await startTestSandbox();
    const { snapshot, apiCalls } = await snapshotOf(await t.config());
    expect(snapshot.outcome).toBe('ok');
    expect(Object.keys(snapshot.sources.kubernetes.clusters).sort()).toEqual(['sandbox-nonprod', 'sandbox-prod']);
    // Deployments, ReplicaSets, pods, and Argo CD Applications (not installed: one 404 answer each).
    expect(apiCalls.kubernetes).toBe(8);
    expect(t.sandbox.kubernetes.requests()).toBe(8);
    for (const cluster of Object.values(snapshot.sources.kubernetes.clusters)) {
      expect(cluster.status).toBe('ok');
      expect(cluster.lists.map((l) => l.kind)).toEqual(['deployments', 'replicasets', 'pods', 'applications']);
      expect(cluster.lists.find((l) => l.kind === 'applications')).toMatchObject({ absent: true, items: 0 });
      for (const list of cluster.lists.filter((l) => !l.absent)) expect(list.resourceVersion).toMatch(/^\d+$/);
    }
    const states = Object.values(snapshot.projects).flatMap((p) => Object.values(p.environments).flatMap((e) => Object.values(e.services)));
    expect(states).toHaveLength(45);
    expect(states.every((s) => s.status === 'running')).toBe(true);
    // The only warnings: single-replica workloads whose one pod is not ready serve nothing.
    const down = demoFixture()
      .clusters.flatMap((c) => c.deployments)
      .filter((d) => (d.notReady?.count ?? 0) >= d.replicas)
      .map((d) => `${d.namespace}/${d.name}`)
      .sort();
    expect(down.length).toBeGreaterThan(0);
    expect(snapshot.warnings.every((w) => w.code === 'NOTHING_SERVING')).toBe(true);
    expect(snapshot.warnings.map((w) => /of Deployment (\S+) is ready/.exec(w.message)![1]).sort()).toEqual(down);
    expect(snapshotSchema.safeParse(JSON.parse(JSON.stringify(snapshot))).success).toBe(true);
  });

  it('pages through lists with limit/continue and gets the same answer as one big page', async () => {
    t = await startTestSandbox();
    const big = await snapshotOf(await t.config());
    const before = t.sandbox.kubernetes.requests();
    const paged = await snapshotOf(await t.config({ kubernetes: { pageSize: 4 } }));
    const lists = Object.values(paged.snapshot.sources.kubernetes.clusters).flatMap((c) => c.lists);
    expect(lists.every((l) => l.pages === Math.ceil(l.items / 4))).toBe(true);
    expect(lists.reduce((n, l) => n + (l.absent ? 1 : l.pages), 0)).toBe(t.sandbox.kubernetes.requests() - before);
    expect(paged.apiCalls.kubernetes).toBeGreaterThan(20);
    expect(paged.snapshot.projects).toEqual(big.snapshot.projects);
  });

  it('restarts a list whose continue token expired (410) and says so', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { expireContinueTokens: 1 } } });
    const { snapshot } = await snapshotOf(await t.config({ kubernetes: { pageSize: 5, concurrency: 1 } }));
    expect(snapshot.outcome).toBe('ok');
    const restarted = snapshot.sources.kubernetes.clusters['sandbox-prod'].lists.filter((l) => l.restarts > 0);
    expect(restarted).toHaveLength(1);
    expect(snapshot.warnings.filter(serving)).toEqual([expect.objectContaining({ code: 'LIST_RESTARTED', scope: { source: 'kubernetes:sandbox-prod' } })]);
    expect(t.sandbox.kubernetes.cluster('sandbox-prod').counters.byRoute.expired).toBe(1);
    expect(Object.values(snapshot.projects.payments.environments.prod.services).every((s) => s.status === 'running')).toBe(true);
  });

  it('keeps a paginated list on the resourceVersion it started with while the cluster changes', async () => {
    t = await startTestSandbox();
    const prod = t.sandbox.kubernetes.cluster('sandbox-prod');
    const get = async (query: string) => (await fetch(`${prod.url}/api/v1/pods?${query}`)).json() as Promise<any>;
    const first = await get('limit=5');
    prod.store.rollout('payments-prod', 'payments-api', { tag: 'hotfix-1' });
    const second = await get(`limit=500&continue=${first.metadata.continue}`);
    expect(Number(prod.store.current().resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const images = [...first.items, ...second.items].flatMap((p: any) => p.spec.containers.map((c: any) => c.image));
    expect(images.some((i: string) => i.endsWith(':hotfix-1'))).toBe(false);
    const fresh = await get('limit=500');
    expect(fresh.items.some((p: any) => p.spec.containers[0].image.endsWith(':hotfix-1'))).toBe(true);
  });

  it('serves an exact resourceVersion while it is kept, and 410 once it is not', async () => {
    t = await startTestSandbox();
    const prod = t.sandbox.kubernetes.cluster('sandbox-prod');
    const list = async (query: string) => fetch(`${prod.url}/apis/apps/v1/deployments?${query}`);
    const before = (await (await list('')).json()) as any;
    prod.store.rollout('payments-prod', 'payments-api', { tag: 'v9' });
    const exact = (await (await list(`resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`)).json()) as any;
    expect(exact.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(exact.items).toEqual(before.items);
    for (let i = 0; i < 60; i++) prod.store.rollout('payments-prod', 'payments-api', { tag: `v${10 + i}` });
    const gone = await list(`resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect((await list('resourceVersion=99999999')).status).toBe(504);
  });

  it('finds workloads by label selector and flags ambiguous ones', async () => {
    t = await startTestSandbox();
    const config = await t.config({}, (raw) => {
      raw.projects[0].services[0].workload = { selector: 'app.kubernetes.io/name=payments-api' };
      raw.projects[0].services[1].workload = { selector: 'app.kubernetes.io/part-of=payments,app.kubernetes.io/name in (payments-web,payments-gateway)' };
    });
    const { snapshot } = await snapshotOf(config);
    const dev = snapshot.projects.payments.environments.dev.services;
    expect(dev['payments-api']).toMatchObject({ status: 'running', workload: { name: 'payments-api', namespace: 'payments-dev' } });
    expect(dev['payments-worker'].workload?.name).toBe('payments-gateway');
    expect(snapshot.warnings.filter((w) => w.code === 'WORKLOAD_AMBIGUOUS')).toHaveLength(3);
  });

  it('counts pods over the whole workload: totals, readiness, restarts and not-ready reasons', async () => {
    const fixture: Fixture = demoFixture();
    const prod = fixture.clusters.find((c) => c.context === 'sandbox-prod')!;
    const d = prod.deployments.find((x) => x.name === 'checkout-web')!;
    Object.assign(d, { replicas: 4, notReady: { count: 2, reason: 'CrashLoopBackOff' }, restarts: 7 });
    t = await startTestSandbox(fixture);
    const { snapshot } = await snapshotOf(await t.config());
    const state = snapshot.projects.checkout.environments.prod.services['checkout-web'];
    expect(state.replicas).toEqual({ desired: 4, ready: 2, available: 2, updated: 4 });
    expect(state.pods).toMatchObject({ total: 4, running: 4, ready: 2, restarts: 14 });
    expect(state.pods!.notReady).toHaveLength(2);
    expect(state.pods!.notReady.every((p) => p.reason === 'CrashLoopBackOff' && p.name.startsWith(state.rollout!.replicaSet))).toBe(true);
  });

  it('records image, tag, digest from the pods, and the current ReplicaSet revision and rollout time', async () => {
    const fixture = demoFixture();
    t = await startTestSandbox(fixture);
    const { snapshot } = await snapshotOf(await t.config());
    const source = fixture.clusters.find((c) => c.context === 'sandbox-prod')!.deployments.find((d) => d.name === 'identity-api')!;
    const current = source.revisions[source.revisions.length - 1];
    const state = snapshot.projects.identity.environments.prod.services['identity-api'];
    expect(state.container).toEqual({ name: source.container, image: `${source.image}:${current.tag}`, repository: source.image, tag: current.tag, digest: current.digest });
    expect(state.version).toEqual({ value: current.tag, source: 'image-tag' });
    expect(state.rollout).toMatchObject({ revision: source.revisions.length, at: new Date(current.createdAt).toISOString() });
  });

  it('reads the version from a label or an annotation when configured', async () => {
    const fixture = demoFixture();
    const d = fixture.clusters[0].deployments.find((x) => x.name === 'payments-api' && x.namespace === 'payments-dev')!;
    d.annotations = { 'example.com/git-sha': 'abc1234' };
    d.labels['app.kubernetes.io/version'] = '2.0.1';
    t = await startTestSandbox(fixture);
    const config = await t.config({}, (raw) => {
      raw.projects[0].services[0].version = { from: 'annotation', key: 'example.com/git-sha' };
      raw.projects[0].services[1].version = { from: 'label', key: 'app.kubernetes.io/version' };
    });
    const { snapshot } = await snapshotOf(config);
    const dev = snapshot.projects.payments.environments.dev.services;
    expect(dev['payments-api'].version).toEqual({ value: 'abc1234', source: 'annotation:example.com/git-sha' });
    expect(snapshot.warnings.filter((w) => w.code === 'VERSION_NOT_FOUND').map((w) => `${w.scope.environment}/${w.scope.service}`).sort()).toEqual([
      'dev/payments-worker',
      'prod/payments-api',
      'prod/payments-worker',
      'staging/payments-api',
      'staging/payments-worker',
    ]);
  });

  it('makes a partial snapshot when a cluster is unreachable, with warnings for exactly what is missing', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { unreachable: true } } });
    const { snapshot } = await snapshotOf(await t.config());
    expect(snapshot.outcome).toBe('partial');
    expect(snapshot.sources.kubernetes.clusters['sandbox-prod']).toMatchObject({ status: 'unreachable', lists: [] });
    expect(snapshot.sources.kubernetes.clusters['sandbox-nonprod'].status).toBe('ok');
    for (const project of Object.values(snapshot.projects)) {
      expect(Object.values(project.environments.prod.services).every((s) => s.status === 'unknown')).toBe(true);
      expect(Object.values(project.environments.staging.services).every((s) => s.status === 'running')).toBe(true);
    }
    expect(snapshotSchema.safeParse(JSON.parse(JSON.stringify(snapshot))).success).toBe(true);
    expect(snapshot.warnings.filter(serving).map((w) => `${w.code} ${w.scope.project}/${w.scope.environment}`)).toEqual([
      'CLUSTER_UNREACHABLE payments/prod',
      'CLUSTER_UNREACHABLE checkout/prod',
      'CLUSTER_UNREACHABLE identity/prod',
    ]);
  });

  it('falls back to per-namespace lists when cluster-wide lists are forbidden', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { forbidden: 'cluster-scope' } } });
    const { snapshot } = await snapshotOf(await t.config());
    const prod = snapshot.sources.kubernetes.clusters['sandbox-prod'];
    expect(snapshot.outcome).toBe('ok');
    expect(prod.listScope).toBe('namespace');
    expect(prod.lists.map((l) => `${l.kind}/${l.namespace}`)).toContain('pods/checkout-prod');
    expect(snapshot.warnings.filter(serving).map((w) => w.code)).toEqual(['NAMESPACE_FALLBACK']);
    expect(snapshot.projects.payments.environments.prod.services['payments-api'].status).toBe('running');
  });

  it('lists per namespace from the start with listScope: namespace', async () => {
    t = await startTestSandbox();
    const { snapshot, apiCalls } = await snapshotOf(await t.config({ kubernetes: { listScope: 'namespace' } }));
    expect(apiCalls.kubernetes).toBe((6 + 3) * 3 + 2); // nonprod: 6 namespaces, prod: 3; 3 kinds each; Argo CD Applications once per cluster
    expect(snapshot.sources.kubernetes.clusters['sandbox-nonprod'].lists).toHaveLength(19);
    expect(snapshot.warnings.filter(serving)).toEqual([]);
  });

  it('reports forbidden, unauthorized, hanging and unknown clusters as such', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { forbidden: 'all' }, 'sandbox-nonprod': { unauthorized: true } } });
    const first = await snapshotOf(await t.config());
    expect(first.snapshot.sources.kubernetes.clusters['sandbox-prod'].status).toBe('forbidden');
    expect(first.snapshot.sources.kubernetes.clusters['sandbox-nonprod'].status).toBe('unauthorized');
    expect(new Set(first.snapshot.warnings.map((w) => w.code))).toEqual(new Set(['CLUSTER_FORBIDDEN', 'CLUSTER_UNAUTHORIZED']));

    await t.sandbox.kubernetes.cluster('sandbox-prod').setFaults({ hang: true });
    await t.sandbox.kubernetes.cluster('sandbox-nonprod').setFaults({});
    const started = Date.now();
    const second = await snapshotOf(await t.config({ kubernetes: { requestTimeoutSeconds: 0.5 } }, (raw) => (raw.environments[0].context = 'no-such-context')));
    expect(Date.now() - started).toBeLessThan(5000);
    const clusters = second.snapshot.sources.kubernetes.clusters;
    expect(clusters['sandbox-prod']).toMatchObject({ status: 'unreachable', error: expect.stringContaining('no answer within') });
    expect(clusters['no-such-context']).toMatchObject({ status: 'unknown-context' });
    expect(clusters['sandbox-nonprod'].status).toBe('ok');
    expect(second.snapshot.projects.payments.environments.staging.services['payments-api'].status).toBe('running');
  });

  it('retries answers of 503 and reports a cluster that keeps failing as CLUSTER_ERROR', async () => {
    t = await startTestSandbox(demoFixture(), { kubeFaults: { 'sandbox-prod': { failNext: 2 } } });
    const flaky = await snapshotOf(await t.config({ kubernetes: { pageSize: 5 } }));
    const prod = t.sandbox.kubernetes.cluster('sandbox-prod');
    expect(prod.counters.byRoute.error).toBe(2);
    expect(flaky.snapshot.outcome).toBe('ok');
    expect(flaky.snapshot.sources.kubernetes.clusters['sandbox-prod'].requests).toBe(prod.counters.total);

    await prod.setFaults({ errorRate: 1 });
    const down = await snapshotOf(await t.config());
    expect(down.snapshot.sources.kubernetes.clusters['sandbox-prod']).toMatchObject({ status: 'error', error: expect.stringContaining('HTTP 503') });
    expect(down.snapshot.warnings.filter(serving).map((w) => w.code)).toEqual(['CLUSTER_ERROR', 'CLUSTER_ERROR', 'CLUSTER_ERROR']);
  });

  it('warns about a service with no workload in an environment, without failing the others', async () => {
    t = await startTestSandbox();
    const config = await t.config({}, (raw) => raw.projects[1].services.push({ name: 'checkout-legacy', repository: 'acme/checkout-legacy' }));
    const { snapshot } = await snapshotOf(config);
    expect(snapshot.outcome).toBe('ok');
    expect(snapshot.projects.checkout.environments.prod.services['checkout-legacy']).toEqual({ repository: 'acme/checkout-legacy', status: 'not-found' });
    const missing = snapshot.warnings.filter((w) => w.code === 'WORKLOAD_NOT_FOUND');
    expect(missing).toHaveLength(3);
    expect(missing[0].message).toBe('no Deployment, Rollout, StatefulSet, DaemonSet or CronJob named "checkout-legacy" in namespace checkout-dev of context sandbox-nonprod');
  });
});
