import type { V1Container, V1Deployment, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeList, KubeObject, ListKind } from './types.js';

/**
 * Keeps only the fields snap reads from each listed object (workload-state.ts), page by page, so a
 * cluster of thousands of workloads costs megabytes, not hundreds of them.
 */
const containers = (list: V1Container[] | undefined) => list?.map((c) => ({ name: c.name, image: c.image }));

const template = (t: V1PodTemplateSpec | undefined) =>
  t ? { metadata: { labels: t.metadata?.labels, annotations: t.metadata?.annotations }, spec: { containers: containers(t.spec?.containers) ?? [] } } : undefined;

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
        conditions: d.status?.conditions?.map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
      },
    } as V1Deployment;
  }
  if (kind === 'replicasets') {
    const rs = object as V1ReplicaSet;
    return {
      metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, annotations: m?.annotations, ownerReferences: owners(m?.ownerReferences), creationTimestamp: m?.creationTimestamp },
      spec: rs.spec ? { selector: rs.spec.selector, template: template(rs.spec.template) } : undefined,
    } as V1ReplicaSet;
  }
  const pod = object as V1Pod;
  return {
    metadata: { name: m?.name, namespace: m?.namespace, uid: m?.uid, ownerReferences: owners(m?.ownerReferences), creationTimestamp: m?.creationTimestamp },
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
