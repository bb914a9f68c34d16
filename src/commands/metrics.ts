import { Command } from 'commander';
import type { DeploymentEvent } from '../core/snapshot-schema.js';
import { usageError } from '../errors.js';
import { spanMs } from '../util/span.js';
import { checkSelection, checkNames, type Filters } from '../history/filter.js';
import { BANDS, computeMeasures, measureInputs, type Band, type Measures } from '../history/metrics.js';
import { openHistory } from '../history/open.js';
import { parseTime } from '../history/refs.js';
import { renderTable } from '../ui/table.js';
import { visibleLength, type Colors } from '../ui/terminal.js';
import { writeJson } from '../ui/write-json.js';
import { outputWidth } from '../ui/show.js';
import { wrapWords } from '../ui/summary.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface MetricsCommandOptions extends GlobalOptions, Filters {
  window?: string;
  failureWindow?: string;
  until?: string;
  by?: string;
  json?: boolean;
}

const DAY = 86_400_000;

/** A duration as a person reads it: "27 s", "45 min", "5.2 h", "3.4 d". */
export function humanDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * DAY) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / DAY).toFixed(1)} d`;
}

/** A length of time from the command line: 30d, 12h, 90m, 2w (ms). Throws a usage error naming the option. */
export function parseSpan(text: string, option: string): number {
  const ms = spanMs(text);
  if (ms === undefined) throw usageError(`${option} takes a length of time such as 30d, 12h, 90m or 2w, not "${text}"`);
  return ms;
}

const BAND_COLOR: Record<Band, keyof Colors> = { elite: 'green', high: 'green', medium: 'yellow', low: 'red' };
const trend = (now: number | undefined, before: number | undefined, betterWhenLower: boolean, c: Colors) => {
  if (now === undefined || before === undefined) return c.dim('?');
  if (now === before) return c.dim('=');
  const up = now > before;
  const good = up !== betterWhenLower;
  return good ? c.green(up ? '↑' : '↓') : c.red(up ? '↑' : '↓');
};

/**
 * One scope's measures as a table — measure, value, the window before, trend, band — fitted to `width`
 * (columns): a value too long for its column goes on the line below, as do the lead-time stages.
 */
function renderScope(title: string, m: Measures, p: Measures, c: Colors, width = Infinity): string {
  const band = (b: Band | undefined) => (b ? c[BAND_COLOR[b]](b) : c.dim('–'));
  const pct = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x * 1000) / 10} %`);
  const rows = [
    [
      'deployment frequency',
      `${m.deploymentFrequency.perWeek.toFixed(1)}/week, on ${m.deploymentFrequency.daysPerWeek.toFixed(1)} days (${m.deployments})`,
      c.dim(`was ${p.deploymentFrequency.perWeek.toFixed(1)}`),
      trend(m.deploymentFrequency.perWeek, p.deploymentFrequency.perWeek, false, c),
      band(m.deploymentFrequency.band),
    ],
    [
      'lead time',
      m.leadTime.medianMs === undefined ? `unknown${m.leadTime.unknownDeployments ? ` (${m.leadTime.unknownDeployments} deployment(s) without a record of their commits)` : ''}` : `${humanDuration(m.leadTime.medianMs)}, p90 ${humanDuration(m.leadTime.p90Ms)} (${m.leadTime.commits} commits${m.leadTime.unknownDeployments ? `; ${m.leadTime.unknownDeployments} unrecorded deployment${m.leadTime.unknownDeployments === 1 ? '' : 's'}` : ''})`,
      c.dim(`was ${humanDuration(p.leadTime.medianMs)}`),
      trend(m.leadTime.medianMs, p.leadTime.medianMs, true, c),
      band(m.leadTime.band),
    ],
    [
      'change failure rate',
      m.changeFailureRate.rate === undefined ? '–' : `${m.changeFailureRate.unknown ? '≥ ' : ''}${pct(m.changeFailureRate.rate)} (${m.changeFailureRate.failed} of ${m.changeFailureRate.of}${m.changeFailureRate.unknown ? `; ${m.changeFailureRate.unknown} followed by a rollback unknown` : ''})`,
      c.dim(`was ${pct(p.changeFailureRate.rate)}`),
      trend(m.changeFailureRate.rate, p.changeFailureRate.rate, true, c),
      band(m.changeFailureRate.band),
    ],
    [
      'recovery time',
      m.recoveryTime.medianMs === undefined ? (m.recoveryTime.open ? `${m.recoveryTime.open} not recovered yet` : '– (no failure)') : `${humanDuration(m.recoveryTime.medianMs)} (${m.recoveryTime.recovered} recovered${m.recoveryTime.open ? `, ${m.recoveryTime.open} open` : ''})`,
      c.dim(`was ${humanDuration(p.recoveryTime.medianMs)}`),
      trend(m.recoveryTime.medianMs, p.recoveryTime.medianMs, true, c),
      band(m.recoveryTime.band),
    ],
  ];
  const stages =
    m.leadTime.stages.mergeToFirstMs === undefined
      ? `by stage: unknown (none of ${m.leadTime.stages.pullRequests} PRs seen in the first environment)`
      : `by stage: merge → first environment ${humanDuration(m.leadTime.stages.mergeToFirstMs)} → here ${humanDuration(m.leadTime.stages.firstToHereMs)} (${m.leadTime.stages.pullRequests - m.leadTime.stages.unknown} of ${m.leadTime.stages.pullRequests} PRs)`;
  // What the other columns leave for the value (two spaces between columns, two before the first).
  const widest = (i: number) => Math.max(...rows.map((r) => visibleLength(r[i])));
  const budget = Number.isFinite(width) ? Math.max(16, width - 2 - widest(0) - 2 - 2 - widest(2) - 2 - widest(3) - 2 - widest(4)) : Infinity;
  const below = rows.map((r) => {
    if (visibleLength(r[1]) <= budget) return [] as string[];
    const value = r[1];
    r[1] = '';
    return [value];
  });
  below[1].push(c.dim(stages));
  const indent = '      ';
  const wrap = (text: string) => (Number.isFinite(width) ? wrapWords(text.split(' '), ' ', width - indent.length) : [text]).map((l) => `${indent}${l}`);
  const lines = renderTable(rows, '  ')
    .split('\n')
    .flatMap((line, i) => [line, ...below[i].flatMap(wrap)]);
  return `${c.bold(title)}\n${lines.join('\n')}`;
}

