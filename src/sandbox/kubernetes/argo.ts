import type { FixtureApplication, FixtureDeployment } from '../fixtures/types.js';
import { podSpecs, suffix, uid, type K8sObject, type WorkloadObjects } from './objects.js';
import { ownerRef, pod, template, type Owner } from './workloads.js';

const ROLLOUT_REVISION = 'rollout.argoproj.io/revision';

/**
 * An Argo Rollouts Rollout (argoproj.io/v1alpha1; argo-rollouts pkg/apis/rollouts/v1alpha1
 * types.go): one ReplicaSet per revision, owned by the Rollout and labelled
 * `rollouts-pod-template-hash`, with the `rollout.argoproj.io/revision` annotation; status with
 * `currentPodHash`, `stableRS` (the stable ReplicaSet's hash), `currentStepIndex`, `phase`
 * (Healthy, Progressing, Paused, Degraded), `message`, conditions, and the blue-green
 * `activeSelector` / `previewSelector`. With `workloadRef`, the template is a Deployment's, kept at 0
 * replicas.
 */
export function materialiseRollout(context: string, d: FixtureDeployment): WorkloadObjects {
  const base = `${context}/${d.namespace}/Rollout/${d.name}`;
  const rolloutUid = uid(`rollout:${base}`);
  const owner: Owner = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: d.name, uid: rolloutUid };
  const selector = { app: d.labels.app ?? d.name };
  const hashes = d.revisions.map((r, i) => suffix(`${base}:${r.tag ?? r.digest}:${i}`, 10));
  const last = d.revisions.length - 1;
  const specs = podSpecs(d);
  const count = (f: (p: (typeof specs)[number]) => boolean) => specs.filter(f).reduce((sum, p) => sum + (p.count ?? 1), 0);
  const replicaSets = d.revisions.map((r, i) => {
    const labels = { ...selector, ...d.labels, 'rollouts-pod-template-hash': hashes[i] };
    const n = count((p) => p.revision === i + 1);
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.name}-${hashes[i]}`,
        namespace: d.namespace,
        uid: uid(`rollout-rs:${base}:${i}`),
        creationTimestamp: r.createdAt,
        generation: 1,
        labels,
        annotations: { [ROLLOUT_REVISION]: String(i + 1) },
        ownerReferences: ownerRef(owner),
      },
      spec: { replicas: n, selector: { matchLabels: { ...selector, 'rollouts-pod-template-hash': hashes[i] } }, template: template(d, r, labels) },
      status: { replicas: n, readyReplicas: count((p) => p.revision === i + 1 && p.ready !== false), availableReplicas: count((p) => p.revision === i + 1 && p.ready !== false), observedGeneration: 1 },
    } satisfies K8sObject;
  });
  const pods: K8sObject[] = [];
  specs.forEach((spec, group) => {
    const i = spec.revision - 1;
    const revision = d.revisions[i];
    if (!revision) throw new Error(`${base}: pods[${group}] names revision ${spec.revision}, but there are ${d.revisions.length}`);
    for (let n = 0; n < (spec.count ?? 1); n++) {
      pods.push(
        pod({
          d,
          name: `${replicaSets[i].metadata.name}-${suffix(`${base}:pod:${group}:${n}`, 5)}`,
          seed: `${base}:${group}:${n}`,
          revision,
          labels: replicaSets[i].metadata.labels,
          owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSets[i].metadata.name, uid: replicaSets[i].metadata.uid },
          created: spec.createdAt ?? new Date(Date.parse(revision.createdAt) + 30_000).toISOString(),
          ready: spec.ready !== false,
          ...(spec.reason ? { reason: spec.reason } : {}),
          ...(spec.digest ? { digest: spec.digest } : {}),
        }),
      );
    }
  });
  const ready = count((p) => p.ready !== false);
  const updated = count((p) => p.revision === last + 1);
  const blueGreen = d.strategy === 'blueGreen';
  const done = updated >= d.replicas && updated === pods.length && count((p) => p.revision === last + 1 && p.ready !== false) >= d.replicas;
  const stepping = !blueGreen && d.step !== undefined && d.step.index < d.step.total;
  // The stable ReplicaSet: the newest revision when the rollout is done, else the oldest that has pods.
  const oldestWithPods = specs.length ? Math.min(...specs.map((p) => p.revision)) - 1 : last;
  const stable = done && !stepping && !(blueGreen && d.paused) ? last : blueGreen && d.paused ? Math.max(0, last - 1) : oldestWithPods;
  const deadline = d.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False');
  const phase = d.abort || deadline ? 'Degraded' : d.paused || stepping ? 'Paused' : done ? 'Healthy' : 'Progressing';
  const message = d.abort ? 'RolloutAborted: Rollout aborted update to revision ' + (last + 1) : deadline ? `ProgressDeadlineExceeded: ${deadline.message ?? ''}` : stepping ? 'CanaryPauseStep' : blueGreen && d.paused ? 'BlueGreenPause' : '';
  const now = d.revisions[last].createdAt;
  const conditions = d.conditions ?? [
    { type: 'Available', status: ready >= d.replicas ? 'True' : 'False', reason: ready >= d.replicas ? 'AvailableReason' : 'AvailableReason', message: ready >= d.replicas ? 'Rollout has minimum availability' : 'Rollout does not have minimum availability' },
    d.abort
      ? { type: 'Progressing', status: 'False', reason: 'RolloutAborted', message: `Rollout aborted update to revision ${last + 1}` }
      : phase === 'Healthy'
        ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `RolloutCompleted` }
        : phase === 'Paused'
          ? { type: 'Progressing', status: 'Unknown', reason: 'RolloutPaused', message: 'Rollout is paused' }
          : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${replicaSets[last].metadata.name}" is progressing.` },
    { type: 'Healthy', status: phase === 'Healthy' ? 'True' : 'False', reason: phase === 'Healthy' ? 'AllReplicasUpdated' : 'RolloutHealthyIncomplete', message: '' },
  ];
  const revisionTemplate = template(d, d.revisions[last], { ...selector, ...d.labels });
  const objects: K8sObject[] = [];
  if (d.workloadRef) {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: d.name, namespace: d.namespace, uid: uid(`rollout-ref:${base}`), creationTimestamp: d.revisions[0].createdAt, generation: d.revisions.length, labels: d.labels, annotations: { 'deployment.kubernetes.io/revision': '1' } },
      spec: { replicas: 0, selector: { matchLabels: selector }, template: revisionTemplate, strategy: { type: 'RollingUpdate' } },
      status: { observedGeneration: d.revisions.length },
    });
  }
  const rollout: K8sObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: d.name, namespace: d.namespace, uid: rolloutUid, creationTimestamp: d.revisions[0].createdAt, generation: d.revisions.length, labels: d.labels, ...(d.annotations ? { annotations: d.annotations } : {}) },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: selector },
      ...(d.workloadRef ? { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, scaleDown: 'onsuccess' } } : { template: revisionTemplate }),
      strategy: blueGreen
        ? { blueGreen: { activeService: `${d.name}-active`, previewService: `${d.name}-preview`, autoPromotionEnabled: false } }
        : { canary: { steps: Array.from({ length: d.step?.total ?? 2 }, (_, i) => (i % 2 === 0 ? { setWeight: Math.min(100, (i / 2 + 1) * 20) } : { pause: {} })) } },
      ...(d.paused ? { paused: true } : {}),
    },
    status: {
      observedGeneration: String(d.revisions.length),
      currentPodHash: hashes[last],
      stableRS: hashes[stable],
      ...(blueGreen ? { blueGreen: { activeSelector: hashes[stable], ...(stable !== last ? { previewSelector: hashes[last] } : {}) } } : { currentStepIndex: d.step?.index ?? d.step?.total ?? 2 }),
      ...(!blueGreen && d.step?.weight !== undefined ? { canary: { weights: { canary: { weight: d.step.weight, podTemplateHash: hashes[last] }, stable: { weight: 100 - d.step.weight, podTemplateHash: hashes[stable] } } } } : {}),
      ...(stepping ? { pauseConditions: [{ reason: 'CanaryPauseStep', startTime: now }], controllerPause: true } : blueGreen && d.paused ? { pauseConditions: [{ reason: 'BlueGreenPause', startTime: now }], controllerPause: true } : {}),
      ...(d.abort ? { abort: true, abortedAt: now } : {}),
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      phase,
      ...(message ? { message } : {}),
      conditions: conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now })),
    },
  };
  return { objects: [rollout, ...objects, ...replicaSets, ...pods] };
}

