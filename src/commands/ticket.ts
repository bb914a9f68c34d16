import { Command } from 'commander';
import type { DeploymentEvent, Snapshot, Ticket } from '../core/snapshot-schema.js';
import { ExitCode, SnapError, usageError } from '../errors.js';
import { checkSelection, checkNames, nearest } from '../history/filter.js';
import { openHistory, type History } from '../history/open.js';
import { cacheFile } from '../store/github-cache.js';
import type { TicketChange } from '../store/history-index.js';
import { MAX_DATA_FILE_BYTES } from '../store/read-json.js';
import { readRegularFile } from '../util/read-file.js';
import { outputWidth } from '../ui/show.js';
import { fitLine, wrapWords } from '../ui/summary.js';
import { visibleLength, type Colors } from '../ui/terminal.js';
import { writeJson } from '../ui/write-json.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';
import { snapshotFor } from './show.js';

export interface TicketOptions extends GlobalOptions {
  at?: string;
  project?: string;
  env?: string;
  service?: string;
  json?: boolean;
}

/** Where a ticket is in one environment, with its history there. */
export interface TicketPlace {
  project: string;
  environment: string;
  /** in | partial | rolling-out | reverted | unknown; `not yet` when the environment has none of it, `taken out` when it had it and no longer has (since: when). */
  status: string;
  missing?: string[];
  reason?: string;
  /** Since when it has this status: the snapshot that first saw it so, and the deployment that brought it there. */
  since?: { snapshot: string; at: string; before?: boolean; deployment?: { id: string; at?: string; service: string; version?: string } };
  /** The environment a promotion from would bring it here (the snapshot's promotion preview has it ahead). */
  promotion?: string;
  /** The ticket's status in the environment promoted from, when it is not `in` there (partial…): the promotion brings only what that one has. */
  promotionPartial?: string;
  /** For rolling-out: the services carrying it whose rollout is not progressing (stalled or paused), with why. */
  held?: { service: string; state: string; reason?: string }[];
}

export interface TicketReport {
  key: string;
  kind: Ticket['kind'];
  changes: (Ticket['changes'][number] & { title?: string })[];
  environments: TicketPlace[];
  /** The filters given, when some were (a ticket in none of the environments they select is not "in no environment"). */
  filtered?: string;
}

/**
 * The ticket keys a word on the command line names in a snapshot: `PAY-412` (any case), `owner/repo#12`
 * (any case), or `#12` (every repository's #12). Empty when none.
 */
/**
 * The pull requests `#N` (in every repository) or `owner/repo#N` names when it is no ticket: each PR
 * that carries tickets of the snapshot (their changes list it), with those tickets. Empty when none does.
 */
export function pullRequestsNamed(word: string, snapshot: Snapshot): { repository: string; number: number; tickets: string[] }[] {
  const m = /^(?:([\w.-]+\/[\w.-]+))?#(\d+)$/.exec(word.trim());
  if (!m) return [];
  const number = Number(m[2]);
  const found = new Map<string, Set<string>>();
  for (const [key, t] of Object.entries(snapshot.tickets ?? {})) {
    for (const ch of t.changes) {
      if (ch.pr !== number || (m[1] && ch.repository.toLowerCase() !== m[1].toLowerCase())) continue;
      (found.get(ch.repository) ?? found.set(ch.repository, new Set()).get(ch.repository)!).add(key);
    }
  }
  return [...found].sort((a, b) => a[0].localeCompare(b[0])).map(([repository, keys]) => ({ repository, number, tickets: [...keys].sort() }));
}

