/** What discovery finds, and what the proposals make of it. */
export interface DiscoveredRepo {
  /** owner/name */
  repository: string;
  name: string;
  description?: string;
  language?: string;
  pushedAt?: string;
  archived: boolean;
  fork: boolean;
  topics: string[];
  teams: string[];
  defaultBranch?: string;
  /** Titles, branch names and bodies of recent pull requests: where ticket keys and tracker hosts are proposed from. */
  recentPullRequests: { title: string; headRefName: string; body?: string }[];
  /** Folders of the default branch, two levels deep (`services`, `services/auth`), when read: where a monorepo's `paths:` are proposed from. */
  folders?: string[];
}

/** The workload kinds snap reads (Rollout: Argo Rollouts). */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Rollout';

export interface DiscoveredWorkload {
  context: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  /** The workload's own labels and its pod template's, merged: what names it. */
  labels: Record<string, string>;
  /** The workload's own labels only: what a `workload.selector` is matched against. */
  objectLabels?: Record<string, string>;
  /** Pod-template annotations (where a commit SHA may be kept). */
  annotations: Record<string, string>;
  /** The pod template's containers; `init` for init containers. */
  containers: { name: string; image: string; init?: boolean }[];
  replicas: number;
}

/** One cluster (kube context) of an environment, and its namespaces (null: all). */
export interface EnvironmentTarget {
  context: string;
  namespaces: string[] | null;
}

export interface EnvironmentProposal {
  name: string;
  /** Where it runs: one target per cluster (two prod regions make two). */
  targets: EnvironmentTarget[];
  /** Why this name: the names that decided it. */
  reason: string;
}

export interface Mapping {
  repository: string;
  workload: DiscoveredWorkload;
  /** 0..1 */
  confidence: number;
  reason: string;
  /** Other repositories that scored, best first: what the user may pick instead. */
  alternatives?: { repository: string; confidence: number }[];
}

/** A workload whose image the organisation does not build (redis, keycloak, ingress-nginx…), and why that is known. */
export interface ThirdPartyWorkload {
  workload: DiscoveredWorkload;
  reason: string;
}

/** `context/namespace/name` of a workload, with its kind when it is not a Deployment. */
export const workloadId = (w: Pick<DiscoveredWorkload, 'context' | 'namespace' | 'name' | 'kind'>) => `${w.context}/${w.namespace}/${w.kind && w.kind !== 'Deployment' ? `${w.kind}/` : ''}${w.name}`;
