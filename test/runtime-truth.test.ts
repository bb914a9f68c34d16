import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { snapshotSchema } from '../src/core/snapshot-schema.js';
import type { Fixture, FixtureDeployment } from '../src/sandbox/fixtures/types.js';
import { chooseContainer } from '../src/sources/kubernetes/containers.js';
import { renderSnapshotTable } from '../src/ui/summary.js';
import { colors } from '../src/ui/terminal.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { clockAt, oid, tinyOrg, type TinyCommit } from './helpers/tiny-org.js';

/**
 * The failing cases of "runtime truth", each as it was told: what runs where when a sidecar is
 * listed first, a rollout is stuck half-way, a workload is scaled to zero, a mutable tag is pulled
 * again, or pods have no image yet. The true answers come from the fixture (which pods of which
 * ReplicaSet are ready) and from the linear history c1…c5 (SHOP-n lands in cn).
 */
const NOW = '2026-11-20T12:00:00.000Z';
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const commits: TinyCommit[] = Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 1}`, message: `SHOP-${i + 1} change ${i + 1}`, at: `-${10 - i}d` }));

/** staging runs c5; prod as `prod` says, after the fixture's Deployment is edited by `edit`. */
function org(edit: (prod: FixtureDeployment) => void, prod: string | { at: string; previous: string[] } = 'c5'): Fixture {
  const fixture = tinyOrg({ now: NOW, repos: [{ name: 'shop-api', commits }], envs: ['staging', 'prod'], deploy: { staging: { 'shop-api': 'c5' }, prod: { 'shop-api': prod } } });
  const d = fixture.clusters[0].deployments.find((x) => x.namespace === 'prod')!;
  edit(d);
  return fixture;
}

async function start(fixture: Fixture, mutate?: (raw: any) => void) {
  t = await startTestSandbox(fixture);
  const config = await t.config({ history: { days: 60 } }, mutate);
  const clock = clockAt(fixture.now);
  return { config, run: () => runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: clock }) };
}

const prodOf = (s: Snapshot) => s.projects.shop.environments.prod.services['shop-api'];
const where = (s: Snapshot, key: string) => Object.fromEntries((s.tickets?.[key]?.environments ?? []).map((e) => [e.environment, e.status]));
const codes = (s: Snapshot) => s.warnings.filter((w) => w.scope.environment === 'prod').map((w) => w.code);
const pair = (s: Snapshot) => s.drift!.shop.find((p) => p.from === 'staging' && p.to === 'prod')!;
const plain = colors(false);
const sha = (id: string) => oid('shop-api', id);
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('a sidecar listed first', () => {
  const withSidecars = (d: FixtureDeployment) => {
    d.sidecars = [
      { name: 'cloud-sql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0', first: true },
      { name: 'istio-init', image: 'docker.io/istio/proxyv2:1.22.0', init: true },
      { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0' },
    ];
  };

  it('reports the application container, not the sidecar, and init containers never win', async () => {
    const { run } = await start(org(withSidecars, 'c3'));
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod.container).toMatchObject({ name: 'app', image: `ghcr.io/acme/shop-api:${sha('c3')}` });
    expect(prod.version?.value).toBe(sha('c3'));
    expect(prod.commit?.oid).toBe(sha('c3'));
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    expect(where(snapshot, 'SHOP-4')).toEqual({ staging: 'in' });
    expect(codes(snapshot)).toEqual([]);
  });

  it('chooses by the config, then the image named like the repository, then the one non-sidecar; else warns and lists them', () => {
    const service = (extra: Record<string, string> = {}) => ({ name: 'checkout', repository: 'acme/shop-api', workload: { kind: 'Deployment' as const, ...extra } });
    const proxy = { name: 'cloud-sql-proxy', image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0' };
    const app = { name: 'main', image: 'registry.acme.internal:5000/acme/shop-api:1.1.0' };
    const helper = { name: 'helper', image: 'ghcr.io/acme/report-helper:3' };
    expect(chooseContainer([proxy, app], service(), 'd').container).toBe(app);
    expect(chooseContainer([proxy, app, helper], service(), 'd')).toMatchObject({ container: app, by: 'image' });
    expect(chooseContainer([proxy, { name: 'web', image: 'ghcr.io/acme/storefront:2' }], service(), 'd')).toMatchObject({ container: { name: 'web' }, by: 'not-a-sidecar' });
    expect(chooseContainer([proxy, app], service({ container: 'cloud-sql-proxy' }), 'd').container).toBe(proxy);
    expect(chooseContainer([proxy, app], service({ container: 'nope' }), 'd').problem?.code).toBe('CONTAINER_NOT_FOUND');
    const ambiguous = chooseContainer([{ name: 'web', image: 'ghcr.io/acme/storefront:2' }, helper, proxy], service(), 'Deployment prod/checkout');
    expect(ambiguous.container).toBeUndefined();
    expect(ambiguous.problem?.code).toBe('CONTAINER_AMBIGUOUS');
    expect(ambiguous.problem?.message).toContain('web (ghcr.io/acme/storefront:2), helper (ghcr.io/acme/report-helper:3), cloud-sql-proxy');
  });

  it('reads no version from a guess when two application containers remain, and the config settles it', async () => {
    const twoApps = (d: FixtureDeployment) => {
      d.image = 'ghcr.io/acme/storefront';
      d.sidecars = [{ name: 'reports', image: 'ghcr.io/acme/report-helper:3', first: true }];
    };
    const first = await start(org(twoApps, 'c3'));
    const { snapshot } = await first.run();
    expect(prodOf(snapshot).version).toBeUndefined();
    expect(codes(snapshot)).toContain('CONTAINER_AMBIGUOUS');
    expect(snapshot.tickets!['SHOP-3'].environments.find((e) => e.environment === 'prod')).toMatchObject({ status: 'unknown' });
    await t!.close();
    const second = await start(org(twoApps, 'c3'), (raw) => {
      raw.projects[0].services[0].workload = { ...raw.projects[0].services[0].workload, container: 'app' };
    });
    const fixed = (await second.run()).snapshot;
    expect(prodOf(fixed).commit?.oid).toBe(sha('c3'));
    expect(codes(fixed)).toEqual([]);
  });
});

describe('a rollout stuck half-way', () => {
  const stalled = (d: FixtureDeployment) => {
    d.replicas = 3;
    d.pods = [
      { revision: 1, count: 2 },
      { revision: 2, count: 1, ready: false, reason: 'CrashLoopBackOff' },
    ];
    d.conditions = [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "shop-api-x" has timed out progressing.` },
    ];
  };

  it('reports what serves beside what is desired, the stalled state, and tickets by what serves', async () => {
    const { run } = await start(org(stalled, { at: 'c5', previous: ['c3'] }));
    const { snapshot } = await run();
    expect(snapshotSchema.safeParse(JSON.parse(JSON.stringify(snapshot))).success).toBe(true);
    const prod = prodOf(snapshot);
    // Desired: c5 (the template). Serving: c3 on 2 ready pods; the c5 pod crashes.
    expect(prod.version?.value).toBe(sha('c5'));
    expect(prod.serving).toEqual([expect.objectContaining({ revision: 1, version: sha('c3'), ready: 2, commit: sha('c3') })]);
    expect(prod.rolloutStatus).toEqual({ state: 'stalled', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "shop-api-x" has timed out progressing.' });
    const warning = snapshot.warnings.find((w) => w.code === 'ROLLOUT_STALLED')!;
    expect(warning.message).toContain(`serving: ${sha('c3')} (2 pods)`);
    // SHOP-4 and SHOP-5 are only in c5: rolling out, not in prod. SHOP-3 is in what serves.
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-4')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    // Drift follows what serves: git rev-list --count c3..c5 = 2.
    expect(pair(snapshot)).toMatchObject({ status: 'ahead', ahead: { commits: 2, tickets: ['SHOP-4', 'SHOP-5'] } });
    const table = renderSnapshotTable(snapshot, plain);
    expect(table).toMatch(/0\/3 ✖ stalled \+ [0-9a-f]{12}×2/);
    expect(table).toContain('✖ rollout stalled');
  });

  it('counts a ticket in prod only when every serving version has it, while two serve', async () => {
    const half = (d: FixtureDeployment) => {
      d.replicas = 3;
      d.pods = [
        { revision: 1, count: 2 },
        { revision: 2, count: 1 },
      ];
    };
    const { run } = await start(org(half, { at: 'c5', previous: ['c3'] }));
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod.rolloutStatus?.state).toBe('progressing');
    expect(prod.serving?.map((s) => [s.commit, s.ready])).toEqual([
      [sha('c3'), 2],
      [sha('c5'), 1],
    ]);
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-2')).toEqual({ staging: 'in', prod: 'in' });
    const service = pair(snapshot).services[0];
    expect(service).toMatchObject({ status: 'ahead', ahead: { commits: 2 } });
    expect(service.note).toContain(`compared with ${sha('c3').slice(0, 7)}`);
    expect(renderSnapshotTable(snapshot, plain)).toMatch(/1\/3 ↻ \+ [0-9a-f]{12}×2/);
  });

  it('a paused rollout says so', async () => {
    const paused = (d: FixtureDeployment) => {
      d.replicas = 2;
      d.paused = true;
      d.pods = [
        { revision: 1, count: 1 },
        { revision: 2, count: 1 },
      ];
    };
    const { run } = await start(org(paused, { at: 'c5', previous: ['c3'] }));
    const { snapshot } = await run();
    expect(prodOf(snapshot).rolloutStatus).toMatchObject({ state: 'paused', reason: 'DeploymentPaused' });
    expect(codes(snapshot)).toEqual(['ROLLOUT_PAUSED']);
    expect(renderSnapshotTable(snapshot, plain)).toContain('‖ paused');
  });
});

