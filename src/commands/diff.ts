import { Command } from 'commander';
import { ExitCode, usageError } from '../errors.js';
import { diffEnvironments, diffSnapshots, ticketPresence, type Between, type EnvironmentDiff, type Health, type SnapshotDiff, type SnapshotState, type TicketPresence, type VersionSide } from '../history/compare.js';
import { checkSelection, filterProjects, filterSnapshot, type Filters } from '../history/filter.js';
import { loadSnapshotState, openHistory, readSnapshotAt } from '../history/open.js';
import { outputWidth } from '../ui/show.js';
import { fitLine, wrapWords } from '../ui/summary.js';
import { visibleLength, type Colors } from '../ui/terminal.js';
import { writeJson } from '../ui/write-json.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';
import { resolveRef, snapshotFor } from './show.js';

export interface DiffOptions extends GlobalOptions, Filters {
  at?: string;
  json?: boolean;
  exitCode?: boolean;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const versionText = (v?: VersionSide) => {
  if (!v?.version && !v?.commit) return '–';
  const version = v.version && /^[0-9a-f]{40}$/.test(v.version) ? v.version.slice(0, 12) : (v.version ?? '?');
  return v.commit && !version.includes(v.commit.slice(0, 7)) ? `${version} @${v.commit.slice(0, 7)}` : version;
};
const healthText = (h: Health) => (h.status !== 'running' ? h.status : `${h.ready ?? '?'}/${h.desired ?? '?'}${h.rollout && h.rollout !== 'complete' ? ` ${h.rollout}` : ''}`);
const list = (items: readonly string[], max = 8) => (items.length > max ? `${items.slice(0, max).join(', ')} … (+${items.length - max})` : items.join(', '));

function betweenText(b: Between | undefined): string {
  if (!b || b.deployments === 0) return 'no deployment recorded in between';
  const parts = [`${b.deployments} deployment${b.deployments === 1 ? '' : 's'}`];
  if (b.commits !== undefined) parts.push(`${b.commits} commit${b.commits === 1 ? '' : 's'}`);
  if (b.pullRequests.length) parts.push(`PRs ${b.pullRequests.map((p) => `#${p.number}`).join(' ')}`);
  if (b.rollbacks) parts.push(`${b.rollbacks} rollback${b.rollbacks === 1 ? '' : 's'}`);
  if (b.incomplete) parts.push(b.incomplete);
  return parts.join(', ');
}

/** A snapshot diff as text: per environment the services that changed, then the tickets that moved; lines fitted to `width`. */
export function renderSnapshotDiff(d: SnapshotDiff, c: Colors, width = Infinity): string {
  const from = `From ${d.from.id} (${when(d.from.takenAt)})`;
  const to = `to ${d.to.id} (${when(d.to.takenAt)})`;
  // One line when it fits, else two.
  const out = from.length + to.length + 1 <= width ? [c.bold(`${from} ${to}`)] : [c.bold(from), c.bold(`  ${to}`)];
  const groups = new Map<string, string[]>();
  const add = (where: string, line: string) => (groups.get(where) ?? groups.set(where, []).get(where)!).push(line);
  for (const s of d.services) {
    const where = `${s.project}/${s.environment}`;
    if (s.change === 'added') add(where, `${c.green('+')} ${s.service}  ${versionText(s.version?.to)}  ${c.dim('(new)')}`);
    else if (s.change === 'removed') add(where, `${c.red('-')} ${s.service}  ${c.dim(`(gone; ran ${versionText(s.version?.from)})`)}`);
    else {
      const parts: string[] = [];
      if (s.version) parts.push(`${versionText(s.version.from)} → ${c.green(versionText(s.version.to))}`);
      if (s.health) parts.push(`${c.dim('health')} ${healthText(s.health.from)} → ${s.health.to.rollout === 'stalled' || (s.health.to.ready ?? 0) < (s.health.to.desired ?? 0) ? c.yellow(healthText(s.health.to)) : healthText(s.health.to)}`);
      add(where, `${c.yellow('~')} ${s.service}  ${parts.join('  ')}`);
      if (s.version) {
        add(where, c.dim(`    ${betweenText(s.version.between)}`));
        if (s.version.between?.tickets.length) add(where, c.dim(`    tickets ${list(s.version.between.tickets)}`));
      }
    }
  }
  for (const t of d.tickets) {
    const where = `${t.project}/${t.environment}`;
    const move = (x: { key: string; status: string; was?: string }) => (x.was ? `${x.key} (${x.was} → ${x.status === 'missing' ? 'gone' : x.status})` : x.status === 'in' ? x.key : `${x.key} (${x.status})`);
    if (t.entered.length) add(where, `  ${c.green('tickets in')}: ${list(t.entered.map(move))}`);
    if (t.left.length) add(where, `  ${c.red('tickets out')}: ${list(t.left.map(move))}`);
  }
  if (groups.size === 0) out.push('', 'No change: the same versions, health and tickets in every environment.');
  for (const [where, lines] of groups) out.push('', c.bold(where), ...lines.map((l) => fitLine(`  ${l}`, width)));
  out.push('', c.dim(`${d.unchanged} service state(s) unchanged.`));
  return out.join('\n');
}

/** An environment diff as text: per project the promotion preview, then each service side by side. */
export function renderEnvironmentDiff(d: EnvironmentDiff, c: Colors, width = Infinity): string {
  const out: string[] = [];
  for (const p of d.projects) {
    out.push('', c.bold(`${p.project}: ${p.from} → ${p.to}`));
    if (p.pair && p.filtered) {
      // Some services only: their own figures (commits of services sharing a repository count for each).
      const ahead = p.services.reduce((n, s) => n + (s.ahead ?? 0), 0);
      const tickets = [...new Set(p.services.flatMap((s) => s.tickets ?? []))].sort();
      const unknown = p.services.filter((s) => s.status === 'unknown').length;
      const known = p.services.length - unknown;
      const none = unknown === p.services.length ? `what promoting ${p.from} → ${p.to} ships is unknown for these services` : `${p.to} has every commit ${p.from} runs, in ${unknown ? `the ${known} of these services compared (${unknown} unknown)` : 'these services'}`;
      out.push(`  ${ahead ? `promoting ${p.from} → ${p.to} ships ${ahead} commits of these services${tickets.length ? `, tickets ${list(tickets)}` : ''}` : none}`);
    } else if (p.pair) {
      const [ahead, behind] = p.reversed ? [p.pair.behind, p.pair.ahead] : [p.pair.ahead, p.pair.behind];
      const lines = [
        ahead.commits
          ? `promoting ${p.from} → ${p.to} ships ${ahead.commits} commits, ${ahead.pullRequests} PRs${ahead.tickets.length ? `, tickets ${list(ahead.tickets)}` : ''}`
          : p.pair.status === 'unknown' && (p.pair.unknown?.length ?? 0) >= p.services.length
            ? `what promoting ${p.from} → ${p.to} ships is unknown`
            : p.pair.unknown?.length
              ? `${p.to} has every commit ${p.from} runs, in the services compared`
              : `${p.to} has every commit ${p.from} runs`,
        ...(behind.commits ? [`${p.to} runs ${behind.commits} commits ${p.from} lacks${behind.tickets.length ? ` (tickets ${list(behind.tickets)})` : ''}`] : []),
        ...(p.pair.unknown?.length ? [`${p.pair.unknown.length} service(s) unknown: ${list([...new Set(p.pair.unknown.map((u) => u.reason))], 2)}`] : []),
      ];
      for (const l of lines) out.push(...wrapWords(l.split(' '), ' ', Number.isFinite(width) ? width - 2 : Infinity).map((x) => `  ${x}`));
    } else out.push(c.dim('  no promotion preview in this snapshot (GitHub was not read)'));
    const pad = Math.max(...p.services.map((s) => s.service.length));
    for (const s of p.services) {
      // Side by side (not an arrow: the later environment's version may well be the older one).
      const env = (name: string, side?: VersionSide) => c.dim(`(${name}${side?.serving ? `; serving ${side.serving}` : ''})`);
      const sides = s.same ? c.dim(`same  ${versionText(s.from)}`) : `${versionText(s.from)} ${env(p.from, s.from)}  ${versionText(s.to)} ${env(p.to, s.to)}`;
      const extra = s.status === 'unknown' ? c.yellow(`  unknown: ${s.reason}`) : s.ahead ? c.dim(`  ships ${s.ahead} commit${s.ahead === 1 ? '' : 's'}${s.tickets?.length ? ` (${list(s.tickets, 4)})` : ''}`) : s.behind ? c.dim(`  ${p.to} is ${s.behind} commit${s.behind === 1 ? '' : 's'} ahead`) : '';
      const line = `  ${s.service.padEnd(pad)}  ${sides}${extra}`;
      if (visibleLength(line) <= width) out.push(line);
      else {
        // Too wide: the versions on the service's line (or each on its own), what a promotion ships below, wrapped.
        const head = `  ${s.service.padEnd(pad)}  ${sides}`;
        if (visibleLength(head) <= width) out.push(head);
        else out.push(`  ${s.service}`, ...(s.same ? [`      ${sides}`] : [`      ${versionText(s.from)} ${env(p.from, s.from)}`, `      ${versionText(s.to)} ${env(p.to, s.to)}`]).map((l) => fitLine(l, width)));
        const rest = extra.trim();
        if (rest) out.push(...wrapWords(rest.split(' '), ' ', Number.isFinite(width) ? width - 6 : Infinity).map((l) => `      ${l}`));
      }
    }
  }
  return [c.bold(`Environments compared in snapshot ${d.snapshot.id} (${when(d.snapshot.takenAt)})`), ...out].join('\n');
}

/** `snap diff A [B]`: two snapshots (B defaults to latest), or two environments of one snapshot. */
export async function runDiff(a: string, b: string | undefined, options: DiffOptions, io: CommandIO, now = new Date()): Promise<number> {
  const history = await openHistory(options, io);
  try {
    checkSelection(history.config.projects, options);
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    const c = colorsFor(io, options);
    const width = outputWidth(io);
    // The config's environments tell two environments from two snapshots; a snapshot is read only for the one kind of diff it serves.
    const envs = new Set(history.config.projects.flatMap((p) => p.environments.map((e) => e.name)));
    if (b !== undefined && envs.has(a) && envs.has(b)) {
      if (a === b) throw usageError(`snap diff ${a} ${b}: the same environment twice`, 'name two environments, e.g. snap diff staging prod');
      if (options.env) throw usageError('--env goes with two snapshots; with two environments, name them: snap diff staging prod');
      const { snapshot: at } = await snapshotFor(history, options.at, io, now);
      const diff = diffEnvironments(filterSnapshot(at, { ...options, env: undefined }), a, b);
      if (options.service) for (const p of diff.projects) p.filtered = true;
      if (diff.projects.length === 0) throw usageError(`no project has both ${a} and ${b}`, `environments: ${[...envs].join(', ')}`);
      const different = diff.projects.some((p) => p.services.some((s) => !s.same));
      if (options.json) await writeJson(io.stdout, { kind: 'environments', ...diff });
      else io.stdout.write(`${renderEnvironmentDiff(diff, c, width)}\n`);
      return options.exitCode && different ? ExitCode.failed : ExitCode.ok;
    }
    if (options.at) throw usageError('--at goes with two environments (snap diff staging prod --at latest~4)', 'to compare snapshots, name both: snap diff latest~4 latest');
    if (envs.has(a) || (b !== undefined && envs.has(b))) {
      const [env, other] = envs.has(a) ? [a, b] : [b!, a];
      const what = other === undefined ? 'the other one is missing' : `"${other}" is not an environment of the config (${[...envs].join(', ')})`;
      throw usageError(`snap diff ${[a, b].filter(Boolean).join(' ')}: ${env} is an environment, but ${what}`, 'compare two environments (snap diff staging prod) or two snapshots (snap diff latest~1 latest)');
    }
    // Both from their stored files, only what runs where (two deltas of one keyframe share its one
    // read); where tickets stood, from the index. A snapshot file given by path is read whole.
    const side = async (ref: string): Promise<{ state: SnapshotState; tickets?: TicketPresence; id?: string }> => {
      const resolved = await resolveRef(history, ref, io, now);
      if (resolved.file !== undefined) {
        const whole = await readSnapshotAt(resolved.file);
        return { state: whole, tickets: ticketPresence(whole) };
      }
      return { state: await loadSnapshotState(history, resolved.entry), id: resolved.entry.id };
    };
    const first = await side(a);
    const second = await side(b ?? 'latest');
    const [older, newer] = first.state.takenAt <= second.state.takenAt ? [first, second] : [second, first];
    // Both in the index: only the tickets that moved in between are looked at.
    if (older.id !== undefined && newer.id !== undefined) [older.tickets, newer.tickets] = history.index.ticketPresenceBetween(older.id, newer.id);
    else for (const s of [older, newer]) if (s.id !== undefined) [s.tickets] = history.index.ticketPresenceAt([s.id]);
    if (older !== first && !options.json) io.stderr.write(`snap: ${b ?? 'latest'} was taken before ${a}: compared from the older to the newer\n`);
    const x = filterProjects(older.state, options);
    const y = filterProjects(newer.state, options);
    const from = older.state.takenAt;
    const to = newer.state.takenAt;
    const deployments = history.index.deployments({ since: from, until: to }).filter((d) => d.at !== from && (!y.services || y.services.has(d.service)));
    // The deployments the newer snapshot recorded belong in between too (a rollout's time is its ReplicaSet's, before the snapshot).
    const recorded = new Set(deployments.map((d) => d.id));
    for (const d of history.index.deployments({ since: to })) if (d.snapshot === newer.state.id && !recorded.has(d.id)) deployments.push(d);
    // Tickets only where the filters leave their environment.
    const cut = (t: TicketPresence | undefined, keep: (p: string, e: string) => boolean): TicketPresence | undefined =>
      t && { presence: new Map([...t.presence].filter(([where]) => keep(...(where.split('\n') as [string, string])))), known: t.known };
    const diff = diffSnapshots({ ...older.state, projects: x.projects }, { ...newer.state, projects: y.projects }, deployments, { before: cut(older.tickets, x.keep), after: cut(newer.tickets, y.keep) });
    if (options.json) await writeJson(io.stdout, { kind: 'snapshots', ...diff });
    else io.stdout.write(`${renderSnapshotDiff(diff, c, width)}\n`);
    return options.exitCode && (diff.services.length || diff.tickets.length) ? ExitCode.failed : ExitCode.ok;
  } finally {
    history.close();
  }
}

export function diffCommand(handle: (a: string, b: string | undefined, options: DiffOptions) => Promise<void>): Command {
  return new Command('diff')
    .description('what changed between two snapshots (versions, health, services, tickets), or how two environments differ; reads the data directory, no network')
    .argument('<a>', 'a snapshot (latest, latest~N, @DATE, @{2 days ago}, an id, a file) or an environment')
    .argument('[b]', 'the other snapshot (default latest) or environment')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--env <names>', 'snapshots: only these environments (comma-separated)')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--at <snapshot>', 'environments: compare them in this snapshot (default latest)')
    .option('--exit-code', 'exit 1 when there are differences (as git diff --exit-code)')
    .option('--json', 'print the differences as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ snap diff latest~1                  what changed since the snapshot before the latest
  $ snap diff @2h                       since two hours ago (the snapshot in force then)
  $ snap diff '@{1 hour ago}' latest    the same, in words
  $ snap diff staging prod              what promoting staging → prod would ship, service by service
  $ snap diff dev prod --at latest~1    any two environments, in an earlier snapshot
  $ snap diff latest~1 --json | jq '.services[] | select(.version)'

Exit codes: 0 ok (with --exit-code: 1 when they differ), 2 no such snapshot or environment, or filters
that select nothing; 1 also a snapshot file that cannot be read (snap index rebuild sets it aside).`,
    )
    .action(async (a: string, b: string | undefined, _options, command: Command) => handle(a, b, command.optsWithGlobals()));
}
