import { sha1, sha256 } from '../fixtures/random.js';
import type { FixtureDeployment, FixturePod, FixtureRevision } from '../fixtures/types.js';
import { materialiseRollout } from './argo.js';
import { materialiseCronJob, materialiseWithRevisions } from './workloads.js';

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

/** Every object one fixture workload makes: the workload, what it owns (ReplicaSets, ControllerRevisions, Jobs) and the pods. */
export interface WorkloadObjects {
  objects: K8sObject[];
}

const REVISION = 'deployment.kubernetes.io/revision';
export const uid = (seed: string) => {
  const h = sha1(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
export const suffix = (seed: string, length: number) =>
  sha1(seed)
    .slice(0, length)
    .replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]);

/** The image reference of a revision: `image:tag`, `image:tag@digest`, `image@digest` or a bare `image`. */
export function imageReference(image: string, revision: Pick<FixtureRevision, 'tag' | 'digest' | 'pin'>): string {
  return `${image}${revision.tag ? `:${revision.tag}` : ''}${revision.pin ? `@${revision.digest}` : ''}`;
}

/** The image without tag or digest, as the kubelet reports it in `imageID` (`repository@sha256:…`). */
export const imageName = (reference: string) => {
  const withoutDigest = reference.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
};

/** The pods a fixture entry asks for: its `pods`, else `replicas` pods of the last revision, `notReady.count` of them not ready. */
export function podSpecs(d: FixtureDeployment): FixturePod[] {
  if (d.pods) return d.pods;
  const notReady = Math.min(d.notReady?.count ?? 0, d.replicas);
  const last = d.revisions.length;
  return [
    ...(notReady ? [{ revision: last, count: notReady, ready: false, reason: d.notReady!.reason }] : []),
    ...(d.replicas - notReady > 0 ? [{ revision: last, count: d.replicas - notReady }] : []),
  ];
}

/**
 * Builds a Deployment, one ReplicaSet per revision and their pods from a fixture entry, with the
 * status fields and conditions the Deployment controller sets (Kubernetes docs, "Deployments",
 * Deployment status: Progressing reasons NewReplicaSetAvailable, ReplicaSetUpdated,
 * ProgressDeadlineExceeded, DeploymentPaused).
 */