describe('scaled to zero', () => {
  it('serves nothing: no tickets, drift says so, and an image changed at zero is not a deployment', async () => {
    const { run } = await start(org((d) => (d.replicas = 3), 'c3'));
    const first = (await run()).snapshot;
    expect(where(first, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    const prodCluster = t!.sandbox.kubernetes.cluster('tiny').store;
    // Scaled to 0, then the image changed while at 0: a new ReplicaSet, no pods.
    prodCluster.change('prod', 'shop-api', (d) => {
      d.replicas = 0;
      d.revisions.push({ tag: sha('c5'), digest: digest(5), createdAt: new Date(Date.parse(NOW) + 60_000).toISOString() });
    });
    const zero = (await run()).snapshot;
    const prod = prodOf(zero);
    expect(prod.rolloutStatus).toEqual({ state: 'scaled-to-zero' });
    expect(prod.serving).toEqual([]);
    expect(prod.lastServed).toMatchObject({ version: sha('c3'), commit: sha('c3') });
    expect(codes(zero)).toContain('SCALED_TO_ZERO');
    expect(where(zero, 'SHOP-3')).toEqual({ staging: 'in' });
    expect(where(zero, 'SHOP-5')).toEqual({ staging: 'in' });
    expect(pair(zero)).toMatchObject({ status: 'unknown', unknown: [{ service: 'shop-api', reason: 'prod: scaled to zero: nothing serves' }] });
    expect(zero.deployments).toEqual([]);
    expect(renderSnapshotTable(zero, plain)).toContain('○ scaled to 0');

    // Scaled up again: now c5 is deployed, from c3 (what served last).
    prodCluster.change('prod', 'shop-api', (d) => {
      d.replicas = 3;
      delete d.pods;
    });
    const up = (await run()).snapshot;
    expect(up.deployments).toEqual([expect.objectContaining({ environment: 'prod', from: expect.objectContaining({ commit: sha('c3') }), to: expect.objectContaining({ commit: sha('c5') }), rollback: false })]);
    expect(where(up, 'SHOP-5')).toEqual({ staging: 'in', prod: 'in' });
  });
});

describe('a mutable tag pulled again', () => {
  it('is a deployment of its own: the new digest, dated when its pods started, with its own id', async () => {
    const latest = (d: FixtureDeployment) => {
      d.revisions = [{ tag: 'latest', digest: digest(1), createdAt: new Date(Date.parse(NOW) - 30 * 86_400_000).toISOString() }];
    };
    const { run } = await start(org(latest));
    const first = (await run()).snapshot;
    expect(prodOf(first).container?.digest).toBe(digest(1));
    const repulled = new Date(Date.parse(NOW) - 5 * 60_000).toISOString();
    t!.sandbox.kubernetes.cluster('tiny').store.change('prod', 'shop-api', (d) => {
      d.pods = [{ revision: 1, count: 1, digest: digest(2), createdAt: repulled }];
    });
    const second = (await run()).snapshot;
    expect(prodOf(second).container?.digest).toBe(digest(2));
    expect(prodOf(second).serving).toEqual([expect.objectContaining({ digest: digest(2), since: repulled })]);
    const [event] = second.deployments!;
    expect(second.deployments).toHaveLength(1);
    expect(event).toMatchObject({ environment: 'prod', revision: 1, at: repulled, from: { digest: digest(1) }, to: { digest: digest(2), version: 'latest' } });
    // Which way the tag moved is not known without the commits: never "not a rollback" for want of them.
    expect(event.rollback).toBe('unknown');
    const firstEvent = first.deployments!.find((e) => e.environment === 'prod')!;
    expect(event.id).not.toBe(firstEvent.id);
    const releases = JSON.parse(await readFile(path.join(t!.dir, '.snap', 'releases.json'), 'utf8'));
    const prodEvents = (releases.events ?? releases).filter((e: { environment: string }) => e.environment === 'prod');
    expect(prodEvents.map((e: { to: { digest?: string } }) => e.to.digest)).toEqual([digest(1), digest(2)]);
  });
});

describe('pods with no image yet', () => {
  it('are pending with a clear reason, and do not serve', async () => {
    const pending = (d: FixtureDeployment) => {
      d.replicas = 3;
      d.pods = [
        { revision: 1, count: 1 },
        { revision: 1, count: 1, ready: false, noStatus: true },
        { revision: 1, count: 1, ready: false, imageId: '' },
      ];
    };
    const { run } = await start(org(pending, 'c3'));
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod.pods?.notReady.map((p) => [p.phase, p.reason]).sort()).toEqual([
      ['Pending', 'ContainerCreating'],
      ['Pending', 'no container has started yet (Pending)'],
    ]);
    expect(prod.serving).toEqual([expect.objectContaining({ ready: 1, commit: sha('c3') })]);
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
  });
});

describe('other workload kinds', () => {
  /** prod runs `kind`, with revisions c3 then c5; `pods` as given. */
  const kindOrg = (kind: 'StatefulSet' | 'DaemonSet' | 'CronJob', edit: (d: FixtureDeployment) => void = () => {}) =>
    org((d) => {
      d.kind = kind;
      d.replicas = 3;
      edit(d);
    }, { at: 'c5', previous: ['c3'] });

  it('reads a StatefulSet mid-rollout from its ControllerRevisions, found without naming its kind', async () => {
    const { run } = await start(
      kindOrg('StatefulSet', (d) => {
        d.pods = [
          { revision: 1, count: 1 },
          { revision: 2, count: 2 },
        ];
      }),
    );
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod.workload).toMatchObject({ kind: 'StatefulSet', name: 'shop-api', namespace: 'prod' });
    expect(prod.rolloutStatus?.state).toBe('progressing');
    expect(prod.serving?.map((s) => [s.revision, s.commit, s.ready])).toEqual([
      [1, sha('c3'), 1],
      [2, sha('c5'), 2],
    ]);
    expect(prod.rollout).toMatchObject({ revision: 2, history: [{ revision: 1, version: sha('c3') }, { revision: 2, version: sha('c5') }] });
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    // Deployments and ReplicaSets did not have it: the other kinds were listed too, once each.
    const lists = snapshot.sources.kubernetes.clusters.tiny.lists.map((l) => l.kind);
    expect(lists).toEqual(['deployments', 'replicasets', 'pods', 'statefulsets', 'daemonsets', 'controllerrevisions', 'cronjobs', 'jobs', 'rollouts', 'applications']);
    expect(codes(snapshot)).toEqual([]);
  });

  it('lists only the kinds the config names', async () => {
    const { run } = await start(kindOrg('StatefulSet'), (raw) => {
      raw.projects[0].services[0].workload = { ...raw.projects[0].services[0].workload, kind: 'StatefulSet' };
    });
    const { snapshot } = await run();
    expect(snapshot.sources.kubernetes.clusters.tiny.lists.map((l) => l.kind)).toEqual(['pods', 'statefulsets', 'controllerrevisions', 'applications']);
    // staging is a Deployment, but the config says StatefulSet for the service: not found there.
    expect(snapshot.projects.shop.environments.staging.services['shop-api'].status).toBe('not-found');
    expect(prodOf(snapshot)).toMatchObject({ status: 'running', rolloutStatus: { state: 'complete' }, commit: { oid: sha('c5') } });
  });

  it('reads a DaemonSet: its pods by revision hash, complete when every node runs the update', async () => {
    const { run } = await start(kindOrg('DaemonSet'));
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod).toMatchObject({ workload: { kind: 'DaemonSet' }, rolloutStatus: { state: 'complete' }, replicas: { desired: 3, ready: 3, updated: 3 } });
    expect(prod.serving).toEqual([expect.objectContaining({ revision: 2, commit: sha('c5'), ready: 3 })]);
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'in' });
  });

  it('reads a CronJob: the template is desired, the last Job is what runs', async () => {
    const first = await start(kindOrg('CronJob', (d) => (d.jobs = 1)));
    const { snapshot } = await first.run();
    const prod = prodOf(snapshot);
    expect(prod.workload?.kind).toBe('CronJob');
    expect(prod.version?.value).toBe(sha('c5'));
    expect(prod.serving).toEqual([expect.objectContaining({ commit: sha('c3') })]);
    expect(prod.rolloutStatus).toMatchObject({ state: 'progressing', reason: 'NextRun' });
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    await t!.close();

    // Both ran; the last Job failed.
    const second = await start(kindOrg('CronJob', (d) => (d.pods = [{ revision: 2, ready: false }])));
    const failed = (await second.run()).snapshot;
    expect(prodOf(failed).rolloutStatus).toMatchObject({ state: 'stalled', reason: 'BackoffLimitExceeded' });
    expect(codes(failed)).toContain('ROLLOUT_STALLED');
    expect(where(failed, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
  });

  it('are listed by the real kubectl from the sandbox', async () => {
    const fixture = kindOrg('StatefulSet');
    fixture.clusters[0].deployments.push(
      { ...structuredClone(fixture.clusters[0].deployments[1]), kind: 'DaemonSet', name: 'node-agent' },
      { ...structuredClone(fixture.clusters[0].deployments[1]), kind: 'CronJob', name: 'nightly-report' },
    );
    t = await startTestSandbox(fixture);
    const { spawnAsync } = await import('./helpers/cli.js');
    const { code, stdout, stderr } = await spawnAsync('kubectl', ['--context', 'tiny', 'get', 'sts,ds,cj,jobs,controllerrevisions', '-n', 'prod'], { KUBECONFIG: t.kubeconfig, HOME: process.env.HOME ?? '/tmp' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/statefulset\.apps\/shop-api\s+3\/3/);
    expect(stdout).toMatch(/daemonset\.apps\/node-agent\s+3\s+3\s+3\s+3\s+3/);
    expect(stdout).toMatch(/cronjob\.batch\/nightly-report\s+0 \* \* \* \*/);
    expect(stdout).toMatch(/job\.batch\/nightly-report-\d+\s+Complete\s+1\/1/);
    expect(stdout).toMatch(/controllerrevision\.apps\/shop-api-[a-z]{10}\s+statefulset\.apps\/shop-api\s+2/);
  });
});

describe('one environment on several clusters', () => {
  /** prod runs in prod-eu (at `eu`) and prod-us (at `us`); staging in its own cluster at c5. */
  function regions(eu: string, usAt: string): Fixture {
    const fixture = tinyOrg({
      now: NOW,
      repos: [{ name: 'shop-api', commits }],
      envs: ['staging', 'prod'],
      contexts: { staging: 'staging', prod: 'prod-eu' },
      deploy: { staging: { 'shop-api': 'c5' }, prod: { 'shop-api': eu } },
    });
    const euCluster = fixture.clusters.find((c) => c.context === 'prod-eu')!;
    const us = structuredClone(euCluster);
    us.context = 'prod-us';
    const d = us.deployments[0];
    d.revisions = [{ tag: sha(usAt), digest: digest(7), createdAt: new Date(Date.parse(NOW) - 7_200_000).toISOString() }];
    d.replicas = 2;
    fixture.clusters.push(us);
    const prod = fixture.environments.find((e) => e.name === 'prod')!;
    prod.targets = [
      { context: 'prod-eu', namespaces: ['prod'] },
      { context: 'prod-us', namespaces: ['prod'] },
    ];
    return fixture;
  }

  it('reports each cluster, flags versions that differ, and counts a ticket in prod only where every region serves it', async () => {
    const { run } = await start(regions('c5', 'c3'));
    const { snapshot } = await run();
    expect(snapshotSchema.safeParse(JSON.parse(JSON.stringify(snapshot))).success).toBe(true);
    const prod = prodOf(snapshot);
    expect(snapshot.projects.shop.environments.prod.targets?.map((t) => t.context)).toEqual(['prod-eu', 'prod-us']);
    expect(prod.targets?.map((t) => [t.context, t.status, t.commit?.oid])).toEqual([
      ['prod-eu', 'running', sha('c5')],
      ['prod-us', 'running', sha('c3')],
    ]);
    expect(prod.serving?.map((s) => [s.context, s.commit, s.ready])).toEqual([
      ['prod-eu', sha('c5'), 1],
      ['prod-us', sha('c3'), 2],
    ]);
    expect(prod.replicas?.desired).toBe(3);
    expect(codes(snapshot)).toEqual(['TARGETS_DIFFER']);
    // SHOP-5 is in prod-eu only, and prod-us wants c3: partly in prod, naming what lacks it. SHOP-3 is in both.
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'partial' });
    expect(snapshot.tickets!['SHOP-5'].environments.find((e) => e.environment === 'prod')!.parts).toEqual([
      expect.objectContaining({ status: 'partial', reason: `not in what serves as ${sha('c3')} in prod-us` }),
    ]);
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    // Drift against what every region has: git rev-list --count c3..c5 = 2.
    expect(pair(snapshot)).toMatchObject({ status: 'ahead', ahead: { commits: 2 } });
    // The table marks the short count, and the legend says what the mark means.
    expect(renderSnapshotTable(snapshot, plain)).toMatch(/1\/3 ! \+ [0-9a-f]{12}×2 in prod-us[\s\S]*! fewer ready pods of the desired version than wanted/);
    // No promotion between the two regions: one environment, two clusters.
    expect(snapshot.drift!.shop.map((p) => `${p.from}→${p.to}`)).toEqual(['staging→prod']);
  });

  it('a rollout in one region is a deployment of that region', async () => {
    const { run } = await start(regions('c5', 'c5'));
    const first = (await run()).snapshot;
    expect(codes(first)).toEqual([]);
    expect(where(first, 'SHOP-5')).toEqual({ staging: 'in', prod: 'in' });
    t!.sandbox.kubernetes.cluster('prod-us').store.rollout('prod', 'shop-api', { tag: sha('c4') });
    const second = (await run()).snapshot;
    expect(second.deployments).toEqual([expect.objectContaining({ environment: 'prod', workload: expect.objectContaining({ context: 'prod-us' }), rollback: true })]);
    // prod-us went back to c4 and wants it: SHOP-5 is partly in prod, not on its way.
    expect(where(second, 'SHOP-5')).toEqual({ staging: 'in', prod: 'partial' });
    expect(where(second, 'SHOP-4')).toEqual({ staging: 'in', prod: 'in' });
  });

  it('a region that cannot be read makes the environment unknown, not what the other region says', async () => {
    const fixture = regions('c5', 'c5');
    t = await startTestSandbox(fixture, { kubeFaults: { 'prod-us': { unauthorized: true } } });
    const config = await t.config({ history: { days: 60 } });
    const { snapshot } = await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken, now: clockAt(fixture.now) });
    expect(prodOf(snapshot).targets?.map((x) => x.status)).toEqual(['running', 'unknown']);
    expect(snapshot.tickets!['SHOP-5'].environments.find((e) => e.environment === 'prod')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('prod-us') });
    expect(pair(snapshot).status).toBe('unknown');
  });
});

