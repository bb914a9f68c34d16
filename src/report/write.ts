import { lstat, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/types.js';
import type { CommandIO } from '../commands/context.js';
import { SnapError, errorMessage, usageError } from '../errors.js';
import { openHistoryOf, type History } from '../history/open.js';
import { writeFileAtomic } from '../store/atomic.js';
import { SNAP_VERSION } from '../version.js';
import { buildReportData } from './data.js';
import { renderReport } from './page.js';
import type { ReportData } from './types.js';

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

/** What a report covers: the window back from the newest snapshot (ms), some projects only, the time it is made. */
export interface ReportPageOptions {
  windowMs: number;
  projects?: ReadonlySet<string>;
  now?: Date;
}

/** The report of an open history: its data, and its page (HTML). Throws as buildReportData and renderReport do. */
export async function reportPage(history: History, options: ReportPageOptions): Promise<{ data: ReportData; html: string }> {
  const data = await buildReportData(history, { windowMs: options.windowMs, projects: options.projects, now: options.now ?? new Date(), toolVersion: SNAP_VERSION });
  return { data, html: await renderReport(data) };
}

/**
 * Builds the report from an open history and writes it to `file` atomically (a reader sees the old
 * page or the new one, never half of one). `windowMs`: the window back from the newest snapshot.
 * Throws WRITE_FAILED naming the file when it cannot be written.
 */
export async function writeReport(history: History, file: string, options: ReportPageOptions): Promise<ReportResult> {
  const started = performance.now();
  const { data, html } = await reportPage(history, options);
  const hint = 'choose a file in a folder you can write (--out, or report.path in the config)';
  try {
    await writeFileAtomic(file, html, { followLinks: true, hint });
  } catch (error) {
    // A folder that cannot hold new files (/proc, a read-only mount that says ENOENT), a name too long for the file system.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SnapError('WRITE_FAILED', `cannot write ${file}: the file system refused to create it (ENOENT)`, { cause: error, hint });
    if (code === 'ENAMETOOLONG') throw new SnapError('WRITE_FAILED', `cannot write ${file}: the file name is too long for the file system (ENAMETOOLONG)`, { cause: error, hint: 'name a shorter file' });
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

/** What a snap report page starts with (its generator meta element names snap), within its first bytes. */
const REPORT_MARK = '<meta name="generator" content="snap ';

/**
 * Refuses a report target that is not for a report: a file inside the data directory (snap's own
 * files live there), the config, a kubeconfig, something that is not a regular file (a device, a pipe,
 * a folder), or an existing file that is not a snap report (an empty one may go). Throws a usage error
 * (exit 2) naming the problem and the fix.
 */
export async function checkReportTarget(file: string, config: Pick<Config, 'dataDir' | 'path'> & { kubernetes?: Partial<Config['kubernetes']> }, env: NodeJS.ProcessEnv): Promise<void> {
  const fix = 'name another file (--out, or report.path in the config), e.g. ./snap-report.html';
  /** Where a path really is: its links followed as far as they exist (a file not there yet, in a linked folder, included). */
  const really = async (p: string): Promise<string> => {
    const absolute = path.resolve(p);
    const found = await realpath(absolute).catch(() => undefined);
    if (found) return found;
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(await really(parent), path.basename(absolute));
  };
  const real = await really(file);
  const dataDir = await really(config.dataDir);
  const rel = path.relative(dataDir, real);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw usageError(`${file} is inside the data directory ${config.dataDir}, where snap keeps its own files`, fix);
  const kubeconfigs = [config.kubernetes?.kubeconfig, ...(env.KUBECONFIG ?? '').split(path.delimiter)].filter((x): x is string => !!x);
  for (const own of [config.path, ...kubeconfigs].filter(Boolean)) {
    if (real === (await really(own))) throw usageError(`${file} is ${own === config.path ? "snap's config" : 'a kubeconfig'}: writing the report there would replace it`, fix);
  }
  const stats = await lstat(real).catch(() => undefined);
  if (!stats) return;
  // Links are followed above: one still here points at nothing.
  if (stats.isSymbolicLink()) throw usageError(`${file} is a symbolic link to a file that does not exist`, 'point the link at a file, or name another one');
  if (stats.isDirectory()) throw usageError(`${file} is a folder`, `name a file in it, e.g. --out ${path.join(file, 'snap-report.html')}`);
  if (!stats.isFile()) throw usageError(`${file} is not a regular file (a device, a pipe or a socket)`, fix);
  if (stats.size === 0) return;
  const handle = await open(real, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
    if (!buffer.subarray(0, bytesRead).toString('utf8').includes(REPORT_MARK)) throw usageError(`${file} exists and is not a snap report: it is not replaced`, 'remove it first, or name another file');
  } finally {
    await handle.close();
  }
}

/**
 * After a run: writes the report the config asks for (`report.path`), if any. Never fails the run: a
 * report that cannot be written is returned as a message for stderr.
 */
export async function writeConfiguredReport(config: Config, io: Pick<CommandIO, 'stderr'>): Promise<{ result?: ReportResult; problem?: string }> {
  const file = config.report?.path;
  if (!config.report || !file) return {};
  const exists = await stat(config.dataDir).then(() => true, () => false);
  if (!exists) return {};
  let history: History | undefined;
  try {
    await checkReportTarget(file, config, process.env);
    history = await openHistoryOf(config, io);
    return { result: await writeReport(history, file, { windowMs: config.report.windowMs }) };
  } catch (error) {
    return { problem: `the report ${file} was not written: ${errorMessage(error)}` };
  } finally {
    history?.close();
  }
}
