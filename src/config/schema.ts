import { spanMs } from '../util/span.js';
import { z } from 'zod';

/**
 * The config file's schema. The validator (config/load.ts) and the published JSON Schema
 * (schema/snap.config.schema.json, written by `npm run schemas`) are both derived from it.
 */

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i, 'use letters, digits, ".", "_" and "-", starting and ending with a letter or digit');

/** A Kubernetes namespace name (RFC 1123 label: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/); "{project}" may stand for the project name. */
const namespaceName = z
  .string()
  .min(1)
  .refine((n) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n.replaceAll('{project}', 'p')) && n.replaceAll('{project}', 'p').length <= 63, 'is not a Kubernetes namespace name: lower-case letters, digits and "-", at most 63 characters (e.g. payments-prod)');

/** A Kubernetes object name (RFC 1123 subdomain): lower-case letters, digits, "-" and ".", at most 253 characters. */
const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'is not a Kubernetes object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. payments-api)');

/**
 * A label or annotation key: an optional DNS-subdomain prefix and "/", then a name of at most 63
 * letters, digits, "-", "_" and "." (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
 */
const labelKey = z
  .string()
  .min(1)
  .refine((k) => {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
    const key = slash >= 0 ? k.slice(slash + 1) : k;
    return (prefix === undefined || (prefix.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix))) && key.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key);
  }, 'is not a label or annotation key: an optional prefix and "/", then letters, digits, "-", "_" and "." (e.g. app.kubernetes.io/version)');

const namespacesSchema = z
  .array(namespaceName)
  .min(1, 'the list is empty, so no namespace would be read: list the namespaces, or remove the key to look in all of them')
  .optional()
  .describe('Namespaces to look in; "{project}" is replaced by the project name. Omit to look in all namespaces.');

export const targetSchema = z
  .strictObject({
    context: z.string().min(1).describe('kubeconfig context of one cluster of the environment.'),
    namespaces: namespacesSchema,
  })
  .describe('One cluster (and its namespaces) an environment runs in.');

export const environmentSchema = z
  .strictObject({
    name: name.describe('Environment name, e.g. dev, staging, prod. Order in the list is promotion order.'),
    context: z.string().min(1).optional().describe('kubeconfig context of the cluster this environment runs in (or use targets for several).'),
    namespaces: namespacesSchema,
    targets: z
      .array(targetSchema)
      .min(1)
      .optional()
      .describe('The clusters this environment runs in, when there are several (regions: prod-eu, prod-us). Each service reports per target; what serves anywhere counts.'),
  })
  .describe('One environment: a kube context and the namespaces that belong to it, or several such targets.');

export const workloadSchema = z
  .strictObject({
    kind: z
      .enum(['Deployment', 'Rollout', 'StatefulSet', 'DaemonSet', 'CronJob'])
      .optional()
      .describe('Workload kind (Rollout: Argo Rollouts). Omit it to look for a Deployment, and when none matches (or it has 0 replicas, as under a Rollout\'s workloadRef), for a Rollout, StatefulSet, DaemonSet or CronJob (which costs their lists in that cluster).'),
    name: objectName.optional().describe('Workload name. Defaults to the service name when no selector is given.'),
    selector: z
      .string()
      .min(1)
      .optional()
      .describe('Kubernetes label selector matched against the workload labels, e.g. "app.kubernetes.io/name=api".'),
    container: z
      .string()
      .min(1)
      .optional()
      .describe('Container whose image is the service version. Default: the container whose image is named like the repository, else the one named like the service, else the one that is not a known sidecar (istio-proxy, linkerd-proxy, vault-agent, cloud-sql-proxy…); init containers never count.'),
  })
  .describe('How to find the service workload in each environment.');

export const versionSchema = z
  .strictObject({
    from: z
      .enum(['image-tag', 'label', 'annotation'])
      .default('image-tag')
      .describe('Where the deployed version is read: the container image tag, a workload label or a workload annotation.'),
    key: labelKey.optional().describe('Label or annotation key holding the version (required for label and annotation).'),
  })
  .describe('How to read the deployed version of the service.');

