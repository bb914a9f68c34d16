import { Command, CommanderError, Option } from 'commander';
import { processIO, type CommandIO } from './commands/context.js';
import { ExitCode, SnapError } from './errors.js';
import { runInterruptTasks } from './util/cleanup.js';
import { fitHelp } from './ui/help.js';
import { SNAP_VERSION } from './version.js';

type Handle = <T>(fn: (options: T, io: CommandIO) => Promise<number>) => (options: T) => Promise<void>;
type Register = (program: Command, io: CommandIO, setExit: (code: number) => void, handle: Handle) => Promise<void>;

/**
 * The commands, in the order help lists them, each loaded only when it is needed: a command's module
 * brings its dependencies (the Kubernetes and GitHub clients for `run`, SQLite for the read commands),
 * and `snap show` should not wait for those of `snap run`.
 */
const COMMANDS: { name: string; aliases?: string[]; register: Register }[] = [
  { name: 'run', aliases: ['snapshot'], register: async (p, _io, _s, handle) => { const m = await import('./commands/run.js'); p.addCommand(m.runCommand(handle(m.runRun))); } },
  {
    name: 'schedule',
    register: async (p, io, setExit, handle) => {
      const m = await import('./commands/schedule.js');
      const install = await import('./commands/schedule-install.js');
      p.addCommand(m.scheduleCommand(handle((options, io) => m.runScheduleRun(options, io)), async (targets, options) => setExit(await install.runScheduleInstall(targets, options, io))));
    },
  },
  { name: 'status', register: async (p, _io, _s, handle) => { const m = await import('./commands/status.js'); p.addCommand(m.statusCommand(handle((options, io) => m.runStatusCommand(options, io)))); } },
  { name: 'alerts', register: async (p, _io, _s, handle) => { const m = await import('./commands/alerts.js'); p.addCommand(m.alertsCommand(handle((options, io) => m.runAlertsTest(options, io)))); } },
  { name: 'onboard', register: async (p, _io, _s, handle) => { const m = await import('./commands/onboard.js'); p.addCommand(m.onboardCommand(handle(m.runOnboard))); } },
  { name: 'demo', register: async (p, _io, _s, handle) => { const m = await import('./commands/demo.js'); p.addCommand(m.demoCommand(handle(m.runDemo))); } },
  { name: 'config', register: async (p, io, _s, handle) => { const m = await import('./commands/config.js'); p.addCommand(m.configCommand(handle(m.runConfigValidate), () => io)); } },
  { name: 'show', register: async (p, io, setExit) => { const m = await import('./commands/show.js'); p.addCommand(m.showCommand(async (ref, options) => setExit(await m.runShow(ref, options, io)))); } },
  { name: 'releases', register: async (p, _io, _s, handle) => { const m = await import('./commands/releases.js'); p.addCommand(m.releasesCommand(handle(m.runReleases))); } },
  { name: 'diff', register: async (p, io, setExit) => { const m = await import('./commands/diff.js'); p.addCommand(m.diffCommand(async (a, b, options) => setExit(await m.runDiff(a, b, options, io)))); } },
  { name: 'ticket', register: async (p, io, setExit) => { const m = await import('./commands/ticket.js'); p.addCommand(m.ticketCommand(async (keys, options) => setExit(await m.runTicket(keys, options, io)))); } },
  { name: 'metrics', register: async (p, _io, _s, handle) => { const m = await import('./commands/metrics.js'); p.addCommand(m.metricsCommand(handle(m.runMetrics))); } },
  { name: 'report', register: async (p, _io, _s, handle) => { const m = await import('./commands/report.js'); p.addCommand(m.reportCommand(handle(m.runReport))); } },
  { name: 'index', register: async (p, _io, _s, handle) => { const m = await import('./commands/index-command.js'); p.addCommand(m.indexCommand(handle(m.runIndexRebuild))); } },
  {
    name: 'completion',
    register: async (p, io, setExit) => {
      const m = await import('./commands/completion.js');
      p.addCommand(m.completionCommand(async (shell, options) => setExit(await m.runCompletion(shell, options, io))));
    },
  },
];

/** Options of the program that take a value (the word after them is not a command). */
const VALUE_OPTIONS = new Set(['-c', '--config', '--data-dir', '--log-format']);

/** The command a command line names: its first word that is not an option (or an option's value). */
export function commandIn(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') return undefined;
    if (VALUE_OPTIONS.has(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}

/**
 * The commander program, with the commands `argv` needs: the one it names, or all of them (help, an
 * unknown command, completion). This is the one place that catches errors and decides the exit code;
 * commands return their exit code or throw.
 */
export async function buildProgram(io: CommandIO, setExit: (code: number) => void, logJson = false, argv: readonly string[] = []): Promise<Command> {
  const handle: Handle =
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
  $ snap demo                    try it on a built-in simulated organisation
  $ snap run                     take a snapshot with ./snap.config.yaml
  $ snap run --json > snap.json  the same, as JSON for scripts
  $ snap config validate         check the config (file, line, key of each problem)
  $ snap show                    what runs where, from the latest snapshot
  $ snap ticket PYM-230          where a ticket is, since when, what brings it on
  $ snap diff staging prod       what promoting staging to prod would ship
  $ snap releases --since 7d     the deployments of the last week
  $ snap metrics                 the DORA measures for prod, the last 30 days

Exit codes: 0 ok, 1 failed, 2 bad usage or config, 3 partial snapshot,
4 another run holds the lock, 70 internal error.
The binary is also installed as "snapshotctl", for machines where "snap" is
Ubuntu's package manager.`,
    );
  const named = commandIn(argv);
  const wanted = COMMANDS.find((c) => c.name === named || c.aliases?.includes(named ?? ''));
  for (const command of wanted ? [wanted] : COMMANDS) await command.register(program, io, setExit, handle);
  // What the completion scripts call: `snap completion-server -- <the command line>` (it needs them all).
  if (!wanted) {
    program.addCommand(
      new Command('completion-server')
        .argument('[words...]')
        .allowUnknownOption()
        .action(async (words: string[] | undefined) => {
          const { runCompletionServer } = await import('./commands/completion.js');
          setExit(await runCompletionServer(words ?? [], program, io));
        }),
      { hidden: true },
    );
  }
  // Help fits the terminal, or 80 columns when there is none (as commander's own part does).
  const columns = io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : Number(io.env.COLUMNS);
  const helpWidth = Number.isInteger(columns) && columns >= 40 ? columns : 80;
  // Every command at every depth (`config validate`, `schedule install`…): usage errors end as exit 2, not commander's 1.
  const override = (command: Command): void => {
    // --log-format json: a usage error is a JSON line too.
    const writeErr = (s: string) => (logJson ? io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', kind: 'usage', message: s.trim() })}\n`) : io.stderr.write(s));
    // A subcommand's --help lists the global options too (--config, --data-dir, --plain…).
    command
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(fitHelp(s, helpWidth)), writeErr })
      .configureHelp({ showGlobalOptions: true, helpWidth: Number.isFinite(helpWidth) ? helpWidth : undefined });
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
  try {
    const program = await buildProgram(io, (code) => (exitCode = code), format === 'json', argv);
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
