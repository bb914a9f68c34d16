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
  /** Titles and branch names of recent pull requests: where ticket keys are proposed from. */
  recentPullRequests: { title: string; headRefName: string }[];
}

export interface DiscoveredWorkload {
  context: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Pod-template annotations (where a commit SHA may be kept). */
  annotations: Record<string, string>;
  containers: { name: string; image: string }[];
  replicas: number;
}

export interface EnvironmentProposal {
  name: string;
  context: string;
  /** Namespaces, with the project name replaced by "{project}" where it fits every project. */
  namespaces: string[] | null;
  /** Why this name: the pattern that matched. */
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
