import type { V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1ObjectMeta, V1Pod, V1PodTemplateSpec, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { Environment, Service } from '../../config/types.js';
import type { Revision, ServiceState, Serving, SnapshotWarning } from '../../core/snapshot-schema.js';
import { chooseContainer } from './containers.js';
import { matchesLabelSelector, parseLabelSelector } from './label-selector.js';
import type { ClusterObjects } from './read-cluster.js';
import { WORKLOAD_KINDS, type Application, type Rollout, type WorkloadKind } from './types.js';

const REVISION = 'deployment.kubernetes.io/revision';

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet | V1CronJob | Rollout;

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

export interface StateResult {
  state: ServiceState;
  warnings: SnapshotWarning[];
}

interface Scope {
  project: string;
  environment: Environment;
  service: Service;
}

type Template = V1PodTemplateSpec;
type RolloutStatus = NonNullable<ServiceState['rolloutStatus']>;

/** One revision of a workload: a ReplicaSet, a ControllerRevision or (for a CronJob) a Job, with its pods. */
interface RevisionView {
  name: string;
  revision?: number;
  template?: Template;
  createdAt?: string;
  pods: V1Pod[];
}

/** A workload of any kind, seen the same way: its template, its revisions and pods, its rollout state. */
interface WorkloadView {
  kind: WorkloadKind;
  meta: V1ObjectMeta;
  template?: Template;
  revisions: RevisionView[];
  /** The revision of the template; undefined when it has none yet (a CronJob whose template has not run). */
  current?: RevisionView;
  replicas: { desired: number; ready: number; available: number; updated: number };
  rolloutStatus: RolloutStatus;
  /** CronJob: its last Job stands for what runs; pods that succeeded or run count as serving. */
  lastRun?: RevisionView;
}

const iso = (t: Date | string | undefined) => (t ? new Date(t).toISOString() : undefined);
const seenSpec = (meta: V1ObjectMeta, observed: number | undefined) => (observed ?? meta.generation ?? 0) >= (meta.generation ?? 0);

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
  const finished = progressing ? progressing.reason === 'NewReplicaSetAvailable' : currentPods >= desired;
  if (seenSpec(deployment.metadata ?? {}, deployment.status?.observedGeneration) && oldPods === 0 && finished) return { state: 'complete' };
  return { state: 'progressing', ...why(progressing?.reason === 'NewReplicaSetAvailable' ? undefined : progressing) };
}

function deploymentView(d: V1Deployment, index: ClusterIndex): WorkloadView {
  const meta = d.metadata ?? {};
  const replicaSets = index.replicaSets.get(meta.uid ?? '') ?? [];
  const wanted = meta.annotations?.[REVISION];
  const currentRs = replicaSets.find((rs) => wanted !== undefined && rs.metadata?.annotations?.[REVISION] === wanted) ?? [...replicaSets].sort((a, b) => createdAt(b) - createdAt(a))[0];
  const revisions = replicaSets.map((rs): RevisionView => {
    const n = Number(rs.metadata?.annotations?.[REVISION]);
    return { name: rs.metadata?.name ?? '', ...(Number.isFinite(n) && n > 0 ? { revision: n } : {}), template: rs.spec?.template, createdAt: iso(rs.metadata?.creationTimestamp), pods: index.pods.get(rs.metadata?.uid ?? '') ?? [] };
  });
  const current = currentRs ? revisions[replicaSets.indexOf(currentRs)] : undefined;
  const all = revisions.reduce((n, r) => n + r.pods.length, 0);
  return {
    kind: 'Deployment',
    meta,
    template: d.spec?.template,
    revisions,
    current,
    replicas: { desired: d.spec?.replicas ?? 1, ready: d.status?.readyReplicas ?? 0, available: d.status?.availableReplicas ?? 0, updated: d.status?.updatedReplicas ?? 0 },
    rolloutStatus: deploymentRolloutStatus(d, all - (current?.pods.length ?? 0), current?.pods.length ?? 0),
  };
}

