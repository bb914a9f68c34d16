import { stat } from 'node:fs/promises';
import type { ServiceState, Snapshot } from '../core/snapshot-schema.js';
import { writeFileAtomic } from './atomic.js';
import { snapshotFileName, snapshotFiles, type DataLayout } from './layout.js';
import { readJsonOrSetAside, type ReadJsonResult } from './read-json.js';
import { checkSnapshot, readLatest } from './snapshots.js';

/**
 * The baseline: the part of the latest snapshot the next run compares against (each service's
 * workload, version, commit and revision; each repository's head), in a small file beside it.
 * A large organisation's snapshot is tens of megabytes; the next run reads this instead. It is
 * used only when it belongs to the newest snapshot file; otherwise latest.json is read.
 */
function slimService(s: ServiceState): ServiceState {
  return {
    ...slimOne(s),
    ...(s.targets ? { targets: s.targets.map((t) => ({ ...slimOne(t), context: t.context })) } : {}),
  };
}

function slimOne(s: ServiceState): ServiceState {
  return {
    repository: s.repository,
    status: s.status,
    ...(s.workload ? { workload: s.workload } : {}),
    ...(s.container ? { container: s.container } : {}),
    ...(s.version ? { version: s.version } : {}),
    ...(s.commit ? { commit: { oid: s.commit.oid, resolvedBy: s.commit.resolvedBy, detail: s.commit.detail } } : {}),
    ...(s.serving ? { serving: s.serving } : {}),
    ...(s.rolloutStatus ? { rolloutStatus: s.rolloutStatus } : {}),
    ...(s.lastServed ? { lastServed: s.lastServed } : {}),
    ...(s.rollout ? { rollout: { ...(s.rollout.revision !== undefined ? { revision: s.rollout.revision } : {}), replicaSet: s.rollout.replicaSet, ...(s.rollout.at ? { at: s.rollout.at } : {}) } } : {}),
    // For `snap status`: health at a glance.
    ...(s.replicas ? { replicas: s.replicas } : {}),
    ...(s.pods ? { pods: { ...s.pods, notReady: [] } } : {}),
  };
}

export function baselineOf(snapshot: Snapshot): Snapshot {
  const projects: Snapshot['projects'] = {};
  for (const [name, p] of Object.entries(snapshot.projects)) {
    projects[name] = { environments: {} };
    for (const [env, e] of Object.entries(p.environments)) {
      projects[name].environments[env] = { context: e.context, namespaces: e.namespaces, ...(e.targets ? { targets: e.targets } : {}), services: Object.fromEntries(Object.entries(e.services).map(([k, s]) => [k, slimService(s)])) };
    }
  }
  const repositories: Snapshot['repositories'] = {};
  for (const [name, r] of Object.entries(snapshot.repositories ?? {})) {
    repositories[name] = { defaultBranch: r.defaultBranch, ...(r.head ? { head: { oid: r.head.oid } } : {}), commitsInWindow: r.commitsInWindow, mergedPullRequests: [], tags: [] };
  }
  const { tickets: _t, drift, deployments: _e, repositories: _r, projects: _p, warnings, ...rest } = snapshot;
  const summary = drift ? Object.fromEntries(Object.entries(drift).map(([project, pairs]) => [project, pairs.map((p) => ({ ...p, services: [] }))])) : undefined;
  return {
    ...rest,
    projects,
    ...(snapshot.repositories ? { repositories } : {}),
    ...(summary ? { drift: summary } : {}),
    // Counts only: `snap status` says how many warnings the snapshot has.
    warnings: warnings.filter((w) => w.severity === 'error'),
  };
}

interface BaselineFile {
  /** Name of the snapshot file and size of latest.json it was made with: a mismatch means latest.json changed since. */
  file: string;
  bytes: number;
  snapshot: Snapshot;
}

/**
 * Writes the baseline of `snapshot`. A snapshot taken without GitHub data keeps the repositories of
 * the previous baseline, so "new since the previous snapshot" is measured from the last one that
 * read GitHub, not from nothing.
 */
export async function writeBaseline(layout: DataLayout, snapshot: Snapshot, latestBytes: number, previous?: Snapshot): Promise<void> {
  const slim = baselineOf(snapshot);
  const carried = !slim.repositories && previous?.repositories ? { ...slim, repositories: previous.repositories } : slim;
  const baseline: BaselineFile = { file: snapshotFileName(snapshot.takenAt), bytes: latestBytes, snapshot: carried };
  await writeFileAtomic(layout.baseline, JSON.stringify(baseline));
}

const checkBaseline = (v: unknown) => {
  const b = v as Partial<BaselineFile> | null;
  return b && typeof b.file === 'string' && typeof b.bytes === 'number' ? checkSnapshot(b.snapshot) : 'not a baseline';
};

/**
 * The previous snapshot's baseline: from baseline.json when it matches the newest snapshot file and
 * latest.json is the size it wrote, else from latest.json (which sets a corrupt one aside). A corrupt
 * baseline.json is set aside and reported through `onCorrupt`.
 */
export async function readBaseline(layout: DataLayout, onCorrupt?: (corrupt: { file: string; movedTo: string; reason: string }) => void): Promise<ReadJsonResult<Snapshot>> {
  const newest = (await snapshotFiles(layout.snapshotsDir)).at(-1);
  const latestBytes = await stat(layout.latest).then(
    (s) => s.size,
    () => -1,
  );
  if (newest && latestBytes >= 0) {
    const read = await readJsonOrSetAside<BaselineFile>(layout.baseline, layout.corruptDir, checkBaseline);
    if (read.status === 'ok' && read.value.file === newest && read.value.bytes === latestBytes) return { status: 'ok', value: read.value.snapshot };
    // Set aside: say so (the run reads latest.json instead, and writes a new baseline).
    if (read.status === 'corrupt') onCorrupt?.({ file: layout.baseline, movedTo: read.corrupt.movedTo, reason: read.corrupt.reason });
  }
  const latest = await readLatest(layout);
  return latest.status === 'ok' ? { status: 'ok', value: baselineOf(latest.value) } : latest;
}
