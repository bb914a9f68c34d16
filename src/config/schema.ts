import { z } from 'zod';

/**
 * The config file's schema. The validator (config/load.ts) and the published JSON Schema
 * (schema/snap.config.schema.json, written by `npm run schemas`) are both derived from it.
 */

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i, 'use letters, digits, ".", "_" and "-", starting and ending with a letter or digit');

export const environmentSchema = z
  .strictObject({
    name: name.describe('Environment name, e.g. dev, staging, prod. Order in the list is promotion order.'),
    context: z.string().min(1).describe('kubeconfig context of the cluster this environment runs in.'),
    namespaces: z
      .array(z.string().min(1))
      .optional()
      .describe('Namespaces to look in; "{project}" is replaced by the project name. Omit to look in all namespaces.'),
  })
  .describe('One environment: a kube context and the namespaces that belong to it.');

export const workloadSchema = z
  .strictObject({
    kind: z.literal('Deployment').default('Deployment').describe('Workload kind. Deployments are supported.'),
    name: z.string().min(1).optional().describe('Workload name. Defaults to the service name when no selector is given.'),
    selector: z
      .string()
      .min(1)
      .optional()
      .describe('Kubernetes label selector matched against the workload labels, e.g. "app.kubernetes.io/name=api".'),
    container: z.string().min(1).optional().describe('Container whose image is the service version. Defaults to the container named like the service, else the first.'),
  })
  .describe('How to find the service workload in each environment.');

export const versionSchema = z
  .strictObject({
    from: z
      .enum(['image-tag', 'label', 'annotation'])
      .default('image-tag')
      .describe('Where the deployed version is read: the container image tag, a workload label or a workload annotation.'),
    key: z.string().min(1).optional().describe('Label or annotation key holding the version (required for label and annotation).'),
  })
  .describe('How to read the deployed version of the service.');

export const serviceSchema = z
  .strictObject({
    name: name.describe('Service name, unique inside its project.'),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'write the repository as "owner/name"')
      .describe('GitHub repository holding the service code, as "owner/name".'),
    workload: workloadSchema.optional(),
    version: versionSchema.optional(),
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

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema reference for editors.'),
    version: z.literal(1).describe('Config format version. Always 1.'),
    dataDir: z.string().min(1).optional().describe('Where snapshots, the run log and the lock live, relative to this file. Default: .snap'),
    kubernetes: kubernetesSchema.optional(),
    environments: z.array(environmentSchema).optional().describe('Environments shared by all projects, in promotion order (dev before prod).'),
    projects: z.array(projectSchema).min(1, 'add at least one project'),
  })
  .describe('snap configuration (snap.config.yaml).');

export type RawConfig = z.infer<typeof configSchema>;