/**
 * A StatefulSet or DaemonSet: its ControllerRevisions (`revision`, `data.spec.template`), and its
 * pods by their `controller-revision-hash` label (a StatefulSet's pods carry the revision's name, a
 * DaemonSet's its hash). The state (Kubernetes docs, "StatefulSets" → rolling updates; "Perform a
 * Rolling Update on a DaemonSet"): 0 replicas (a DaemonSet: no node scheduled) is scaled-to-zero;
 * complete when the controller has seen the spec and every pod is of the update revision
 * (StatefulSet: currentRevision = updateRevision and updatedReplicas = replicas; DaemonSet:
 * updatedNumberScheduled = numberAvailable = desiredNumberScheduled); else progressing. These kinds
 * have no progress deadline, so no condition says stalled.
 */
function revisionedView(kind: 'StatefulSet' | 'DaemonSet', w: V1StatefulSet | V1DaemonSet, index: ClusterIndex): WorkloadView {
  const meta = w.metadata ?? {};
  const owned = (index.revisions.get(meta.uid ?? '') ?? []) as (V1ControllerRevision & { data?: { spec?: { template?: Template } } })[];
  const pods = index.pods.get(meta.uid ?? '') ?? [];
  const hashOf = (cr: V1ControllerRevision) => cr.metadata?.labels?.['controller-revision-hash'] ?? cr.metadata?.name?.slice((meta.name ?? '').length + 1) ?? '';
  const revisions = owned.map((cr): RevisionView => {
    const name = cr.metadata?.name ?? '';
    const hash = hashOf(cr);
    return {
      name,
      ...(cr.revision ? { revision: Number(cr.revision) } : {}),
      template: cr.data?.spec?.template,
      createdAt: iso(cr.metadata?.creationTimestamp),
      pods: pods.filter((p) => {
        const label = p.metadata?.labels?.['controller-revision-hash'];
        return label === name || label === hash;
      }),
    };
  });
  const newest = [...revisions].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  if (kind === 'StatefulSet') {
    const sts = w as V1StatefulSet;
    const current = revisions.find((r) => r.name === sts.status?.updateRevision) ?? newest;
    const desired = sts.spec?.replicas ?? 1;
    const others = pods.length - (current?.pods.length ?? 0);
    const done = seenSpec(meta, sts.status?.observedGeneration) && others === 0 && (sts.status?.currentRevision ?? current?.name) === (sts.status?.updateRevision ?? current?.name) && (sts.status?.updatedReplicas ?? current?.pods.length ?? 0) >= desired;
    return {
      kind,
      meta,
      template: sts.spec?.template,
      revisions,
      current,
      replicas: { desired, ready: sts.status?.readyReplicas ?? 0, available: sts.status?.availableReplicas ?? 0, updated: sts.status?.updatedReplicas ?? 0 },
      rolloutStatus: desired === 0 ? { state: 'scaled-to-zero' } : done ? { state: 'complete' } : { state: 'progressing', ...(sts.status?.updateRevision ? { message: `${sts.status.updatedReplicas ?? 0} of ${desired} pods are of revision ${sts.status.updateRevision}` } : {}) },
    };
  }
  const ds = w as V1DaemonSet;
  const current = newest;
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const updated = ds.status?.updatedNumberScheduled ?? 0;
  const done = seenSpec(meta, ds.status?.observedGeneration) && updated >= desired && (ds.status?.numberAvailable ?? 0) >= desired && pods.length === (current?.pods.length ?? 0);
  return {
    kind,
    meta,
    template: ds.spec?.template,
    revisions,
    current,
    replicas: { desired, ready: ds.status?.numberReady ?? 0, available: ds.status?.numberAvailable ?? 0, updated },
    rolloutStatus: desired === 0 ? { state: 'scaled-to-zero', message: 'no node is scheduled to run it' } : done ? { state: 'complete' } : { state: 'progressing', message: `${updated} of ${desired} nodes run the updated pod` },
  };
}

