import { Command } from 'commander';
import type { DeploymentEvent } from '../core/snapshot-schema.js';
import { ExitCode, SnapError, usageError } from '../errors.js';
import { checkSelection, checkNames, nearest, type Filters } from '../history/filter.js';
import { openHistory, type History } from '../history/open.js';
import { parseTime } from '../history/refs.js';
import { renderTable } from '../ui/table.js';
import type { Colors } from '../ui/terminal.js';
import { outputWidth } from '../ui/show.js';
import { fitLine } from '../ui/summary.js';
import { writeJson } from '../ui/write-json.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface ReleasesOptions extends GlobalOptions, Filters {
  since?: string;
  until?: string;
  ticket?: string;
  rollbacks?: boolean;
  limit?: string;
  json?: boolean;
  csv?: boolean;
}

/** The names the release history has: projects, environments, services (for filter checks and completion). */
export function releaseNames(events: readonly DeploymentEvent[]): { projects: string[]; environments: string[]; services: string[] } {
  return {
    projects: [...new Set(events.map((e) => e.project))],
    environments: [...new Set(events.map((e) => e.environment))],
    services: [...new Set(events.map((e) => e.service))].sort(),
  };
}

/**
 * The deployments of the history that match the command line's filters (`--project`, `--env`,
 * `--service` comma lists; `--since`, `--until` times; `--ticket`; `--rollbacks`), oldest first.
 * Unknown names are usage errors naming the nearest known ones.
 */
export async function selectDeployments(history: History, options: ReleasesOptions, now: Date, newest?: number): Promise<{ events: DeploymentEvent[]; summary: ReturnType<History['index']['deploymentSummary']> }> {
  const since = options.since !== undefined ? new Date(await parseTime(options.since, now, '--since')).toISOString() : undefined;
  const until = options.until !== undefined ? new Date(await parseTime(options.until, now, '--until')).toISOString() : undefined;
  if (since && until && since >= until) throw usageError(`--since ${options.since} is not before --until ${options.until}`, 'e.g. --since 30d --until 7d: from 30 days ago to 7 days ago');
  let ticket: string | undefined;
  if (options.ticket !== undefined) {
    if (options.ticket.trim() === '') throw usageError('--ticket needs a key (it was empty)', 'e.g. --ticket PYM-230');
    const keys = history.index.ticketKeys();
    // Matched whole, in any case, as snap ticket does.
    ticket = keys.find((k) => k.toLowerCase() === options.ticket!.trim().toLowerCase()) ?? options.ticket.trim();
    if (!keys.includes(ticket) && !history.index.deployments({ ticket }).length) {
      const near = nearest(options.ticket, keys, 5);
      const pr = /^(?:[\w.-]+\/[\w.-]+)?#\d+$/.test(ticket) ? '; a pull request is not a ticket (snap ticket names the tickets it carries)' : '';
      throw new SnapError('UNKNOWN_TICKET', `--ticket ${options.ticket}: no deployment shipped or took out such a ticket${pr}${near.length ? `; nearest known: ${near.join(', ')}` : ''}`, { exitCode: ExitCode.usage });
    }
  }
  const known = history.index.deploymentNames();
  const projects = checkNames('--project', options.project, [...new Set([...known.projects, ...history.config.projects.map((p) => p.name)])]);
  const envs = checkNames('--env', options.env, [...new Set([...known.environments, ...history.config.projects.flatMap((p) => p.environments.map((e) => e.name))])]);
  const services = checkNames('--service', options.service, [...new Set([...known.services, ...history.config.projects.flatMap((p) => p.services.map((s) => s.name))])]);
  const filter = {
    since,
    until,
    ...(ticket ? { ticket } : {}),
    ...(projects ? { projects: [...projects] } : {}),
    ...(envs ? { environments: [...envs] } : {}),
    ...(services ? { services: [...services] } : {}),
    ...(options.rollbacks ? { rollbacks: true } : {}),
  };
  return { events: history.index.deployments({ ...filter, ...(newest !== undefined ? { newest } : {}) }), summary: history.index.deploymentSummary(filter) };
}

