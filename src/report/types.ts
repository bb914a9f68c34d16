/**
 * The data of a snap report, as the generator embeds it in the page (JSON in a script element) and as
 * the page's script reads it. Types only: shared by the generator (Node) and the page (browser).
 */

/** A DORA performance band (Accelerate State of DevOps Report 2023). */
export type Band = 'elite' | 'high' | 'medium' | 'low';

/**
 * How a cell of the radar reads at a glance, worst first: `down` — running, but no pod ready;
 * `stalled` — the rollout stalled (Progressing False, ReplicaFailure, a Rollout degraded or aborted);
 * `missing` — the cluster was read and has no such workload; `unknown` — the cluster could not be read;
 * `paused`; `progressing` — a rollout under way; `degraded` — fewer pods of the desired version ready
 * than desired, or a pod not ready (snap show's `!`); `zero` — scaled to zero on purpose; `ok`.
 */
export type CellMark = 'down' | 'stalled' | 'missing' | 'unknown' | 'paused' | 'progressing' | 'degraded' | 'zero' | 'ok';

/** One service in one environment: what the radar cell shows and what its detail lists. */
export interface ReportCell {
  mark: CellMark;
  status: 'running' | 'not-found' | 'unknown';
  version?: string;
  commit?: string;
  committedAt?: string;
  headline?: string;
  image?: string;
  digest?: string;
  workload?: string;
  /** Ready pods of the desired version, and replicas desired. */
  ready?: number;
  desired?: number;
  pods?: { total: number; ready: number; restarts: number; notReady: { name: string; phase: string; reason: string }[] };
  rollout?: { state: string; reason?: string; message?: string };
  /** What serves, when it is more than the desired version alone (a rollout under way or stalled, a canary). */
  serving?: { version?: string; commit?: string; ready: number; role?: string; context?: string }[];
  /** When the current version was rolled out (ISO): creation of its ReplicaSet. */
  deployedAt?: string;
  /**
   * How far this environment is behind the one before it in promotion order (what promoting that one
   * here would ship): commits, PR and ticket counts; `ahead`: commits this environment has that the
   * one before lacks (a hotfix made here; status behind or diverged); or why it is unknown.
   */
  behind?: { from: string; commits: number; pullRequests: number; tickets: number; status: string; ahead: number } | { from: string; unknown: string };
}

/** A project of the radar: environments in promotion order, services sorted by name, cells[i] for environments[i]. */
export interface ReportProject {
  name: string;
  environments: string[];
  services: { name: string; repository: string; cells: (ReportCell | null)[] }[];
}

/** The promotion preview of one pair of neighbouring environments. */
export interface ReportPromotion {
  project: string;
  from: string;
  to: string;
  status: string;
  commits: number;
  /** PRs that would ship: repository, number, title when the release history has it. */
  pullRequests: { repository: string; number: number; title?: string }[];
  /** A lower bound: PRs merged before this time (ISO) are not known. */
  pullRequestsSince?: string;
  /** Tickets that would ship whole (they are `in` where they come from). */
  tickets: string[];
  /** Tickets that would ship only in part: their status where they come from, and what lacks them there. */
  partial: { key: string; status: string; missing: string[] }[];
  services: { service: string; status: string; commits?: number; tickets?: number; reason?: string }[];
  unknown: { service: string; reason: string }[];
}

/** One ticket: its place per environment ("project/environment" → status) and how it got there. */
export interface ReportTicket {
  key: string;
  kind: 'jira' | 'github';
  /** The title of its first PR (or the headline of its first commit), when the history has it. */
  title?: string;
  /** When its first change was merged (ISO). */
  mergedAt?: string;
  repositories: string[];
  pullRequests: { repository: string; number: number }[];
  status: Record<string, string>;
  /** For partial: "project/environment" → what lacks it there. */
  missing?: Record<string, string[]>;
  /** "project/environment" → since when it has had its present status there (ISO), as far as the history has seen. */
  arrived: Record<string, string>;
  /**
   * Places whose `arrived` is the time of the deployment that brought it, before snap's history began
   * (it was there at the first snapshot); a place there then with no such deployment has no `arrived`.
   */
  deployed?: string[];
  /** Places whose `arrived` is the first snapshot's time: it was there then, and no deployment in the history brought it. */
  firstSeen?: string[];
  /** For unknown: "project/environment" → why. */
  reasons?: Record<string, string>;
  /** For rolling-out: "project/environment" → 'stalled' or 'paused' when a rollout that carries it is held. */
  held?: Record<string, string>;
}

