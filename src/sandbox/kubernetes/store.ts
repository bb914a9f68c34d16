import type { FixtureCluster, FixtureDeployment, FixtureRevision } from '../fixtures/types.js';
import { sha256 } from '../fixtures/random.js';
import { materialise, type K8sObject, type WorkloadObjects } from './objects.js';
import { materialiseApplication } from './argo.js';

export type ResourceKind = 'namespaces' | 'deployments' | 'replicasets' | 'pods' | 'statefulsets' | 'daemonsets' | 'controllerrevisions' | 'cronjobs' | 'jobs' | 'rollouts' | 'applications';

/** The resource (plural) each kind is listed as. */
export const RESOURCE_OF: Record<string, Exclude<ResourceKind, 'namespaces'>> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  Pod: 'pods',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  ControllerRevision: 'controllerrevisions',
  CronJob: 'cronjobs',
  Job: 'jobs',
  Rollout: 'rollouts',
  Application: 'applications',
};

export interface ClusterVersion {
  resourceVersion: number;
  objects: Record<ResourceKind, K8sObject[]>;
}

const KEEP_VERSIONS = 50;
const byKey = (a: K8sObject, b: K8sObject) =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);

/**
 * One simulated cluster's objects. Every change makes a new immutable version with a higher
 * resourceVersion, and recent versions are kept, so a paginated list keeps reading the version it
 * started on, as etcd-backed lists do.
 */
export class ClusterStore {
  private readonly workloads = new Map<string, WorkloadObjects>();
  private readonly versions = new Map<number, ClusterVersion>();
  private resourceVersion: number;
  /** The custom resources installed: where the fixture has Rollouts or Argo CD Applications (or says so). */
  readonly crds: ('rollouts' | 'applications')[];

  constructor(
    readonly fixture: FixtureCluster,
    firstResourceVersion = 1000,
  ) {
    this.resourceVersion = firstResourceVersion;
    this.crds = [
      ...(fixture.crds?.includes('rollouts') || fixture.deployments.some((d) => d.kind === 'Rollout') ? (['rollouts'] as const) : []),
      ...(fixture.crds?.includes('applications') || (fixture.applications?.length ?? 0) > 0 ? (['applications'] as const) : []),
    ];
    for (const d of fixture.deployments) this.workloads.set(`${d.namespace}/${d.name}`, materialise(fixture.context, d));
    const appsAt = fixture.deployments[0]?.revisions[0]?.createdAt ?? '2025-01-01T00:00:00.000Z';
    for (const app of fixture.applications ?? []) this.workloads.set(`application:${app.name}`, { objects: [materialiseApplication(fixture.context, app, appsAt)] });
    this.commit();
  }

  current(): ClusterVersion {
    return this.versions.get(this.resourceVersion)!;
  }

  at(resourceVersion: number): ClusterVersion | undefined {
    return this.versions.get(resourceVersion);
  }

  private commit(): void {
    this.resourceVersion++;
    const rv = String(this.resourceVersion);
    const stamp = (o: K8sObject) => (o.metadata.resourceVersion ? o : { ...o, metadata: { ...o.metadata, resourceVersion: rv } });
    const all = [...this.workloads.values()];
    const namespaces = this.fixture.namespaces.map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: sha256(`ns:${this.fixture.context}:${name}`).slice(0, 36), creationTimestamp: '2025-01-01T00:00:00.000Z', resourceVersion: '1', labels: { 'kubernetes.io/metadata.name': name } },
      status: { phase: 'Active' },
    }));
    const objects = Object.fromEntries([...new Set(Object.values(RESOURCE_OF))].map((r) => [r, [] as K8sObject[]])) as Record<ResourceKind, K8sObject[]>;
    const stamped = new Map<string, K8sObject>();
    for (const w of all) {
      for (const o of w.objects) {
        const done = stamp(o);
        stamped.set(o.metadata.uid, done);
        objects[RESOURCE_OF[o.kind]].push(done);
      }
    }
    for (const list of Object.values(objects)) list.sort(byKey);
    objects.namespaces = namespaces.sort(byKey);
    const version: ClusterVersion = { resourceVersion: this.resourceVersion, objects };
    // Keep stamped objects so their resourceVersion stays the one of their last change.
    for (const [key, w] of this.workloads) this.workloads.set(key, { objects: w.objects.map((o) => stamped.get(o.metadata.uid) ?? o) });
    this.versions.set(this.resourceVersion, version);
    for (const old of this.versions.keys()) if (old <= this.resourceVersion - KEEP_VERSIONS) this.versions.delete(old);
  }

  /** Rolls a Deployment out to a new image tag: a new ReplicaSet revision, new pods, a new resourceVersion. */
  rollout(namespace: string, name: string, revision: Omit<FixtureRevision, 'digest' | 'createdAt'> & Partial<FixtureRevision>): void {
    const d = this.fixture.deployments.find((x) => x.namespace === namespace && x.name === name);
    if (!d) throw new Error(`no deployment ${namespace}/${name} in ${this.fixture.context}`);
    d.revisions.push({
      ...(revision.tag ? { tag: revision.tag } : {}),
      digest: revision.digest ?? `sha256:${sha256(`${d.image}:${revision.tag ?? ''}`)}`,
      ...(revision.pin ? { pin: true } : {}),
      createdAt: revision.createdAt ?? new Date().toISOString(),
      ...(revision.annotations ? { annotations: revision.annotations } : {}),
    });
    delete d.notReady;
    delete d.pods;
    delete d.conditions;
    this.workloads.set(`${namespace}/${name}`, materialise(this.fixture.context, d));
    this.commit();
  }

  /**
   * Changes a Deployment's fixture entry in place (scale it, pause it, replace its pods or
   * conditions, add a revision…) and serves the result as a new resourceVersion.
   */
  change(namespace: string, name: string, edit: (deployment: FixtureDeployment) => void): void {
    const d = this.fixture.deployments.find((x) => x.namespace === namespace && x.name === name);
    if (!d) throw new Error(`no deployment ${namespace}/${name} in ${this.fixture.context}`);
    edit(d);
    this.workloads.set(`${namespace}/${name}`, materialise(this.fixture.context, d));
    this.commit();
  }
}