const short = (oid?: string) => (oid ? oid.slice(0, 7) : '?');
const versionText = (v?: { version?: string; image?: string; commit?: string }) => {
  if (!v) return '–';
  const version = v.version && /^[0-9a-f]{40}$/.test(v.version) ? v.version.slice(0, 12) : (v.version ?? v.image ?? '?');
  return v.commit && !version.includes(v.commit.slice(0, 7)) ? `${version} (${short(v.commit)})` : version;
};

/** What a deployment shipped, in words: "4 commits, 3 PRs, 2 tickets", or why it is unknown. */
export function shippedText(e: DeploymentEvent): string {
  const s = e.shipped;
  if (!s) return 'shipped: not recorded';
  if (s.status === 'unknown') return `shipped: unknown (${s.reason})`;
  const parts = [`${s.commits} commit${s.commits === 1 ? '' : 's'}`, `${s.pullRequests?.length ?? 0} PR${s.pullRequests?.length === 1 ? '' : 's'}`];
  if (s.removed) parts.push(`took out ${s.removed.commits} commit${s.removed.commits === 1 ? '' : 's'}${s.removed.tickets.length ? ` (${s.removed.tickets.join(', ')})` : ''}`);
  return parts.join(', ');
}

/** One deployment, two or three lines: when, where, from → to, marks; what it shipped; its PRs. */
export function renderRelease(e: DeploymentEvent, c: Colors, width = Infinity, afterStalled?: DeploymentEvent): string {
  const when = e.at ? e.at.slice(0, 16).replace('T', ' ') : '????-??-?? ??:??';
  const marks = [
    e.rollback === true ? c.yellow('rollback') : e.rollback === 'unknown' ? c.yellow('rollback unknown') : '',
    e.rolloutStatus ? c.yellow(`${e.rolloutStatus.state}${e.rolloutStatus.reason ? ` (${e.rolloutStatus.reason})` : ''}`) : '',
  ].filter(Boolean);
  const lines = [`${c.dim(when)}  ${e.project}/${e.environment}/${c.bold(e.service)}  ${versionText(e.from)} → ${c.green(versionText(e.to))}${marks.length ? `  ${marks.join(' ')}` : ''}`];
  const tickets = e.shipped?.tickets?.length ? `  tickets ${e.shipped.tickets.join(', ')}` : '';
  lines.push(`  ${c.dim(shippedText(e))}${tickets}`);
  // It rolled out over a rollout that never ran: what that one shipped arrives with this one.
  if (afterStalled?.shipped?.status === 'known') lines.push(c.yellow(`  also brings the ${afterStalled.shipped.commits} commit(s) of the stalled rollout before it (${afterStalled.at?.slice(0, 16).replace('T', ' ') ?? afterStalled.id}), which never ran`));
  for (const pr of e.shipped?.pullRequests ?? []) lines.push(c.dim(`  #${pr.number} ${pr.title}`));
  return lines.map((l) => fitLine(l, width)).join('\n');
}

/** The CSV columns of `snap releases --csv` (one row per deployment; lists joined with `;`). */
export const CSV_COLUMNS = ['at', 'project', 'environment', 'service', 'context', 'namespace', 'workload', 'revision', 'from_version', 'from_commit', 'to_version', 'to_commit', 'rollback', 'rollout_state', 'completed_at', 'shipped', 'commits', 'pull_requests', 'tickets', 'snapshot', 'id'] as const;

export async function releasesCsv(events: readonly DeploymentEvent[]): Promise<string> {
  const { stringify } = await import('csv-stringify/sync');
  const rows = events.map((e) => [
    e.at ?? '',
    e.project,
    e.environment,
    e.service,
    e.workload.context,
    e.workload.namespace,
    e.workload.name,
    e.revision ?? '',
    e.from?.version ?? '',
    e.from?.commit ?? '',
    e.to.version ?? '',
    e.to.commit ?? '',
    String(e.rollback),
    e.rolloutStatus?.state ?? '',
    e.completedAt ?? '',
    e.shipped?.status ?? 'unrecorded',
    e.shipped?.commits ?? '',
    (e.shipped?.pullRequests ?? []).map((p) => p.number).join(';'),
    (e.shipped?.tickets ?? []).join(';'),
    e.snapshot ?? '',
    e.id,
  ]);
  return stringify([[...CSV_COLUMNS], ...rows]);
}

