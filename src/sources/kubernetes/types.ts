import type { V1ControllerRevision, V1CronJob, V1DaemonSet, V1Deployment, V1Job, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';

/** The lists snap reads from a cluster (plural resource names, as in the API paths). */
export type ListKind = 'deployments' | 'replicasets' | 'pods' | 'statefulsets' | 'daemonsets' | 'controllerrevisions' | 'cronjobs' | 'jobs';
export const LIST_KINDS: readonly ListKind[] = ['deployments', 'replicasets', 'pods', 'statefulsets', 'daemonsets', 'controllerrevisions', 'cronjobs', 'jobs'];

/** The workload kinds snap reads a service from. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'];

/** The lists a workload kind needs beside pods: the workloads, and what keeps their revisions. */
export const LISTS_OF: Record<WorkloadKind, ListKind[]> = {
  Deployment: ['deployments', 'replicasets'],
  StatefulSet: ['statefulsets', 'controllerrevisions'],
  DaemonSet: ['daemonsets', 'controllerrevisions'],
  CronJob: ['cronjobs', 'jobs'],
};

export type KubeObject = V1Deployment | V1ReplicaSet | V1Pod | V1StatefulSet | V1DaemonSet | V1ControllerRevision | V1CronJob | V1Job;

export interface KubeList {
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
  items: KubeObject[];
}