/**
 * The window's deployments, as rows to keep the page small: [at (ISO), project index, environment
 * index, service, from version, to version, to commit (7), flags, commits shipped (null: unknown),
 * tickets shipped, why what it shipped is unknown ('' when known), what a rollback took out (commits,
 * tickets) or null]. Flags: 1 rollback, 2 rollback unknown, 4 stalled, 8 other rollout state.
 */
export type ReportDeployment = [string, number, number, string, string, string, string, number, number | null, string[], string, [number, string[]] | null];

/** The DORA measures of one project's last environment: the window as a whole, and week by week. */
export interface ReportMetrics {
  project: string;
  environment: string;
  /** The window measured (days, back from the newest snapshot: the one asked for, as snap metrics takes it). */
  days: number;
  window: MeasuresSummary;
  /** The window of the same length before it, for the trend. */
  previous: MeasuresSummary;
  /** The window before begins before snap's first snapshot: only the revisions Kubernetes kept are known of it. */
  previousPartial?: true;
  /** Whole weeks back from the newest snapshot, oldest first (start and end ISO); one span when the window is shorter than a week. */
  weeks: (MeasuresSummary & { start: string; end: string })[];
}

export interface MeasuresSummary {
  deployments: number;
  perWeek: number;
  leadTimeMs?: number;
  leadTimeP90Ms?: number;
  changeFailureRate?: number;
  failed: number;
  recoveryMs?: number;
  /** Failed deployments put right, and those not yet (a stalled rollout still stalled). */
  recovered: number;
  open: number;
  bands: { deploymentFrequency?: Band; leadTime?: Band; changeFailureRate?: Band; recoveryTime?: Band };
}

/** Health of snap itself and reminders for the people who release. */
export interface ReportHealth {
  /** Runs in the window: [finished at (ISO), duration (ms), outcome 'ok' | 'partial' | 'failed']. */
  runs: [string, number, string][];
  /** The newest run: when it finished, its outcome, and for a failed run its error (code: message). */
  lastRun?: { at: string; outcome: string; error?: string };
  lastSuccess?: string;
  /** The newest snapshot's warnings by code: how many, and up to five messages, each with where it was. */
  warnings: { code: string; severity: string; count: number; examples: string[] }[];
  stale: { project: string; service: string; lastDeployedAt?: string; environments: string[] }[];
  /** Services whose version in an environment is 14 days old or more while the environment before it has commits it lacks. */
  behind: { project: string; service: string; environment: string; from: string; commits: number; tickets: number; lastDeployedAt: string }[];
  /** Pairs of pre-production environments: the services that run different commits in them, and those that cannot be compared (a cluster unread, or a version not resolved to a commit). */
  disagree: { project: string; a: string; b: string; services: string[]; unknown: string[] }[];
}

/** Everything the page shows, as embedded in it (JSON). */
export interface ReportData {
  format: 1;
  generatedAt: string;
  tool: string;
  /**
   * The newest snapshot. `ticketsFrom`: it was taken without GitHub (no tickets), so tickets are those
   * of this earlier snapshot (promotion previews stay the newest snapshot's, from what its run knew of git).
   */
  snapshot: { id: string; takenAt: string; outcome: string; ticketsFrom?: { id: string; takenAt: string } };
  /** The window: back from the newest snapshot, no further than the history reaches (`askedDays`: what was asked, when more). */
  window: { start: string; end: string; days: number; askedDays?: number };
  /** The release history begins here (ISO): before it, only the revisions Kubernetes kept are known. */
  historySince?: string;
  projects: ReportProject[];
  promotions: ReportPromotion[];
  tickets: ReportTicket[];
  /** Project and environment names the deployment rows index. */
  names: { projects: string[]; environments: string[] };
  deployments: ReportDeployment[];
  metrics: ReportMetrics[];
  health: ReportHealth;
}