export const serviceSchema = z
  .strictObject({
    name: name.max(253, 'is longer than 253 characters, the most a Kubernetes name (its default workload name) can have').describe('Service name, unique inside its project.'),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'write the repository as "owner/name"')
      .refine((r) => !r.split('/').some((part) => part === '.' || part === '..'), 'write the repository as "owner/name" ("." and ".." name no repository)')
      .describe('GitHub repository holding the service code, as "owner/name".'),
    workload: workloadSchema.optional(),
    version: versionSchema.optional(),
    paths: z
      .array(
        z
          .string()
          .min(1)
          .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^*?[\]{}]+$/, 'write a folder or file of the repository, relative to its root, without wildcards (e.g. services/api)'),
      )
      .min(1)
      .optional()
      .describe('Folders or files of the repository this service is built from (a monorepo). Its new commits, tickets and drift count only commits that touch them.'),
    environments: z
      .array(
        z.union([
          name,
          z
            .strictObject({
              name: name.describe('The environment.'),
              contexts: z.array(z.string().min(1)).min(1).describe('The contexts (of that environment\'s targets) the service runs in, when not all of them: one region of two.'),
            })
            .describe('An environment on several clusters, of which the service runs in some.'),
        ]),
      )
      .min(1)
      .optional()
      .describe('The environments this service runs in, when not all of its project\'s (a service that runs only in prod), by name, or by name and contexts (only one of two prod regions). snap looks for it only there: elsewhere it is not missing, it is not meant to run.'),
  })
  .describe('One deployable service.');

export const projectSchema = z
  .strictObject({
    name: name.describe('Project name, e.g. a product or a team.'),
    environments: z
      .array(environmentSchema)
      .min(1)
      .optional()
      .describe('Environments of this project, replacing the shared top-level list.'),
    services: z.array(serviceSchema).min(1, 'a project needs at least one service'),
  })
  .describe('A group of services that are released together through the same environments.');

export const kubernetesSchema = z
  .strictObject({
    kubeconfig: z.string().min(1).optional().describe('Path of the kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config.'),
    concurrency: z.number().int().min(1).max(32).default(4).describe('Clusters read at the same time.'),
    pageSize: z.number().int().min(1).max(5000).default(500).describe('Objects per list page (the `limit` parameter).'),
    requestTimeoutSeconds: z.number().positive().max(600).default(20).describe('Time limit of one Kubernetes API request.'),
    listScope: z
      .enum(['auto', 'cluster', 'namespace'])
      .default('auto')
      .describe('cluster: one cluster-wide list per kind; namespace: one list per configured namespace; auto: cluster-wide, falling back to namespaces when forbidden.'),
  })
  .describe('How the Kubernetes clusters are read.');

