import { stat } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import type { CommandIO } from '../commands/context.js';
import { SnapError, errorMessage } from '../errors.js';
import { openHistoryOf, type History } from '../history/open.js';
import { writeFileAtomic } from '../store/atomic.js';
import { SNAP_VERSION } from '../version.js';
import { buildReportData } from './data.js';
import { renderReport } from './page.js';

/** What one report write did: where, how big (bytes), how long it took (ms), and what it holds. */
export interface ReportResult {
  file: string;
  bytes: number;
  durationMs: number;
  projects: number;
  services: number;
  tickets: number;
  deployments: number;
  snapshot: string;
}

/**
 * Builds the report from an open history and writes it to `file` atomically (a reader sees the old
 * page or the new one, never half of one). `windowMs`: the window back from the newest snapshot.
 * Throws WRITE_FAILED naming the file when it cannot be written.
 */
export async function writeReport(history: History, file: string, options: { windowMs: number; projects?: ReadonlySet<string>; now?: Date }): Promise<ReportResult> {
  const started = performance.now();
  const data = await buildReportData(history, { windowMs: options.windowMs, projects: options.projects, now: options.now ?? new Date(), toolVersion: SNAP_VERSION });
  const html = await renderReport(data);
  const hint = 'choose a file in a folder you can write (--out, or report.path in the config)';
  try {
    await writeFileAtomic(file, html, { followLinks: true, hint });
  } catch (error) {
    // A folder that cannot hold new files (/proc, a read-only mount that says ENOENT).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapError('WRITE_FAILED', `cannot write ${file}: the file system refused to create it (ENOENT)`, { cause: error, hint });
    throw error;
  }
  return {
    file,
    bytes: Buffer.byteLength(html),
    durationMs: Math.round(performance.now() - started),
    projects: data.projects.length,
    services: data.projects.reduce((n, p) => n + p.services.length, 0),
    tickets: data.tickets.length,
    deployments: data.deployments.length,
    snapshot: data.snapshot.id,
  };
}

/**
 * After a run: writes the report the config asks for (`report.path`), if any. Never fails the run: a
 * report that cannot be written is returned as a message for stderr.
 */
export async function writeConfiguredReport(config: Config, io: Pick<CommandIO, 'stderr'>): Promise<{ result?: ReportResult; problem?: string }> {
  if (!config.report) return {};
  const exists = await stat(config.dataDir).then(() => true, () => false);
  if (!exists) return {};
  let history: History | undefined;
  try {
    history = await openHistoryOf(config, io);
    return { result: await writeReport(history, config.report.path, { windowMs: config.report.windowMs }) };
  } catch (error) {
    return { problem: `the report ${config.report.path} was not written: ${errorMessage(error)}` };
  } finally {
    history?.close();
  }
}