describe('Argo Rollouts', () => {
  const rollout = (edit: (d: FixtureDeployment) => void) =>
    org((d) => {
      d.kind = 'Rollout';
      d.replicas = 4;
      edit(d);
    }, { at: 'c5', previous: ['c3'] });

  it('a Rollout with workloadRef to a Deployment at 0 replicas: the Rollout runs, not the 0/0 Deployment', async () => {
    const { run } = await start(
      rollout((d) => {
        d.workloadRef = true;
        d.step = { index: 1, total: 4, weight: 25 };
        d.pods = [
          { revision: 1, count: 3 },
          { revision: 2, count: 1 },
        ];
      }),
    );
    const { snapshot } = await run();
    const prod = prodOf(snapshot);
    expect(prod.workload).toMatchObject({ kind: 'Rollout', name: 'shop-api' });
    expect(prod.version?.value).toBe(sha('c5'));
    expect(prod.rolloutStatus).toEqual({ state: 'paused', reason: 'CanaryPauseStep', message: 'CanaryPauseStep', strategy: 'canary', step: { index: 1, total: 4, weight: 25 } });
    expect(prod.serving?.map((s) => [s.role, s.commit, s.ready])).toEqual([
      ['stable', sha('c3'), 3],
      ['canary', sha('c5'), 1],
    ]);
    // The canary takes traffic too: SHOP-5 is rolling out, not in prod; SHOP-3 is in both.
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in', prod: 'in' });
    expect(pair(snapshot)).toMatchObject({ status: 'ahead', ahead: { commits: 2 } });
    expect(snapshot.sources.kubernetes.clusters.tiny.lists.map((l) => l.kind)).toContain('rollouts');
  });

  it('a blue-green preview serves no traffic, and an aborted rollout is stalled', async () => {
    const blue = await start(
      rollout((d) => {
        d.strategy = 'blueGreen';
        d.paused = true;
        d.pods = [
          { revision: 1, count: 4 },
          { revision: 2, count: 4 },
        ];
      }),
      (raw) => {
        raw.projects[0].services[0].workload = { ...raw.projects[0].services[0].workload };
      },
    );
    const bg = (await blue.run()).snapshot;
    expect(prodOf(bg).serving?.map((s) => [s.role, s.commit])).toEqual([
      ['active', sha('c3')],
      ['preview', sha('c5')],
    ]);
    expect(prodOf(bg).rolloutStatus).toMatchObject({ state: 'paused', strategy: 'blueGreen', reason: 'BlueGreenPause' });
    // Only the active version serves: SHOP-4 is not in prod (the preview has it), and drift counts from c3.
    expect(where(bg, 'SHOP-4')).toEqual({ staging: 'in', prod: 'rolling-out' });
    expect(pair(bg)).toMatchObject({ ahead: { commits: 2 } });
    await t!.close();

    const aborted = await start(
      rollout((d) => {
        d.abort = true;
        d.pods = [{ revision: 1, count: 4 }];
      }),
    );
    const ab = (await aborted.run()).snapshot;
    expect(prodOf(ab).rolloutStatus).toMatchObject({ state: 'stalled', reason: 'RolloutAborted' });
    expect(codes(ab)).toContain('ROLLOUT_STALLED');
    expect(where(ab, 'SHOP-5')).toEqual({ staging: 'in', prod: 'rolling-out' });
  });
});

