import type { V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1ObjectMeta, V1Pod, V1PodTemplateSpec, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { ServiceState, Serving } from '../../core/snapshot-schema.js';
import { createdAt, isPodReady, REVISION, type ClusterIndex } from './cluster-index.js';
import type { Rollout, WorkloadKind } from './types.js';

/**
 * Every workload kind seen the same way (WorkloadView): its template, its revisions with their pods,
 * its replicas and its rollout state, from the objects the cluster index holds.
 */
export type Template = V1PodTemplateSpec;
export type RolloutStatus = NonNullable<ServiceState['rolloutStatus']>;

/** One revision of a workload: a ReplicaSet, a ControllerRevision or (for a CronJob) a Job, with its pods. */
export interface RevisionView {
  name: string;
  revision?: number;
  template?: Template;
  createdAt?: string;
  pods: V1Pod[];
}

/** A workload of any kind, seen the same way: its template, its revisions and pods, its rollout state. */
export interface WorkloadView {
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

export const iso = (t: Date | string | undefined) => (t ? new Date(t).toISOString() : undefined);
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

export function deploymentView(d: V1Deployment, index: ClusterIndex): WorkloadView {
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
export function revisionedView(kind: 'StatefulSet' | 'DaemonSet', w: V1StatefulSet | V1DaemonSet, index: ClusterIndex): WorkloadView {
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
export function cronJobView(cj: V1CronJob, index: ClusterIndex, versionOf: (t: Template | undefined) => string | undefined): WorkloadView {
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
export function rolloutView(ro: Rollout, index: ClusterIndex): WorkloadView & { roles: Map<string, NonNullable<Serving['role']>> } {
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
