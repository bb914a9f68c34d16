import { z } from 'zod';

/**
 * The snapshot document. Types and the published JSON Schema (schema/snapshot.schema.json)
 * both come from here; docs/snapshot-format.md explains the fields.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

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
  kind: z.enum(['deployments', 'replicasets', 'pods']),
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

export const serviceStateSchema = z.object({
  repository: z.string(),
  status: z
    .enum(['running', 'not-found', 'unknown'])
    .describe('running: workload found; not-found: the cluster was read and has no such workload; unknown: the cluster could not be read.'),
  workload: z
    .object({ kind: z.literal('Deployment'), name: z.string(), namespace: z.string(), context: z.string(), generation: z.number().int().optional() })
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
  rollout: z
    .object({
      revision: z.number().int().optional(),
      replicaSet: z.string(),
      at: z.string().optional().describe('Creation time of the current ReplicaSet: when this version was rolled out.'),
    })
    .optional(),
});

export const environmentStateSchema = z.object({
  context: z.string(),
  namespaces: z.array(z.string()).nullable(),
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
    sources: z.object({ kubernetes: z.object({ clusters: z.record(z.string(), clusterSchema) }) }),
    projects: z.record(z.string(), z.object({ environments: z.record(z.string(), environmentStateSchema) })),
    warnings: z.array(warningSchema),
  })
  .describe('One snap snapshot: the delivery state of an organisation at one moment.');

export type Snapshot = z.infer<typeof snapshotSchema>;
export type SnapshotWarning = z.infer<typeof warningSchema>;
export type ClusterState = z.infer<typeof clusterSchema>;
export type ServiceState = z.infer<typeof serviceStateSchema>;
export type EnvironmentState = z.infer<typeof environmentStateSchema>;