export const githubSchema = z
  .strictObject({
    url: z
      .string()
      .url('write the API base URL, e.g. https://api.github.com or https://github.example.com/api')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL, e.g. https://api.github.com or https://github.example.com/api')
      .refine((u) => !/^https?:\/\/[^/]*@/i.test(u), 'must not hold credentials: the token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`, never from this file')
      .refine((u) => !/[?#]/.test(u), 'must not carry a query string (a token there would be printed and saved): the token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`')
      .refine((u) => !/^https?:\/\/(www\.)?github\.com\/?$/i.test(u), 'is the website, not the API: write https://api.github.com (or leave github.url out)')
      .optional()
      .describe('GitHub API base URL. Default https://api.github.com; GitHub Enterprise Server: https://HOST/api. GraphQL is served at <url>/graphql.'),
    concurrency: z.number().int().min(1).max(20).default(4).describe('GraphQL requests in flight at once (GitHub allows at most 100).'),
    batchSize: z.number().int().min(1).max(50).default(10).describe('Repositories fetched in one query (aliases).'),
    pageSize: z.number().int().min(5).max(100).default(100).describe('Items per page of commits, pull requests and tags; halved when GitHub times out.'),
    maxPages: z.number().int().min(1).max(1000).default(50).describe('Hard cap on pages per repository and kind in one run.'),
    requestTimeoutSeconds: z.number().positive().max(600).default(30).describe('Time limit of one GraphQL request.'),
    maxWaitSeconds: z.number().min(0).max(7200).default(900).describe('Longest wait for a rate limit to reset before the run gives up on GitHub.'),
  })
  .describe('How GitHub is read. The token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`, never from this file.');

export const historySchema = z
  .strictObject({
    days: z.number().int().min(1).max(3650).default(60).describe('History window: commits and pull requests of the last N days are kept.'),
  })
  .describe('How much history is collected and cached.');

export const ticketsSchema = z
  .strictObject({
    jiraProjects: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{1,19}$/, 'write a Jira project key: a letter, then letters, digits or underscores, e.g. PAY or MY_PROJ'))
      .optional()
      .describe('Only keys of these Jira projects count, written in any case (e.g. PAY, MY_PROJ). Default: prefixes learnt from where ticket references stand (branch names, the start of PR titles and commit subjects, after fixes/refs/see), never standards such as UTF-8, SHA-256 or CVE ids.'),
    githubIssues: z.boolean().default(true).describe('Recognise GitHub issue references (#12, owner/repo#12, fixes #12).'),
    hosts: z.array(z.string().min(1).regex(/^[^\s/:]+(:\d+)?$/, 'write the host only, e.g. jira.example.com (no https:// and no path)')).optional().describe('Hosts whose URLs may carry keys (your Jira host); keys in URLs of other hosts are ignored.'),
  })
  .describe('Ticket extraction from PR titles, branch names, PR bodies and commit messages.');

export const monitoringSchema = z
  .strictObject({
    prometheusFile: z
      .string()
      .min(1)
      .optional()
      .describe('After each run, write Prometheus text-format metrics here (node_exporter textfile collector; use a .prom name), relative to this file.'),
  })
  .describe('Monitoring exports.');

export const reportSchema = z
  .strictObject({
    path: z.string().min(1).optional().describe('After each run, write the HTML report (snap report) here, relative to this file; written whole or not at all. Also where snap report writes without --out.'),
    since: z
      .string()
      .refine((text) => spanMs(text) !== undefined, 'write a length of time above zero, such as 30d, 12h or 2w')
      .default('30d')
      .describe('The window the report covers, back from the newest snapshot: 30d, 12h, 2w (snap report --since overrides it).'),
  })
  .describe('The HTML report (snap report): where it is written after each run, and the window it covers.');

export const retentionSchema = z
  .strictObject({
    keep: z.number().int().min(1).optional().describe('Keep at most this many snapshot files (the newest).'),
    maxAgeDays: z.number().positive().optional().describe('Delete snapshot files older than this many days. Default 30 when neither this nor keep is set.'),
  })
  .describe('Which snapshot files to keep. The latest, and any the release history refers to, are always kept.');

/** An address, alone or as `Name <address>`: something@domain. */
const emailAddress = z.string().regex(/^(?:[^<>]*<\s*)?[^\s@<>]+@[^\s@<>.][^\s@<>]*(?:\s*>)?$/, 'is not an email address: write e.g. release@example.com or "snap <snap@example.com>"');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'write the name of an environment variable, e.g. SNAP_SLACK_WEBHOOK_URL');

