import { sha1 } from '../fixtures/random.js';
import type { FixtureDeployment, FixtureRevision } from '../fixtures/types.js';

/** Plain JSON objects shaped as the Kubernetes API serves them. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    creationTimestamp: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean; blockOwnerDeletion: boolean }[];
  };
  spec?: any;
  status?: any;
};

export interface WorkloadObjects {
  deployment: K8sObject;
  replicaSets: K8sObject[];
  pods: K8sObject[];
}

const REVISION = 'deployment.kubernetes.io/revision';
const uid = (seed: string) => {
  const h = sha1(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
const suffix = (seed: string, length: number) =>
  sha1(seed)
    .slice(0, length)
    .replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]);

/** Builds a Deployment, one ReplicaSet per revision and the pods of the current one, from a fixture entry. */
export function materialise(context: string, d: FixtureDeployment): WorkloadObjects {
  const base = `${context}/${d.namespace}/${d.name}`;
  const deploymentUid = uid(`deploy:${base}`);
  const firstAt = d.revisions[0]?.createdAt ?? new Date(0).toISOString();
  const selector = { app: d.labels.app ?? d.name };
  const revisionCount = d.revisions.length;
  const current = d.revisions[revisionCount - 1];
  const templateFor = (revision: FixtureRevision, hash?: string) => ({
    metadata: {
      labels: { ...selector, ...d.labels, ...(hash ? { 'pod-template-hash': hash } : {}) },
      ...(revision.annotations ? { annotations: revision.annotations } : {}),
    },
    spec: { containers: [{ name: d.container, image: `${d.image}:${revision.tag}`, ports: [{ containerPort: 8080 }] }] },
  });
  const notReady = Math.min(d.notReady?.count ?? 0, d.replicas);

  const replicaSets = d.revisions.map((revision, i) => {
    const hash = suffix(`${base}:${revision.tag}:${i}`, 10);
    const isCurrent = i === revisionCount - 1;
    const replicas = isCurrent ? d.replicas : 0;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.name}-${hash}`,
        namespace: d.namespace,
        uid: uid(`rs:${base}:${i}:${revision.tag}`),
        creationTimestamp: revision.createdAt,
        generation: 1,
        labels: { ...selector, 'pod-template-hash': hash },
        annotations: { [REVISION]: String(i + 1), 'deployment.kubernetes.io/desired-replicas': String(d.replicas) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: deploymentUid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, selector: { matchLabels: { ...selector, 'pod-template-hash': hash } }, template: templateFor(revision, hash) },
      status: { replicas, fullyLabeledReplicas: replicas, readyReplicas: isCurrent ? replicas - notReady : 0, availableReplicas: isCurrent ? replicas - notReady : 0, observedGeneration: 1 },
    } satisfies K8sObject;
  });

  const currentRs = replicaSets[replicaSets.length - 1];
  const pods: K8sObject[] = Array.from({ length: d.replicas }, (_, i) => {
    const name = `${currentRs.metadata.name}-${suffix(`${base}:${current.tag}:pod:${i}`, 5)}`;
    const broken = i < notReady;
    const started = new Date(Date.parse(current.createdAt) + 30_000).toISOString();
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: d.namespace,
        uid: uid(`pod:${base}:${current.tag}:${i}`),
        creationTimestamp: current.createdAt,
        labels: { ...currentRs.metadata.labels },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: currentRs.metadata.name, uid: currentRs.metadata.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { nodeName: `node-${(i % 3) + 1}`, containers: currentRs.spec.template.spec.containers },
      status: {
        phase: broken && d.notReady?.reason === 'ImagePullBackOff' ? 'Pending' : 'Running',
        podIP: `10.${(i % 200) + 1}.${sha1(name).charCodeAt(0) % 250}.${(i * 7) % 250}`,
        startTime: started,
        conditions: [
          { type: 'Ready', status: broken ? 'False' : 'True', ...(broken ? { reason: 'ContainersNotReady' } : {}), lastTransitionTime: started },
          { type: 'ContainersReady', status: broken ? 'False' : 'True', lastTransitionTime: started },
        ],
        containerStatuses: [
          {
            name: d.container,
            image: `${d.image}:${current.tag}`,
            imageID: `${d.image}@${current.digest}`,
            ready: !broken,
            started: !broken,
            restartCount: broken ? (d.restarts ?? 5) : i === 0 ? (d.restarts ?? 0) : 0,
            state: broken ? { waiting: { reason: d.notReady!.reason, message: `container ${d.container} is not ready` } } : { running: { startedAt: started } },
          },
        ],
      },
    };
  });

  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: d.name,
      namespace: d.namespace,
      uid: deploymentUid,
      creationTimestamp: firstAt,
      generation: revisionCount,
      labels: d.labels,
      annotations: { [REVISION]: String(revisionCount), ...(d.annotations ?? {}) },
    },
    spec: { replicas: d.replicas, selector: { matchLabels: selector }, template: templateFor(current), strategy: { type: 'RollingUpdate' } },
    status: {
      observedGeneration: revisionCount,
      replicas: d.replicas,
      updatedReplicas: d.replicas,
      readyReplicas: d.replicas - notReady,
      availableReplicas: d.replicas - notReady,
      ...(notReady ? { unavailableReplicas: notReady } : {}),
    },
  };
  return { deployment, replicaSets, pods };
}
