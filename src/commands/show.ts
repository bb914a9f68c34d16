import { Command } from 'commander';
import path from 'node:path';
import type { Snapshot } from '../core/snapshot-schema.js';
import { checkSelection, filterSnapshot, type Filters } from '../history/filter.js';
import { loadSnapshot, openHistory, readSnapshotAt, type History } from '../history/open.js';
import { relativeBack, resolveSnapshotRef } from '../history/refs.js';
import type { IndexedSnapshot } from '../store/history-index.js';
import { ticketsByEnvironment } from '../ui/delivery.js';
import { outputWidth, renderWhatRunsWhere } from '../ui/show.js';
import { renderWarnings } from '../ui/summary.js';
import { renderTable } from '../ui/table.js';
import { formatBytes, visibleLength } from '../ui/terminal.js';
import { writeJson } from '../ui/write-json.js';
import { usageError } from '../errors.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface ShowOptions extends GlobalOptions, Filters {
  json?: boolean;
  raw?: boolean;
  list?: boolean;
  limit?: string;
}

/** Ages read better than times: "3 min ago", "2 h ago", "5 days ago". */
export function age(fromIso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return '?';
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}

/** The snapshots of each open history, listed once. */
const listed = new WeakMap<History, IndexedSnapshot[]>();

/** A snapshot named on the command line (default `latest`): an indexed snapshot, or a file given by path. */
export async function resolveRef(history: History, ref: string | undefined, io: CommandIO, now: Date): Promise<{ entry: IndexedSnapshot; file?: undefined } | { entry?: undefined; file: string }> {
  // latest and latest~N straight from the index (the whole list only for the other forms, and for errors).
  const back = ref === undefined ? 0 : relativeBack(ref);
  if (back !== undefined) {
    const entry = history.index.snapshotBack(back);
    if (entry) return { entry };
  }
  // One listing per command (snap diff resolves two references).
  const snapshots = listed.get(history) ?? listed.set(history, history.index.snapshots()).get(history)!;
  // The id of a run that found nothing changed names the snapshot that held then.
  const held = ref ? history.index.unchangedSnapshotOf(ref) : undefined;
  if (held) io.stderr.write(`snap: run ${ref} wrote no snapshot (nothing had changed); showing snapshot ${held}, which held then\n`);
  const resolved = await resolveSnapshotRef(held ?? ref ?? 'latest', snapshots, now);
  if (resolved.kind === 'indexed' && resolved.note) io.stderr.write(`snap: ${resolved.note}\n`);
  return resolved.kind === 'file' ? { file: path.resolve(io.cwd, resolved.path) } : { entry: resolved.entry };
}

/** A snapshot named on the command line (default `latest`): read from the history, or from a file given by path. */
export async function snapshotFor(history: History, ref: string | undefined, io: CommandIO, now: Date, options: { preferLatest?: boolean } = { preferLatest: true }): Promise<{ snapshot: Snapshot; entry?: IndexedSnapshot; file: string }> {
  const resolved = await resolveRef(history, ref, io, now);
  if (resolved.file !== undefined) return { snapshot: await readSnapshotAt(resolved.file), file: resolved.file };
  return { snapshot: await loadSnapshot(history, resolved.entry, options), entry: resolved.entry, file: path.join(history.layout.snapshotsDir, resolved.entry.file ?? '') };
}