export const alertsSchema = z
  .strictObject({
    on: z
      .array(z.enum(['failure', 'recovery', 'stale', 'anomaly', 'degraded']))
      .min(1)
      .optional()
      .describe('Which changes of state send an alert. Default: all five.'),
    degradedAfterRuns: z.number().int().min(1).max(1000).default(3).describe('Partial snapshots in a row (a source that stays unreadable: an expired token, a cluster gone) that make a lasting degradation: an alert, and `snap status --check` fails.'),
    degradedAfterMinutes: z.number().positive().default(60).describe('…or partial snapshots for this long, whichever comes first.'),
    staleAfterMinutes: z
      .number()
      .positive()
      .optional()
      .describe('No successful snapshot for this long is stale. Default: twice the usual interval between runs (at least 10 minutes), else 2 hours.'),
    anomalyFactor: z.number().min(1.5).max(100).default(3).describe('A run this many times slower than the median is an anomaly.'),
    retries: z.number().int().min(0).max(10).default(3).describe('Retries of a failed delivery, with exponential backoff (1 s, 2 s, 4 s…).'),
    timeoutSeconds: z.number().positive().max(120).default(10).describe('Time limit of one delivery attempt.'),
    slack: z
      .strictObject({
        webhookUrlEnv: envName.default('SNAP_SLACK_WEBHOOK_URL').describe('Environment variable holding the Slack incoming-webhook URL.'),
      })
      .optional()
      .describe('Slack incoming webhook. The URL is a secret: it is read from an environment variable, never from this file.'),
    webhook: z
      .strictObject({
        url: z
          .string()
          .url('write an http(s) URL, e.g. https://alerts.example.com/snap')
          .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
          .refine((u) => !/\s/.test(u), 'contains a space: write the URL without spaces (%20 where one belongs in the path)')
          .optional()
          .describe('Endpoint that receives a JSON POST per alert. Or set urlEnv. Credentials in it are sent as basic auth and never printed.'),
        urlEnv: envName.default('SNAP_WEBHOOK_URL').describe('Environment variable holding the endpoint, used when url is not given.'),
        tokenEnv: envName.default('SNAP_WEBHOOK_TOKEN').describe('Environment variable holding a bearer token to send, if set.'),
      })
      .optional()
      .describe('Generic JSON webhook (PagerDuty, Opsgenie, your own service).'),
    email: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .refine((h) => !h.includes('://'), 'write the host name only, e.g. smtp.example.com (no smtp:// or https://)')
          .refine((h) => !/^[^:]+:\d+$/.test(h), 'write the host name only: the port goes in "port:"')
          .describe('SMTP server host.'),
        port: z.number().int().min(1).max(65535).default(587).describe('SMTP port: 587 (STARTTLS), 465 (TLS) or 25.'),
        tls: z
          .enum(['starttls', 'implicit', 'none'])
          .optional()
          .describe('starttls: upgrade and require TLS (default); implicit: TLS from the start (default on port 465); none: plain text (loopback relays only).'),
        from: emailAddress.describe('Sender address, e.g. "snap <snap@example.com>".'),
        to: z.array(emailAddress).min(1).describe('Recipients.'),
        userEnv: envName.default('SNAP_SMTP_USER').describe('Environment variable holding the SMTP user name (no login when unset).'),
        passwordEnv: envName.default('SNAP_SMTP_PASSWORD').describe('Environment variable holding the SMTP password.'),
        allowPlaintext: z.boolean().optional().describe('Allow tls: none to a host other than this machine (the login and alerts then cross the network in clear).'),
      })
      .optional()
      .describe('Email over SMTP.'),
  })
  .describe('Alerts on failure, recovery, staleness and anomalies, sent once per change of state.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema reference for editors.'),
    version: z.literal(1).describe('Config format version. Always 1.'),
    dataDir: z.string().min(1).optional().describe('Where snapshots, the run log and the lock live, relative to this file. Default: .snap'),
    kubernetes: kubernetesSchema.optional(),
    github: githubSchema.optional(),
    history: historySchema.optional(),
    tickets: ticketsSchema.optional(),
    monitoring: monitoringSchema.optional(),
    retention: retentionSchema.optional(),
    alerts: alertsSchema.optional(),
    report: reportSchema.optional(),
    environments: z.array(environmentSchema).optional().describe('Environments shared by all projects, in promotion order (dev before prod).'),
    projects: z.array(projectSchema).min(1, 'add at least one project'),
  })
  .describe('snap configuration (snap.config.yaml).');

export type RawConfig = z.infer<typeof configSchema>;
