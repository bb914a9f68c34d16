import { sha1, sha256 } from '../fixtures/random.js';
import type { FixtureDeployment, FixtureRevision } from '../fixtures/types.js';
import { imageName, imageReference, podSpecs, suffix, uid, type K8sObject, type WorkloadObjects } from './objects.js';

/**
 * StatefulSets, DaemonSets and CronJobs as the API serves them (Kubernetes docs: "StatefulSets",
 * "DaemonSet" → rolling update, "ControllerRevision", "CronJob", "Jobs"): a StatefulSet or DaemonSet
 * keeps one ControllerRevision per template (`revision`, `data.spec.template`), labels its pods with
 * `controller-revision-hash` (a StatefulSet with the revision's name, a DaemonSet with its hash) and
 * reports `currentRevision` / `updateRevision` (StatefulSet) or `updatedNumberScheduled` (DaemonSet);
 * a CronJob owns the Jobs it ran (named `<cronjob>-<scheduled minute>`), each with its pod template.
 */
export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export const ownerRef = (o: Owner) => [{ ...o, controller: true, blockOwnerDeletion: true }];

function containersFor(d: FixtureDeployment, revision: FixtureRevision) {
  const sidecars = d.sidecars ?? [];
  const containers = [
    ...sidecars.filter((c) => c.first && !c.init).map((c) => ({ name: c.name, image: c.image })),
    { name: d.container, image: imageReference(d.image, revision) },
    ...sidecars.filter((c) => !c.first && !c.init).map((c) => ({ name: c.name, image: c.image })),
  ];
  const inits = sidecars.filter((c) => c.init).map((c) => ({ name: c.name, image: c.image }));
  return { containers, inits };
}

export function template(d: FixtureDeployment, revision: FixtureRevision, labels: Record<string, string>) {
  const { containers, inits } = containersFor(d, revision);
  return {
    metadata: { labels, ...(revision.annotations ? { annotations: revision.annotations } : {}) },
    spec: { ...(inits.length ? { initContainers: inits } : {}), containers },
  };
}

interface PodOptions {
  d: FixtureDeployment;
  name: string;
  seed: string;
  revision: FixtureRevision;
  labels: Record<string, string>;
  owner: Owner;
  created: string;
  ready: boolean;
  reason?: string;
  digest?: string;
  imageId?: '';
  noStatus?: boolean;
  /** A Job's pod: it ran to completion (Succeeded) or failed. */
  finished?: 'Succeeded' | 'Failed';
}

export function pod(o: PodOptions): K8sObject {
  const { containers, inits } = containersFor(o.d, o.revision);
  const appImage = imageReference(o.d.image, o.revision);
  const statuses = o.noStatus
    ? undefined
    : containers.map((c) => {
        const app = c.name === o.d.container;
        const ok = !app || o.ready;
        const imageID = app ? (o.imageId ?? `${imageName(appImage)}@${o.digest ?? o.revision.digest}`) : `${imageName(c.image)}@sha256:${sha256(c.image)}`;
        const state = o.finished
          ? { terminated: { reason: o.finished === 'Succeeded' ? 'Completed' : 'Error', exitCode: o.finished === 'Succeeded' ? 0 : 1, startedAt: o.created, finishedAt: o.created } }
          : ok
            ? { running: { startedAt: o.created } }
            : { waiting: { reason: o.reason ?? 'ContainerCreating' } };
        return { name: c.name, image: c.image, imageID, ready: !o.finished && ok, started: !o.finished && ok, restartCount: app && !ok && !o.finished ? (o.d.restarts ?? 5) : 0, state };
      });
  const pending = o.noStatus || (!o.ready && !o.finished && (o.reason === 'ImagePullBackOff' || o.reason === 'ErrImagePull' || o.reason === undefined || o.imageId === ''));
  const ready = !o.finished && o.ready;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: o.d.namespace, uid: uid(`pod:${o.seed}`), creationTimestamp: o.created, labels: o.labels, ownerReferences: ownerRef(o.owner) },
    spec: { nodeName: `node-${(sha1(o.name).charCodeAt(0) % 3) + 1}`, ...(inits.length ? { initContainers: inits } : {}), containers },
    status: {
      phase: o.finished ?? (pending ? 'Pending' : 'Running'),
      ...(o.noStatus ? {} : { podIP: `10.${sha1(o.name).charCodeAt(1) % 250}.${sha1(o.name).charCodeAt(0) % 250}.${sha1(o.name).charCodeAt(2) % 250}`, startTime: o.created }),
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: o.created },
        { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: o.finished ? 'PodCompleted' : 'ContainersNotReady' }), lastTransitionTime: o.created },
      ],
      ...(statuses ? { containerStatuses: statuses } : {}),
    },
  };
}