export function materialise(context: string, d: FixtureDeployment): WorkloadObjects {
  if (d.kind === 'StatefulSet' || d.kind === 'DaemonSet') return materialiseWithRevisions(context, d);
  if (d.kind === 'CronJob') return materialiseCronJob(context, d);
  if (d.kind === 'Rollout') return materialiseRollout(context, d);
  const base = `${context}/${d.namespace}/${d.name}`;
  const deploymentUid = uid(`deploy:${base}`);
  const firstAt = d.revisions[0]?.createdAt ?? new Date(0).toISOString();
  const selector = { app: d.labels.app ?? d.name };
  const revisionCount = d.revisions.length;
  const current = d.revisions[revisionCount - 1];
  const sidecars = d.sidecars ?? [];
  const containersFor = (revision: FixtureRevision) => [
    ...sidecars.filter((c) => c.first && !c.init).map((c) => ({ name: c.name, image: c.image })),
    { name: d.container, image: imageReference(d.image, revision), ports: [{ containerPort: 8080 }] },
    ...sidecars.filter((c) => !c.first && !c.init).map((c) => ({ name: c.name, image: c.image })),
  ];
  const inits = sidecars.filter((c) => c.init).map((c) => ({ name: c.name, image: c.image }));
  const templateFor = (revision: FixtureRevision, hash?: string) => ({
    metadata: {
      labels: { ...selector, ...d.labels, ...(hash ? { 'pod-template-hash': hash } : {}) },
      ...(revision.annotations ? { annotations: revision.annotations } : {}),
    },
    spec: { ...(inits.length ? { initContainers: inits } : {}), containers: containersFor(revision) },
  });
  const specs = podSpecs(d);
  const podsOf = (i: number) => specs.filter((p) => p.revision === i + 1).reduce((sum, p) => sum + (p.count ?? 1), 0);
  const isReady = (p: FixturePod) => p.ready !== false && !p.noStatus && p.imageId !== '';
  const readyOf = (i: number) => specs.filter((p) => p.revision === i + 1 && isReady(p)).reduce((sum, p) => sum + (p.count ?? 1), 0);

  const replicaSets = d.revisions.map((revision, i) => {
    const hash = suffix(`${base}:${revision.tag ?? revision.digest}:${i}`, 10);
    const isCurrent = i === revisionCount - 1;
    const replicas = d.pods ? podsOf(i) : isCurrent ? d.replicas : 0;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.name}-${hash}`,
        namespace: d.namespace,
        uid: uid(`rs:${base}:${i}:${revision.tag ?? revision.digest}`),
        creationTimestamp: revision.createdAt,
        generation: 1,
        labels: { ...selector, 'pod-template-hash': hash },
        annotations: { [REVISION]: String(i + 1), 'deployment.kubernetes.io/desired-replicas': String(d.replicas) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: deploymentUid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas, selector: { matchLabels: { ...selector, 'pod-template-hash': hash } }, template: templateFor(revision, hash) },
      status: { replicas: podsOf(i), fullyLabeledReplicas: podsOf(i), readyReplicas: readyOf(i), availableReplicas: readyOf(i), observedGeneration: 1 },
    } satisfies K8sObject;
  });

  const pods: K8sObject[] = [];
  specs.forEach((spec, group) => {
    const i = spec.revision - 1;
    const revision = d.revisions[i];
    const rs = replicaSets[i];
    if (!revision || !rs) throw new Error(`${base}: pods[${group}] names revision ${spec.revision}, but there are ${revisionCount}`);
    const created = spec.createdAt ?? new Date(Date.parse(revision.createdAt) + 30_000).toISOString();
    for (let n = 0; n < (spec.count ?? 1); n++) {
      const seed = `${base}:${revision.tag ?? revision.digest}:${i}:pod:${group}:${n}`;
      const name = `${rs.metadata.name}-${suffix(seed, 5)}`;
      // A pod whose image is not pulled yet, or that has no container status, cannot be Ready.
      const ready = spec.ready !== false && !spec.noStatus && spec.imageId !== '';
      const started = created;
      const appImage = imageReference(d.image, revision);
      const digest = spec.digest ?? revision.digest;
      const statuses = spec.noStatus
        ? undefined
        : rs.spec.template.spec.containers.map((c: { name: string; image: string }) => {
            const app = c.name === d.container;
            const ok = !app || ready;
            return {
              name: c.name,
              image: c.image,
              imageID: app ? (spec.imageId ?? `${imageName(appImage)}@${digest}`) : `${imageName(c.image)}@sha256:${sha256(c.image)}`,
              ready: ok,
              started: ok,
              restartCount: app && !ready ? (d.restarts ?? 5) : app && n === 0 && group === specs.length - 1 && specs.every((p) => p.ready !== false) ? (d.restarts ?? 0) : 0,
              state: ok ? { running: { startedAt: started } } : { waiting: { reason: spec.reason ?? 'ContainerCreating', ...(spec.reason ? { message: `container ${c.name} is not ready` } : {}) } },
            };
          });
      const pending = spec.noStatus || (!ready && (spec.reason === 'ImagePullBackOff' || spec.reason === 'ErrImagePull' || spec.reason === 'ContainerCreating' || spec.imageId === ''));
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: d.namespace,
          uid: uid(`pod:${seed}`),
          creationTimestamp: created,
          labels: { ...rs.metadata.labels },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { nodeName: `node-${(pods.length % 3) + 1}`, ...(inits.length ? { initContainers: inits } : {}), containers: rs.spec.template.spec.containers },
        status: {
          phase: pending ? 'Pending' : 'Running',
          ...(spec.noStatus ? {} : { podIP: `10.${(pods.length % 200) + 1}.${sha1(name).charCodeAt(0) % 250}.${(pods.length * 7) % 250}`, startTime: started }),
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: created },
            { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }), lastTransitionTime: started },
            { type: 'ContainersReady', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }), lastTransitionTime: started },
          ],
          ...(statuses ? { containerStatuses: statuses } : {}),
        },
      });
    }
  });

  const total = pods.length;
  const ready = specs.filter(isReady).reduce((sum, p) => sum + (p.count ?? 1), 0);
  const updated = podsOf(revisionCount - 1);
  const currentRs = replicaSets[revisionCount - 1];
  const now = current.createdAt;
  const done = updated >= d.replicas && total === updated;
  const conditions = d.conditions ?? [
    {
      type: 'Available',
      status: ready >= d.replicas - Math.floor(d.replicas / 4) ? 'True' : 'False',
      reason: ready >= d.replicas - Math.floor(d.replicas / 4) ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: ready >= d.replicas - Math.floor(d.replicas / 4) ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    },
    d.paused
      ? { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }
      : done
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${currentRs.metadata.name}" has successfully progressed.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${currentRs.metadata.name}" is progressing.` },
  ];
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
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: selector },
      template: templateFor(current),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      ...(d.paused ? { paused: true } : {}),
    },
    status: {
      observedGeneration: revisionCount,
      ...(total ? { replicas: total } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      ...(total - ready > 0 || d.replicas - ready > 0 ? { unavailableReplicas: Math.max(total, d.replicas) - ready } : {}),
      // "{replicaSet}" in a fixture's condition message stands for the current ReplicaSet's name.
      conditions: conditions.map((c) => ({ ...c, ...(c.message ? { message: c.message.replaceAll('{replicaSet}', currentRs.metadata.name) } : {}), lastUpdateTime: now, lastTransitionTime: now })),
    },
  };
  return { objects: [deployment, ...replicaSets, ...pods] };
}
