import { statSync } from 'node:fs';
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { formatIssue, type Config, type ConfigIssue } from '../config/types.js';
import { SnapError, errorMessage } from '../errors.js';
import { acquireLock, isAlive, type LockInfo } from '../store/lock.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { checkConfinement, dataLayout, snapshotFileName, snapshotFileStem, snapshotFiles } from '../store/layout.js';
import { appendRun, estimateDuration, readRunLog, type RunRecord } from '../store/run-log.js';
import { writePrometheusFile } from '../store/metrics.js';
import { appendReleases, deploymentsFromSnapshots, unsettledReleases } from '../store/releases.js';
import { applyRetention } from '../store/retention.js';
import { collectGarbage } from '../util/memory.js';
import { baselineOf, readBaseline, writeBaseline } from '../store/baseline.js';
import { checkSnapshot, readSnapshotFile, writeSnapshot, type Keyframe } from '../store/snapshots.js';
import type { ProgressSink } from './progress.js';
import type { DeploymentEvent, Snapshot, SnapshotWarning } from './snapshot-schema.js';
import { takeSnapshot } from './take-snapshot.js';
import { snapshotCounts } from './counts.js';
import type { HistoryIndex } from '../store/history-index.js';

export interface RunOptions {
  progress: ProgressSink;
  configWarnings?: ConfigIssue[];
  /** Wait this long for another run to release the lock (0: fail at once). */
  waitMs?: number;
  onLockWait?: (holder: LockInfo | undefined) => void;
  /** Called once the lock is taken: from here on, the run is recorded in the run log. */
  onStart?: () => void;
  now?: () => Date;
  githubToken?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface RunResult {
  snapshot: Snapshot;
  file: string;
  record: RunRecord;
  previous?: Snapshot;
}

/**
 * The run record of the newest snapshot file when the run log lacks it, and the deployments it
 * recorded; nothing when the log has it. Two ways to get there: a run stopped between writing its
 * snapshot (and latest.json) and logging itself — the snapshot is the previous one already —, or a run
 * stopped between writing its snapshot file and latest.json — the file is newer than latest.json, and
 * becomes the previous snapshot (`previous`) so that what it saw is not counted again. Reads the file
 * only when its name is not in the log (a snapshot's name is its time).
 */
async function recoverUnlogged(
  layout: ReturnType<typeof dataLayout>,
  records: readonly RunRecord[],
  previous: Snapshot | undefined,
): Promise<{ unlogged?: RunRecord; events: DeploymentEvent[]; previous?: Snapshot }> {
  const newest = (await snapshotFiles(layout.snapshotsDir)).at(-1);
  if (!newest || records.some((r) => r.snapshot && path.basename(r.snapshot) === newest)) return { events: [] };
  // Older than latest.json and unknown to the log: not a run's last word; retention deals with it.
  if (previous && snapshotFileStem(newest) < snapshotFileStem(snapshotFileName(previous.takenAt))) return { events: [] };
  const file = path.join(layout.snapshotsDir, newest);
  let snapshot: Snapshot;
  try {
    snapshot = (await readSnapshotFile(file)) as Snapshot;
  } catch {
    return { events: [] };
  }
  if (checkSnapshot(snapshot)) return { events: [] };
  const isPrevious = snapshot.id === previous?.id;
  if (!isPrevious && previous && snapshot.takenAt <= previous.takenAt) return { events: [] };
  const unlogged: RunRecord = {
    id: snapshot.id,
    startedAt: snapshot.startedAt,
    finishedAt: snapshot.takenAt,
    durationMs: snapshot.durationMs,
    outcome: snapshot.outcome,
    snapshot: file,
    counts: snapshotCounts(snapshot),
    apiCalls: {},
    notes: [
      isPrevious
        ? 'recorded by the next run: this run was stopped after writing its snapshot, before it logged itself'
        : 'recorded by the next run: this run was stopped after writing its snapshot file, before latest.json and its log line',
    ],
  };
  return { unlogged, events: (snapshot.deployments ?? []).map((d) => ({ ...d, snapshot: snapshot.id })), ...(isPrevious ? {} : { previous: baselineOf(snapshot) }) };
}

/** The size (bytes) of the newest snapshot file, the measure of the next one; 0 when there is none. */
function previousBytes(layout: ReturnType<typeof dataLayout>): number {
  try {
    return statSync(layout.latest).size;
  } catch {
    return 0;
  }
}

/**
 * DISK_SPACE_LOW when the data directory's volume has room for fewer than 20 more snapshots of the
 * last one's size (or less than 5 % free): a warning in the snapshot, runs ahead of the failure.
 */
export async function diskWarning(dir: string, snapshotBytes: number): Promise<SnapshotWarning | undefined> {
  const stats = await statfs(dir).catch(() => undefined);
  if (!stats) return undefined;
  const free = stats.bavail * stats.bsize;
  const total = stats.blocks * stats.bsize;
  const room = snapshotBytes > 0 ? Math.floor(free / snapshotBytes) : Infinity;
  if (room >= 20 && free >= total * 0.05) return undefined;
  const mb = (n: number) => (n >= 1_048_576 ? `${Math.round(n / 1_048_576)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
  return {
    code: 'DISK_SPACE_LOW',
    severity: 'warning',
    scope: { source: 'store' },
    message: `${mb(free)} free of ${mb(total)} on the volume of ${dir}${Number.isFinite(room) ? `: room for about ${room} more snapshots of ${mb(snapshotBytes)}` : ''}; set retention.keep or retention.maxAgeDays lower, or grow the volume`,
  };
}

/**
 * Writes the Prometheus textfile when configured; a failure to write it is a warning (printed, and a
 * note of the run), never a failed run. Returns the warning's message, if any.
 */
async function exportMetrics(config: Config, records: RunRecord[], progress: ProgressSink): Promise<string | undefined> {
  if (!config.monitoring.prometheusFile) return undefined;
  try {
    await writePrometheusFile(config.monitoring.prometheusFile, records);
    return undefined;
  } catch (error) {
    const message = `cannot write ${config.monitoring.prometheusFile}: ${errorMessage(error)}`;
    progress({ kind: 'warning', afterSnapshot: true, warning: { code: 'METRICS_WRITE_FAILED', severity: 'warning', scope: { source: 'store' }, message } });
    return message;
  }
}

/**
 * The history index of the data directory, brought in line with the files (rebuilt when missing or
 * unreadable: said in `warnings`). Undefined when it cannot be opened: the run goes on without it (the
 * next one rebuilds it), with INDEX_FAILED in `warnings`.
 */
async function openHistory(layout: ReturnType<typeof dataLayout>, warnings: SnapshotWarning[]): Promise<HistoryIndex | undefined> {
  const { HistoryIndex: Index } = await import('../store/history-index.js');
  const { syncIndex } = await import('../store/history-sync.js');
  let opened: ReturnType<typeof Index.open> | undefined;
  try {
    opened = Index.open(layout);
    const hadFiles = (await snapshotFiles(layout.snapshotsDir)).length > 0;
    const reason = opened.setAside ? `${opened.index.file} was unreadable (${opened.setAside.reason}); moved to ${opened.setAside.movedTo}` : undefined;
    const sync = await syncIndex(opened.index, layout, { fresh: opened.fresh && hadFiles, reason });
    if (sync.unreadable.length) warnings.push({ code: 'CORRUPT_FILE', severity: 'warning', scope: { source: 'store' }, message: `${sync.unreadable.length} snapshot file(s) could not be read and were moved to ${layout.corruptDir}: ${sync.unreadable.slice(0, 5).join(', ')}${sync.unreadable.length > 5 ? ', …' : ''}` });
    if (sync.rebuilt && (hadFiles || reason)) {
      warnings.push({ code: opened.setAside ? 'CORRUPT_FILE' : 'INDEX_REBUILT', severity: opened.setAside ? 'warning' : 'info', scope: { source: 'store' }, message: `${sync.rebuilt}: the history index was rebuilt from ${sync.added} snapshot file(s), the release history and the run log` });
    }
    return opened.index;
  } catch (error) {
    opened?.index.close();
    warnings.push({ code: 'INDEX_FAILED', severity: 'warning', scope: { source: 'store' }, message: `the history index (${path.join(layout.root, 'index.sqlite')}) could not be used: ${errorMessage(error)}; this run is not in it, the next run adds it (snap index rebuild redoes it)` });
    return undefined;
  }
}

/** Adds the run to the index; a failure is a warning on the progress, never a failed run (the next run catches up from the files). */
function recordInIndex(
  history: HistoryIndex | undefined,
  entry: { snapshot?: Snapshot; file?: string; bytes?: number; fingerprint?: string; base?: string; keyframe?: Keyframe; deployments: readonly DeploymentEvent[]; runs: RunRecord[]; removedFiles: readonly string[] },
  progress: ProgressSink,
): void {
  if (!history) return;
  try {
    history.transaction(() => {
      history.recordRun({ snapshot: entry.snapshot, file: entry.file, bytes: entry.bytes, fingerprint: entry.fingerprint, base: entry.base, keyframe: entry.keyframe, deployments: entry.deployments, removedFiles: entry.removedFiles });
      for (const run of entry.runs) history.recordRun({ run });
    });
  } catch (error) {
    progress({ kind: 'warning', afterSnapshot: true, warning: { code: 'INDEX_FAILED', severity: 'warning', scope: { source: 'store' }, message: `the history index could not be written: ${errorMessage(error)}; the next run adds this one from the files` } });
  }
}

/**
 * One `snap run`: take the lock, take a snapshot, write it and latest.json, append to the run log.
 * A failed run is logged too (it counts for scheduling), and the lock is always released.
 */
export async function runSnapshot(config: Config, options: RunOptions): Promise<RunResult> {
  const layout = dataLayout(config.dataDir);
  const lock = await acquireLock(layout.lock, { command: 'snap run', waitMs: options.waitMs ?? 0, onWait: options.onLockWait });
  options.onStart?.();
  const now = options.now ?? (() => new Date());
  const started = now();
  let recorded = false;
  /** A failed run in the run log (best effort) and the metrics file; the progress hears it finished. */
  const recordFailure = async (error: unknown, records: RunRecord[]) => {
    recorded = true;
    const finished = now();
    const code = error instanceof SnapError ? error.code : 'INTERNAL';
    const hint = error instanceof SnapError ? error.hint : undefined;
    const failure: RunRecord = {
      id: `failed-${started.toISOString()}`,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      outcome: 'failed',
      error: { code, message: errorMessage(error), ...(hint ? { hint } : {}) },
      counts: { projects: config.projects.length, environments: 0, services: 0, running: 0, warnings: 0 },
      apiCalls: {},
    };
    await appendRun(layout.runLog, failure, records).catch(() => undefined);
    await exportMetrics(config, [...records, failure], options.progress);
    options.progress({ kind: 'finish', durationMs: finished.getTime() - started.getTime(), outcome: 'failed' });
    return failure;
  };
  try {
    const warnings: SnapshotWarning[] = (options.configWarnings ?? []).map((issue) => ({
      code: 'CONFIG_WARNING',
      severity: 'warning',
      scope: { source: 'config' },
      message: formatIssue(issue),
    }));
    if (lock.recovered) {
      warnings.push({
        code: 'STALE_LOCK_RECOVERED',
        severity: 'info',
        scope: { source: 'store' },
        message: lock.recovered.unreadable
          ? `took over an empty or unreadable lock (last written ${lock.recovered.startedAt}), left half-written by a run that could not finish writing it`
          : `took over a lock left by process ${lock.recovered.pid} on ${lock.recovered.host} (started ${lock.recovered.startedAt})`,
      });
    }
    // Nothing inside the data directory may lead out of it.
    await checkConfinement(layout);
    // Temp files of writers killed mid-write (kill -9): ours to clean while we hold the lock.
    const leftovers = await removeStaleTempFiles(config.dataDir, isAlive);
    if (leftovers.files.length) {
      warnings.push({
        code: 'TEMP_FILES_REMOVED',
        severity: 'info',
        scope: { source: 'store' },
        message: `removed ${leftovers.files.length} temp file(s) (${Math.round(leftovers.bytes / 1024)} KB) left by runs that were killed while writing`,
      });
    }
    const log = await readRunLog(layout.runLog);
    if (log.skippedLines > 0) {
      // The log is rewritten without them: the file as it was is kept in corrupt/ first.
      const { copyFile } = await import('node:fs/promises');
      const { makeDirectory } = await import('../util/make-dir.js');
      const kept = path.join(layout.corruptDir, `runs.jsonl.${new Date().toISOString().replaceAll(':', '-')}`);
      const copied = await makeDirectory(layout.corruptDir).then(() => copyFile(layout.runLog, kept)).then(() => true, () => false);
      warnings.push({ code: 'RUN_LOG_LINES_SKIPPED', severity: 'warning', scope: { source: 'store' }, message: `${log.skippedLines} unreadable line(s) in ${layout.runLog} were dropped${copied ? `; the file as it was is in ${kept}` : ''}` });
    }
    const previousRead = await readBaseline(layout, (c) =>
      warnings.push({ code: 'CORRUPT_FILE', severity: 'warning', scope: { source: 'store' }, message: `${c.file} was unreadable (${c.reason}); moved to ${c.movedTo}; the previous snapshot was read from latest.json instead` }),
    );
    if (previousRead.status === 'corrupt') {
      const c = previousRead.corrupt;
      warnings.push({ code: 'CORRUPT_FILE', severity: 'warning', scope: { source: 'store' }, message: `${c.file} was unreadable (${c.reason}); moved to ${c.movedTo}` });
    }
    // The previous snapshot was written by a run stopped before it logged itself: record it now, with
    // the deployments it found, so the release history names it and retention keeps it.
    const recovered = await recoverUnlogged(layout, log.records, previousRead.status === 'ok' ? previousRead.value : undefined);
    const { unlogged, events: recoveredEvents } = recovered;
    if (unlogged) {
      const how = recovered.previous ? 'before it wrote latest.json and logged itself; it is the previous snapshot now, ' : 'before it logged itself; it is now ';
      warnings.push({ code: 'UNLOGGED_RUN_RECOVERED', severity: 'info', scope: { source: 'store' }, message: `snapshot ${unlogged.id} was written by a run stopped ${how}in the run log, with its ${recoveredEvents.length} deployment(s) in the release history` });
    }
    // The history index, in line with the files before this run adds to it.
    const history = await openHistory(layout, warnings);
    try {
      const previous = recovered.previous ?? (previousRead.status === 'ok' ? previousRead.value : undefined);
      const { snapshot, apiCalls, github, notes, settled } = await takeSnapshot(config, {
        progress: options.progress,
        warnings,
        eta: estimateDuration(log.records),
        now,
        githubToken: options.githubToken,
        previous,
        cacheDir: layout.cacheDir,
        corruptDir: layout.corruptDir,
        sleep: options.sleep,
        // The last run says whether any verdict is left to decide; reading the history costs time.
        unsettled: log.records.at(-1)?.releases?.unsettled === 0 ? [] : await unsettledReleases(layout.releases),
      });
      // What the sources read is garbage now; collect it before the snapshot is written.
      collectGarbage();
      // Write order: the snapshot (and latest.json, the baseline) first, then the release history that
      // names it, then retention, then the run log. A run stopped in between leaves a snapshot the log
      // lacks: the next run records it (recoverUnlogged). A snapshot that cannot be written leaves
      // nothing else written.
      // A volume about to fill: said before it does (free space is cheap to read).
      const disk = await diskWarning(layout.root, previousBytes(layout));
      if (disk) snapshot.warnings.push(disk);
      // Nothing but timestamps changed since the previous snapshot (the same fingerprint): no file is
      // written, the run log and the index say which snapshot still holds.
      const newest = history?.newest();
      const same = newest?.fingerprint && newest.file && previous && newest.id === previous.id ? newest : undefined;
      // A snapshot that changed little is stored as a delta of the index's keyframe, when its file is there.
      const keyframe = history?.keyframe();
      const keyframeThere = keyframe && (await stat(path.join(layout.snapshotsDir, keyframe.file)).then((s) => s.isFile(), () => false));
      const written = await writeSnapshot(layout, snapshot, {
        previousFingerprint: same?.fingerprint ?? undefined,
        previousFile: same ? path.join(layout.snapshotsDir, same.file!) : undefined,
        keyframe: keyframeThere ? keyframe : undefined,
      });
      const { file, bytes } = written;
      if (!written.unchanged) await writeBaseline(layout, snapshot, bytes, previous);
      const releases = await appendReleases(layout.releases, layout.corruptDir, [...recoveredEvents, ...(snapshot.deployments ?? []).map((d) => ({ ...d, snapshot: snapshot.id }))], settled, () =>
        deploymentsFromSnapshots(layout.snapshotsDir, written.unchanged ? undefined : path.basename(file)),
      );
      if (releases.rebuilt) {
        const message = `${layout.releases} was missing; the release history was rebuilt from the snapshot files (${releases.rebuilt} deployments recovered, ${releases.total} now)`;
        snapshot.warnings.push({ code: 'RELEASES_REBUILT', severity: 'warning', scope: { source: 'store' }, message });
      }
      if (releases.corrupt) {
        const message = `${layout.releases} was unreadable (${releases.corrupt.reason}); moved to ${releases.corrupt.movedTo}, and the release history was rebuilt from the snapshot files (${releases.corrupt.recovered} deployments recovered, ${releases.total} now)`;
        // The snapshot is not written yet: the warning goes in it, and in the run log.
        snapshot.warnings.push({ code: 'CORRUPT_FILE', severity: 'warning', scope: { source: 'store' }, message });
        notes.push(message);
      }
      // Retention: the snapshots the release history refers to stay, as does this one.
      const fileOf = new Map([...log.records, ...(unlogged ? [unlogged] : [])].filter((r) => r.snapshot).map((r) => [r.id, path.basename(r.snapshot!)]));
      fileOf.set(snapshot.id, path.basename(file));
      const referenced = new Set(releases.events.map((e) => (e.snapshot ? fileOf.get(e.snapshot) : undefined)).filter((f): f is string => Boolean(f)));
      // And the keyframes that kept deltas need (this run's too). Without the index, which knows them, no file is deleted this run.
      for (const base of history?.keyframesInUse() ?? []) referenced.add(base);
      if (written.base) referenced.add(written.base);
      if (keyframeThere && keyframe) referenced.add(keyframe.file);
      const deleted = history ? await applyRetention(layout, config.retention, referenced, now()) : [];
      const finished = now();
      // What happened to the data directory (files set aside, locks taken over, runs completed) is in
      // the run log too, not only in the snapshot.
      const runNotes = [...notes, ...snapshot.warnings.filter((w) => w.scope.source === 'store' && !notes.includes(w.message)).map((w) => `${w.code}: ${w.message}`)];
      const record: RunRecord = {
        id: snapshot.id,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        outcome: snapshot.outcome,
        snapshot: file,
        ...(written.unchanged && same ? { unchangedSince: same.id } : {}),
        counts: snapshotCounts(snapshot),
        apiCalls,
        ...(github
          ? {
              github: {
                points: github.points,
                ...(github.rateLimit.remaining !== undefined ? { remaining: github.rateLimit.remaining } : {}),
                ...(github.rateLimit.resetAt ? { resetAt: github.rateLimit.resetAt } : {}),
                waits: github.waits.map((w) => ({ kind: w.kind, at: w.at, waitMs: w.waitMs })),
                fetched: github.fetched,
                unchanged: github.unchanged,
                rebuilt: github.rebuilt,
                ...(github.deepened ? { deepened: github.deepened } : {}),
              },
            }
          : {}),
        ...(runNotes.length ? { notes: runNotes } : {}),
        releases: { added: releases.added, updated: releases.updated, unsettled: releases.unsettled, total: releases.total },
        ...(deleted.length ? { retention: { deleted: deleted.length } } : {}),
      };
      // The metrics file before the log line, so that a failure to write it is in the run log.
      const metricsProblem = await exportMetrics(config, [...log.records, record], options.progress);
      if (metricsProblem) record.notes = [...(record.notes ?? []), `METRICS_WRITE_FAILED: ${metricsProblem}`];
      if (unlogged) await appendRun(layout.runLog, unlogged, log.records);
      await appendRun(layout.runLog, record, unlogged ? [...log.records, unlogged] : log.records);
      // The index last: it never names a snapshot, deployment or run the files do not have.
      const changed = new Set([...recoveredEvents, ...(snapshot.deployments ?? []), ...settled].map((e) => e.id));
      const deployments = releases.corrupt || releases.rebuilt ? releases.events : releases.events.filter((e) => changed.has(e.id));
      const stored = written.leaves ? { keyframe: { file: path.basename(file), takenAt: snapshot.takenAt, bytes, hashes: written.leaves } } : {};
      recordInIndex(history, { ...(written.unchanged ? {} : { snapshot, file, bytes: written.storedBytes, fingerprint: written.fingerprint, base: written.base, ...stored }), deployments, runs: unlogged ? [unlogged, record] : [record], removedFiles: deleted }, options.progress);
      options.progress({ kind: 'finish', durationMs: record.durationMs, outcome: record.outcome });
      return { snapshot, file, record, previous };
    } catch (error) {
      const failure = await recordFailure(error, log.records);
      try {
        history?.recordRun({ run: failure });
      } catch {
        // the run log has it; the next run's rebuild or sync does not need it
      }
      throw error;
    } finally {
      history?.close();
    }
  } catch (error) {
    // Before the run log was read (a data directory with a file where a folder should be): logged too,
    // as far as the log can be written, so that status and alerts see the failure.
    if (!recorded) await recordFailure(error, (await readRunLog(layout.runLog).catch(() => ({ records: [] as RunRecord[] }))).records);
    throw error;
  } finally {
    await lock.release();
  }
}
