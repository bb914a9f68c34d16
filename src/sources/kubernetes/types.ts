import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

export type ListKind = 'deployments' | 'replicasets' | 'pods';
export const LIST_KINDS: readonly ListKind[] = ['deployments', 'replicasets', 'pods'];

export type KubeObject = V1Deployment | V1ReplicaSet | V1Pod;

export interface KubeList {
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
  items: KubeObject[];
}
