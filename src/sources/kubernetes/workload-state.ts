import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Environment, Service } from '../../config/types.js';
import type { Revision, ServiceState, Serving, SnapshotWarning } from '../../core/snapshot-schema.js';
import { chooseContainer } from './containers.js';
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

/**
 * Why a pod is not ready, in the words the kubelet uses: the waiting or terminated reason of a
 * container (the application's first), else that the image is not pulled yet (an empty `imageID`)
 * or that no container has started yet (no `containerStatuses`, e.g. just scheduled), else the
 * pod's reason, its Ready condition's reason or its phase.
 */
export function notReadyReason(pod: V1Pod, app?: string): string {
  const statuses = [...(pod.status?.containerStatuses ?? [])].sort((a, b) => Number(b.name === app) - Number(a.name === app));
  for (const status of statuses) {
    if (status.state?.waiting?.reason) return status.state.waiting.reason;
    if (status.state?.terminated?.reason) return status.state.terminated.reason;
  }
  if (statuses.length === 0) return `no container has started yet (${pod.status?.reason ?? pod.status?.phase ?? 'Pending'})`;
  if (statuses.some((s) => s.imageID === '')) return 'image not pulled yet (empty imageID)';
  const condition = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
  return pod.status?.reason ?? condition?.reason ?? pod.status?.phase ?? 'Unknown';
}