/** A StatefulSet or DaemonSet, one ControllerRevision per revision, and its pods. */
export function materialiseWithRevisions(context: string, d: FixtureDeployment): WorkloadObjects {
  const kind = d.kind as 'StatefulSet' | 'DaemonSet';
  const base = `${context}/${d.namespace}/${kind}/${d.name}`;
  const workloadUid = uid(`${kind}:${base}`);
  const owner: Owner = { apiVersion: 'apps/v1', kind, name: d.name, uid: workloadUid };
  const selector = { app: d.labels.app ?? d.name };
  const hashes = d.revisions.map((r, i) => suffix(`${base}:${r.tag ?? r.digest}:${i}`, 10));
  const revisionName = (i: number) => `${d.name}-${hashes[i]}`;
  const podLabel = (i: number) => (kind === 'StatefulSet' ? revisionName(i) : hashes[i]);
  const revisions = d.revisions.map((r, i) => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(i),
      namespace: d.namespace,
      uid: uid(`cr:${base}:${i}`),
      creationTimestamp: r.createdAt,
      labels: { ...selector, 'controller-revision-hash': podLabel(i) },
      ownerReferences: ownerRef(owner),
    },
    data: { spec: { template: { ...template(d, r, { ...selector, ...d.labels }), $patch: 'replace' } } },
    revision: i + 1,
  }));
  const specs = podSpecs(d);
  const pods: K8sObject[] = [];
  let ordinal = 0;
  specs.forEach((spec, group) => {
    const i = spec.revision - 1;
    const revision = d.revisions[i];
    if (!revision) throw new Error(`${base}: pods[${group}] names revision ${spec.revision}, but there are ${d.revisions.length}`);
    for (let n = 0; n < (spec.count ?? 1); n++) {
      const name = kind === 'StatefulSet' ? `${d.name}-${ordinal}` : `${d.name}-${suffix(`${base}:pod:${group}:${n}`, 5)}`;
      ordinal++;
      pods.push(
        pod({
          d,
          name,
          seed: `${base}:${group}:${n}`,
          revision,
          labels: { ...selector, ...d.labels, 'controller-revision-hash': podLabel(i), ...(kind === 'DaemonSet' ? { 'pod-template-generation': String(i + 1) } : { 'statefulset.kubernetes.io/pod-name': name }) },
          owner,
          created: spec.createdAt ?? new Date(Date.parse(revision.createdAt) + 30_000).toISOString(),
          ready: spec.ready !== false && !spec.noStatus && spec.imageId !== '',
          ...(spec.reason ? { reason: spec.reason } : {}),
          ...(spec.digest ? { digest: spec.digest } : {}),
          ...(spec.imageId !== undefined ? { imageId: spec.imageId } : {}),
          ...(spec.noStatus ? { noStatus: true } : {}),
        }),
      );
    }
  });
  const last = d.revisions.length - 1;
  const current = d.revisions[last];
  const count = (f: (p: (typeof specs)[number]) => boolean) => specs.filter(f).reduce((sum, p) => sum + (p.count ?? 1), 0);
  const ready = count((p) => p.ready !== false && !p.noStatus && p.imageId !== '');
  const updated = count((p) => p.revision === last + 1);
  const oldest = specs.length ? Math.min(...specs.map((p) => p.revision)) - 1 : last;
  const generation = d.revisions.length;
  const workload: K8sObject =
    kind === 'StatefulSet'
      ? {
          apiVersion: 'apps/v1',
          kind,
          metadata: { name: d.name, namespace: d.namespace, uid: workloadUid, creationTimestamp: d.revisions[0].createdAt, generation, labels: d.labels, ...(d.annotations ? { annotations: d.annotations } : {}) },
          spec: { replicas: d.replicas, selector: { matchLabels: selector }, serviceName: d.name, template: template(d, current, { ...selector, ...d.labels }), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, podManagementPolicy: 'OrderedReady' },
          status: {
            observedGeneration: generation,
            replicas: pods.length,
            readyReplicas: ready,
            availableReplicas: ready,
            currentReplicas: count((p) => p.revision === oldest + 1),
            updatedReplicas: updated,
            currentRevision: revisionName(updated === pods.length ? last : oldest),
            updateRevision: revisionName(last),
            collisionCount: 0,
          },
        }
      : {
          apiVersion: 'apps/v1',
          kind,
          metadata: { name: d.name, namespace: d.namespace, uid: workloadUid, creationTimestamp: d.revisions[0].createdAt, generation, labels: d.labels, annotations: { 'deprecated.daemonset.template.generation': String(generation), ...(d.annotations ?? {}) } },
          spec: { selector: { matchLabels: selector }, template: template(d, current, { ...selector, ...d.labels }), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
          status: {
            observedGeneration: generation,
            desiredNumberScheduled: d.replicas,
            currentNumberScheduled: pods.length,
            numberMisscheduled: 0,
            numberReady: ready,
            numberAvailable: ready,
            ...(d.replicas - ready > 0 ? { numberUnavailable: d.replicas - ready } : {}),
            updatedNumberScheduled: updated,
          },
        };
  return { objects: [workload, ...revisions, ...pods] };
}

