import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import type { Snapshot } from '../core/snapshot-schema.js';
import { formatAge, runStatus, type RunStatus } from '../core/status.js';
import { ExitCode, usageError } from '../errors.js';
import { peekAlertState, type AlertDeliveryRecord } from '../store/alert-state.js';
import { readBaseline } from '../store/baseline.js';
import { dataLayout } from '../store/layout.js';
import { readRunLog } from '../store/run-log.js';
import { readSchedulerState, type SchedulerState } from '../store/scheduler-state.js';
import { renderTable } from '../ui/table.js';
import { alertLog, colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
  check?: boolean;
  staleAfter?: string;
  notify?: boolean;
}

const UNHEALTHY = new Set(['failing', 'stale', 'never-run']);

/** project → environment → "running/total, n not ready", and the drift of each pair, from the latest snapshot's baseline. */
function snapshotSummary(snapshot: Snapshot) {
  const projects: Record<string, Record<string, { services: number; running: number; notReady: number }>> = {};
  for (const [project, p] of Object.entries(snapshot.projects)) {
    projects[project] = {};
    for (const [env, e] of Object.entries(p.environments)) {
      const states = Object.values(e.services);
      projects[project][env] = {
        services: states.length,
        running: states.filter((s) => s.status === 'running').length,
        notReady: states.filter((s) => s.status === 'running' && s.pods && s.replicas && s.pods.ready < s.replicas.desired).length,
      };
    }
  }
  const drift = Object.entries(snapshot.drift ?? {}).flatMap(([project, pairs]) =>
    pairs.filter((p) => !p.span).map((p) => ({ project, from: p.from, to: p.to, status: p.status ?? 'unknown', commits: p.ahead.commits, pullRequests: p.ahead.pullRequests, ...(p.ahead.pullRequestsSince ? { pullRequestsSince: p.ahead.pullRequestsSince } : {}), tickets: p.ahead.tickets.length, ...(p.unknown?.length ? { unknown: p.unknown } : {}) })),
  );
  return { id: snapshot.id, takenAt: snapshot.takenAt, outcome: snapshot.outcome, errors: snapshot.warnings.length, projects, drift };
}

type AlertInfo = { channels: string[]; lastDelivery?: AlertDeliveryRecord; pending: number };

function render(
  status: RunStatus,
  summary: ReturnType<typeof snapshotSummary> | undefined,
  io: CommandIO,
  options: StatusOptions,
  scheduler: SchedulerState | undefined,
  now: Date,
  alerts: AlertInfo | undefined,
): string {
  const c = colorsFor(io, options);
  const paint = { ok: c.green, degraded: c.yellow, failing: c.red, stale: c.red, 'never-run': c.yellow }[status.health];
  const pct = (r: RunStatus['successRate']['day']) => (r.rate === null ? 'no runs' : `${Math.round(r.rate * 100)}% (${r.succeeded}/${r.total})`);
  const rows: string[][] = [];
  if (status.lastRun) rows.push(['last run', `${status.lastRun.startedAt} ${status.lastRun.outcome} in ${formatAge(status.lastRun.durationMs)}`]);
  rows.push(['last success', status.lastSuccess ? `${formatAge(status.lastSuccess.ageMs)} ago (${status.lastSuccess.id})` : 'never']);
  rows.push(['success rate', `24 h: ${pct(status.successRate.day)}   7 d: ${pct(status.successRate.week)}`]);
  if (status.durations.medianMs !== undefined) rows.push(['runtime', `median ${formatAge(status.durations.medianMs)}, p95 ${formatAge(status.durations.p95Ms ?? 0)}   ${status.durations.sparkline}`]);
  rows.push(['next run', scheduler ? `${scheduler.next} (in ${formatAge(Math.max(0, Date.parse(scheduler.next) - now.getTime()))}; snap schedule run ${scheduler.schedule}, pid ${scheduler.pid} on ${scheduler.host})` : c.dim('no `snap schedule run` is running (cron, systemd timers and CronJobs are not visible from here)')]);
  rows.push(['stale after', `${formatAge(status.stale.thresholdMs)} without a success (${status.stale.thresholdFrom})`]);
  if (alerts) {
    const last = alerts.lastDelivery;
    const lastText = last ? `; last: ${last.event} to ${last.channel} ${last.ok ? 'sent' : c.red(`failed (${last.error})`)} ${last.at}` : '; none sent yet';
    rows.push(['alerts', `${alerts.channels.join(', ')}${lastText}${alerts.pending ? c.yellow(`; ${alerts.pending} undelivered, retried at the next run`) : ''}`]);
  }
  if (status.lastError) rows.push(['last error', `${status.lastError.at} ${status.lastError.code}: ${status.lastError.message}${status.lastError.hint ? c.dim(` (${status.lastError.hint})`) : ''}`]);
  const lines = [`${c.bold('snap status:')} ${paint(status.health)}  ${c.dim(`${status.runs} runs in the log`)}`, renderTable(rows.map(([k, v]) => [c.dim(k), v]), '  ')];
  for (const p of status.problems) lines.push(`  ${paint('!')} ${p}`);
  if (summary) {
    const envs = [...new Set(Object.values(summary.projects).flatMap((p) => Object.keys(p)))];
    const table = [[c.bold('project'), ...envs.map((e) => c.bold(e))]];
    for (const [project, byEnv] of Object.entries(summary.projects)) {
      table.push([project, ...envs.map((e) => (byEnv[e] ? `${byEnv[e].running}/${byEnv[e].services}${byEnv[e].notReady ? c.red(` ${byEnv[e].notReady} not ready`) : ''}` : ''))]);
    }
    lines.push('', `${c.bold('Latest snapshot')} ${summary.id} (${summary.outcome}${summary.errors ? `, ${summary.errors} error warning(s)` : ''})`, renderTable(table, '  '));
    const drifting = summary.drift.filter((d) => d.commits > 0 || d.status === 'unknown');
    if (drifting.length) {
      lines.push(
        ...drifting.map((d) =>
          d.status === 'unknown'
            ? `  ${d.project}: ${d.from} → ${d.to} unknown (${d.unknown?.[0]?.reason ?? 'see the snapshot'}${(d.unknown?.length ?? 0) > 1 ? `, and ${d.unknown!.length - 1} more` : ''})`
            : `  ${d.project}: ${d.from} → ${d.to} would ship ${d.commits} commits, ${d.pullRequests}${d.pullRequestsSince ? '+' : ''} PRs, ${d.tickets} tickets${d.unknown?.length ? ` (${d.unknown.length} service(s) unknown)` : ''}`,
        ),
      );
    }
  }
  return lines.join('\n');
}

