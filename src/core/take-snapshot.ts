import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { collectKubernetes, planClusters, plannedLists } from '../sources/kubernetes/collect.js';
import { SNAP_VERSION } from '../version.js';
import type { ProgressSink } from './progress.js';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot, type SnapshotWarning } from './snapshot-schema.js';

export interface CollectResult {
  snapshot: Snapshot;
  apiCalls: Record<string, number>;
}

export interface TakeSnapshotOptions {
  progress: ProgressSink;
  /** Warnings found before collection (config warnings, recovered files), carried into the snapshot. */
  warnings?: SnapshotWarning[];
  eta?: { etaMs: number; basedOnRuns: number };
  now?: () => Date;
}

/** Reads every source and assembles one snapshot document. Writes nothing. */
export async function takeSnapshot(config: Config, options: TakeSnapshotOptions): Promise<CollectResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const { progress } = options;
  const kubeTotal = planClusters(config).reduce((sum, p) => sum + plannedLists(p), 0);
  progress({ kind: 'start', sources: [{ source: 'kubernetes', total: kubeTotal }], ...(options.eta ?? {}) });

  const kube = await collectKubernetes(config, {
    onStep: (context, call, done, total) => progress({ kind: 'step', source: 'kubernetes', target: context, call, done, total }),
  });
  progress({ kind: 'source-done', source: 'kubernetes', done: kubeTotal, total: kubeTotal, ok: !kube.partial });
  const warnings = [...(options.warnings ?? []), ...kube.warnings];
  for (const warning of kube.warnings) progress({ kind: 'warning', warning });

  const finished = now();
  const projects: Snapshot['projects'] = {};
  for (const project of config.projects) projects[project.name] = { environments: kube.environments[project.name] };

  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    id: `${finished.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`,
    takenAt: finished.toISOString(),
    startedAt: started.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    outcome: kube.partial ? 'partial' : 'ok',
    tool: { name: 'snap', version: SNAP_VERSION },
    config: { path: config.path, hash: config.hash },
    sources: { kubernetes: { clusters: kube.clusters } },
    projects,
    warnings,
  };
  return { snapshot, apiCalls: { kubernetes: kube.requests } };
}
