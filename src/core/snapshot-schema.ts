import { z } from 'zod';

/**
 * The snapshot document. Types and the published JSON Schema (schema/snapshot.schema.json)
 * both come from here; docs/snapshot-format.md explains the fields.
 */
export const SNAPSHOT_SCHEMA_VERSION = 2;

/** Older schema versions whose files are still read as the previous snapshot (the fields compared did not change). */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export const warningSchema = z.object({
  code: z.string().describe('Stable identifier, e.g. WORKLOAD_NOT_FOUND, CLUSTER_UNREACHABLE.'),
  severity: z.enum(['info', 'warning', 'error']),
  scope: z
    .object({
      project: z.string().optional(),
      environment: z.string().optional(),
      service: z.string().optional(),
      source: z.string().optional().describe('e.g. kubernetes:prod-cluster'),
    })
    .describe('What the warning concerns.'),
  message: z.string(),
});

const listSchema = z.object({
  kind: z.enum(['deployments', 'replicasets', 'pods', 'statefulsets', 'daemonsets', 'controllerrevisions', 'cronjobs', 'jobs', 'rollouts', 'applications']),
  absent: z.boolean().optional().describe('A custom resource (Argo Rollouts, Argo CD) whose API the cluster does not serve (404), or may not be listed (403): none are read.'),
  namespace: z.string().optional().describe('Set when listed per namespace; absent for a cluster-wide list.'),
  resourceVersion: z.string().optional().describe('The list resourceVersion: the point in time the cluster was read at.'),
  pages: z.number().int(),
  items: z.number().int(),
  restarts: z.number().int().describe('Times the list was restarted after an expired continue token (410).'),
});

export const clusterSchema = z.object({
  context: z.string(),
  server: z.string().optional(),
  status: z.enum(['ok', 'unreachable', 'unauthorized', 'forbidden', 'error', 'unknown-context']),
  error: z.string().optional(),
  listScope: z.enum(['cluster', 'namespace']).optional(),
  lists: z.array(listSchema),
  requests: z.number().int(),
  durationMs: z.number().int(),
});

export const revisionSchema = z.object({
  revision: z.number().int().optional(),
  replicaSet: z.string(),
  image: z.string().optional(),
  version: z.string().optional().describe('The version value of that revision (image tag, label or annotation, as configured).'),
  at: z.string().optional(),
});

export const servingSchema = z.object({
  replicaSet: z.string(),
  revision: z.number().int().optional(),
  version: z.string().optional().describe('The version value of that ReplicaSet (image tag, label or annotation, as configured).'),
  image: z.string().optional().describe('The image reference of the chosen container in that ReplicaSet.'),
  digest: z.string().optional().describe('The sha256 digest these pods run (their imageID).'),
  ready: z.number().int().describe('Ready pods running this version.'),
  since: z.string().optional().describe('Creation time of the oldest of these pods.'),
  commit: z.string().optional().describe('The commit this version resolves to.'),
  context: z.string().optional().describe('The cluster these pods run in, when the environment has several targets.'),
  role: z
    .enum(['stable', 'canary', 'active', 'preview'])
    .optional()
    .describe('An Argo Rollouts Rollout: the stable or canary ReplicaSet (both take traffic), or the blue-green active one or preview (which takes none, so it does not count as serving).'),
});