/**
 * An Argo CD Application (argoproj.io/v1alpha1, Argo CD docs "Application Specification"):
 * `spec.source` (repoURL, path, targetRevision), `spec.destination`, and `status.sync` (status
 * Synced / OutOfSync, revision), `status.health.status`, `status.resources` (the objects it manages,
 * each with its own sync status and health) and `status.conditions`.
 */
export function materialiseApplication(context: string, app: FixtureApplication, createdAt: string): K8sObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: app.name, namespace: app.namespace ?? 'argocd', uid: uid(`app:${context}:${app.name}`), creationTimestamp: createdAt, generation: 1 },
    spec: {
      project: app.project ?? 'default',
      source: { repoURL: app.repoURL, ...(app.path ? { path: app.path } : {}), targetRevision: app.targetRevision },
      destination: { server: 'https://kubernetes.default.svc', namespace: app.destinationNamespace },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
    status: {
      sync: { status: app.sync, ...(app.revision ? { revision: app.revision } : {}), comparedTo: { source: { repoURL: app.repoURL, targetRevision: app.targetRevision }, destination: { namespace: app.destinationNamespace } } },
      health: { status: app.health },
      resources: app.workloads.map((w) => ({ group: w.kind === 'Rollout' ? 'argoproj.io' : 'apps', version: 'v1', kind: w.kind, namespace: app.destinationNamespace, name: w.name, status: app.sync, health: { status: app.health } })),
      ...(app.message ? { conditions: [{ type: app.sync === 'OutOfSync' ? 'SyncError' : 'ComparisonError', message: app.message, lastTransitionTime: createdAt }] } : {}),
      reconciledAt: createdAt,
      sourceType: 'Kustomize',
    },
  };
}
