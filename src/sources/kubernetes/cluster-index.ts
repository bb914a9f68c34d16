import type { V1CronJob, V1ControllerRevision, V1DaemonSet, V1Deployment, V1Job, V1ObjectMeta, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterObjects } from './read-cluster.js';
import type { Application, Rollout, WorkloadKind } from './types.js';

export const REVISION = 'deployment.kubernetes.io/revision';

export type Workload = V1Deployment | V1StatefulSet | V1DaemonSet | V1CronJob | Rollout;

/** Cluster objects indexed once, so each service lookup is a few map reads. */
export interface ClusterIndex {
  /** kind → namespace → workloads. */
  workloads: Map<WorkloadKind, Map<string, Workload[]>>;
  /** kind → `namespace/name` → workload: the lookup of a service that names its workload. */
  byName: Map<WorkloadKind, Map<string, Workload>>;
  /** Controller uid → what it owns, per kind. */
  replicaSets: Map<string, V1ReplicaSet[]>;
  revisions: Map<string, V1ControllerRevision[]>;
  jobs: Map<string, V1Job[]>;
  pods: Map<string, V1Pod[]>;
  /** Argo CD Applications by the workloads they manage: `Kind/namespace/name`. */
  applications: Map<string, Application>;
  /** The workload kinds whose lists were read. */
  read: Set<WorkloadKind>;
}

function push<T>(map: Map<string, T[]>, key: string | undefined, value: T): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const controller = (o: { metadata?: V1ObjectMeta }) => (o.metadata?.ownerReferences?.find((r) => r.controller !== false) ?? o.metadata?.ownerReferences?.[0])?.uid;

/** Indexes what was listed; `read` names the workload kinds whose lists are among them. */
export function indexCluster(objects: ClusterObjects, read: Iterable<WorkloadKind> = ['Deployment']): ClusterIndex {
  const index: ClusterIndex = { workloads: new Map(), byName: new Map(), replicaSets: new Map(), revisions: new Map(), jobs: new Map(), pods: new Map(), applications: new Map(), read: new Set(read) };
  const add = (kind: WorkloadKind, list: Workload[]) => {
    const byNamespace = index.workloads.get(kind) ?? new Map<string, Workload[]>();
    const byName = index.byName.get(kind) ?? new Map<string, Workload>();
    for (const w of list) {
      push(byNamespace, w.metadata?.namespace, w);
      byName.set(`${w.metadata?.namespace}/${w.metadata?.name}`, w);
    }
    index.workloads.set(kind, byNamespace);
    index.byName.set(kind, byName);
  };
  add('Deployment', objects.deployments as V1Deployment[]);
  add('StatefulSet', objects.statefulsets as V1StatefulSet[]);
  add('DaemonSet', objects.daemonsets as V1DaemonSet[]);
  add('CronJob', objects.cronjobs as V1CronJob[]);
  add('Rollout', objects.rollouts as unknown as Rollout[]);
  for (const app of objects.applications as unknown as Application[]) {
    for (const r of app.status?.resources ?? []) if (r.kind && r.name) index.applications.set(`${r.kind}/${r.namespace ?? app.spec?.destination?.namespace ?? ''}/${r.name}`, app);
  }
  for (const rs of objects.replicasets as V1ReplicaSet[]) push(index.replicaSets, controller(rs), rs);
  for (const cr of objects.controllerrevisions as V1ControllerRevision[]) push(index.revisions, controller(cr), cr);
  for (const job of objects.jobs as V1Job[]) push(index.jobs, controller(job), job);
  for (const pod of objects.pods as V1Pod[]) push(index.pods, controller(pod), pod);
  return index;
}

export interface ParsedImage {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImage(image: string): ParsedImage {
  const [withoutDigest, digest] = image.split('@', 2);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

export function digestFromImageId(imageId: string | undefined): string | undefined {
  const match = imageId ? /(sha256:[a-f0-9]{64})/.exec(imageId) : null;
  return match?.[1];
}

export const createdAt = (o: { metadata?: { creationTimestamp?: Date | string } }) => new Date(o.metadata?.creationTimestamp ?? 0).getTime();

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
