import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { ExitCode, SnapError, errorMessage, usageError } from '../errors.js';
import { formatDuration, isInteractive } from '../ui/terminal.js';
import { colorsFor, logFormatOf, stderrLog, type CommandIO, type GlobalOptions } from './context.js';
import { alertAfterRun, reportAfterRun } from './run.js';
import { scheduleInstallCommand, type ScheduleInstallOptions } from './schedule-install.js';

export interface ScheduleRunOptions extends GlobalOptions {
  every?: string;
  cron?: string;
  immediate?: boolean;
  jitter?: string;
}

/**
 * `snap schedule run`: takes a snapshot now and then on the schedule, in the foreground (systemd
 * Type=simple, a container, a terminal). One run at a time: a run is an ordinary `snap run` under the
 * data directory's lock, so a scheduler never overlaps another scheduler or a manual run (that slot is
 * skipped). SIGINT / SIGTERM stop it; a run in progress is abandoned cleanly (atomic writes, the lock
 * released).
 */
export async function runScheduleRun(options: ScheduleRunOptions, io: CommandIO, signal = new AbortController().signal): Promise<number> {
  const { cronSchedule, everySchedule, parseDuration, realClock, runScheduler } = await import('../core/scheduler.js');
  if (Boolean(options.every) === Boolean(options.cron)) throw usageError('pass one of --every or --cron', 'e.g. snap schedule run --every 15m, or --cron "*/15 * * * *"');
  const everyMs = options.every ? parseDuration(options.every) : undefined;
  if (options.every && !everyMs) throw usageError(`--every takes a duration such as 15m, 1h or 90s, not "${options.every}"`);
  const jitterMs = options.jitter ? parseDuration(options.jitter) : undefined;
  if (options.jitter && !jitterMs) throw usageError(`--jitter takes a duration such as 30s, not "${options.jitter}"`);
  let schedule;
  try {
    schedule = everyMs ? everySchedule(everyMs, options.every!) : await cronSchedule(options.cron!);
  } catch (error) {
    throw usageError(`--cron "${options.cron}" is not a cron expression: ${errorMessage(error)}`, 'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"');
  }
  // Check the config once before waiting: a broken config should fail now, not at the first slot.
  const configFile = await findConfigPath(options.config, io.env, io.cwd);
  const { config: initial } = await loadConfigOrThrow(configFile, { env: io.env, dataDir: options.dataDir });
  const { writeSchedulerState, clearSchedulerStateOnExit } = await import('../store/scheduler-state.js');
  const clearState = clearSchedulerStateOnExit(initial.dataDir);
  const startedAt = new Date().toISOString();
  const c = colorsFor(io, options);
  const log = stderrLog(io, options);
  const json = logFormatOf(io, options) === 'json';
  const live = !json && isInteractive(io.stderr, io.env, options.plain);
  const say = (text: string, level: 'info' | 'warning' | 'error' = 'info') => (json ? log(level, 'schedule', text) : io.stderr.write(`${live ? '\r\x1b[2K' : ''}snap schedule: ${text}\n`));
  say(`${schedule.describe}${jitterMs ? ` (+ up to ${options.jitter} jitter)` : ''}; Ctrl-C or SIGTERM stops`);

  let countdown: NodeJS.Timeout | undefined;
  const runOnce = async () => {
    const { runSnapshot } = await import('../core/run.js');
    const { findGithubToken, githubHost } = await import('../sources/github/token.js');
    const { config, warnings } = await loadConfigOrThrow(configFile, { env: io.env, dataDir: options.dataDir });
    const token = await findGithubToken(io.env, githubHost(config.github.url));
    let ran = false;
    let failure: unknown;
    try {
      const result = await runSnapshot(config, { progress: () => undefined, configWarnings: warnings, githubToken: token?.token, onStart: () => (ran = true) });
      return result.snapshot.outcome;
    } catch (error) {
      failure = error;
      if (error instanceof SnapError && error.code === 'LOCKED') return 'locked' as const;
      throw error;
    } finally {
      await alertAfterRun(config, io, options, { ran, error: failure });
      if (ran) await reportAfterRun(config, io, options);
    }
  };
  await runScheduler({
    schedule,
    immediate: options.immediate !== false,
    jitterMs,
    clock: realClock,
    signal,
    run: runOnce,
    onEvent: (event) => {
      if (countdown) clearInterval(countdown);
      countdown = undefined;
      if (event.kind === 'waiting') {
        // For `snap status`: when the next run is. Best effort: a read-only data directory must not stop the scheduler.
        writeSchedulerState(initial.dataDir, { schedule: schedule.describe, next: new Date(event.until).toISOString(), startedAt }).catch(() => undefined);
        const line = () => `next run at ${new Date(event.until).toISOString()} (in ${formatDuration(Math.max(0, event.until - Date.now()))})`;
        if (live) {
          io.stderr.write(`\r\x1b[2Ksnap schedule: ${line()}`);
          countdown = setInterval(() => io.stderr.write(`\r\x1b[2Ksnap schedule: ${line()}`), 1000);
          countdown.unref();
        } else say(line());
      } else if (event.kind === 'run-start') say('taking a snapshot');
      else {
        const paint = json ? { green: String, yellow: String, red: String } : c;
        const text = { ok: paint.green('ok'), partial: paint.yellow('partial'), failed: paint.red('failed'), locked: paint.yellow('skipped: another run holds the lock') }[event.outcome];
        say(`${text} in ${formatDuration(event.durationMs)}${event.error ? ` (${event.error})` : ''}`, event.outcome === 'failed' ? 'error' : event.outcome === 'ok' ? 'info' : 'warning');
      }
    },
  });
  if (countdown) clearInterval(countdown);
  await clearState();
  return ExitCode.ok;
}

export function scheduleCommand(handleRun: (options: ScheduleRunOptions) => Promise<void>, handleInstall: (targets: string[], options: ScheduleInstallOptions) => Promise<void>): Command {
  const command = new Command('schedule').description('run snapshots on a schedule: in the foreground, or through systemd, cron, Kubernetes, GitHub Actions or Docker');
  command.addCommand(
    new Command('run')
      .description('take a snapshot now and then on a schedule, in the foreground (one run at a time)')
      .option('--every <duration>', 'interval, e.g. 15m, 1h, 90s')
      .option('--cron <expression>', 'cron expression (minute hour day month weekday), e.g. "*/15 * * * *"')
      .option('--no-immediate', 'wait for the first slot instead of running at once')
      .option('--jitter <duration>', 'add a random delay of up to this much to each run, e.g. 30s')
      .addHelpText(
        'after',
        `
Examples:
  $ snap schedule run --every 15m
  $ snap schedule run --cron "*/15 * * * *" --jitter 30s
  $ snap schedule run --every 1h --no-immediate --plain     under systemd (Type=simple)

A failed run waits for the next slot like any other; a slow one delays the next; a slot when another
run holds the lock is skipped. Progress goes to stderr; see \`snap status\` for health.`,
      )
      .action(async (_options, cmd: Command) => handleRun(cmd.optsWithGlobals())),
  );
  command.addCommand(scheduleInstallCommand(handleInstall));
  return command;
}