/**
 * A CronJob: its template (`spec.jobTemplate`) is what is desired; the Jobs it owns (kept per
 * successfulJobsHistoryLimit / failedJobsHistoryLimit) are its runs, and the last one stands for
 * what runs (Kubernetes docs, "CronJob"). suspend is paused; no Job yet, or a last Job of another
 * version than the template, is progressing (the next scheduled run uses the template); a last Job
 * that failed (its Failed condition, e.g. BackoffLimitExceeded) is stalled, and what runs is then the
 * newest Job that succeeded; else complete.
 */
function cronJobView(cj: V1CronJob, index: ClusterIndex, versionOf: (t: Template | undefined) => string | undefined): WorkloadView {
  const meta = cj.metadata ?? {};
  const jobs = [...(index.jobs.get(meta.uid ?? '') ?? [])].sort((a, b) => createdAt(a) - createdAt(b));
  const runs = jobs.map((job): RevisionView => ({ name: job.metadata?.name ?? '', template: job.spec?.template, createdAt: iso(job.status?.startTime ?? job.metadata?.creationTimestamp), pods: index.pods.get(job.metadata?.uid ?? '') ?? [] }));
  const template = cj.spec?.jobTemplate?.spec?.template;
  const wanted = versionOf(template);
  const lastJob = jobs[jobs.length - 1];
  const lastRun = runs[runs.length - 1];
  // What runs: the newest Job that ran (succeeded, or runs); a failed last Job leaves the one before.
  const ran = [...runs].reverse().find((r) => r.pods.some((p) => p.status?.phase === 'Succeeded' || isPodReady(p))) ?? lastRun;
  // The first run of the template's version since it last changed: when it reached the schedule.
  let firstOfCurrent: RevisionView | undefined;
  for (let i = runs.length - 1; i >= 0 && versionOf(runs[i].template) === wanted; i--) firstOfCurrent = runs[i];
  const failed = lastJob?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  const rolloutStatus: RolloutStatus = cj.spec?.suspend
    ? { state: 'paused', reason: 'Suspended', message: 'spec.suspend is true: no Job is scheduled' }
    : !lastRun
      ? { state: 'progressing', reason: 'NotRunYet', message: 'no Job has run yet' }
      : failed
        ? { state: 'stalled', ...(failed.reason ? { reason: failed.reason } : {}), message: `the last Job ${lastRun.name} failed${failed.message ? `: ${failed.message}` : ''}` }
        : versionOf(lastRun.template) !== wanted
          ? { state: 'progressing', reason: 'NextRun', message: `the last Job ${lastRun.name} ran an earlier version; the next scheduled run uses the template` }
          : { state: 'complete' };
  const succeeded = lastJob?.status?.succeeded ?? 0;
  return {
    kind: 'CronJob',
    meta,
    template,
    // One entry per change of version, in the order they ran.
    revisions: runs.filter((r, i) => i === 0 || versionOf(r.template) !== versionOf(runs[i - 1].template)),
    current: firstOfCurrent,
    replicas: { desired: 1, ready: succeeded > 0 ? 1 : 0, available: succeeded > 0 ? 1 : 0, updated: firstOfCurrent ? 1 : 0 },
    rolloutStatus,
    ...(ran ? { lastRun: ran } : {}),
  };
}

const ROLLOUT_REVISION = 'rollout.argoproj.io/revision';
const ROLLOUT_HASH = 'rollouts-pod-template-hash';

/**
 * An Argo Rollouts Rollout: its ReplicaSets (owned by the Rollout, `rollout.argoproj.io/revision`),
 * its template (inline, or the Deployment `spec.workloadRef` names), and its state from
 * `status.phase` (argo-rollouts types.go: Healthy is complete, Progressing, Paused with its pause
 * reason, Degraded is stalled with the Progressing condition's reason, e.g. RolloutAborted or
 * ProgressDeadlineExceeded), the canary step and weight, and which ReplicaSet is stable, canary,
 * active or preview (by pod-template hash).
 */
