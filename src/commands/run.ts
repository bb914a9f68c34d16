import { Command, Option } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { formatIssue, type Config } from '../config/types.js';
import { runSnapshot } from '../core/run.js';
import { ExitCode, SnapError, usageError } from '../errors.js';
import { renderDeployments, renderDrift, renderTicketKeys } from '../ui/delivery.js';
import { writeJson } from '../ui/write-json.js';
import { formatBytes } from '../ui/terminal.js';
import type { ReportResult } from '../report/write.js';
import { renderRunHeader, renderWarnings } from '../ui/summary.js';
import { outputWidth, renderWhatRunsWhere } from '../ui/show.js';
import { alertLog, colorsFor, progressFor, stderrLog, type CommandIO, type GlobalOptions } from './context.js';

export interface RunCommandOptions extends GlobalOptions {
  json?: boolean;
  /** true: wait the default time; a string: seconds. */
  wait?: boolean | string;
}

export const DEFAULT_WAIT_SECONDS = 600;

export function parseWait(wait: boolean | string | undefined): number {
  if (wait === undefined || wait === false) return 0;
  if (wait === true) return DEFAULT_WAIT_SECONDS * 1000;
  const seconds = Number(wait);
  if (!Number.isFinite(seconds) || seconds < 0) throw usageError(`--wait takes a number of seconds, not "${wait}"`, 'e.g. --wait 120, or --wait alone for 10 minutes');
  return seconds * 1000;
}

/** Takes one snapshot; returns the exit code (0 ok, 3 partial). Errors are thrown for cli.ts to report. */
export async function runRun(options: RunCommandOptions, io: CommandIO): Promise<number> {
  const waitMs = parseWait(options.wait);
  const file = await findConfigPath(options.config, io.env, io.cwd);
  const { config, warnings } = await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir });
  const log = stderrLog(io, options);
  for (const warning of warnings) log('warning', 'config', formatIssue(warning), 'warning: ');
  const { findGithubToken, githubHost } = await import('../sources/github/token.js');
  const token = await findGithubToken(io.env, githubHost(config.github.url));
  const progress = await progressFor(io, options);
  let ran = false;
  try {
    const result = await runSnapshot(config, {
      githubToken: token?.token,
      progress: progress.sink,
      configWarnings: warnings,
      waitMs,
      onLockWait: (holder) => io.stderr.write(`snap: waiting for the run of process ${holder?.pid ?? '?'} to finish (up to ${Math.round(waitMs / 1000)} s)\n`),
      onStart: () => (ran = true),
    });
    progress.stop();
    await alertAfterRun(config, io, options, { ran: true });
    const report = await reportAfterRun(config, io, options);
    if (options.json) {
      // The report: where it went and its size, or why it was not written.
      const written = report ? { report: report.result ? { file: report.file, bytes: report.result.bytes } : { file: report.file, error: report.problem } } : {};
      await writeJson(io.stdout, { file: result.file, run: result.record, ...written, snapshot: result.snapshot });
    } else {
      const c = colorsFor(io, options);
      const { snapshot } = result;
      const parts = [
        renderRunHeader(snapshot, result.file, result.record.apiCalls, c, result.record.durationMs, result.record.unchangedSince),
        renderWhatRunsWhere(snapshot, c, outputWidth(io)),
        snapshot.deployments ? renderDeployments(snapshot.deployments, c) : '',
        snapshot.drift ? renderDrift(snapshot, c) : '',
        renderTicketKeys(snapshot, c),
        renderWarnings(snapshot.warnings, c, 20, outputWidth(io)),
        report?.result ? c.dim(`Report: ${report.file} (${formatBytes(report.result.bytes)})`) : '',
      ];
      io.stdout.write(`${parts.filter(Boolean).join('\n\n')}\n`);
    }
    return result.snapshot.outcome === 'ok' ? ExitCode.ok : ExitCode.partial;
  } catch (error) {
    progress.stop();
    // A run that took the lock and failed is a state change worth an alert, as is a data directory that
    // cannot be used at all; a run refused because another holds the lock is not.
    await alertAfterRun(config, io, options, { ran, error });
    // The run log has the failure: the report's health view shows it.
    if (ran) await reportAfterRun(config, io, options);
    throw error;
  }
}

/**
 * Sends the alerts that this run's outcome calls for (config `alerts:`); never fails the run. `ran`: the
 * run took the lock (its outcome is in the run log). A run stopped before that by a data directory it
 * cannot use (DATA_DIR_UNUSABLE, WRITE_FAILED, LOCK_UNUSABLE) alerts without the run log.
 */
export async function alertAfterRun(config: Config, io: CommandIO, options: GlobalOptions, outcome: { ran: boolean; error?: unknown }): Promise<void> {
  if (config.alerts.channels.length === 0) return;
  const notify = await import('../alerts/notify.js');
  const notifyOptions = { env: io.env, log: alertLog(io, options) };
  if (!outcome.ran) {
    const { error } = outcome;
    if (error instanceof SnapError && notify.DATA_DIR_FAILURES.has(error.code)) await notify.notifyDataDirUnusable(config, error, notifyOptions).catch(() => undefined);
    return;
  }
  await notify.recoverDataDir(config, notifyOptions).catch(() => undefined);
  await notify.notifyAfterRun(config, notifyOptions);
}

/**
 * Writes the report the config asks for (report.path) after a run; never fails the run: a report that
 * cannot be written is a warning on stderr. Returns what was written, if anything.
 */
export async function reportAfterRun(config: Config, io: CommandIO, options: GlobalOptions): Promise<{ file: string; result?: ReportResult; problem?: string } | undefined> {
  if (!config.report?.path) return undefined;
  const { writeConfiguredReport } = await import('../report/write.js');
  const { result, problem } = await writeConfiguredReport(config, io);
  if (problem) stderrLog(io, options)('warning', 'report', problem, 'warning: ');
  return { file: config.report.path, result, problem };
}

export function runCommand(handle: (options: RunCommandOptions) => Promise<void>): Command {
  return new Command('run')
    .alias('snapshot')
    .description('take one snapshot: read every cluster and repository, write it to the data directory, print what runs where, what was deployed and what a promotion would ship')
    .option('--json', 'print the run record and the snapshot as JSON on stdout')
    .addOption(new Option('--wait [seconds]', `if another run holds the lock, wait for it (default ${DEFAULT_WAIT_SECONDS} s) instead of exiting with code 4`))
    .addHelpText(
      'after',
      `
Examples:
  $ snap run                              use ./snap.config.yaml, write to ./.snap/
  $ snap run --config /etc/snap/snap.config.yaml --data-dir /var/lib/snap
  $ snap run --json | jq '.snapshot.projects.payments.environments.prod'
  $ snap run --json | jq '.snapshot.tickets["PYM-230"].environments'   where is PYM-230? (also: snap ticket PYM-230)
  $ snap run --plain --wait 300           from cron: plain log lines, queue behind a running snapshot

GitHub token: GITHUB_TOKEN, else GH_TOKEN, else \`gh auth token\`. Without one the snapshot has
Kubernetes state only and is partial (exit 3).

Exit codes: 0 ok, 3 partial (a cluster or GitHub unreadable; snapshot written with warnings),
            1 failed, 2 bad config or usage, 4 another run holds the lock.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
