import type { V1CronJob, V1Deployment, V1DaemonSet, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { Environment, Service } from '../../config/types.js';
import type { Revision, ServiceState, Serving, SnapshotWarning } from '../../core/snapshot-schema.js';
import { createdAt, digestFromImageId, isPodReady, parseImage, type ClusterIndex, type Workload } from './cluster-index.js';
import { chooseContainer } from './containers.js';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.js';
import { WORKLOAD_KINDS, type Rollout, type WorkloadKind } from './types.js';
import { cronJobView, deploymentView, revisionedView, rolloutView, type Template, type WorkloadView } from './workload-views.js';

export { indexCluster, parseImage, type ClusterIndex, type ParsedImage } from './cluster-index.js';
export { deploymentRolloutStatus } from './workload-views.js';

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

export interface StateResult {
  state: ServiceState;
  warnings: SnapshotWarning[];
}

interface Scope {
  project: string;
  environment: Environment;
  service: Service;
}


/** The version value a pod template gives, as the service's `version.from` says. */
function templateVersion(service: Service, template: Template | undefined, containerName: string | undefined): string | undefined {
  const key = service.version.key ?? '';
  if (service.version.from === 'label') return template?.metadata?.labels?.[key];
  if (service.version.from === 'annotation') return template?.metadata?.annotations?.[key];
  const c = containerName ? template?.spec?.containers?.find((x) => x.name === containerName) : undefined;
  return c?.image ? tagOf(c.image) : undefined;
}

/** The tag of an image reference; a reference with neither tag nor digest means `latest` (as the container runtime reads it). */
function tagOf(image: string): string | undefined {
  const parsed = parseImage(image);
  return parsed.tag ?? (parsed.digest ? undefined : 'latest');
}

const appImage = (template: Template | undefined, containerName: string | undefined) => (containerName ? template?.spec?.containers?.find((x) => x.name === containerName)?.image : undefined);

const podDigest = (pod: V1Pod, containerName: string | undefined) => (containerName ? digestFromImageId(pod.status?.containerStatuses?.find((s) => s.name === containerName)?.imageID) : undefined);

/**
 * Whether a pod serves: Ready, and (when the application container is known) with a status for it
 * that names the image it runs — a pod with no container status or an empty `imageID` has not
 * started it, whatever its conditions say. A CronJob's pod serves (has run) when it succeeded or runs.
 */
function serves(view: WorkloadView, pod: V1Pod, containerName?: string): boolean {
  if (view.kind === 'CronJob' && pod.status?.phase === 'Succeeded') return true;
  if (!isPodReady(pod)) return false;
  if (!containerName) return true;
  const status = pod.status?.containerStatuses?.find((s) => s.name === containerName);
  return status !== undefined && status.imageID !== '';
}

/**
 * What serves: the serving pods of each revision (by owner reference or revision label), split by
 * the digest the application container runs (a mutable tag pulled again runs a new digest in the
 * same revision), oldest revision first. A CronJob: its last Job.
 */
function servingOf(view: WorkloadView & { roles?: Map<string, NonNullable<Serving['role']>> }, service: Service, containerName: string | undefined): Serving[] {
  const out: Serving[] = [];
  for (const r of view.lastRun ? [view.lastRun] : view.revisions) {
    const ready = r.pods.filter((p) => serves(view, p, containerName));
    if (ready.length === 0) continue;
    const groups = new Map<string, V1Pod[]>();
    for (const pod of ready) {
      const digest = podDigest(pod, containerName) ?? '';
      groups.set(digest, [...(groups.get(digest) ?? []), pod]);
    }
    const version = templateVersion(service, r.template, containerName);
    const image = appImage(r.template, containerName);
    for (const [digest, pods] of groups) {
      let first = Infinity;
      for (const p of pods) if (p.metadata?.creationTimestamp) first = Math.min(first, createdAt(p));
      const since = first < Infinity ? new Date(first).toISOString() : undefined;
      out.push({
        replicaSet: r.name,
        ...(r.revision !== undefined ? { revision: r.revision } : {}),
        ...(version ? { version } : {}),
        ...(image ? { image } : {}),
        ...(digest ? { digest } : {}),
        ready: pods.length,
        ...(since ? { since } : {}),
        ...(view.roles?.get(r.name) ? { role: view.roles.get(r.name) } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.since ?? '').localeCompare(b.since ?? ''));
}

/** The revisions Kubernetes keeps (ReplicaSets, ControllerRevisions, or a CronJob's Jobs by version), oldest first. */
function revisionHistory(view: WorkloadView, containerName: string | undefined, service: Service): Revision[] {
  return view.revisions
    .map((r): Revision => {
      const image = appImage(r.template, containerName);
      const version = templateVersion(service, r.template, containerName);
      return { ...(r.revision !== undefined ? { revision: r.revision } : {}), replicaSet: r.name, ...(image ? { image } : {}), ...(version ? { version } : {}), ...(r.createdAt ? { at: r.createdAt } : {}) };
    })
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.at ?? '').localeCompare(b.at ?? ''));
}

/**
 * The workloads a service's config points at: of its `workload.kind`, or, when it names none, the
 * Deployments, and failing those the first other kind (StatefulSet, DaemonSet, CronJob) with a match
 * among the kinds that were read.
 */
function findWorkloads(index: ClusterIndex, service: Service, environment: Environment): { kind: WorkloadKind; found: Workload[] } {
  const selector = service.workload.selector ? parseLabelSelector(service.workload.selector) : undefined;
  const kinds = service.workload.kind ? [service.workload.kind] : WORKLOAD_KINDS.filter((k) => index.read.has(k));
  for (const kind of kinds) {
    const byNamespace = index.workloads.get(kind) ?? new Map<string, Workload[]>();
    const namespaces = environment.namespaces ?? [...byNamespace.keys()];
    const found: Workload[] = [];
    for (const namespace of namespaces) {
      if (service.workload.name) {
        // By name: one map read per namespace.
        const w = index.byName.get(kind)?.get(`${namespace}/${service.workload.name}`);
        if (w && (!selector || matchesLabelSelector(selector, w.metadata?.labels))) found.push(w);
        continue;
      }
      for (const w of byNamespace.get(namespace) ?? []) {
        if (selector && !matchesLabelSelector(selector, w.metadata?.labels)) continue;
        found.push(w);
      }
    }
    if (found.length === 0) continue;
    found.sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
    // A Deployment kept at 0 replicas whose template a Rollout uses (spec.workloadRef): the Rollout runs it.
    if (kind === 'Deployment' && !service.workload.kind) {
      const rollouts = [...(index.workloads.get('Rollout')?.values() ?? [])].flat() as Rollout[];
      const owner = found.map((d) => rollouts.find((ro) => ro.metadata?.namespace === d.metadata?.namespace && ro.spec?.workloadRef?.name === d.metadata?.name)).find(Boolean);
      if (owner) return { kind: 'Rollout', found: [owner] };
    }
    return { kind, found };
  }
  return { kind: kinds[0] ?? 'Deployment', found: [] };
}

/** Whether the service's workload may be of a kind that was not read yet (its config names no kind, and no Deployment matched). */
export function needsOtherKinds(index: ClusterIndex, service: Service, environment: Environment): boolean {
  if (service.workload.kind || WORKLOAD_KINDS.every((k) => index.read.has(k))) return false;
  const { kind, found } = findWorkloads(index, service, environment);
  // Not found, or a Deployment at 0 replicas that an unread Rollout may run (spec.workloadRef).
  return found.length === 0 || (kind === 'Deployment' && !index.read.has('Rollout') && found.every((d) => (d as V1Deployment).spec?.replicas === 0));
}

function describeLookup(service: Service, environment: Environment, index: ClusterIndex): string {
  const what = [service.workload.name ? `named "${service.workload.name}"` : '', service.workload.selector ? `matching "${service.workload.selector}"` : '']
    .filter(Boolean)
    .join(' and ');
  const where = environment.namespaces ? `namespace${environment.namespaces.length > 1 ? 's' : ''} ${environment.namespaces.join(', ')}` : 'any namespace';
  const kinds = service.workload.kind ? [service.workload.kind] : WORKLOAD_KINDS.filter((k) => index.read.has(k));
  return `no ${kinds.join(', ').replace(/, ([^,]*)$/, ' or $1')} ${what} in ${where} of context ${environment.context}`;
}

/** "1.0.0 (2 pods)", for messages. */
const describeServing = (serving: readonly Serving[]) =>
  serving.map((s) => `${s.version ?? s.image ?? s.replicaSet}${s.digest && serving.filter((x) => x.version === s.version).length > 1 ? ` ${s.digest.slice(7, 19)}` : ''} (${s.ready} pod${s.ready === 1 ? '' : 's'})`).join(', ');

export function serviceState(index: ClusterIndex, { project, environment, service }: Scope): StateResult {
  const scope = { project, environment: environment.name, service: service.name };
  const warnings: SnapshotWarning[] = [];
  const warn = (code: string, message: string, severity: SnapshotWarning['severity'] = 'warning') => warnings.push({ code, severity, scope, message });
  const { kind, found } = findWorkloads(index, service, environment);
  if (found.length === 0) {
    warn('WORKLOAD_NOT_FOUND', describeLookup(service, environment, index));
    return { state: { repository: service.repository, status: 'not-found' }, warnings };
  }
  if (found.length > 1) {
    const names = found.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`).join(', ');
    warn('WORKLOAD_AMBIGUOUS', `${found.length} ${kind}s match (${names}); using ${names.split(', ')[0]}. Narrow workload.name or workload.selector.`);
  }
  const workload = found[0];
  const meta = workload.metadata!;
  const rolloutView_ = kind === 'Rollout' ? rolloutView(workload as Rollout, index) : undefined;
  const kindTemplate = kind === 'CronJob' ? (workload as V1CronJob).spec?.jobTemplate?.spec?.template : kind === 'Rollout' ? rolloutView_!.template : (workload as V1Deployment).spec?.template;
  const containers = kindTemplate?.spec?.containers ?? [];
  const choice = chooseContainer(containers, service, `${kind} ${meta.namespace}/${meta.name}`);
  if (choice.problem) warn(choice.problem.code, choice.problem.message);
  const container = choice.container;
  const versionOf = (t: Template | undefined) => templateVersion(service, t, container?.name);
  const view =
    kind === 'Deployment'
      ? deploymentView(workload as V1Deployment, index)
      : kind === 'Rollout'
        ? rolloutView_!
        : kind === 'CronJob'
          ? cronJobView(workload as V1CronJob, index, versionOf)
          : revisionedView(kind, workload as V1StatefulSet | V1DaemonSet, index);
  const pods = view.lastRun ? view.lastRun.pods : view.revisions.flatMap((r) => r.pods);
  const currentPods = view.current?.pods ?? [];

  const image = container?.image ? parseImage(container.image) : undefined;
  // The digest of the desired image: from its reference, else from the newest serving pods of the current revision.
  const newestFirst = [...currentPods].sort((a, b) => createdAt(b) - createdAt(a));
  const runningDigest = container
    ? (newestFirst.filter((p) => serves(view, p, container.name)).map((p) => podDigest(p, container.name)).find(Boolean) ?? newestFirst.map((p) => podDigest(p, container.name)).find(Boolean))
    : undefined;
  const digest = image?.digest ?? runningDigest;

  let version: ServiceState['version'];
  const key = service.version.key ?? '';
  if (service.version.from === 'image-tag') {
    const tag = container?.image ? tagOf(container.image) : undefined;
    version = tag ? { value: tag, source: 'image-tag' } : undefined;
  }
  else if (service.version.from === 'label') {
    const value = meta.labels?.[key] ?? kindTemplate?.metadata?.labels?.[key];
    version = value ? { value, source: `label:${key}` } : undefined;
  } else {
    const value = meta.annotations?.[key] ?? kindTemplate?.metadata?.annotations?.[key];
    version = value ? { value, source: `annotation:${key}` } : undefined;
  }
  if (!version && container) {
    const tried = service.version.from === 'image-tag' ? `image ${container.image} has no tag${image?.digest ? ' (it is pinned by digest only)' : ''}` : `no ${service.version.from} "${key}" on ${kind} ${meta.namespace}/${meta.name} or its pod template`;
    warn('VERSION_NOT_FOUND', `cannot read the version: ${tried}`);
  }

  const history = revisionHistory(view, container?.name, service);
  const notReady = pods.filter((p) => !serves(view, p, container?.name));
  const serving = servingOf(view, service, container?.name);
  const { rolloutStatus } = view;
  const desired = view.replicas.desired;
  const want = version?.value ?? container?.image ?? 'the desired version';
  const name = `${kind} ${meta.namespace}/${meta.name}`;
  if (rolloutStatus.state === 'scaled-to-zero') {
    const underRollout = kind === 'Deployment' && service.workload.kind === 'Deployment' ? '. If an Argo Rollout runs its template (spec.workloadRef), set workload.kind: Rollout, or leave workload.kind out and snap finds it' : '';
    warn('SCALED_TO_ZERO', `${name} ${kind === 'DaemonSet' ? 'runs on no node' : 'is scaled to 0 replicas'}: nothing serves, so ${want} counts as not deployed here (no tickets, no drift) until it is scaled up${underRollout}`);
  } else if (rolloutStatus.state === 'stalled') {
    // Argo Rollouts' message repeats its reason ("RolloutAborted: …"): say it once.
    const message = rolloutStatus.reason && rolloutStatus.message?.startsWith(`${rolloutStatus.reason}: `) ? rolloutStatus.message.slice(rolloutStatus.reason.length + 2) : rolloutStatus.message;
    const why = [rolloutStatus.reason, message].filter(Boolean).join(': ');
    warn('ROLLOUT_STALLED', `the rollout of ${want} is stalled${why ? ` (${why})` : ''}; ${serving.length ? `serving: ${describeServing(serving)}` : 'nothing serves: no pod is ready'}`);
  } else if (serving.length === 0 && !(kind === 'CronJob' && rolloutStatus.reason === 'NotRunYet')) {
    warn('NOTHING_SERVING', `no pod of ${name} is ready (${desired} desired): nothing serves${notReady.length ? `; ${notReady.length} not ready: ${[...new Set(notReady.map((p) => notReadyReason(p, container?.name)))].join(', ')}` : ''}`);
  } else if (rolloutStatus.state === 'paused') {
    warn('ROLLOUT_PAUSED', `the rollout of ${name} is paused${rolloutStatus.message ? ` (${rolloutStatus.message})` : ''}; serving: ${describeServing(serving)}`, 'info');
  }
  const current = view.current;
  const app = index.applications.get(`${kind}/${meta.namespace}/${meta.name}`);
  const argocd = app
    ? {
        application: `${app.metadata?.namespace ?? ''}/${app.metadata?.name ?? ''}`,
        ...(app.spec?.source?.repoURL ? { repoURL: app.spec.source.repoURL } : {}),
        ...(app.spec?.source?.path ? { path: app.spec.source.path } : {}),
        ...(app.spec?.source?.targetRevision ? { targetRevision: app.spec.source.targetRevision } : {}),
        sync: app.status?.sync?.status ?? 'Unknown',
        ...(app.status?.sync?.revision ? { revision: app.status.sync.revision } : {}),
        ...(app.status?.health?.status ? { health: app.status.health.status } : {}),
        ...(app.status?.conditions?.[0]?.message || app.status?.operationState?.message ? { message: app.status?.conditions?.[0]?.message ?? app.status?.operationState?.message } : {}),
      }
    : undefined;
  if (argocd && argocd.sync !== 'Synced') {
    warn('ARGOCD_OUT_OF_SYNC', `Argo CD Application ${argocd.application} is ${argocd.sync}${argocd.targetRevision ? ` with ${argocd.targetRevision}` : ''}${argocd.revision ? ` (last synced ${argocd.revision.slice(0, 12)})` : ''}: what runs may not be what git says${argocd.message ? `; ${argocd.message}` : ''}`);
  } else if (argocd && argocd.health && argocd.health !== 'Healthy') {
    warn('ARGOCD_UNHEALTHY', `Argo CD Application ${argocd.application} is ${argocd.health}${argocd.message ? `: ${argocd.message}` : ''}`, 'info');
  }
  const state: ServiceState = {
    repository: service.repository,
    status: 'running',
    workload: { kind, name: meta.name!, namespace: meta.namespace!, context: environment.context, ...(meta.generation ? { generation: meta.generation } : {}) },
    ...(container && image
      ? { container: { name: container.name, image: container.image!, repository: image.repository, ...(image.tag ? { tag: image.tag } : {}), ...(digest ? { digest } : {}) } }
      : {}),
    ...(version ? { version } : {}),
    serving,
    rolloutStatus,
    ...(argocd ? { argocd } : {}),
    replicas: view.replicas,
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
            ...(current.revision !== undefined ? { revision: current.revision } : {}),
            replicaSet: current.name,
            ...(current.createdAt ? { at: current.createdAt } : {}),
            ...(history.length ? { history } : {}),
          },
        }
      : {}),
  };
  return { state, warnings };
}
