import type { V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';

/** The lists snap reads from a cluster (plural resource names, as in the API paths). */
export type ListKind = 'deployments' | 'replicasets' | 'pods' | 'statefulsets' | 'daemonsets' | 'controllerrevisions' | 'cronjobs' | 'jobs' | 'rollouts' | 'applications';
export const LIST_KINDS: readonly ListKind[] = ['deployments', 'replicasets', 'pods', 'statefulsets', 'daemonsets', 'controllerrevisions', 'cronjobs', 'jobs', 'rollouts', 'applications'];

/** Custom resources (Argo Rollouts, Argo CD): a cluster without their CRD answers 404, which means "none here", not an error. */
export const CUSTOM_KINDS: readonly ListKind[] = ['rollouts', 'applications'];

/** The workload kinds snap reads a service from. */
export type WorkloadKind = 'Deployment' | 'Rollout' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'CronJob'];

/** The lists a workload kind needs beside pods: the workloads, and what keeps their revisions. */
export const LISTS_OF: Record<WorkloadKind, ListKind[]> = {
  Deployment: ['deployments', 'replicasets'],
  StatefulSet: ['statefulsets', 'controllerrevisions'],
  DaemonSet: ['daemonsets', 'controllerrevisions'],
  CronJob: ['cronjobs', 'jobs'],
  // A Rollout's template may be a Deployment's (spec.workloadRef).
  Rollout: ['rollouts', 'replicasets', 'deployments'],
};

export type KubeObject = V1Deployment | V1ReplicaSet | V1Pod | V1StatefulSet | V1DaemonSet | V1ControllerRevision | V1CronJob | V1Job;

export interface KubeList {
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
  items: KubeObject[];
}

/**
 * An Argo Rollouts Rollout, as far as snap reads it (argoproj.io/v1alpha1; argo-rollouts
 * pkg/apis/rollouts/v1alpha1/types.go): its template (inline, or a Deployment's through
 * `workloadRef`), strategy, and status (`stableRS` and `currentPodHash` are pod-template hashes,
 * `phase` Healthy / Progressing / Paused / Degraded).
 */
export interface Rollout {
  metadata?: import('@kubernetes/client-node').V1ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: unknown;
    template?: import('@kubernetes/client-node').V1PodTemplateSpec;
    workloadRef?: { apiVersion?: string; kind?: string; name?: string };
    strategy?: { canary?: { steps?: unknown[] }; blueGreen?: Record<string, unknown> };
    paused?: boolean;
  };
  status?: {
    observedGeneration?: string;
    currentPodHash?: string;
    stableRS?: string;
    currentStepIndex?: number;
    phase?: 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | string;
    message?: string;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    abort?: boolean;
    pauseConditions?: { reason?: string }[];
    blueGreen?: { activeSelector?: string; previewSelector?: string };
    canary?: { weights?: { canary?: { weight?: number; podTemplateHash?: string }; stable?: { weight?: number; podTemplateHash?: string } } };
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/**
 * An Argo CD Application, as far as snap reads it (argoproj.io/v1alpha1; Argo CD docs, "Application
 * Specification"): what it deploys from where, and whether the cluster matches it.
 */
export interface Application {
  metadata?: import('@kubernetes/client-node').V1ObjectMeta;
  spec?: {
    project?: string;
    source?: { repoURL?: string; path?: string; targetRevision?: string };
    sources?: { repoURL?: string; path?: string; targetRevision?: string }[];
    destination?: { server?: string; name?: string; namespace?: string };
  };
  status?: {
    sync?: { status?: 'Synced' | 'OutOfSync' | 'Unknown' | string; revision?: string };
    health?: { status?: string };
    resources?: { kind?: string; name?: string; namespace?: string }[];
    conditions?: { type?: string; message?: string }[];
    operationState?: { phase?: string; message?: string };
  };
}