const serviceStateBase = z.object({
  repository: z.string(),
  status: z
    .enum(['running', 'not-found', 'unknown'])
    .describe('running: workload found; not-found: the cluster was read and has no such workload; unknown: the cluster could not be read.'),
  workload: z
    .object({ kind: z.enum(['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'CronJob']), name: z.string(), namespace: z.string(), context: z.string(), generation: z.number().int().optional() })
    .optional(),
  container: z
    .object({
      name: z.string(),
      image: z.string(),
      repository: z.string().describe('Image repository without tag or digest.'),
      tag: z.string().optional(),
      digest: z.string().optional().describe('sha256 digest, from the image reference or the running pods.'),
    })
    .optional(),
  version: z
    .object({ value: z.string(), source: z.string().describe('image-tag, label:<key> or annotation:<key>') })
    .optional(),
  replicas: z.object({ desired: z.number().int(), ready: z.number().int(), available: z.number().int(), updated: z.number().int() }).optional(),
  pods: z
    .object({
      total: z.number().int(),
      running: z.number().int(),
      ready: z.number().int(),
      restarts: z.number().int().describe('Container restarts summed over all pods of the workload.'),
      notReady: z.array(z.object({ name: z.string(), phase: z.string(), reason: z.string() })),
    })
    .optional(),
  commit: z
    .object({
      oid: z.string(),
      resolvedBy: z.enum(['sha-in-tag', 'git-tag', 'label', 'annotation']),
      detail: z.string().describe('How, in words: "short SHA 3f9c2ab in tag 1.4.2-3f9c2ab", "git tag v1.3.0".'),
      committedAt: z.string().optional(),
      headline: z.string().optional(),
    })
    .optional()
    .describe('The git commit the running version was built from.'),
  serving: z
    .array(servingSchema)
    .optional()
    .describe('What serves: each version that has ready pods (pods → ReplicaSet ownership, split by the digest they run), oldest revision first; empty when nothing serves. The fields container, version and commit describe what is desired (the pod template).'),
  rolloutStatus: z
    .object({
      state: z
        .enum(['complete', 'progressing', 'stalled', 'paused', 'scaled-to-zero'])
        .describe('complete: every pod is of the desired revision; progressing: a rollout is under way; stalled: the Progressing condition is False (e.g. ProgressDeadlineExceeded) or ReplicaFailure is True; paused: spec.paused; scaled-to-zero: 0 replicas desired, nothing serves.'),
      reason: z.string().optional().describe("The condition's reason, e.g. ProgressDeadlineExceeded."),
      message: z.string().optional().describe("The condition's message."),
      strategy: z.enum(['canary', 'blueGreen']).optional().describe('An Argo Rollouts Rollout: its strategy.'),
      step: z
        .object({ index: z.number().int(), total: z.number().int(), weight: z.number().int().optional() })
        .optional()
        .describe('An Argo Rollouts canary: the step it is at (status.currentStepIndex) of how many, and the canary traffic weight (%).'),
    })
    .optional(),
  argocd: z
    .object({
      application: z.string().describe('namespace/name of the Argo CD Application that manages this workload.'),
      repoURL: z.string().optional(),
      path: z.string().optional(),
      targetRevision: z.string().optional().describe('What git says should run: spec.source.targetRevision.'),
      sync: z.string().describe('Synced, OutOfSync or Unknown: whether the live objects match git.'),
      revision: z.string().optional().describe('The commit of the deploy repository it last synced.'),
      health: z.string().optional().describe('Healthy, Progressing, Degraded, Suspended, Missing or Unknown.'),
      message: z.string().optional(),
    })
    .optional()
    .describe('Set when an Argo CD Application manages the workload: desired (git) beside live.'),
  lastServed: servingSchema
    .omit({ ready: true })
    .optional()
    .describe('Set while nothing serves (scaled to zero): the version that served last, carried from earlier snapshots, so that scaling up again is compared with it.'),
  rollout: z
    .object({
      revision: z.number().int().optional(),
      replicaSet: z.string(),
      at: z.string().optional().describe('Creation time of the current ReplicaSet: when this version was rolled out.'),
      history: z
        .array(revisionSchema)
        .optional()
        .describe('Every revision Kubernetes keeps (ReplicaSets of the Deployment), oldest first, the current one last.'),
    })
    .optional(),
});

const countsSchema = z.object({
  commits: z.number().int(),
  pullRequests: z.array(z.number().int()).describe('Numbers of the merged PRs whose merge commit is in the set.'),
  pullRequestsSince: z
    .string()
    .optional()
    .describe('Set when the set holds commits older than the history window: pull requests are known from this time (ISO; the first midnight UTC after the window starts) on, so earlier ones among those commits are not listed and the list is a lower bound.'),
  tickets: z.array(z.string()),
});

export const serviceStateSchema = serviceStateBase.extend({
  targets: z
    .array(serviceStateBase.extend({ context: z.string() }))
    .optional()
    .describe('Set when the environment runs in several clusters: the state in each (context), in config order. The service state itself is the first found one, with `serving`, replicas and pods over all of them.'),
});

export const driftServiceSchema = z.object({
  service: z.string(),
  repository: z.string(),
  status: z
    .enum(['same', 'ahead', 'behind', 'diverged', 'unknown'])
    .describe('ahead: the earlier environment has commits the later one lacks (a promotion ships them); unknown: see reason.'),
  ahead: countsSchema.describe('In the earlier environment, missing from the later one: what promoting would ship.'),
  behind: countsSchema.describe('In the later environment, missing from the earlier one.'),
  paths: z.array(z.string()).optional().describe('Set when the service declares paths: the counts are of commits touching them.'),
  reason: z.string().optional().describe('Why the status is unknown: a side that could not be read, a version that did not resolve, nothing serving (scaled to zero, no pod ready), history that could not be completed.'),
  note: z.string().optional().describe('Set when a side serves several versions (a rollout under way or stalled): which commit stood for it (the one every serving pod has).'),
});

const pairCountsSchema = z.object({
  commits: z.number().int().describe('Commits, counted once per repository (services built from one repository share them).'),
  pullRequests: z.number().int().describe('Merged PRs, counted once per repository.'),
  pullRequestsSince: z
    .string()
    .optional()
    .describe('Set when the commits include some older than the history window: PRs merged before this time (ISO; the first midnight UTC after the window starts) are not known, so pullRequests is a lower bound.'),
  tickets: z.array(z.string()).describe('Tickets whose presence would change: work this side has that the other lacks (not counting reverted work or work already there as a cherry-pick).'),
});

export const driftPairSchema = z.object({
  from: z.string(),
  to: z.string(),
  span: z
    .number()
    .int()
    .optional()
    .describe('Set on a pair of environments that are not neighbours in promotion order: how many steps apart they are (2: dev → prod, over staging). Neighbours come first, in config order; these follow.'),
  status: z
    .enum(['same', 'ahead', 'behind', 'diverged', 'unknown'])
    .describe('Over the known services; unknown when no service could be compared, or when the known ones are the same and some are unknown.'),
  ahead: pairCountsSchema.describe('What promoting from → to would ship (known services only).'),
  behind: pairCountsSchema.describe('What the later environment has that the earlier one lacks (known services only).'),
  unknown: z.array(z.object({ service: z.string(), reason: z.string() })).optional().describe('Services that could not be compared, and why.'),
  services: z.array(driftServiceSchema),
});

const viaSchema = z.object({
  commit: z.string(),
  pr: z.number().int().optional(),
  cherryPickOf: z.string().optional().describe('This commit is a cherry-pick of that one (its `(cherry picked from commit …)` trailer, or the same PR).'),
});

export const ticketSchema = z.object({
  kind: z.enum(['jira', 'github']),
  changes: z.array(
    z.object({
      repository: z.string(),
      commit: z.string(),
      pr: z.number().int().optional(),
      sources: z.array(z.enum(['pr-title', 'branch', 'pr-body', 'commit-message'])),
      at: z.string(),
      closes: z.boolean().optional(),
      cherryPickOf: z.string().optional().describe('The change is a cherry-pick of this commit.'),
      revertedBy: z.array(z.string()).optional().describe('Commits known to revert this change.'),
    }),
  ),
  environments: z
    .array(
      z.object({
        project: z.string(),
        environment: z.string(),
        status: z
          .enum(['in', 'partial', 'rolling-out', 'reverted', 'unknown'])
          .describe('in: every change, in every repository of the project that carries it, is in what the environment serves (every serving pod); rolling-out: it is in what is desired, but not yet in every serving pod (a rollout under way or stalled); partial: some are; reverted: its changes are there and reverted; unknown: see reason. Environments without the ticket are not listed.'),
        missing: z.array(z.string()).optional().describe('For partial: the repositories (and services, when a repository builds several) that lack it.'),
        parts: z
          .array(
            z.object({
              repository: z.string(),
              service: z.string(),
              status: z.enum(['in', 'partial', 'rolling-out', 'missing', 'reverted', 'unknown']),
              via: z.array(viaSchema).optional().describe('The commits that bring it there.'),
              reason: z.string().optional(),
            }),
          )
          .optional()
          .describe('Per repository and service, the parts that say more than `missing` does: partly in, reverted, unknown, or in through a cherry-pick.'),
        reason: z.string().optional().describe('Why the status is unknown.'),
      }),
    )
    .describe('Where the ticket is, decided by git ancestry of each deployed commit, never by dates.'),
});

const deployedVersionSchema = z.object({
  image: z.string().optional(),
  version: z.string().optional(),
  digest: z.string().optional(),
  commit: z.string().optional(),
});

/** What a deployment shipped: git's `from..to` in the service's repository (and paths). */
export const shippedSchema = z
  .object({
    status: z.enum(['known', 'unknown']).describe('unknown: see reason (no previous version, a version that did not resolve, history that could not be completed).'),
    reason: z.string().optional(),
    commits: z.number().int().optional().describe('Commits `to` has and `from` lacks (git rev-list --count from..to); for a service with paths, those touching them.'),
    commitList: z
      .array(z.object({ oid: z.string(), at: z.string().describe('Commit time (ISO).'), pr: z.number().int().optional() }))
      .optional()
      .describe('Those commits, newest first, at most 200 (see truncated): the input of lead time for changes.'),
    truncated: z.boolean().optional().describe('More commits shipped than commitList holds.'),
    pullRequests: z.array(z.object({ number: z.number().int(), title: z.string(), mergedAt: z.string().optional() })).optional().describe('Merged PRs whose merge commit is among them.'),
    tickets: z.array(z.string()).optional().describe('Ticket keys carried by those commits (or by the commits they cherry-pick).'),
    reverts: z.number().int().optional().describe('How many of those commits revert earlier work (`Revert "…"`, `This reverts commit …`): a fix deployment, for change failure rate.'),
    cherryPicks: z.number().int().optional().describe('How many are cherry-picks (`git cherry-pick -x`): a hotfix, for change failure rate.'),
    removed: z
      .object({ commits: z.number().int(), tickets: z.array(z.string()) })
      .optional()
      .describe('What `from` had and `to` lacks (git rev-list to..from): what a rollback took out.'),
  })
  .describe('What the deployment shipped, by git ancestry of its two commits; set when the run that found it had the history.');

export const deploymentEventSchema = z.object({
  id: z.string().describe('Stable: the same rollout always has the same id (context, namespace, workload, revision, image).'),
  project: z.string(),
  environment: z.string(),
  service: z.string(),
  workload: z.object({ context: z.string(), namespace: z.string(), name: z.string() }),
  revision: z.number().int().optional(),
  at: z.string().optional().describe('Rollout time: creation of the ReplicaSet.'),
  from: deployedVersionSchema.optional(),
  to: deployedVersionSchema,
  rollback: z.union([z.boolean(), z.literal('unknown')]).describe('true: the new commit is an ancestor of the previous one (or a version that ran before); unknown: their ancestry could not be decided (see rollbackReason).'),
  rollbackReason: z.string().optional(),
  rolloutStatus: z
    .object({
      state: z.enum(['progressing', 'stalled', 'paused', 'scaled-to-zero']),
      reason: z.string().optional(),
      final: z.boolean().optional().describe('A newer revision replaced it before it completed: this is the last state it had.'),
    })
    .optional()
    .describe('Set while the rollout is not complete (e.g. stalled: ProgressDeadlineExceeded; a canary paused at a step; a blue-green preview), kept up to date by later runs; removed when it completes (see completedAt).'),
  completedAt: z.string().optional().describe('When a rollout recorded before it completed was first seen complete (its newest serving pod, else that run).'),
  detectedBy: z.enum(['snapshot-diff', 'replicaset-history']),
  shipped: shippedSchema.optional(),
  snapshot: z.string().optional().describe('Id of the snapshot that first recorded this deployment (in the release history).'),
});

export const ticketKeysSchema = z.object({
  mode: z.enum(['configured', 'learned']).describe('configured: tickets.jiraProjects; learned: prefixes seen as ticket keys in branch names or at the start of PR titles and commit subjects.'),
  accepted: z.array(z.object({ prefix: z.string(), keys: z.number().int(), evidence: z.string() })),
  ignored: z.array(z.object({ prefix: z.string(), keys: z.number().int(), example: z.string() })).describe('Key-like words that were not taken for tickets, with an example.'),
});

export const repositoryStateSchema = z.object({
  defaultBranch: z.string(),
  head: z.object({ oid: z.string(), committedAt: z.string().optional(), headline: z.string().optional() }).optional(),
  commitsInWindow: z.number().int().describe("Commits of the head's history dated within the history window."),
  newCommits: z.number().int().optional().describe('Commits on the default branch since the previous snapshot with GitHub data (git oldHead..newHead); absent on the first, or when unknown.'),
  newUnknown: z.string().optional().describe('Why the commits and PRs new since the previous snapshot are unknown (mergedPullRequests is then empty).'),
  services: z
    .record(z.string(), z.object({ paths: z.array(z.string()), commitsInWindow: z.number().int(), newCommits: z.number().int().optional() }))
    .optional()
    .describe('Services built from folders of this repository (`paths`): the commits that touch them.'),
  mergedPullRequests: z
    .array(z.object({ number: z.number().int(), title: z.string(), headRefName: z.string(), mergedAt: z.string(), author: z.string(), mergeCommit: z.string().optional() }))
    .describe('Merged since the previous snapshot (all in the window on the first one).'),
  tags: z.array(z.object({ name: z.string(), oid: z.string() })),
});

export const githubSourceSchema = z.object({
  url: z.string(),
  status: z.enum(['ok', 'failed', 'skipped']),
  error: z.string().optional(),
  requests: z.number().int(),
  points: z.number().int().describe('GraphQL points spent, as GitHub reports them.'),
  rateLimit: z.object({ limit: z.number().optional(), remaining: z.number().optional(), resetAt: z.string().optional() }),
  waits: z.array(z.object({ kind: z.string(), at: z.string(), waitMs: z.number(), message: z.string() })).describe('Rate-limit waits.'),
  repositories: z.number().int(),
  fetched: z.number().int().describe('Repositories that had something new.'),
  unchanged: z.number().int(),
  rebuilt: z.number().int().describe('Repository caches that were missing, corrupt or from another config.'),
  lookups: z.number().int().describe('Commits looked up outside the cached window.'),
  durationMs: z.number().int(),
});

export const environmentStateSchema = z.object({
  context: z.string(),
  namespaces: z.array(z.string()).nullable(),
  targets: z.array(z.object({ context: z.string(), namespaces: z.array(z.string()).nullable() })).optional().describe('Set when the environment runs in several clusters.'),
  services: z.record(z.string(), serviceStateSchema),
});

export const snapshotSchema = z
  .object({
    schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
    id: z.string(),
    takenAt: z.string().describe('When collection finished (ISO 8601).'),
    startedAt: z.string(),
    durationMs: z.number().int(),
    outcome: z.enum(['ok', 'partial']).describe('partial: some source could not be read; see warnings.'),
    tool: z.object({ name: z.literal('snap'), version: z.string() }),
    config: z.object({ path: z.string(), hash: z.string() }),
    sources: z.object({ kubernetes: z.object({ clusters: z.record(z.string(), clusterSchema) }), github: githubSourceSchema.optional() }),
    projects: z.record(z.string(), z.object({ environments: z.record(z.string(), environmentStateSchema) })),
    repositories: z.record(z.string(), repositoryStateSchema).optional(),
    tickets: z.record(z.string(), ticketSchema).optional(),
    deployments: z.array(deploymentEventSchema).optional().describe('Rollouts since the previous snapshot; on the first, the history Kubernetes keeps.'),
    drift: z.record(z.string(), z.array(driftPairSchema)).optional().describe('Per project, each pair of consecutive environments.'),
    ticketKeys: ticketKeysSchema.optional().describe('Which Jira-style prefixes counted as ticket keys, and which were taken for noise.'),
    warnings: z.array(warningSchema),
  })
  .describe('One snap snapshot: the delivery state of an organisation at one moment.');

export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotWarning = z.infer<typeof warningSchema>;
export type ClusterState = z.infer<typeof clusterSchema>;
export type ServiceState = z.infer<typeof serviceStateSchema>;
export type EnvironmentState = z.infer<typeof environmentStateSchema>;
export type Revision = z.infer<typeof revisionSchema>;
export type Serving = z.infer<typeof servingSchema>;
export type Ticket = z.infer<typeof ticketSchema>;
export type DeploymentEvent = z.infer<typeof deploymentEventSchema>;
export type DriftPair = z.infer<typeof driftPairSchema>;
export type DriftService = z.infer<typeof driftServiceSchema>;
export type RepositoryState = z.infer<typeof repositoryStateSchema>;
export type GithubSourceState = z.infer<typeof githubSourceSchema>;
export type TicketKeys = z.infer<typeof ticketKeysSchema>;
export type TicketPresence = Ticket['environments'][number];
