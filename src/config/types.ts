/** The normalised config that the engine works with: defaults applied, paths resolved, placeholders expanded. */
/** One cluster of an environment and the namespaces that belong to it (null: all namespaces). */
export interface Target {
  context: string;
  namespaces: string[] | null;
}

export interface Environment {
  name: string;
  /** The first target's context and namespaces (the only ones, for most environments). */
  context: string;
  /** null: all namespaces of the cluster. */
  namespaces: string[] | null;
  /** Every cluster the environment runs in, in config order; one for most environments. */
  targets: Target[];
}

export interface Service {
  name: string;
  repository: string;
  /** kind: undefined when the config names none (a Deployment, else whichever kind matches). */
  workload: { kind?: 'Deployment' | 'Rollout' | 'StatefulSet' | 'DaemonSet' | 'CronJob'; name?: string; selector?: string; container?: string };
  version: { from: 'image-tag' | 'label' | 'annotation'; key?: string };
  /** Folders or files of the repository this service is built from; its commits, tickets and drift count only commits touching them. */
  paths?: string[];
  /** The environments it runs in, when not all of its project's (and in one, its contexts when not all): it is not looked for elsewhere. */
  environments?: { name: string; contexts?: string[] }[];
}

/** Whether a service is meant to run in an environment (all of its project's, unless it lists some). */
export const runsIn = (service: Pick<Service, 'environments'>, environment: string) => !service.environments || service.environments.some((e) => e.name === environment);

/** Whether a service is meant to run in one cluster (context) of an environment. */
export const runsInTarget = (service: Pick<Service, 'environments'>, environment: string, context: string) =>
  !service.environments || service.environments.some((e) => e.name === environment && (!e.contexts || e.contexts.includes(context)));

export interface Project {
  name: string;
  environments: Environment[];
  services: Service[];
}

export interface KubernetesSettings {
  /** Explicit kubeconfig path, or undefined for $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  concurrency: number;
  pageSize: number;
  requestTimeoutMs: number;
  listScope: 'auto' | 'cluster' | 'namespace';
}

export interface GithubSettings {
  /** API base URL, e.g. https://api.github.com */
  url: string;
  graphqlUrl: string;
  concurrency: number;
  batchSize: number;
  pageSize: number;
  maxPages: number;
  requestTimeoutMs: number;
  maxWaitMs: number;
}

export interface TicketSettings {
  jiraProjects?: string[];
  githubIssues: boolean;
  hosts: string[];
}

export type AlertEvent = 'failure' | 'recovery' | 'stale' | 'anomaly' | 'degraded';

export type AlertChannel =
  | { kind: 'slack'; webhookUrlEnv: string }
  | { kind: 'webhook'; url?: string; urlEnv: string; tokenEnv: string }
  | { kind: 'email'; host: string; port: number; tls: 'starttls' | 'implicit' | 'none'; from: string; to: string[]; userEnv: string; passwordEnv: string };

export interface AlertSettings {
  on: AlertEvent[];
  staleAfterMs?: number;
  anomalyFactor: number;
  /** Partial runs in a row (or for this long) that make a lasting degradation: an alert, and `status --check` fails. */
  degradedAfter: { runs: number; ms: number };
  retries: number;
  timeoutMs: number;
  /** Empty: alerts are off. */
  channels: AlertChannel[];
}

export interface Config {
  /** Absolute path of the config file. */
  path: string;
  /** Absolute path of the data directory. */
  dataDir: string;
  kubernetes: KubernetesSettings;
  github: GithubSettings;
  history: { days: number };
  /** Absolute path of the Prometheus textfile to write after each run, if any. */
  monitoring: { prometheusFile?: string };
  retention: { keep?: number; maxAgeDays?: number };
  alerts: AlertSettings;
  /** The HTML report: where it is written after each run (absolute; none when absent) and its window (ms); absent when not configured. */
  report?: { path?: string; windowMs: number };
  tickets: TicketSettings;
  projects: Project[];
  /** sha256 of the normalised config: tells caches made from another config apart. */
  hash: string;
}

export interface ConfigIssue {
  severity: 'error' | 'warning';
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. projects[0].services[1].workload.selector */
  path: string;
  message: string;
  hint?: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  const key = issue.path ? ` ${issue.path}:` : '';
  return `${where}${key} ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`;
}