describe('Argo CD applications', () => {
  it('shows sync status, health and target revision, and an out-of-sync application is a warning', async () => {
    const fixture = org(() => {}, 'c3');
    fixture.clusters[0].applications = [
      { name: 'shop-api-prod', repoURL: 'https://github.com/acme/shop-deploy.git', path: 'prod/shop-api', targetRevision: 'main', destinationNamespace: 'prod', sync: 'OutOfSync', revision: 'f'.repeat(40), health: 'Healthy', workloads: [{ kind: 'Deployment', name: 'shop-api' }] },
      { name: 'shop-api-staging', repoURL: 'https://github.com/acme/shop-deploy.git', path: 'staging/shop-api', targetRevision: 'main', destinationNamespace: 'staging', sync: 'Synced', revision: 'e'.repeat(40), health: 'Healthy', workloads: [{ kind: 'Deployment', name: 'shop-api' }] },
    ];
    const { run } = await start(fixture);
    const { snapshot } = await run();
    expect(prodOf(snapshot).argocd).toEqual({ application: 'argocd/shop-api-prod', repoURL: 'https://github.com/acme/shop-deploy.git', path: 'prod/shop-api', targetRevision: 'main', sync: 'OutOfSync', revision: 'f'.repeat(40), health: 'Healthy' });
    expect(snapshot.projects.shop.environments.staging.services['shop-api'].argocd).toMatchObject({ sync: 'Synced' });
    expect(codes(snapshot)).toEqual(['ARGOCD_OUT_OF_SYNC']);
    // One list of Applications for the cluster, not one request per application.
    expect(snapshot.sources.kubernetes.clusters.tiny.lists.filter((l) => l.kind === 'applications')).toEqual([expect.objectContaining({ items: 2 })]);
    expect(t!.sandbox.kubernetes.cluster('tiny').counters.byRoute['list applications']).toBe(1);
  });

  it('Rollouts and Applications are listed by the real kubectl where their CRDs are installed', async () => {
    const fixture = org((d) => (d.kind = 'Rollout'), { at: 'c5', previous: ['c3'] });
    fixture.clusters[0].applications = [{ name: 'shop', repoURL: 'https://github.com/acme/shop-deploy.git', targetRevision: 'main', destinationNamespace: 'prod', sync: 'Synced', health: 'Healthy', workloads: [{ kind: 'Rollout', name: 'shop-api' }] }];
    t = await startTestSandbox(fixture);
    const { spawnAsync } = await import('./helpers/cli.js');
    const env = { KUBECONFIG: t.kubeconfig, HOME: process.env.HOME ?? '/tmp' };
    const ro = await spawnAsync('kubectl', ['--context', 'tiny', 'get', 'rollouts', '-n', 'prod'], env);
    expect(ro.stderr).toBe('');
    expect(ro.stdout).toMatch(/shop-api\s+1\s+1\s+1\s+1/);
    const apps = await spawnAsync('kubectl', ['--context', 'tiny', 'get', 'applications', '-A'], env);
    expect(apps.stdout).toMatch(/argocd\s+shop\s+Synced\s+Healthy/);
  });
});

