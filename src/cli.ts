import { Command, CommanderError, Option } from 'commander';
import { configCommand, runConfigValidate } from './commands/config.js';
import { processIO, type CommandIO } from './commands/context.js';
import { demoCommand, runDemo } from './commands/demo.js';
import { onboardCommand, runOnboard } from './commands/onboard.js';
import { runCommand, runRun } from './commands/run.js';
import { runScheduleRun, scheduleCommand } from './commands/schedule.js';
import { runScheduleInstall } from './commands/schedule-install.js';
import { runStatusCommand, statusCommand } from './commands/status.js';
import { runShow, showCommand } from './commands/show.js';
import { releasesCommand, runReleases } from './commands/releases.js';
import { diffCommand, runDiff } from './commands/diff.js';
import { runTicket, ticketCommand } from './commands/ticket.js';
import { metricsCommand, runMetrics } from './commands/metrics.js';
import { indexCommand, runIndexRebuild } from './commands/index-command.js';
import { completionCommand, runCompletion, runCompletionServer } from './commands/completion.js';
import { alertsCommand, runAlertsTest } from './commands/alerts.js';
import { ExitCode, SnapError } from './errors.js';
import { runInterruptTasks } from './util/cleanup.js';
import { SNAP_VERSION } from './version.js';

/**
 * The commander program. This is the one place that catches errors and decides the exit code;
 * commands return their exit code or throw.
 */
export function buildProgram(io: CommandIO, setExit: (code: number) => void, logJson = false): Command {
  const handle =
    <T>(fn: (options: T, io: CommandIO) => Promise<number>) =>
    async (options: T) => setExit(await fn(options, io));
  const program = new Command('snap')
    .description('Fast, atomic, diffable snapshots of delivery state: what runs where (live from Kubernetes), which commit that is, what changed in GitHub, which tickets are in which environment.')
    .version(SNAP_VERSION, '-V, --version')
    .option('-c, --config <file>', 'config file (default: $SNAP_CONFIG, else ./snap.config.yaml)')
    .option('--data-dir <dir>', 'data directory (default: $SNAP_DATA_DIR, else dataDir from the config, else .snap beside it)')
    .option('--plain', 'plain log lines instead of progress bars (also: CI=1, TERM=dumb, or stderr not a terminal)')
    .addOption(new Option('--log-format <format>', 'progress on stderr as text lines or JSON lines').choices(['text', 'json']))
    .option('--no-color', 'no colours (also: NO_COLOR=1)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ snap demo                      try it on a built-in simulated organisation
  $ snap run                       take a snapshot with ./snap.config.yaml
  $ snap run --json > snap.json    the same, as JSON for scripts
  $ snap config validate           check the config (file, line and key of every problem)
  $ snap show                      what runs where, from the latest snapshot (no network)
  $ snap ticket PYM-230            where a ticket is, since when, and what would bring it further
  $ snap diff staging prod         what promoting staging to prod would ship
  $ snap releases --since 7d       the deployments of the last week
  $ snap metrics                   the DORA measures for prod, the last 30 days

Exit codes: 0 ok, 1 failed, 2 bad usage or config, 3 partial snapshot, 4 another run holds the lock, 70 internal error.
The binary is also installed as "snapshotctl", for machines where "snap" is Ubuntu's package manager.`,
    );
  program.addCommand(runCommand(handle(runRun)));
  program.addCommand(
    scheduleCommand(
      handle((options, io) => runScheduleRun(options, io)),
      async (targets, options) => setExit(await runScheduleInstall(targets, options, io)),
    ),
  );
  program.addCommand(statusCommand(handle((options, io) => runStatusCommand(options, io))));
  program.addCommand(alertsCommand(handle((options, io) => runAlertsTest(options, io))));
  program.addCommand(onboardCommand(handle(runOnboard)));
  program.addCommand(demoCommand(handle(runDemo)));
  program.addCommand(configCommand(handle(runConfigValidate), () => io));
  program.addCommand(showCommand(async (ref, options) => setExit(await runShow(ref, options, io))));
  program.addCommand(releasesCommand(handle(runReleases)));
  program.addCommand(diffCommand(async (a, b, options) => setExit(await runDiff(a, b, options, io))));
  program.addCommand(ticketCommand(async (keys, options) => setExit(await runTicket(keys, options, io))));
  program.addCommand(metricsCommand(handle(runMetrics)));
  program.addCommand(indexCommand(handle(runIndexRebuild)));
  program.addCommand(completionCommand(async (shell, options) => setExit(await runCompletion(shell, options, io))));
  // What the completion scripts call: `snap completion-server -- <the command line>`.
  program.addCommand(
    new Command('completion-server')
      .argument('[words...]')
      .allowUnknownOption()
      .action(async (words: string[] | undefined) => setExit(await runCompletionServer(words ?? [], program, io))),
    { hidden: true },
  );
  // Every command at every depth (`config validate`, `schedule install`…): usage errors end as exit 2, not commander's 1.
  const override = (command: Command): void => {
    // --log-format json: a usage error is a JSON line too.
    const writeErr = (s: string) => (logJson ? io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', kind: 'usage', message: s.trim() })}\n`) : io.stderr.write(s));
    // A subcommand's --help lists the global options too (--config, --data-dir, --plain…).
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr }).configureHelp({ showGlobalOptions: true });
    command.commands.forEach(override);
  };
  override(program);
  return program;
}

