import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import type { Snapshot } from '../core/snapshot-schema.js';
import { formatAge, runStatus, type RunStatus } from '../core/status.js';
import { ExitCode, usageError } from '../errors.js';
import { readBaseline } from '../store/baseline.js';
import { dataLayout } from '../store/layout.js';
import { readRunLog } from '../store/run-log.js';
import { readSchedulerState, type SchedulerState } from '../store/scheduler-state.js';
import { renderTable } from '../ui/table.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface StatusOptions extends GlobalOptions {
  json?: boolean;
  check?: boolean;
  staleAfter?: string;
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
    pairs.map((p) => ({ project, from: p.from, to: p.to, commits: p.ahead.commits, pullRequests: p.ahead.pullRequests, tickets: p.ahead.tickets.length })),
  );
  return { id: snapshot.id, takenAt: snapshot.takenAt, outcome: snapshot.outcome, errors: snapshot.warnings.length, projects, drift };
}

function render(status: RunStatus, summary: ReturnType<typeof snapshotSummary> | undefined, io: CommandIO, options: StatusOptions, scheduler: SchedulerState | undefined, now: Date): string {
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
    const drifting = summary.drift.filter((d) => d.commits > 0);
    if (drifting.length) lines.push(...drifting.map((d) => `  ${d.project}: ${d.from} → ${d.to} would ship ${d.commits} commits, ${d.pullRequests} PRs, ${d.tickets} tickets`));
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
  const [log, latest, scheduler] = await Promise.all([readRunLog(layout.runLog), readBaseline(layout).catch(() => undefined), readSchedulerState(layout.root)]);
  const status = runStatus(log.records, now, { staleAfterMs });
  const summary = latest?.status === 'ok' ? snapshotSummary(latest.value) : undefined;
  if (options.json) io.stdout.write(`${JSON.stringify({ ...status, dataDir: layout.root, ...(scheduler ? { scheduler } : {}), ...(summary ? { snapshot: summary } : {}) }, null, 2)}\n`);
  else io.stdout.write(`${render(status, summary, io, options, scheduler, now)}\n`);
  return options.check && UNHEALTHY.has(status.health) ? ExitCode.failed : ExitCode.ok;
}

export function statusCommand(handle: (options: StatusOptions) => Promise<void>): Command {
  return new Command('status')
    .description('are snapshots healthy? last run, success rate, runtime trend, last error, staleness, and the latest snapshot at a glance')
    .option('--json', 'print the status as JSON')
    .option('--check', 'exit 1 when unhealthy (failing, stale or never run): for monitoring')
    .option('--stale-after <minutes>', 'no success for this long is stale (default: twice the usual interval between runs, else 2 hours)')
    .addHelpText(
      'after',
      `
Examples:
  $ snap status
  $ snap status --json | jq .health
  $ snap status --check --stale-after 45 || echo "snapshots are unhealthy"

Exit codes: 0, or with --check 1 when the last run failed, no success is recent enough, or nothing ran yet.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