describe('nothing serving although replicas are wanted', () => {
  it('keeps tickets out (nothing is there, nor rolling out) and compares drift by the version wanted, saying so', async () => {
    const { run } = await start(org((d) => (d.pods = [{ revision: 1, count: 1, ready: false, reason: 'CrashLoopBackOff' }]), 'c3'));
    const { snapshot } = await run();
    expect(prodOf(snapshot).serving).toEqual([]);
    expect(codes(snapshot)).toEqual(['NOTHING_SERVING']);
    expect(where(snapshot, 'SHOP-3')).toEqual({ staging: 'in' });
    const service = pair(snapshot).services[0];
    // git rev-list --count c3..c5 = 2, against what prod wants.
    expect(service).toMatchObject({ status: 'ahead', ahead: { commits: 2 } });
    expect(service.note).toMatch(/^prod: nothing serves \(no pod is ready; CrashLoopBackOff\); compared with the version it wants/);
  });
});

describe('what a new user found', () => {
  it('a pod that says Ready but has no container status, or an empty imageID, does not serve', async () => {
    const { indexCluster, serviceState } = await import('../src/sources/kubernetes/workload-state.js');
    const { noObjects } = await import('../src/sources/kubernetes/read-cluster.js');
    const objects = noObjects();
    const template = { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1.0.0' }] } };
    objects.deployments.push({ metadata: { name: 'api', namespace: 'prod', uid: 'd1', generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } }, spec: { replicas: 3, selector: {}, template }, status: { observedGeneration: 1 } } as never);
    objects.replicasets.push({ metadata: { name: 'api-1', namespace: 'prod', uid: 'r1', annotations: { 'deployment.kubernetes.io/revision': '1' }, ownerReferences: [{ kind: 'Deployment', uid: 'd1', name: 'api', apiVersion: 'apps/v1' }] }, spec: { selector: {}, template } } as never);
    const ready = [{ type: 'Ready', status: 'True' }];
    const pod = (name: string, containerStatuses?: object[]) => ({ metadata: { name, namespace: 'prod', uid: name, ownerReferences: [{ kind: 'ReplicaSet', uid: 'r1', name: 'api-1', apiVersion: 'apps/v1' }] }, status: { phase: 'Running', conditions: ready, ...(containerStatuses ? { containerStatuses } : {}) } });
    objects.pods.push(
      pod('ok', [{ name: 'api', imageID: `ghcr.io/acme/api@${digest(1)}`, ready: true, restartCount: 0, state: {} }]) as never,
      pod('nostatus') as never,
      pod('noimage', [{ name: 'api', imageID: '', ready: true, restartCount: 0, state: {} }]) as never,
    );
    const environment = { name: 'prod', context: 'c', namespaces: ['prod'], targets: [{ context: 'c', namespaces: ['prod'] }] };
    const service = { name: 'api', repository: 'acme/api', workload: { name: 'api' }, version: { from: 'image-tag' as const } };
    const { state } = serviceState(indexCluster(objects), { project: 'p', environment, service });
    expect(state.serving).toEqual([expect.objectContaining({ ready: 1, digest: digest(1) })]);
    expect(state.pods?.notReady.map((p) => [p.name, p.reason])).toEqual([
      ['noimage', 'image not pulled yet (empty imageID)'],
      ['nostatus', 'no container has started yet (Running)'],
    ]);
  });

  it('a workload first seen at zero records a deployment when it scales up', async () => {
    const { run } = await start(org((d) => (d.replicas = 0), 'c3'));
    const zero = (await run()).snapshot;
    expect(zero.deployments!.filter((e) => e.environment === 'prod')).toEqual([]);
    t!.sandbox.kubernetes.cluster('tiny').store.change('prod', 'shop-api', (d) => (d.replicas = 2));
    const up = (await run()).snapshot;
    expect(up.deployments).toEqual([expect.objectContaining({ environment: 'prod', to: expect.objectContaining({ commit: sha('c3') }), rollback: false })]);
    expect(up.deployments![0].from).toBeUndefined();
  });

  it('a rollout undo that reuses an old ReplicaSet is dated when its pods started, after the deployment it undoes', async () => {
    const { run } = await start(org(() => {}, { at: 'c5', previous: ['c3'] }));
    const first = (await run()).snapshot;
    const undone = new Date(Date.parse(first.takenAt) + 60_000).toISOString();
    t!.sandbox.kubernetes.cluster('tiny').store.change('prod', 'shop-api', (d) => {
      // kubectl rollout undo: revision 1's ReplicaSet (created long ago) becomes revision 3.
      d.revisions.push({ ...d.revisions[0] });
      d.pods = [{ revision: 3, count: 1, createdAt: undone }];
    });
    const second = (await run()).snapshot;
    const [event] = second.deployments!;
    expect(event).toMatchObject({ environment: 'prod', rollback: true, at: undone });
    expect(event.at! > first.takenAt).toBe(true);
  });

  it('a rollout undo whose pods have not started yet is dated no earlier than the snapshot before it, not when its ReplicaSet was created', async () => {
    const { run } = await start(org(() => {}, { at: 'c5', previous: ['c3'] }));
    const first = (await run()).snapshot;
    t!.sandbox.kubernetes.cluster('tiny').store.change('prod', 'shop-api', (d) => {
      // kubectl rollout undo, its new pods not started yet: only the old revision's pods serve.
      d.revisions.push({ ...d.revisions[0] });
      d.pods = [{ revision: 2, count: 1 }];
    });
    const second = (await run()).snapshot;
    const [event] = second.deployments!;
    expect(event).toMatchObject({ environment: 'prod', rollback: true, at: first.takenAt });
  });

  it('shows a mutable tag pulled again, and a blue-green preview, for what they are', async () => {
    const { run } = await start(org((d) => {
      d.replicas = 2;
      d.revisions = [{ tag: 'latest', digest: digest(1), createdAt: new Date(Date.parse(NOW) - 86_400_000).toISOString() }];
      d.pods = [{ revision: 1, count: 1 }, { revision: 1, count: 1, digest: digest(2), createdAt: new Date(Date.parse(NOW) - 60_000).toISOString() }];
    }));
    const half = (await run()).snapshot;
    // The newest pods' digest is the desired one; the other digest still serves one pod.
    expect(renderSnapshotTable(half, plain)).toContain(`latest 1/2 ! + ${digest(1).slice(0, 15)}×1`);
    await t!.close();

    const blue = await start(org((d) => {
      d.kind = 'Rollout';
      d.strategy = 'blueGreen';
      d.paused = true;
      d.replicas = 2;
      d.pods = [{ revision: 1, count: 2 }, { revision: 2, count: 2 }];
    }, { at: 'c5', previous: ['c3'] }));
    const bg = (await blue.run()).snapshot;
    expect(renderSnapshotTable(bg, plain)).toMatch(/0\/2 \(preview 2\) ‖ paused \+ [0-9a-f]{12}×2 \(active\)/);
  });

  it('a fixture whose pods name a revision that does not exist, or with another kind\'s fields, is refused with the JSON path', async () => {
    const { fixtureSchema } = await import('../src/sandbox/fixtures/types.js');
    const bad = org((d) => {
      d.pods = [{ revision: 7 }];
      d.step = { index: 1, total: 2 };
    });
    const result = fixtureSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toContain('clusters.0.deployments.1.pods.0.revision: names revision 7, but there are 1 (revisions are numbered from 1, oldest first)');
    expect(issues).toContain('clusters.0.deployments.1.step: is for Rollout entries, and this one is a Deployment (set kind)');
  });

  it('onboarding takes one environment named twice in --env as two targets (two regions)', async () => {
    const { chooseEnvironments } = await import('../src/onboard/steps/environments.js');
    expect(await chooseEnvironments([], ['prod=prod-eu/shop', 'prod=prod-us/shop'], undefined, () => {})).toEqual([
      { name: 'prod', targets: [{ context: 'prod-eu', namespaces: ['shop'] }, { context: 'prod-us', namespaces: ['shop'] }], reason: 'from --env' },
    ]);
  });
});