function rolloutView(ro: Rollout, index: ClusterIndex): WorkloadView & { roles: Map<string, NonNullable<Serving['role']>> } {
  const meta = ro.metadata ?? {};
  const replicaSets = index.replicaSets.get(meta.uid ?? '') ?? [];
  const hashOf = (rs: V1ReplicaSet) => rs.metadata?.labels?.[ROLLOUT_HASH] ?? '';
  const revisions = replicaSets.map((rs): RevisionView => {
    const n = Number(rs.metadata?.annotations?.[ROLLOUT_REVISION]);
    return { name: rs.metadata?.name ?? '', ...(Number.isFinite(n) && n > 0 ? { revision: n } : {}), template: rs.spec?.template, createdAt: iso(rs.metadata?.creationTimestamp), pods: index.pods.get(rs.metadata?.uid ?? '') ?? [] };
  });
  const st = ro.status ?? {};
  const currentRs = replicaSets.find((rs) => hashOf(rs) === st.currentPodHash) ?? [...replicaSets].sort((a, b) => createdAt(b) - createdAt(a))[0];
  const current = currentRs ? revisions[replicaSets.indexOf(currentRs)] : undefined;
  const ref = ro.spec?.workloadRef;
  const refDeployment = ref?.name ? ((index.workloads.get('Deployment')?.get(meta.namespace ?? '') ?? []) as V1Deployment[]).find((d) => d.metadata?.name === ref.name) : undefined;
  const template = ro.spec?.template ?? refDeployment?.spec?.template;
  const blueGreen = ro.spec?.strategy?.blueGreen !== undefined;
  const roles = new Map<string, NonNullable<Serving['role']>>();
  for (const rs of replicaSets) {
    const hash = hashOf(rs);
    const name = rs.metadata?.name ?? '';
    if (blueGreen) {
      if (hash === st.blueGreen?.activeSelector) roles.set(name, 'active');
      else if (hash === st.blueGreen?.previewSelector) roles.set(name, 'preview');
    } else if (hash === st.stableRS) roles.set(name, 'stable');
    else if (hash === st.currentPodHash) roles.set(name, 'canary');
  }
  const steps = ro.spec?.strategy?.canary?.steps?.length ?? 0;
  const strategy = blueGreen ? ('blueGreen' as const) : ('canary' as const);
  const step = !blueGreen && steps > 0 && st.currentStepIndex !== undefined ? { index: st.currentStepIndex, total: steps, ...(st.canary?.weights?.canary?.weight !== undefined ? { weight: st.canary.weights.canary.weight } : {}) } : undefined;
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  const desired = ro.spec?.replicas ?? 1;
  const base = { strategy, ...(step ? { step } : {}) };
  const rolloutStatus: RolloutStatus =
    desired === 0
      ? { state: 'scaled-to-zero', ...base }
      : st.abort || st.phase === 'Degraded'
        ? { state: 'stalled', reason: st.abort ? 'RolloutAborted' : (progressing?.reason ?? 'Degraded'), ...(st.message || progressing?.message ? { message: st.message || progressing?.message } : {}), ...base }
        : st.phase === 'Paused' || ro.spec?.paused
          ? { state: 'paused', ...(st.pauseConditions?.[0]?.reason ? { reason: st.pauseConditions[0].reason } : {}), ...(st.message ? { message: st.message } : {}), ...base }
          : st.phase === 'Healthy'
            ? { state: 'complete', ...base }
            : { state: 'progressing', ...(st.message ? { message: st.message } : {}), ...base };
  return {
    kind: 'Rollout',
    meta,
    ...(template ? { template } : {}),
    revisions,
    current,
    replicas: { desired, ready: st.readyReplicas ?? 0, available: st.availableReplicas ?? 0, updated: st.updatedReplicas ?? 0 },
    rolloutStatus,
    roles,
  };
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