/** `snap metrics`: the DORA measures per environment (the last of each project by default), project and service, with the trend against the window before. */
export async function runMetrics(options: MetricsCommandOptions, io: CommandIO, now = new Date()): Promise<number> {
  const windowMs = parseSpan(options.window ?? '30d', '--window');
  const failureWindowMs = parseSpan(options.failureWindow ?? '24h', '--failure-window');
  if (options.by !== undefined && options.by !== 'service') throw usageError(`--by takes service (projects are always shown), not "${options.by}"`);
  const end = options.until !== undefined ? await parseTime(options.until, now, '--until') : now.getTime();
  const start = end - windowMs;
  const history = await openHistory(options, io);
  try {
    checkSelection(history.config.projects, options);
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    const projects = history.config.projects;
    const projectNames = checkNames('--project', options.project, projects.map((p) => p.name));
    const envNames = checkNames('--env', options.env, [...new Set(projects.flatMap((p) => p.environments.map((e) => e.name)))]);
    const serviceNames = checkNames('--service', options.service, [...new Set(projects.flatMap((p) => p.services.map((s) => s.name)))]);
    const envsByProject = new Map(projects.map((p) => [p.name, p.environments.map((e) => e.name)]));
    const environmentsOf = (project: string) => envsByProject.get(project) ?? [];
    // The environment measured in each project: --env, else the last in promotion order (prod).
    const measuredOf = new Map(projects.map((p) => [p.name, envNames ? [...envNames].filter((e) => environmentsOf(p.name).includes(e)) : environmentsOf(p.name).slice(-1)]));
    const measured = (project: string) => measuredOf.get(project) ?? [];
    // What the two windows need: their deployments, those a lead-time stage may start from (up to 90
    // days before), and those a failure may be followed by (one failure window after).
    // Whole events only of the measured environments in the two windows (and one failure window after);
    // of the first environments, only when PRs arrived (up to STAGE_LOOKBACK_MS before), read lightly.
    const measuredEnvs = [...new Set(projects.flatMap((p) => measured(p.name)))];
    // An environment of the config the release history has never seen (renamed in the config?): its zeros would look like measures.
    const seen = history.index.deploymentNames().environments;
    const unseen = measuredEnvs.filter((e) => !seen.includes(e));
    if (unseen.length && seen.length) io.stderr.write(`snap: the release history has no deployment in ${unseen.join(', ')} (it has ${seen.join(', ')}): if an environment was renamed in the config, its history is under the old name\n`);
    const keep = (e: { project: string; service: string }) => (!projectNames || projectNames.has(e.project)) && (!serviceNames || serviceNames.has(e.service));
    const { all, arrivals } = measureInputs(history.index, projects, { environments: measuredEnvs, from: start - windowMs, to: end, failureWindowMs, keep });
    const byProject = new Map<string, DeploymentEvent[]>();
    for (const e of all) (byProject.get(e.project) ?? byProject.set(e.project, []).get(e.project)!).push(e);
    const scopes: { title: string; scope: Record<string, string>; events: DeploymentEvent[] }[] = [];
    // Projects that have a service asked for (--service): the others would only show zeros.
    const chosenProjects = projects.filter((p) => !projectNames || projectNames.has(p.name)).filter((p) => !serviceNames || p.services.some((sv) => serviceNames.has(sv.name))).filter((p) => measured(p.name).length);
    // One set of blocks per environment measured (--env staging,prod): measures of two environments are not added up.
    const rounds = envNames ? [...envNames].map((env) => (project: string) => measured(project).filter((e) => e === env)) : [measured];
    for (const envsOf of rounds) {
      const here = (e: DeploymentEvent) => envsOf(e.project).includes(e.environment);
      const inRound = chosenProjects.filter((p) => envsOf(p.name).length);
      const label = (project: string) => envsOf(project).join(', ');
      if (inRound.length > 1) scopes.push({ title: `All projects (${[...new Set(inRound.flatMap((p) => envsOf(p.name)))].join(', ')})`, scope: {}, events: all.filter(here) });
      for (const p of inRound) {
        scopes.push({ title: `${p.name} (${label(p.name)})`, scope: { project: p.name, environment: label(p.name) }, events: (byProject.get(p.name) ?? []).filter(here) });
        if (options.by === 'service') {
          for (const sv of p.services) if (!serviceNames || serviceNames.has(sv.name)) scopes.push({ title: `${p.name}/${sv.name} (${label(p.name)})`, scope: { project: p.name, environment: label(p.name), service: sv.name }, events: (byProject.get(p.name) ?? []).filter((e) => e.service === sv.name && here(e)) });
        }
      }
    }
    if (scopes.length === 0) throw usageError(`no project has the environment ${options.env}`);
    const results = scopes.map((s) => {
      // The next deployment of a service is in its own project: that project's events suffice.
      const pool = s.scope.project ? (byProject.get(s.scope.project) ?? []) : all;
      return {
        ...s,
        current: computeMeasures(s.events, pool, { start, end, failureWindowMs, environmentsOf, firstArrivals: arrivals }),
        previous: computeMeasures(s.events, pool, { start: start - windowMs, end: start, failureWindowMs, environmentsOf, firstArrivals: arrivals }),
      };
    });
    const window = { start: new Date(start).toISOString(), end: new Date(end).toISOString(), days: windowMs / DAY };
    // Before the first snapshot, only the revisions Kubernetes kept are known (revisionHistoryLimit, 10 by default).
    const historySince = history.index.firstSnapshotTime();
    const partial = historySince !== undefined && Date.parse(historySince) > start - windowMs;
    if (options.json) {
      await writeJson(io.stdout, {
        window,
        previous: { start: new Date(start - windowMs).toISOString(), end: window.start },
        ...(historySince ? { historySince } : {}),
        failureWindowHours: failureWindowMs / 3_600_000,
        bands: BANDS,
        scopes: results.map((r) => ({ scope: r.scope, environments: r.scope.environment ? [r.scope.environment] : [...new Set(r.events.map((e) => e.environment))], current: r.current, previous: r.previous })),
      });
      return 0;
    }
    const c = colorsFor(io, options);
    const width = outputWidth(io);
    const wrap = (text: string) => wrapWords(text.split(' '), ' ', width).join('\n');
    const unit = (n: number, word: string) => `${+n.toFixed(2)} ${word}${+n.toFixed(2) === 1 ? '' : 's'}`;
    const span = windowMs >= DAY ? unit(windowMs / DAY, 'day') : unit(windowMs / 3_600_000, 'hour');
    const head = `DORA metrics, ${span} to ${window.end.slice(0, 16).replace('T', ' ')} UTC (was: the ${span} before)`;
    const coverage = partial
      ? `\n${c.yellow(wrap(`snap's history begins ${historySince!.slice(0, 16).replace('T', ' ')} UTC: before it, only the revisions Kubernetes kept are known (up to revisionHistoryLimit per workload), so figures that reach further back count only those`))}`
      : '';
    const legend = c.dim(wrap('lead time and recovery time are medians; deployment frequency is per week, with the days that had a deployment'));
    const foot = c.dim(`${wrap(`Bands: ${BANDS.source}.`)}\n${wrap('Definitions: docs/metrics.md; every input is in snap releases --json.')}`);
    io.stdout.write(`${c.bold(head)}\n${legend}${coverage}\n\n${results.map((r) => renderScope(r.title, r.current, r.previous, c, width)).join('\n\n')}\n\n${foot}\n`);
    return 0;
  } finally {
    history.close();
  }
}

export function metricsCommand(handle: (options: MetricsCommandOptions) => Promise<void>): Command {
  return new Command('metrics')
    .description('the DORA measures: deployment frequency, lead time for changes, change failure rate and failed-deployment recovery time, with their trend and performance band; no network')
    .option('--env <names>', 'the environment(s) measured (default: the last of each project, e.g. prod)')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--by <scope>', 'also break the figures down by service (project is always shown)')
    .option('--window <span>', 'the window measured, back from now (default 30d); the trend compares with the window before it')
    .option('--until <time>', 'end the window here instead of now (2026-11-01, "2 weeks ago")')
    .option('--failure-window <span>', 'a deployment followed this soon by a rollback or a fix failed (default 24h)')
    .option('--json', 'print the measures, their inputs counted, and the bands as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ snap metrics                          prod of every project, the last 30 days
  $ snap metrics --env staging --window 7d
  $ snap metrics --project payments --by service
  $ snap metrics --failure-window 2h --json | jq '.scopes[0].current.changeFailureRate'

Definitions (docs/metrics.md): each number can be computed by hand from snap releases --json.
Exit codes: 0 ok, 2 an unknown project, environment or service, filters that select nothing, a bad window,
or no snapshot yet.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
