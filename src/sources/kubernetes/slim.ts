import type { V1Container, V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1Pod, V1PodTemplateSpec, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import type { Application, KubeList, KubeObject, ListKind, Rollout } from './types.js';

/**
 * Keeps only the fields snap reads from each listed object (workload-state.ts), page by page, so a
 * cluster of thousands of workloads costs megabytes, not hundreds of them.
 */
const containers = (list: V1Container[] | undefined) => list?.map((c) => ({ name: c.name, image: c.image }));

const template = (t: V1PodTemplateSpec | undefined) =>
  t ? { metadata: { labels: t.metadata?.labels, annotations: t.metadata?.annotations }, spec: { containers: containers(t.spec?.containers) ?? [] } } : undefined;

/** Status conditions, as the rollout state reads them. */
const conditions = (list: { type?: string; status?: string; reason?: string; message?: string }[] | undefined) => list?.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));

const owners = (o: { kind: string; uid: string; name: string; apiVersion: string }[] | undefined) => o?.map((r) => ({ kind: r.kind, uid: r.uid, name: r.name, apiVersion: r.apiVersion }));

export function slim(kind: ListKind, object: KubeObject): KubeObject {
  const m = object.metadata;
  if (kind === 'deployments') {
    const d = object as V1Deployment;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, annotations: m?.annotations, generation: m?.generation },
      spec: d.spec ? { replicas: d.spec.replicas, paused: d.spec.paused, selector: d.spec.selector, template: template(d.spec.template)! } : undefined,
      status: {
        observedGeneration: d.status?.observedGeneration,
        replicas: d.status?.replicas,
        readyReplicas: d.status?.readyReplicas,
        availableReplicas: d.status?.availableReplicas,
        updatedReplicas: d.status?.updatedReplicas,
        conditions: conditions(d.status?.conditions),
      },
    } as V1Deployment;
  }
  if (kind === 'replicasets') {
    const rs = object as V1ReplicaSet;
    return {
      metadata: {
        name: m?.name,
        namespace: m?.namespace,
        uid: m?.uid,
        annotations: m?.annotations,
        ownerReferences: owners(m?.ownerReferences),
        creationTimestamp: m?.creationTimestamp,
        // An Argo Rollouts ReplicaSet: its pod-template hash says whether it is stable, canary, active or preview.
        ...(m?.labels?.['rollouts-pod-template-hash'] ? { labels: { 'rollouts-pod-template-hash': m.labels['rollouts-pod-template-hash'] } } : {}),
      },
      spec: rs.spec ? { selector: rs.spec.selector, template: template(rs.spec.template) } : undefined,
    } as V1ReplicaSet;
  }
  if (kind === 'statefulsets') {
    const sts = object as V1StatefulSet;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, annotations: m?.annotations, generation: m?.generation },
      spec: sts.spec ? { replicas: sts.spec.replicas, selector: sts.spec.selector, serviceName: sts.spec.serviceName, template: template(sts.spec.template)! } : undefined,
      status: sts.status
        ? { replicas: sts.status.replicas, readyReplicas: sts.status.readyReplicas, availableReplicas: sts.status.availableReplicas, updatedReplicas: sts.status.updatedReplicas, currentRevision: sts.status.currentRevision, updateRevision: sts.status.updateRevision, observedGeneration: sts.status.observedGeneration }
        : undefined,
    } as V1StatefulSet;
  }
  if (kind === 'daemonsets') {
    const ds = object as V1DaemonSet;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, annotations: m?.annotations, generation: m?.generation },
      spec: ds.spec ? { selector: ds.spec.selector, template: template(ds.spec.template)! } : undefined,
      status: ds.status
        ? { desiredNumberScheduled: ds.status.desiredNumberScheduled, currentNumberScheduled: ds.status.currentNumberScheduled, numberMisscheduled: ds.status.numberMisscheduled, numberReady: ds.status.numberReady, numberAvailable: ds.status.numberAvailable, updatedNumberScheduled: ds.status.updatedNumberScheduled, observedGeneration: ds.status.observedGeneration }
        : undefined,
    } as V1DaemonSet;
  }
  if (kind === 'controllerrevisions') {
    const cr = object as V1ControllerRevision & { data?: { spec?: { template?: V1PodTemplateSpec } } };
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, ownerReferences: owners(m?.ownerReferences), creationTimestamp: m?.creationTimestamp },
      revision: cr.revision,
      data: { spec: { template: template(cr.data?.spec?.template) } },
    } as unknown as V1ControllerRevision;
  }
  if (kind === 'cronjobs') {
    const cj = object as V1CronJob;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, annotations: m?.annotations, generation: m?.generation },
      spec: cj.spec ? { schedule: cj.spec.schedule, suspend: cj.spec.suspend, jobTemplate: { spec: { template: template(cj.spec.jobTemplate?.spec?.template)! } } } : undefined,
      status: { lastScheduleTime: cj.status?.lastScheduleTime, lastSuccessfulTime: cj.status?.lastSuccessfulTime, active: cj.status?.active?.map((a) => ({ name: a.name, uid: a.uid })) },
    } as V1CronJob;
  }
  if (kind === 'jobs') {
    const job = object as V1Job;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, ownerReferences: owners(m?.ownerReferences), creationTimestamp: m?.creationTimestamp },
      spec: job.spec ? { template: template(job.spec.template)! } : undefined,
      status: {
        startTime: job.status?.startTime,
        completionTime: job.status?.completionTime,
        succeeded: job.status?.succeeded,
        failed: job.status?.failed,
        active: job.status?.active,
        conditions: conditions(job.status?.conditions),
      },
    } as V1Job;
  }
  if (kind === 'rollouts') {
    const ro = object as unknown as Rollout;
    const st = ro.status;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, labels: m?.labels, annotations: m?.annotations, generation: m?.generation },
      spec: {
        replicas: ro.spec?.replicas,
        selector: ro.spec?.selector,
        ...(ro.spec?.template ? { template: template(ro.spec.template) } : {}),
        ...(ro.spec?.workloadRef ? { workloadRef: { kind: ro.spec.workloadRef.kind, name: ro.spec.workloadRef.name } } : {}),
        strategy: ro.spec?.strategy?.blueGreen ? { blueGreen: {} } : { canary: { steps: ro.spec?.strategy?.canary?.steps?.map(() => ({})) ?? [] } },
        paused: ro.spec?.paused,
      },
      status: st
        ? {
            observedGeneration: st.observedGeneration,
            currentPodHash: st.currentPodHash,
            stableRS: st.stableRS,
            currentStepIndex: st.currentStepIndex,
            phase: st.phase,
            message: st.message,
            replicas: st.replicas,
            updatedReplicas: st.updatedReplicas,
            readyReplicas: st.readyReplicas,
            availableReplicas: st.availableReplicas,
            abort: st.abort,
            pauseConditions: st.pauseConditions?.map((c) => ({ reason: c.reason })),
            blueGreen: st.blueGreen ? { activeSelector: st.blueGreen.activeSelector, previewSelector: st.blueGreen.previewSelector } : undefined,
            canary: st.canary?.weights ? { weights: st.canary.weights } : undefined,
            conditions: conditions(st.conditions),
          }
        : undefined,
    } as unknown as KubeObject;
  }
  if (kind === 'applications') {
    const app = object as unknown as Application;
    const source = app.spec?.source ?? app.spec?.sources?.[0];
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid },
      spec: { project: app.spec?.project, source: source ? { repoURL: source.repoURL, path: source.path, targetRevision: source.targetRevision } : undefined, destination: app.spec?.destination },
      status: {
        sync: { status: app.status?.sync?.status, revision: app.status?.sync?.revision },
        health: { status: app.status?.health?.status },
        resources: app.status?.resources?.map((r) => ({ kind: r.kind, name: r.name, namespace: r.namespace })),
        conditions: app.status?.conditions?.map((c) => ({ type: c.type, message: c.message })),
        operationState: app.status?.operationState ? { phase: app.status.operationState.phase, message: app.status.operationState.message } : undefined,
      },
    } as unknown as KubeObject;
  }
  const pod = object as V1Pod;
  // Pods a ReplicaSet owns are read through their ReplicaSet's template; others (StatefulSets,
  // DaemonSets, Jobs) keep their labels, which say which revision they belong to.
  const ownedByReplicaSet = m?.ownerReferences?.some((o) => o.kind === 'ReplicaSet');
  return {
    metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, ownerReferences: owners(m?.ownerReferences), creationTimestamp: m?.creationTimestamp, ...(ownedByReplicaSet ? {} : { labels: m?.labels }) },
    status: {
      phase: pod.status?.phase,
      reason: pod.status?.reason,
      conditions: pod.status?.conditions?.map((c) => ({ type: c.type, status: c.status, reason: c.reason })),
      containerStatuses: pod.status?.containerStatuses?.map((s) => ({
        name: s.name,
        image: s.image,
        imageID: s.imageID,
        ready: s.ready,
        restartCount: s.restartCount,
        state: { waiting: s.state?.waiting ? { reason: s.state.waiting.reason } : undefined, terminated: s.state?.terminated ? { reason: s.state.terminated.reason, exitCode: s.state.terminated.exitCode } : undefined },
      })),
    },
  } as V1Pod;
}

/** A list page as the API server sent it, with each item trimmed. */
export function slimList(kind: ListKind, list: KubeList): KubeList {
  return { ...list, items: Array.isArray(list.items) ? list.items.map((item) => slim(kind, item)) : [] };
}