/** `snap show`: what runs where in a snapshot (the latest by default) and the tickets in each environment; no network. */
export async function runShow(ref: string | undefined, options: ShowOptions, io: CommandIO, now = new Date()): Promise<number> {
  if (options.limit !== undefined && !options.list) throw usageError('--limit goes with --list', 'snap show --list --limit 50');
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError(`--limit takes a whole number above 0, not "${options.limit}"`);
  const history = await openHistory(options, io);
  try {
    checkSelection(history.config.projects, options);
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    const c = colorsFor(io, options);
    if (options.list) {
      if (ref) throw usageError('--list lists the snapshots; it takes no SNAPSHOT', 'snap show --list, or snap show SNAPSHOT');
      if (options.project || options.env || options.service) throw usageError('--list lists whole snapshots; --project, --env and --service go with snap show [SNAPSHOT]');
      if (options.raw) throw usageError('--raw prints one snapshot whole; it does not go with --list', 'snap show SNAPSHOT --raw');
      const all = history.index.snapshots();
      // A delta whose keyframe file is gone cannot be read any more.
      const files = history.index.indexedFiles();
      const orphan = (s: (typeof all)[number]) => !!s.file && !!s.base && !files.has(s.base);
      const shown = all.slice(-limit);
      if (options.json) {
        await writeJson(io.stdout, { total: all.length, snapshots: shown.map((s, i) => ({ ref: `latest~${shown.length - 1 - i}`, ...s, ...(orphan(s) ? { unreadable: `its keyframe ${s.base} is gone` } : {}) })) });
        return 0;
      }
      const table = (wide: boolean) => {
        const rows = [['', 'snapshot', 'taken (UTC)', ...(wide ? ['age'] : []), 'outcome', 'running', ...(wide ? ['deployments'] : []), 'size'].map((h) => c.bold(h))];
        shown.forEach((s, i) =>
          rows.push([c.dim(`latest~${shown.length - 1 - i}`), s.id, s.takenAt.slice(0, 16).replace('T', ' '), ...(wide ? [age(s.takenAt, now)] : []), s.outcome, `${s.running}/${s.services}`, ...(wide ? [String(s.deployments)] : []), s.file ? (orphan(s) ? c.yellow('keyframe gone') : formatBytes(s.bytes)) : c.dim('removed')]),
        );
        return renderTable(rows);
      };
      // On a narrow terminal, without the age and deployment columns.
      const width = outputWidth(io);
      const wide = table(true);
      const text = wide.split('\n').every((l) => visibleLength(l) <= width) ? wide : table(false);
      io.stdout.write(`${all.length > shown.length ? c.dim(`… ${all.length - shown.length} earlier (--limit ${all.length} lists all)\n`) : ''}${text}\n`);
      return 0;
    }
    const { snapshot: whole, file, entry } = await snapshotFor(history, ref, io, now);
    if (options.raw) {
      if (options.project || options.env || options.service) throw usageError('--raw prints the whole snapshot; --project, --env and --service do not apply');
      await writeJson(io.stdout, whole);
      return 0;
    }
    const snapshot = filterSnapshot(whole, options);
    if (options.json) {
      const tickets = snapshot.tickets ? Object.fromEntries([...ticketsByEnvironment(snapshot)]) : undefined;
      await writeJson(io.stdout, { id: snapshot.id, takenAt: snapshot.takenAt, ...(entry?.confirmedAt ? { unchangedThrough: entry.confirmedAt } : {}), outcome: snapshot.outcome, file, projects: snapshot.projects, ...(tickets ? { tickets } : {}), warnings: snapshot.warnings });
      return 0;
    }
    const width = outputWidth(io);
    const outcome = snapshot.outcome === 'ok' ? c.green('ok') : c.yellow(snapshot.outcome);
    const confirmed = entry?.confirmedAt ? `\n${c.dim(`unchanged through ${entry.confirmedAt.slice(0, 16).replace('T', ' ')} UTC (${age(entry.confirmedAt, now)}; ${entry.confirmedRuns} later run${entry.confirmedRuns === 1 ? '' : 's'} found the same)`)}` : '';
    const head = `Snapshot ${c.bold(snapshot.id)} ${outcome}, taken ${snapshot.takenAt.slice(0, 16).replace('T', ' ')} UTC (${age(snapshot.takenAt, now)})${confirmed}`;
    const parts = [head, renderWhatRunsWhere(snapshot, c, width), snapshot.tickets ? '' : c.dim('No tickets: GitHub was not read for this snapshot.'), renderWarnings(snapshot.warnings, c, 8, width)];
    io.stdout.write(`${parts.filter(Boolean).join('\n\n')}\n`);
    return 0;
  } finally {
    history.close();
  }
}

export function showCommand(handle: (ref: string | undefined, options: ShowOptions) => Promise<void>): Command {
  return new Command('show')
    .description('what runs where in a snapshot (the latest by default), with the tickets in each environment; reads the data directory, no network')
    .argument('[snapshot]', 'latest (default), latest~N, @DATE, @{2 days ago}, a snapshot id or a snapshot file')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--env <names>', 'only these environments (comma-separated)')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--list', 'list the snapshots in the history instead, newest last')
    .option('--limit <n>', 'with --list: how many of the newest (default 20)')
    .option('--json', 'print it as JSON (what runs where and the tickets per environment)')
    .option('--raw', 'print the whole snapshot document, as snap run wrote it (a stored delta made whole)')
    .addHelpText(
      'after',
      `
Examples:
  $ snap show                          what runs where now (the latest snapshot)
  $ snap show --env prod               one environment
  $ snap show latest~1                 the snapshot before it
  $ snap show '@{1 hour ago}'          what ran an hour ago (also @2h, @2026-11-20)
  $ snap show --list                   the newest 20 snapshots, with their references
  $ snap show --json | jq '.tickets'   tickets per environment, for scripts

Exit codes: 0 ok, 2 no such snapshot, project, environment or service (or no snapshot yet),
            filters that select nothing; 1 a snapshot file that cannot be read (snap index rebuild sets it aside).`,
    )
    .action(async (ref: string | undefined, _options, command: Command) => handle(ref, command.optsWithGlobals()));
}