describe('what a second new user found', () => {
  it('one region at zero beside one that serves: the warning names the cluster, and the environment still has the service', async () => {
    const fixture = tinyOrg({ now: NOW, repos: [{ name: 'shop-api', commits }], envs: ['staging', 'prod'], contexts: { staging: 'staging', prod: 'prod-eu' }, deploy: { staging: { 'shop-api': 'c5' }, prod: { 'shop-api': 'c5' } } });
    const us = structuredClone(fixture.clusters.find((c) => c.context === 'prod-eu')!);
    us.context = 'prod-us';
    us.deployments[0].replicas = 0;
    fixture.clusters.push(us);
    fixture.environments.find((e) => e.name === 'prod')!.targets = [
      { context: 'prod-eu', namespaces: ['prod'] },
      { context: 'prod-us', namespaces: ['prod'] },
    ];
    const { run } = await start(fixture);
    const { snapshot } = await run();
    expect(snapshot.warnings.filter((w) => w.code === 'SCALED_TO_ZERO').map((w) => [w.scope.source, w.message])).toEqual([['kubernetes:prod-us', 'in prod-us: Deployment is scaled to 0 replicas here; prod-eu still serves it']]);
    expect(where(snapshot, 'SHOP-5')).toEqual({ staging: 'in', prod: 'in' });
    expect(pair(snapshot).status).toBe('same');
  });

  it('the legend explains every mark the table shows', async () => {
    const { run } = await start(org((d) => {
      d.replicas = 3;
      d.notReady = { count: 1, reason: 'CrashLoopBackOff' };
    }, 'c3'));
    const table = renderSnapshotTable((await run()).snapshot, plain);
    expect(table).toContain('2/3 !');
    expect(table).toContain('! fewer ready pods of the desired version than wanted');
  });

  it('a CronJob template that has not run yet is a deployment with no time yet, listed last, marked progressing', async () => {
    const { run } = await start(org((d) => {
      d.kind = 'CronJob';
    }, { at: 'c3', previous: ['c2'] }));
    await run();
    t!.sandbox.kubernetes.cluster('tiny').store.change('prod', 'shop-api', (d) => {
      d.revisions.push({ tag: sha('c5'), digest: digest(5), createdAt: new Date(Date.parse(NOW) + 60_000).toISOString() });
      d.jobs = 2;
    });
    const second = (await run()).snapshot;
    const events = second.deployments!;
    expect(events.at(-1)).toMatchObject({ environment: 'prod', to: { commit: sha('c5') }, rolloutStatus: { state: 'progressing', reason: 'NextRun' } });
    expect(events.at(-1)!.at).toBeUndefined();
  });

  it('an image with neither tag nor digest runs latest', async () => {
    const { run } = await start(org((d) => {
      d.revisions = [{ digest: digest(3), createdAt: new Date(Date.parse(NOW) - 3_600_000).toISOString() }];
    }));
    const prod = prodOf((await run()).snapshot);
    expect(prod.version).toEqual({ value: 'latest', source: 'image-tag' });
  });
});

