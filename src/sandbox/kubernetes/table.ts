import type { K8sObject } from './objects.js';

/** meta.k8s.io/v1 Table responses, so `kubectl get` prints the usual columns from the sandbox. */
type Column = { name: string; type: string; format?: string; priority: number; description: string };

const col = (name: string, priority = 0, type = 'string', format = ''): Column => ({ name, type, format, priority, description: name });

export function humanAge(since: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (h < 3) return `${m}m`;
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const containers = (o: K8sObject) => (o.spec?.template?.spec?.containers ?? []) as { name: string; image: string }[];
const selectorText = (o: K8sObject) =>
  Object.entries((o.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

const TABLES: Record<string, { columns: Column[]; cells: (o: K8sObject) => unknown[] }> = {
  Namespace: { columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Age')], cells: (o) => [o.metadata.name, o.status?.phase ?? 'Active', humanAge(o.metadata.creationTimestamp)] },
  Deployment: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
      o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0,
      humanAge(o.metadata.creationTimestamp),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
      selectorText(o),
    ],
  },
  ReplicaSet: {
    columns: [col('Name', 0, 'string', 'name'), col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o) => [
      o.metadata.name,
      o.spec?.replicas ?? 0,
      o.status?.replicas ?? 0,
      o.status?.readyReplicas ?? 0,
      humanAge(o.metadata.creationTimestamp),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
      selectorText(o),
    ],
  },
  StatefulSet: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Age'), col('Containers', 1), col('Images', 1)],
    cells: (o) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, humanAge(o.metadata.creationTimestamp), containers(o).map((c) => c.name).join(','), containers(o).map((c) => c.image).join(',')],
  },
  DaemonSet: {
    columns: [col('Name', 0, 'string', 'name'), col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Ready', 0, 'integer'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Node Selector'), col('Age'), col('Containers', 1), col('Images', 1), col('Selector', 1)],
    cells: (o) => [
      o.metadata.name,
      o.status?.desiredNumberScheduled ?? 0,
      o.status?.currentNumberScheduled ?? 0,
      o.status?.numberReady ?? 0,
      o.status?.updatedNumberScheduled ?? 0,
      o.status?.numberAvailable ?? 0,
      '<none>',
      humanAge(o.metadata.creationTimestamp),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
      selectorText(o),
    ],
  },
  ControllerRevision: {
    columns: [col('Name', 0, 'string', 'name'), col('Controller'), col('Revision', 0, 'integer'), col('Age')],
    cells: (o) => {
      const owner = o.metadata.ownerReferences?.[0];
      return [o.metadata.name, owner ? `${owner.kind.toLowerCase()}.apps/${owner.name}` : '<none>', (o as K8sObject & { revision?: number }).revision ?? 0, humanAge(o.metadata.creationTimestamp)];
    },
  },
  CronJob: {
    columns: [col('Name', 0, 'string', 'name'), col('Schedule'), col('Timezone'), col('Suspend', 0, 'boolean'), col('Active', 0, 'integer'), col('Last Schedule', 0, 'date'), col('Age'), col('Containers', 1), col('Images', 1)],
    cells: (o) => {
      const template = o.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
      return [
        o.metadata.name,
        o.spec?.schedule ?? '',
        o.spec?.timeZone ?? '<none>',
        Boolean(o.spec?.suspend),
        (o.status?.active ?? []).length,
        o.status?.lastScheduleTime ? humanAge(o.status.lastScheduleTime) : '<none>',
        humanAge(o.metadata.creationTimestamp),
        template.map((c: { name: string }) => c.name).join(','),
        template.map((c: { image: string }) => c.image).join(','),
      ];
    },
  },
  Job: {
    columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Completions'), col('Duration'), col('Age'), col('Containers', 1), col('Images', 1)],
    cells: (o) => [
      o.metadata.name,
      o.status?.succeeded ? 'Complete' : o.status?.failed ? 'Failed' : 'Running',
      `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
      o.status?.completionTime && o.status?.startTime ? `${Math.round((Date.parse(o.status.completionTime) - Date.parse(o.status.startTime)) / 1000)}s` : '',
      humanAge(o.metadata.creationTimestamp),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
    ],
  },
  // Custom resources: the CRDs' additionalPrinterColumns (Argo Rollouts: Desired, Current, Up-to-date,
  // Available; Argo CD: Sync Status, Health Status).
  Rollout: {
    columns: [col('Name', 0, 'string', 'name'), col('Desired', 0, 'integer'), col('Current', 0, 'integer'), col('Up-to-date', 0, 'integer'), col('Available', 0, 'integer'), col('Age', 0, 'date')],
    cells: (o) => [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, humanAge(o.metadata.creationTimestamp)],
  },
  Application: {
    columns: [col('Name', 0, 'string', 'name'), col('Sync Status'), col('Health Status'), col('Revision', 1), col('Project', 1)],
    cells: (o) => [o.metadata.name, o.status?.sync?.status ?? '', o.status?.health?.status ?? '', o.status?.sync?.revision ?? '', o.spec?.project ?? ''],
  },
  Pod: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 1), col('Node', 1), col('Nominated Node', 1), col('Readiness Gates', 1)],
    cells: (o) => {
      const statuses = (o.status?.containerStatuses ?? []) as { ready: boolean; restartCount: number; state?: { waiting?: { reason?: string } } }[];
      const waiting = statuses.find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
      return [
        o.metadata.name,
        `${statuses.filter((s) => s.ready).length}/${statuses.length}`,
        waiting ?? o.status?.phase ?? 'Unknown',
        statuses.reduce((sum, s) => sum + s.restartCount, 0),
        humanAge(o.metadata.creationTimestamp),
        o.status?.podIP ?? '<none>',
        o.spec?.nodeName ?? '<none>',
        '<none>',
        '<none>',
      ];
    },
  },
};

export function toTable(kind: string, items: K8sObject[], resourceVersion: string, continueToken?: string) {
  const table = TABLES[kind];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken ? { continue: continueToken } : {}) },
    columnDefinitions: table.columns,
    rows: items.map((o) => ({
      cells: table.cells(o),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