/** A CronJob and the Jobs it ran (one per revision, up to `jobs`), each with one pod. */
export function materialiseCronJob(context: string, d: FixtureDeployment): WorkloadObjects {
  const base = `${context}/${d.namespace}/CronJob/${d.name}`;
  const cronUid = uid(`cronjob:${base}`);
  const owner: Owner = { apiVersion: 'batch/v1', kind: 'CronJob', name: d.name, uid: cronUid };
  const selector = { app: d.labels.app ?? d.name };
  const ran = d.revisions.slice(0, d.jobs ?? d.revisions.length);
  const failed = new Set((d.pods ?? []).filter((p) => p.ready === false).map((p) => p.revision - 1));
  const objects: K8sObject[] = [];
  let lastSchedule: string | undefined;
  let lastSuccess: string | undefined;
  ran.forEach((revision, i) => {
    const started = revision.createdAt;
    const minute = Math.floor(Date.parse(started) / 60_000);
    const name = `${d.name}-${minute}`;
    const jobUid = uid(`job:${base}:${i}`);
    const ok = !failed.has(i);
    const finished = new Date(Date.parse(started) + 90_000).toISOString();
    lastSchedule = started;
    if (ok) lastSuccess = finished;
    const labels = { ...selector, ...d.labels, 'batch.kubernetes.io/job-name': name, 'job-name': name, 'batch.kubernetes.io/controller-uid': jobUid, 'controller-uid': jobUid };
    objects.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: d.namespace, uid: jobUid, creationTimestamp: started, labels, annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': started }, ownerReferences: ownerRef(owner) },
      spec: { backoffLimit: 0, completions: 1, parallelism: 1, template: template(d, revision, labels) },
      status: {
        startTime: started,
        ...(ok ? { completionTime: finished, succeeded: 1 } : { failed: 1 }),
        conditions: [ok ? { type: 'Complete', status: 'True', lastTransitionTime: finished } : { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: finished }],
      },
    });
    objects.push(
      pod({
        d,
        name: `${name}-${suffix(`${base}:${i}:pod`, 5)}`,
        seed: `${base}:${i}`,
        revision,
        labels,
        owner: { apiVersion: 'batch/v1', kind: 'Job', name, uid: jobUid },
        created: started,
        ready: false,
        finished: ok ? 'Succeeded' : 'Failed',
      }),
    );
  });
  const current = d.revisions[d.revisions.length - 1];
  const cron: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: d.name, namespace: d.namespace, uid: cronUid, creationTimestamp: d.revisions[0].createdAt, generation: d.revisions.length, labels: d.labels, ...(d.annotations ? { annotations: d.annotations } : {}) },
    spec: {
      schedule: d.schedule ?? '0 * * * *',
      concurrencyPolicy: 'Forbid',
      suspend: d.paused ?? false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: { backoffLimit: 0, template: template(d, current, { ...selector, ...d.labels }) } },
    },
    status: { ...(lastSchedule ? { lastScheduleTime: lastSchedule } : {}), ...(lastSuccess ? { lastSuccessfulTime: lastSuccess } : {}) },
  };
  return { objects: [cron, ...objects] };
}