describe('the release history keeps up with rollouts', () => {
  const releases = async () => JSON.parse(await readFile(path.join(t!.dir, '.snap', 'releases.json'), 'utf8')).events as Snapshot['deployments'] & object[];

  it('a stalled rollout recorded as stalled is brought up to date when it completes, and an aborted canary says so', async () => {
    const { run } = await start(org((d) => (d.replicas = 2), 'c3'));
    await run();
    const store = t!.sandbox.kubernetes.cluster('tiny').store;
    // Roll out c5; it stalls.
    store.change('prod', 'shop-api', (d) => {
      d.revisions.push({ tag: sha('c5'), digest: digest(5), createdAt: new Date(Date.parse(NOW) + 60_000).toISOString() });
      d.pods = [{ revision: 1, count: 2 }, { revision: 2, count: 1, ready: false, reason: 'CrashLoopBackOff' }];
      d.conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "{replicaSet}" has timed out progressing.' }];
    });
    const stalled = (await run()).snapshot;
    const id = stalled.deployments!.find((e) => e.environment === 'prod')!.id;
    expect((await releases()).find((e) => e.id === id)).toMatchObject({ rolloutStatus: { state: 'stalled', reason: 'ProgressDeadlineExceeded' } });
    // Fixed: every pod of c5 ready.
    const done = new Date(Date.parse(NOW) + 600_000).toISOString();
    store.change('prod', 'shop-api', (d) => {
      d.pods = [{ revision: 2, count: 2, createdAt: done }];
      delete d.conditions;
    });
    const complete = await run();
    const event = (await releases()).find((e) => e.id === id)!;
    expect(event.rolloutStatus).toBeUndefined();
    expect(event.completedAt).toBe(done);
    expect(complete.record.releases).toMatchObject({ updated: 1, unsettled: 0 });
  });

  it('a canary paused at a step, then aborted, then replaced: the event follows it and ends final', async () => {
    const { run } = await start(org((d) => {
      d.kind = 'Rollout';
      d.replicas = 4;
    }, 'c3'));
    await run();
    const store = t!.sandbox.kubernetes.cluster('tiny').store;
    store.change('prod', 'shop-api', (d) => {
      d.revisions.push({ tag: sha('c5'), digest: digest(5), createdAt: new Date(Date.parse(NOW) + 60_000).toISOString() });
      d.step = { index: 1, total: 4, weight: 25 };
      d.pods = [{ revision: 1, count: 3 }, { revision: 2, count: 1 }];
    });
    const paused = (await run()).snapshot;
    const id = paused.deployments!.find((e) => e.environment === 'prod')!.id;
    expect((await releases()).find((e) => e.id === id)).toMatchObject({ rolloutStatus: { state: 'paused', reason: 'CanaryPauseStep' } });
    store.change('prod', 'shop-api', (d) => {
      d.abort = true;
      d.pods = [{ revision: 1, count: 4 }];
    });
    await run();
    expect((await releases()).find((e) => e.id === id)).toMatchObject({ rolloutStatus: { state: 'stalled', reason: 'RolloutAborted' } });
    store.change('prod', 'shop-api', (d) => {
      delete d.abort;
      delete d.step;
      d.revisions.push({ tag: sha('c4'), digest: digest(4), createdAt: new Date(Date.parse(NOW) + 900_000).toISOString() });
      d.pods = [{ revision: 3, count: 4 }];
    });
    await run();
    expect((await releases()).find((e) => e.id === id)).toMatchObject({ rolloutStatus: { state: 'stalled', reason: 'RolloutAborted', final: true } });
  });
});