export function keysFor(word: string, snapshot: Snapshot): string[] {
  const keys = Object.keys(snapshot.tickets ?? {});
  const lower = word.toLowerCase();
  const exact = keys.filter((k) => k.toLowerCase() === lower);
  if (exact.length) return exact;
  if (/^#\d+$/.test(word)) return keys.filter((k) => k.endsWith(word));
  return [];
}

/**
 * PR titles and commit headlines of a repository, from its GitHub cache (the snapshot keeps numbers and
 * ids only; commit rows are `[oid, parents, committedAt, author, headline, …]`). Empty when the cache is unreadable.
 */
async function titlesOf(history: History, repository: string): Promise<{ prs: Map<number, string>; commits: Map<string, string> }> {
  try {
    const data = JSON.parse(await readRegularFile(cacheFile(history.layout.cacheDir, repository), MAX_DATA_FILE_BYTES)) as { pullRequests?: { number: number; title: string }[]; commits?: unknown[][] };
    return {
      prs: new Map((data.pullRequests ?? []).map((p) => [p.number, p.title])),
      commits: new Map((data.commits ?? []).filter((row) => typeof row[0] === 'string' && typeof row[4] === 'string').map((row) => [row[0] as string, row[4] as string])),
    };
  } catch {
    return { prs: new Map(), commits: new Map() };
  }
}

/**
 * The deployment that brought the ticket into the environment: one the snapshot that first saw it
 * there recorded, else the newest that shipped it at or before that snapshot's time (else the first after).
 */
function broughtBy(events: readonly DeploymentEvent[], change: TicketChange): DeploymentEvent | undefined {
  const recorded = events.filter((e) => e.snapshot === change.snapshot && e.rollback !== true);
  if (recorded.length) return recorded.at(-1);
  const before = events.filter((e) => (e.at ?? '') <= change.at && e.rollback !== true);
  return before.at(-1) ?? events.find((e) => e.rollback !== true);
}

/** Everything `snap ticket` says about one key: its changes (with PR titles), and per environment its status, since when, and how it would get there. */
export async function ticketReport(history: History, snapshot: Snapshot, key: string, filters: { project?: string; env?: string }): Promise<TicketReport> {
  const ticket = snapshot.tickets![key];
  const titles = new Map<string, Awaited<ReturnType<typeof titlesOf>>>();
  for (const repo of new Set(ticket.changes.map((c) => c.repository))) titles.set(repo, await titlesOf(history, repo));
  // A change through a PR shows the PR's title; one in a commit message, the commit's headline.
  const changes = ticket.changes.map((c) => {
    const known = titles.get(c.repository);
    const title = (c.pr !== undefined ? known?.prs.get(c.pr) : undefined) ?? known?.commits.get(c.commit);
    return { ...c, ...(title ? { title } : {}) };
  });
  const history_ = history.index.ticketChanges(key);
  const firstSnapshot = history.index.snapshots()[0];
  // As of the snapshot asked about: deployments after it did not bring anything then.
  const shipped = history.index.deployments({ ticket: key, until: new Date(Date.parse(snapshot.takenAt) + 1).toISOString() });
  const projects = new Set(ticket.changes.length ? history.config.projects.filter((p) => p.services.some((s) => ticket.changes.some((c) => c.repository === s.repository))).map((p) => p.name) : []);
  for (const e of ticket.environments) projects.add(e.project);
  const environments: TicketPlace[] = [];
  for (const project of projects) {
    if (filters.project && !filters.project.split(',').includes(project)) continue;
    for (const environment of Object.keys(snapshot.projects[project]?.environments ?? {})) {
      if (filters.env && !filters.env.split(',').includes(environment)) continue;
      const here = ticket.environments.find((e) => e.project === project && e.environment === environment);
      // Not there now: "not yet", or "taken out" when the history saw it there before (a rollback).
      const lastHere = history_.filter((c) => c.project === project && c.environment === environment && c.at <= snapshot.takenAt).at(-1);
      const takenOut = !here && lastHere?.status === 'missing' && lastHere.previous ? lastHere : undefined;
      const status = here?.status ?? (takenOut ? 'taken out' : 'not yet');
      const place: TicketPlace = { project, environment, status, ...(here?.missing ? { missing: here.missing } : {}), ...(here?.reason ? { reason: here.reason } : {}) };
      if (takenOut) place.since = { snapshot: takenOut.snapshot, at: takenOut.at };
      if (here) {
        const lastChange: TicketChange | undefined = history_.filter((c) => c.project === project && c.environment === environment && c.at <= snapshot.takenAt).at(-1);
        if (lastChange && lastChange.status === status) {
          const by = broughtBy(shipped.filter((d) => d.project === project && d.environment === environment), lastChange);
          place.since = {
            snapshot: lastChange.snapshot,
            at: lastChange.at,
            ...(lastChange.snapshot === firstSnapshot?.id ? { before: true } : {}),
            ...(by ? { deployment: { id: by.id, ...(by.at ? { at: by.at } : {}), service: by.service, ...(by.to.version ? { version: by.to.version } : {}) } } : {}),
          };
        }
      }
      // Rolling out, but a rollout that carries it stalled or is paused: it is not on its way.
      if (status === 'rolling-out') {
        const repositories = new Set(ticket.changes.map((ch) => ch.repository));
        const held = Object.entries(snapshot.projects[project]?.environments[environment]?.services ?? {})
          .filter(([, s]) => repositories.has(s.repository) && (s.rolloutStatus?.state === 'stalled' || s.rolloutStatus?.state === 'paused'))
          .map(([service, s]) => ({ service, state: s.rolloutStatus!.state, ...(s.rolloutStatus!.reason ? { reason: s.rolloutStatus!.reason } : {}) }));
        if (held.length) place.held = held;
      }
      if (status !== 'in') {
        const pair = snapshot.drift?.[project]?.find((p) => p.to === environment && p.ahead.tickets.includes(key));
        if (pair) {
          place.promotion = pair.from;
          // The environment promoted from has only part of it: the promotion brings that part.
          const there = ticket.environments.find((x) => x.project === project && x.environment === pair.from);
          if (there && there.status !== 'in') place.promotionPartial = there.status;
        }
      }
      environments.push(place);
    }
  }
  return { key, kind: ticket.kind, changes, environments };
}

const STATUS_MARK: Record<string, (c: Colors) => string> = {
  in: (c) => c.green('✔ in'),
  partial: (c) => c.yellow('◐ partial'),
  'rolling-out': (c) => c.yellow('↻ rolling out'),
  reverted: (c) => c.red('↺ reverted'),
  unknown: (c) => c.dim('? unknown'),
  'not yet': (c) => c.dim('· not yet'),
  'taken out': (c) => c.red('✗ taken out (it was there; a rollback or a revert removed it)'),
};

export function renderTicket(r: TicketReport, c: Colors, width = Infinity): string {
  const lines = [c.bold(r.key)];
  const pad = Math.max(...r.environments.map((e) => `${e.project}/${e.environment}`.length), 0);
  const wrap = (text: string, indent: string) => wrapWords(text.split(' '), ' ', Number.isFinite(width) ? width - indent.length : Infinity).map((l) => c.dim(`${indent}${l}`));
  for (const e of r.environments) {
    const mark = (STATUS_MARK[e.status] ?? (() => e.status))(c);
    const missing = e.missing?.length ? c.yellow(`: missing in ${e.missing.join(', ')}`) : '';
    const promoting = e.promotion ? `promoting ${e.promotion} brings ${e.promotionPartial ? `what ${e.promotion} has of it (${e.promotionPartial} there)` : 'it'}` : '';
    const promotion = promoting ? c.cyan(`; ${promoting}`) : '';
    const held = e.held?.length ? c.red(` but ${e.held.map((h) => `${h.service}'s rollout ${h.state === 'stalled' ? '✖ stalled' : '‖ is paused'}`).join(', ')}`) : '';
    const line = `  ${`${e.project}/${e.environment}`.padEnd(pad)}  ${mark}${held}${missing}${promotion}`;
    // Too wide: what is missing and what would bring it go on the lines below, wrapped, not cut.
    if (visibleLength(line) <= width) lines.push(line);
    else {
      lines.push(fitLine(`  ${`${e.project}/${e.environment}`.padEnd(pad)}  ${mark}${held}`, width));
      const rest = [e.missing?.length ? `missing in ${e.missing.join(', ')}` : '', promoting].filter(Boolean).join('; ');
      if (rest) lines.push(...wrap(rest, '      '));
    }
    const d = e.since?.deployment;
    const by = d ? `; brought by ${d.service} ${d.version && /^[0-9a-f]{40}$/.test(d.version) ? d.version.slice(0, 12) : (d.version ?? '')}${d.at ? `, deployed ${d.at.slice(0, 16).replace('T', ' ')}` : ''}`.replace(' ,', ',') : '';
    const at = e.since?.at.slice(0, 16).replace('T', ' ');
    if (e.since) lines.push(...wrap(`${e.since.before ? `since the first snapshot (${at})` : `since ${at}`}${by}`, '      '));
    if (e.reason) lines.push(...wrap(e.reason, '      '));
    for (const h of e.held ?? []) if (h.reason) lines.push(...wrap(`${h.service}: ${h.reason}`, '      '));
  }
  if (r.environments.length === 0) lines.push(c.dim(r.filtered ? `  in none of the environments selected (${r.filtered})` : '  in no environment of the config'));
  lines.push(c.dim('  changes:'));
  for (const ch of r.changes) {
    const marks = [ch.cherryPickOf ? `cherry-pick of ${ch.cherryPickOf.slice(0, 7)}` : '', ch.revertedBy?.length ? `reverted by ${ch.revertedBy.map((x) => x.slice(0, 7)).join(', ')}` : ''].filter(Boolean);
    lines.push(fitLine(`    ${ch.repository} ${ch.commit.slice(0, 7)}${ch.pr !== undefined ? ` #${ch.pr}` : ''}${ch.title ? ` ${ch.title}` : ''}${c.dim(` ${ch.at.slice(0, 10)}`)}${marks.length ? c.yellow(` (${marks.join('; ')})`) : ''}`, width));
  }
  return lines.join('\n');
}

/**
 * A report narrowed to some services (`--service`, comma-separated): the environments of projects that
 * have them, and the changes in their repositories. A ticket's status stays its project's.
 */
function serviceOnly(report: TicketReport, history: History, service: string | undefined): TicketReport {
  if (!service) return report;
  const names = new Set(service.split(','));
  const chosen = history.config.projects.flatMap((p) => p.services.filter((s) => names.has(s.name)).map((s) => ({ project: p.name, repository: s.repository })));
  return {
    ...report,
    changes: report.changes.filter((c) => chosen.some((x) => x.repository === c.repository)),
    environments: report.environments.filter((e) => chosen.some((x) => x.project === e.project)),
  };
}

/** `snap ticket KEY…`: where each ticket is, since when, through which changes, and what would bring it further. */
export async function runTicket(words: string[], options: TicketOptions, io: CommandIO, now = new Date()): Promise<number> {
  const history = await openHistory(options, io);
  try {
    checkSelection(history.config.projects, options);
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    const { snapshot } = await snapshotFor(history, options.at, io, now);
    if (!snapshot.tickets) throw new SnapError('NO_TICKETS', `snapshot ${snapshot.id} has no tickets: GitHub was not read for it`, { exitCode: ExitCode.failed, hint: 'set GITHUB_TOKEN and run snap run again, or name an earlier snapshot with --at' });
    if (words.some((w) => w.trim() === '')) throw usageError('an empty ticket key', 'e.g. snap ticket PYM-230');
    checkNames('--project', options.project, history.config.projects.map((p) => p.name));
    checkNames('--env', options.env, [...new Set(history.config.projects.flatMap((p) => p.environments.map((e) => e.name)))]);
    if (options.service) {
      const services = new Set(history.config.projects.flatMap((p) => p.services.map((s) => s.name)));
      for (const name of options.service.split(',')) if (!services.has(name)) throw usageError(`--service ${name}: no such service${nearest(name, services).length ? `; did you mean ${nearest(name, services).join(', ')}?` : ''}`);
    }
    const known = [...new Set([...Object.keys(snapshot.tickets), ...history.index.ticketKeys()])];
    const reports: TicketReport[] = [];
    const unknown: { word: string; nearest: string[]; pullRequests?: { repository: string; number: number; tickets: string[] }[] }[] = [];
    for (const word of [...new Set(words.map((w) => w.trim()))]) {
      const keys = keysFor(word, snapshot);
      if (keys.length === 0) {
        const pullRequests = pullRequestsNamed(word, snapshot);
        unknown.push({ word, nearest: nearest(word.replace(/^#/, ''), known, 5), ...(pullRequests.length ? { pullRequests } : {}) });
        continue;
      }
      const filtered = [options.project && `--project ${options.project}`, options.env && `--env ${options.env}`, options.service && `--service ${options.service}`].filter(Boolean).join(' ');
      for (const key of keys) reports.push({ ...serviceOnly(await ticketReport(history, snapshot, key, options), history, options.service), ...(filtered ? { filtered } : {}) });
    }
    if (options.json) await writeJson(io.stdout, { snapshot: { id: snapshot.id, takenAt: snapshot.takenAt }, tickets: reports, ...(unknown.length ? { unknown } : {}) });
    else {
      const c = colorsFor(io, options);
      const width = outputWidth(io);
      if (reports.length) io.stdout.write(`${reports.map((r) => renderTicket(r, c, width)).join('\n\n')}\n`);
      for (const u of unknown) {
        if (u.pullRequests) {
          const list = u.pullRequests.map((p) => `${p.repository}#${p.number} (${p.tickets.join(', ')})`);
          io.stderr.write(`error: ${u.word} is not a ticket but ${list.length === 1 ? 'a pull request' : `${list.length} pull requests`} carrying tickets: ${list.join(', ')}; e.g. snap ticket ${u.pullRequests[0].tickets[0]}\n`);
        } else io.stderr.write(`error: no ticket ${u.word} in snapshot ${snapshot.id}${u.nearest.length ? `; nearest known: ${u.nearest.join(', ')}` : known.length ? `; none is near it (known keys look like ${known.slice(0, 3).join(', ')})` : ''}\n`);
      }
      if (unknown.length) io.stderr.write('hint: keys are matched whole, in any case (a Jira key such as ABC-123, owner/repo#12, #12); `snap show --json | jq .tickets` lists them per environment\n');
    }
    return unknown.length ? ExitCode.usage : ExitCode.ok;
  } finally {
    history.close();
  }
}

export function ticketCommand(handle: (keys: string[], options: TicketOptions) => Promise<void>): Command {
  return new Command('ticket')
    .description('where tickets are: per environment in / partial / reverted / not yet, since when, through which commits and PRs, and which promotion would bring them; no network')
    .argument('<keys...>', 'ticket keys: PAY-412, a GitHub issue owner/repo#12, or #12 (in every repository)')
    .option('--at <snapshot>', 'as of this snapshot (default latest): latest~N, @DATE, an id')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--env <names>', 'only these environments (comma-separated)')
    .option('--service <names>', "only the projects of these services, and the changes in their repositories (a ticket's status stays its project's)")
    .option('--json', 'print the reports as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ snap ticket PYM-230                 where is it, since when, what brought it
  $ snap ticket PYM-230 CHC-855 --env prod
  $ snap ticket PYM-230 --at latest~1   as the snapshot before saw it (also @2h, '@{1 hour ago}')
  $ snap ticket PYM-230 --json | jq '.tickets[0].environments'

Exit codes: 0 ok, 2 a key that no snapshot knows (the nearest known keys are named), filters that select
nothing, or no snapshot yet; 1 a snapshot file that cannot be read (snap index rebuild sets it aside).`,
    )
    .action(async (keys: string[], _options, command: Command) => handle(keys, command.optsWithGlobals()));
}