/** The revisions Kubernetes keeps for a Deployment (one ReplicaSet each), oldest first. */
function revisionHistory(replicaSets: V1ReplicaSet[], containerName: string | undefined, service: Service): Revision[] {
  const key = service.version.key ?? '';
  return replicaSets
    .map((rs): Revision => {
      const containers = rs.spec?.template?.spec?.containers ?? [];
      const c = containerName ? containers.find((x) => x.name === containerName) : undefined;
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

type Template = V1ReplicaSet['spec'] extends infer S ? (S extends { template?: infer T } ? T : never) : never;

/** The version value a pod template gives, as the service's `version.from` says. */
function templateVersion(service: Service, template: Template | undefined, containerName: string | undefined): string | undefined {
  const key = service.version.key ?? '';
  if (service.version.from === 'label') return template?.metadata?.labels?.[key];
  if (service.version.from === 'annotation') return template?.metadata?.annotations?.[key];
  const c = containerName ? template?.spec?.containers?.find((x) => x.name === containerName) : undefined;
  return c?.image ? parseImage(c.image).tag : undefined;
}

const appImage = (template: Template | undefined, containerName: string | undefined) =>
  containerName ? template?.spec?.containers?.find((x) => x.name === containerName)?.image : undefined;

const podDigest = (pod: V1Pod, containerName: string | undefined) =>
  containerName ? digestFromImageId(pod.status?.containerStatuses?.find((s) => s.name === containerName)?.imageID) : undefined;

/**
 * What serves: the ready pods of each ReplicaSet (by owner reference), split by the digest the
 * application container runs (a mutable tag pulled again runs a new digest in the same
 * ReplicaSet), oldest revision first.
 */
function servingOf(replicaSets: V1ReplicaSet[], index: ClusterIndex, service: Service, containerName: string | undefined): Serving[] {
  const out: Serving[] = [];
  for (const rs of replicaSets) {
    const ready = (index.podsByOwner.get(rs.metadata?.uid ?? '') ?? []).filter(isPodReady);
    if (ready.length === 0) continue;
    const groups = new Map<string, V1Pod[]>();
    for (const pod of ready) {
      const digest = podDigest(pod, containerName) ?? '';
      groups.set(digest, [...(groups.get(digest) ?? []), pod]);
    }
    const revision = Number(rs.metadata?.annotations?.[REVISION]);
    const version = templateVersion(service, rs.spec?.template, containerName);
    const image = appImage(rs.spec?.template, containerName);
    for (const [digest, pods] of groups) {
      const since = pods.map((p) => (p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).toISOString() : '')).filter(Boolean).sort()[0];
      out.push({
        replicaSet: rs.metadata?.name ?? '',
        ...(Number.isFinite(revision) && revision > 0 ? { revision } : {}),
        ...(version ? { version } : {}),
        ...(image ? { image } : {}),
        ...(digest ? { digest } : {}),
        ready: pods.length,
        ...(since ? { since } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.since ?? '').localeCompare(b.since ?? ''));
}

type RolloutStatus = NonNullable<ServiceState['rolloutStatus']>;

/**
 * The rollout state of a Deployment, from its spec and status as the Deployment controller keeps
 * them (Kubernetes docs, "Deployments" → Deployment status): 0 replicas desired is scaled-to-zero;
 * `spec.paused` is paused; a Progressing condition that is False (ProgressDeadlineExceeded) or a
 * ReplicaFailure that is True is stalled; complete when the controller has seen the spec
 * (observedGeneration), no pod of an older ReplicaSet is left, and either Progressing says
 * NewReplicaSetAvailable or, without conditions, the current ReplicaSet has every replica;
 * otherwise progressing.
 */
export function deploymentRolloutStatus(deployment: V1Deployment, oldPods: number, currentPods: number): RolloutStatus {
  const desired = deployment.spec?.replicas ?? 1;
  if (desired === 0) return { state: 'scaled-to-zero' };
  const conditions = deployment.status?.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const failure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const why = (c: { reason?: string; message?: string } | undefined) => ({ ...(c?.reason ? { reason: c.reason } : {}), ...(c?.message ? { message: c.message } : {}) });
  if (deployment.spec?.paused) return { state: 'paused', ...why(progressing?.reason === 'DeploymentPaused' ? progressing : undefined) };
  if (progressing?.status === 'False') return { state: 'stalled', ...why(progressing) };
  if (failure) return { state: 'stalled', ...why(failure) };
  const seen = (deployment.status?.observedGeneration ?? deployment.metadata?.generation ?? 0) >= (deployment.metadata?.generation ?? 0);
  const finished = progressing ? progressing.reason === 'NewReplicaSetAvailable' : currentPods >= desired;
  if (seen && oldPods === 0 && finished) return { state: 'complete' };
  return { state: 'progressing', ...why(progressing?.reason === 'NewReplicaSetAvailable' ? undefined : progressing) };
}

/** "1.0.0 (2 pods)", for messages. */
const describeServing = (serving: readonly Serving[]) =>
  serving.map((s) => `${s.version ?? s.image ?? s.replicaSet}${s.digest && serving.filter((x) => x.version === s.version).length > 1 ? ` ${s.digest.slice(7, 19)}` : ''} (${s.ready} pod${s.ready === 1 ? '' : 's'})`).join(', ');

export function serviceState(index: ClusterIndex, { project, environment, service }: Scope): StateResult {
  const scope = { project, environment: environment.name, service: service.name };
  const warnings: SnapshotWarning[] = [];
  const warn = (code: string, message: string, severity: SnapshotWarning['severity'] = 'warning') => warnings.push({ code, severity, scope, message });
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
  const choice = chooseContainer(containers, service, `Deployment ${meta.namespace}/${meta.name}`);
  if (choice.problem) warn(choice.problem.code, choice.problem.message);
  const container = choice.container;

  const replicaSets = index.replicaSetsByOwner.get(meta.uid ?? '') ?? [];
  const revision = meta.annotations?.[REVISION];
  const current =
    replicaSets.find((rs) => revision !== undefined && rs.metadata?.annotations?.[REVISION] === revision) ??
    [...replicaSets].sort((a, b) => createdAt(b) - createdAt(a))[0];
  const pods = replicaSets.flatMap((rs) => index.podsByOwner.get(rs.metadata?.uid ?? '') ?? []);
  const currentPods = current ? (index.podsByOwner.get(current.metadata?.uid ?? '') ?? []) : [];

  const image = container?.image ? parseImage(container.image) : undefined;
  // The digest of the desired image: from its reference, else from the newest ready pods of the current ReplicaSet.
  const newestFirst = [...currentPods].sort((a, b) => createdAt(b) - createdAt(a));
  const runningDigest = container
    ? (newestFirst.filter(isPodReady).map((p) => podDigest(p, container.name)).find(Boolean) ?? newestFirst.map((p) => podDigest(p, container.name)).find(Boolean))
    : undefined;
  const digest = image?.digest ?? runningDigest;

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
    const tried = service.version.from === 'image-tag' ? `image ${container.image} has no tag${image?.digest ? ' (it is pinned by digest only)' : ''}` : `no ${service.version.from} "${key}" on Deployment ${meta.namespace}/${meta.name} or its pod template`;
    warn('VERSION_NOT_FOUND', `cannot read the version: ${tried}`);
  }

  const history = revisionHistory(replicaSets, container?.name, service);
  const notReady = pods.filter((p) => !isPodReady(p));
  const currentRevision = current?.metadata?.annotations?.[REVISION];
  const serving = servingOf(replicaSets, index, service, container?.name);
  const rolloutStatus = deploymentRolloutStatus(deployment, pods.length - currentPods.length, currentPods.length);
  const desired = deployment.spec?.replicas ?? 1;
  const want = version?.value ?? container?.image ?? 'the desired version';
  if (rolloutStatus.state === 'scaled-to-zero') {
    warn('SCALED_TO_ZERO', `${meta.namespace}/${meta.name} is scaled to 0 replicas: nothing serves, so ${want} counts as not deployed here (no tickets, no drift) until it is scaled up`);
  } else if (rolloutStatus.state === 'stalled') {
    const why = [rolloutStatus.reason, rolloutStatus.message].filter(Boolean).join(': ');
    warn('ROLLOUT_STALLED', `the rollout of ${want} is stalled${why ? ` (${why})` : ''}; ${serving.length ? `serving: ${describeServing(serving)}` : 'nothing serves: no pod is ready'}`);
  } else if (serving.length === 0) {
    warn('NOTHING_SERVING', `no pod of ${meta.namespace}/${meta.name} is ready (${desired} desired): nothing serves${notReady.length ? `; ${notReady.length} not ready: ${[...new Set(notReady.map((p) => notReadyReason(p, container?.name)))].join(', ')}` : ''}`);
  } else if (rolloutStatus.state === 'paused') {
    warn('ROLLOUT_PAUSED', `the rollout of ${meta.namespace}/${meta.name} is paused; serving: ${describeServing(serving)}`, 'info');
  }
  const state: ServiceState = {
    repository: service.repository,
    status: 'running',
    workload: { kind: 'Deployment', name: meta.name!, namespace: meta.namespace!, context: environment.context, ...(meta.generation ? { generation: meta.generation } : {}) },
    ...(container && image
      ? { container: { name: container.name, image: container.image!, repository: image.repository, ...(image.tag ? { tag: image.tag } : {}), ...(digest ? { digest } : {}) } }
      : {}),
    ...(version ? { version } : {}),
    serving,
    rolloutStatus,
    replicas: {
      desired,
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
        .map((p) => ({ name: p.metadata?.name ?? '', phase: p.status?.phase ?? 'Unknown', reason: notReadyReason(p, container?.name) }))
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
