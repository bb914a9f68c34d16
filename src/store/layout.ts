import path from 'node:path';

/** Where everything lives inside the data directory. */
export interface DataLayout {
  root: string;
  snapshotsDir: string;
  latest: string;
  runLog: string;
  lock: string;
  corruptDir: string;
  /** Incremental caches (GitHub history), rebuilt when missing. */
  cacheDir: string;
  /** Release history: every deployment seen, deduplicated. */
  releases: string;
  /** What the next run compares against: the small part of latest.json it needs. */
  baseline: string;
  /** Alert conditions at the last evaluation, undelivered alerts, recent deliveries. */
  alerts: string;
  /** Held while alerts are evaluated and sent, so two processes never send the same alert. */
  alertsLock: string;
}

export function dataLayout(root: string): DataLayout {
  return {
    root,
    snapshotsDir: path.join(root, 'snapshots'),
    latest: path.join(root, 'latest.json'),
    runLog: path.join(root, 'runs.jsonl'),
    lock: path.join(root, 'lock'),
    corruptDir: path.join(root, 'corrupt'),
    cacheDir: path.join(root, 'cache'),
    releases: path.join(root, 'releases.json'),
    baseline: path.join(root, 'baseline.json'),
    alerts: path.join(root, 'alerts.json'),
    alertsLock: path.join(root, 'alerts.lock'),
  };
}

/** Snapshot file names sort by time: 2026-11-24T18-32-28.123Z.json */
export function snapshotFileName(takenAt: string): string {
  return `${takenAt.replaceAll(':', '-')}.json`;
}