/** `snap status`: health from the run log and the latest snapshot; --check exits 1 when unhealthy. */
export async function runStatusCommand(options: StatusOptions, io: CommandIO, now = new Date()): Promise<number> {
  let staleAfterMs: number | undefined;
  if (options.staleAfter !== undefined) {
    const minutes = Number(options.staleAfter);
    if (!Number.isFinite(minutes) || minutes <= 0) throw usageError(`--stale-after takes minutes, not "${options.staleAfter}"`, 'e.g. --stale-after 60');
    staleAfterMs = minutes * 60_000;
  }
  const file = await findConfigPath(options.config, io.env, io.cwd);
  const { config } = await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir });
  const layout = dataLayout(config.dataDir);
  let notified: RunStatus | undefined;
  if (options.notify) {
    if (config.alerts.channels.length === 0) throw usageError(`--notify: ${config.path} configures no alert channel`, 'add "alerts:" with slack, webhook or email; see docs/deployment.md');
    const { notifyOnChange } = await import('../alerts/notify.js');
    notified = (await notifyOnChange(config, { env: io.env, now: () => now, staleAfterMs, log: alertLog(io, options) })).status;
  }
  const [log, latest, scheduler, alerts] = await Promise.all([
    notified ? undefined : readRunLog(layout.runLog),
    readBaseline(layout).catch(() => undefined),
    readSchedulerState(layout.root),
    config.alerts.channels.length ? peekAlertState(layout.alerts) : undefined,
  ]);
  const status = notified ?? runStatus(log!.records, now, { staleAfterMs: staleAfterMs ?? config.alerts.staleAfterMs, anomalyFactor: config.alerts.anomalyFactor, degradedAfter: config.alerts.degradedAfter });
  const summary = latest?.status === 'ok' ? snapshotSummary(latest.value) : undefined;
  const alertInfo: AlertInfo | undefined = alerts ? { channels: config.alerts.channels.map((c) => c.kind), ...alerts } : undefined;
  if (options.json) io.stdout.write(`${JSON.stringify({ ...status, dataDir: layout.root, ...(scheduler ? { scheduler } : {}), ...(alertInfo ? { alerts: alertInfo } : {}), ...(summary ? { snapshot: summary } : {}) }, null, 2)}\n`);
  else io.stdout.write(`${render(status, summary, io, options, scheduler, now, alertInfo)}\n`);
  // Partial snapshots that last (degradedAfterRuns / degradedAfterMinutes) fail the check too.
  const unhealthy = UNHEALTHY.has(status.health) || (status.health === 'degraded' && status.degraded?.sustained === true);
  return options.check && unhealthy ? ExitCode.failed : ExitCode.ok;
}

export function statusCommand(handle: (options: StatusOptions) => Promise<void>): Command {
  return new Command('status')
    .description('are snapshots healthy? last run, success rate, runtime trend, last error, staleness, and the latest snapshot at a glance')
    .option('--json', 'print the status as JSON')
    .option('--check', 'exit 1 when unhealthy (failing, stale, never run, or partial run after run): for monitoring')
    .option('--stale-after <minutes>', 'no success for this long is stale (default: alerts.staleAfterMinutes, else twice the usual interval between runs (at least 10 min), else 2 hours)')
    .option('--notify', 'send the alerts that a change of state calls for (config "alerts:"): a watchdog for cron')
    .addHelpText(
      'after',
      `
Examples:
  $ snap status
  $ snap status --json | jq .health
  $ snap status --check --stale-after 45 || echo "snapshots are unhealthy"
  $ snap status --check --notify >/dev/null     watchdog from cron: alerts when snapshots stop

Exit codes: 0, or with --check 1 when the last run failed, no success is recent enough, nothing ran yet,
            or snapshots have been partial for alerts.degradedAfterRuns runs (3) or degradedAfterMinutes (60).`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
