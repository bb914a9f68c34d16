import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Environment, Service } from '../../config/types.js';
import type { Revision, ServiceState, SnapshotWarning } from '../../core/snapshot-schema.js';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.js';
import type { ClusterObjects } from './read-cluster.js';

const REVISION = 'deployment.kubernetes.io/revision';

/** Cluster objects indexed once, so each service lookup is a few map reads. */
export interface ClusterIndex {
  deploymentsByNamespace: Map<string, V1Deployment[]>;
  replicaSetsByOwner: Map<string, V1ReplicaSet[]>;
  podsByOwner: Map<string, V1Pod[]>;
}

function push<T>(map: Map<string, T[]>, key: string | undefined, value: T): void {
  if (key === undefined) return;
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function indexCluster(objects: ClusterObjects): ClusterIndex {
  const index: ClusterIndex = { deploymentsByNamespace: new Map(), replicaSetsByOwner: new Map(), podsByOwner: new Map() };
  for (const d of objects.deployments as V1Deployment[]) push(index.deploymentsByNamespace, d.metadata?.namespace, d);
  for (const rs of objects.replicasets as V1ReplicaSet[]) {
    push(index.replicaSetsByOwner, rs.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment')?.uid, rs);
  }
  for (const pod of objects.pods as V1Pod[]) push(index.podsByOwner, pod.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.uid, pod);
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

function digestFromImageId(imageId: string | undefined): string | undefined {
  const match = imageId ? /(sha256:[a-f0-9]{64})/.exec(imageId) : null;
  return match?.[1];
}

const createdAt = (o: { metadata?: { creationTimestamp?: Date | string } }) => new Date(o.metadata?.creationTimestamp ?? 0).getTime();

function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function notReadyReason(pod: V1Pod): string {
  for (const status of pod.status?.containerStatuses ?? []) {
    if (status.state?.waiting?.reason) return status.state.waiting.reason;
    if (status.state?.terminated?.reason) return status.state.terminated.reason;
  }
  const condition = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
  return pod.status?.reason ?? condition?.reason ?? pod.status?.phase ?? 'Unknown';
}

/** The revisions Kubernetes keeps for a Deployment (one ReplicaSet each), oldest first. */
function revisionHistory(replicaSets: V1ReplicaSet[], containerName: string | undefined, service: Service): Revision[] {
  const key = service.version.key ?? '';
  return replicaSets
    .map((rs): Revision => {
      const containers = rs.spec?.template?.spec?.containers ?? [];
      const c = (containerName ? containers.find((x) => x.name === containerName) : undefined) ?? containers[0];
      const template = rs.spec?.template?.metadata;
      const version =
        service.version.from === 'image-tag'
          ? c?.image
            ? parseImage(c.image).tag
            : undefined
          : service.version.from === 'label'
            ? template?.labels?.[key]
            : template?.annotations?.[key];
      const revision = Number(rs.metadata?.annotations?.[REVISION]);
      return {
        ...(Number.isFinite(revision) && revision > 0 ? { revision } : {}),
        replicaSet: rs.metadata?.name ?? '',
        ...(c?.image ? { image: c.image } : {}),
        ...(version ? { version } : {}),
        ...(rs.metadata?.creationTimestamp ? { at: new Date(rs.metadata.creationTimestamp).toISOString() } : {}),
      };
    })
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.at ?? '').localeCompare(b.at ?? ''));
}

export interface StateResult {
  state: ServiceState;
  warnings: SnapshotWarning[];
}

interface Scope {
  project: string;
  environment: Environment;
  service: Service;
}

function findDeployments(index: ClusterIndex, service: Service, environment: Environment): V1Deployment[] {
  const selector = service.workload.selector ? parseLabelSelector(service.workload.selector) : undefined;
  const namespaces = environment.namespaces ?? [...index.deploymentsByNamespace.keys()];
  const found: V1Deployment[] = [];
  for (const namespace of namespaces) {
    for (const d of index.deploymentsByNamespace.get(namespace) ?? []) {
      if (service.workload.name && d.metadata?.name !== service.workload.name) continue;
      if (selector && !matchesLabelSelector(selector, d.metadata?.labels)) continue;
      found.push(d);
    }
  }
  return found.sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
}

function describeLookup(service: Service, environment: Environment): string {
  const what = [service.workload.name ? `named "${service.workload.name}"` : '', service.workload.selector ? `matching "${service.workload.selector}"` : '']
    .filter(Boolean)
    .join(' and ');
  const where = environment.namespaces ? `namespace${environment.namespaces.length > 1 ? 's' : ''} ${environment.namespaces.join(', ')}` : 'any namespace';
  return `no Deployment ${what} in ${where} of context ${environment.context}`;
}

export function serviceState(index: ClusterIndex, { project, environment, service }: Scope): StateResult {
  const scope = { project, environment: environment.name, service: service.name };
  const warnings: SnapshotWarning[] = [];
  const warn = (code: string, message: string) => warnings.push({ code, severity: 'warning', scope, message });
  const candidates = findDeployments(index, service, environment);
  if (candidates.length === 0) {
    warn('WORKLOAD_NOT_FOUND', describeLookup(service, environment));
    return { state: { repository: service.repository, status: 'not-found' }, warnings };
  }
  const deployment = candidates[0];
  if (candidates.length > 1) {
    const names = candidates.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`).join(', ');
    warn('WORKLOAD_AMBIGUOUS', `${candidates.length} Deployments match (${names}); using ${names.split(', ')[0]}. Narrow workload.name or workload.selector.`);
  }
  const meta = deployment.metadata!;
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const container = service.workload.container
    ? containers.find((c) => c.name === service.workload.container)
    : (containers.find((c) => c.name === service.name) ?? containers[0]);
  if (!container && service.workload.container) {
    warn('CONTAINER_NOT_FOUND', `Deployment ${meta.namespace}/${meta.name} has no container "${service.workload.container}" (it has ${containers.map((c) => c.name).join(', ') || 'none'})`);
  }

  const replicaSets = index.replicaSetsByOwner.get(meta.uid ?? '') ?? [];
  const revision = meta.annotations?.[REVISION];
  const current =
    replicaSets.find((rs) => revision !== undefined && rs.metadata?.annotations?.[REVISION] === revision) ??
    [...replicaSets].sort((a, b) => createdAt(b) - createdAt(a))[0];
  const pods = replicaSets.flatMap((rs) => index.podsByOwner.get(rs.metadata?.uid ?? '') ?? []);
  const currentPods = current ? (index.podsByOwner.get(current.metadata?.uid ?? '') ?? []) : [];

  const image = container?.image ? parseImage(container.image) : undefined;
  const podDigest = container
    ? currentPods.map((p) => digestFromImageId(p.status?.containerStatuses?.find((s) => s.name === container.name)?.imageID)).find(Boolean)
    : undefined;
  const digest = image?.digest ?? podDigest;

  let version: ServiceState['version'];
  const key = service.version.key ?? '';
  if (service.version.from === 'image-tag') version = image?.tag ? { value: image.tag, source: 'image-tag' } : undefined;
  else if (service.version.from === 'label') {
    const value = meta.labels?.[key] ?? deployment.spec?.template?.metadata?.labels?.[key];
    version = value ? { value, source: `label:${key}` } : undefined;
  } else {
    const value = meta.annotations?.[key] ?? deployment.spec?.template?.metadata?.annotations?.[key];
    version = value ? { value, source: `annotation:${key}` } : undefined;
  }
  if (!version && container) {
    const tried = service.version.from === 'image-tag' ? `image ${container.image} has no tag` : `no ${service.version.from} "${key}" on Deployment ${meta.namespace}/${meta.name} or its pod template`;
    warn('VERSION_NOT_FOUND', `cannot read the version: ${tried}`);
  }

  const history = revisionHistory(replicaSets, container?.name, service);
  const notReady = pods.filter((p) => !isPodReady(p));
  const currentRevision = current?.metadata?.annotations?.[REVISION];
  const state: ServiceState = {
    repository: service.repository,
    status: 'running',
    workload: { kind: 'Deployment', name: meta.name!, namespace: meta.namespace!, context: environment.context, ...(meta.generation ? { generation: meta.generation } : {}) },
    ...(container && image
      ? { container: { name: container.name, image: container.image!, repository: image.repository, ...(image.tag ? { tag: image.tag } : {}), ...(digest ? { digest } : {}) } }
      : {}),
    ...(version ? { version } : {}),
    replicas: {
      desired: deployment.spec?.replicas ?? 1,
      ready: deployment.status?.readyReplicas ?? 0,
      available: deployment.status?.availableReplicas ?? 0,
      updated: deployment.status?.updatedReplicas ?? 0,
    },
    pods: {
      total: pods.length,
      running: pods.filter((p) => p.status?.phase === 'Running').length,
      ready: pods.length - notReady.length,
      restarts: pods.reduce((sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((s, c) => s + (c.restartCount ?? 0), 0), 0),
      notReady: notReady
        .map((p) => ({ name: p.metadata?.name ?? '', phase: p.status?.phase ?? 'Unknown', reason: notReadyReason(p) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    },
    ...(current
      ? {
          rollout: {
            ...(currentRevision && Number.isFinite(Number(currentRevision)) ? { revision: Number(currentRevision) } : {}),
            replicaSet: current.metadata?.name ?? '',
            ...(current.metadata?.creationTimestamp ? { at: new Date(current.metadata.creationTimestamp).toISOString() } : {}),
            ...(history.length ? { history } : {}),
          },
        }
      : {}),
  };
  return { state, warnings };
}