export function reportError(error: unknown, io: CommandIO, json: boolean, logJson = false): number {
  if (error instanceof CommanderError) {
    // Help and version end in a CommanderError with exit code 0; usage errors were already printed.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (logJson) {
    // --log-format json: the last line on stderr is JSON too.
    const body = error instanceof SnapError ? { ...error.toJSON(), exitCode: error.exitCode } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error), stack: (error as Error)?.stack, exitCode: ExitCode.internal };
    io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', kind: 'error', ...body })}\n`);
  }
  if (error instanceof SnapError) {
    if (json) io.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    if (logJson) return error.exitCode;
    io.stderr.write(`error: ${error.message}\n`);
    for (const detail of error.details) io.stderr.write(`  ${detail}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  if (json) io.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message: String((error as Error)?.message ?? error) } }, null, 2)}\n`);
  if (logJson) return ExitCode.internal;
  io.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in snap ${SNAP_VERSION}; please report it with the command you ran.\n`);
  return ExitCode.internal;
}

/** --log-format as the command line has it (before commander parsed it, or when parsing failed), else SNAP_LOG_FORMAT. */
function logFormatInArgv(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const i = argv.indexOf('--log-format');
  return argv.find((a) => a.startsWith('--log-format='))?.slice(13) ?? (i >= 0 ? argv[i + 1] : undefined) ?? env.SNAP_LOG_FORMAT;
}

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const format = logFormatInArgv(argv, io.env);
  const program = buildProgram(io, (code) => (exitCode = code), format === 'json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes('--json'), format === 'json');
  }
}

/** Entry point for bin/snap.js: signal handling, then main. */
export function runFromBin(): void {
  const stop = (signal: NodeJS.Signals, code: number) =>
    process.once(signal, () => {
      runInterruptTasks();
      const json = logFormatInArgv(process.argv, process.env) === 'json';
      process.stderr.write(json ? `${JSON.stringify({ time: new Date().toISOString(), level: 'warning', kind: 'stopped', signal, exitCode: code, message: `stopped by ${signal}` })}\n` : `\nsnap: stopped by ${signal}\n`);
      process.exit(code);
    });
  // `snap run --json | head`: a reader that stops early is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  stop('SIGINT', ExitCode.interrupted);
  stop('SIGTERM', 143);
  let settled = false;
  // Node exits when nothing is left to wait for, even with the command unfinished (a request that
  // neither answers nor fails, on a timer that does not hold the process): never as a success.
  process.once('beforeExit', () => {
    if (settled) return;
    runInterruptTasks();
    process.stderr.write(`internal error: snap ${SNAP_VERSION} stopped before the command finished, with nothing left to wait for (a request that never settled)\nThis is a bug in snap; please report it with the command you ran.\n`);
    process.exitCode = ExitCode.internal;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (error) => {
      settled = true;
      process.exitCode = reportError(error, processIO(), false);
    },
  );
}