/** `snap release`: the deployment history from the index, filtered; text, JSON or CSV. */
export async function runReleases(options: ReleasesOptions, io: CommandIO, now = new Date()): Promise<number> {
  if (options.json && options.csv) throw usageError('--json and --csv cannot be used together');
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit takes a whole number above 0, not "${options.limit}"`);
  const history = await openHistory(options, io);
  try {
    // What the config has, and what the release history has (a service removed since still has its deployments).
    checkSelection([...history.config.projects, ...history.index.deploymentScopes()], options);
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    // Text shows the newest --limit: only those are read; JSON and CSV give every one.
    const { events, summary } = await selectDeployments(history, options, now, options.json || options.csv ? undefined : limit);
    if (options.json) {
      await writeJson(io.stdout, { count: events.length, deployments: events });
      return 0;
    }
    if (options.csv) {
      io.stdout.write(await releasesCsv(events));
      return 0;
    }
    const c = colorsFor(io, options);
    if (summary.count === 0) {
      io.stdout.write(`No deployments${options.since !== undefined ? ` since ${options.since}` : ''} match.\n`);
      const seen = history.index.deploymentNames().environments;
      const unseen = (options.env ?? '').split(',').map((e) => e.trim()).filter((e) => e && !seen.includes(e));
      if (unseen.length && seen.length) io.stderr.write(`snap: the release history has no deployment in ${unseen.join(', ')} at all (it has ${seen.join(', ')}): if an environment was renamed in the config, its history is under the old name\n`);
      return 0;
    }
    const width = outputWidth(io);
    const line = renderTable([[c.bold(`${summary.count} deployment${summary.count === 1 ? '' : 's'}`), `${summary.rollbacks} rollback${summary.rollbacks === 1 ? '' : 's'}`, `${summary.first?.slice(0, 10) ?? '?'} … ${summary.last?.slice(0, 10) ?? '?'}`]]);
    const earlier = summary.count > events.length ? `${c.dim(`… ${summary.count - events.length} earlier (--limit ${summary.count} shows all; --json or --csv gives all)`)}\n` : '';
    // Each deployment's predecessor of the same service there, among those listed: a stalled rollout that never ran?
    const previous = new Map<string, DeploymentEvent>();
    const stalledBefore = events.map((e) => {
      const key = `${e.project}\n${e.environment}\n${e.service}\n${e.workload.context}`;
      const before = previous.get(key);
      previous.set(key, e);
      return before && before.rolloutStatus?.state === 'stalled' && !before.completedAt && before.to.commit === e.from?.commit && e.rollback !== true ? before : undefined;
    });
    io.stdout.write(`${line}\n\n${earlier}${events.map((e, i) => renderRelease(e, c, width, stalledBefore[i])).join('\n')}\n`);
    return 0;
  } finally {
    history.close();
  }
}

export function releasesCommand(handle: (options: ReleasesOptions) => Promise<void>): Command {
  return new Command('releases')
    .description('the deployment history: each deployment with from → to, rollback, and the commits, PRs and tickets it shipped; reads the data directory, no network')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--env <names>', 'only these environments (comma-separated)')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--since <time>', 'deployed at or after: 7d, 12h, 2026-11-20, "2 weeks ago"')
    .option('--until <time>', 'deployed before (same forms)')
    .option('--ticket <key>', 'only deployments that shipped this ticket, or took it out (a rollback)')
    .option('--rollbacks', 'only rollbacks')
    .option('--limit <n>', 'text output: how many of the newest (default 50)')
    .option('--json', 'print the deployments as JSON (every one that matches)')
    .option('--csv', 'print them as CSV (every one that matches)')
    .addHelpText(
      'after',
      `
Examples:
  $ snap releases --since 7d                     deployments of the last week
  $ snap releases --env prod --since 30d         prod's last 30 days
  $ snap releases --service payments-worker --rollbacks
  $ snap releases --csv --since 90d > deployments.csv
  $ snap releases --json | jq '.deployments[] | select(.rollback == true)'

Exit codes: 0 ok (also when nothing matches), 2 an unknown project, environment or service, filters that
select nothing together, a time that does not parse, or no snapshot yet.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
