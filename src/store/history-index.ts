import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { snapshotCounts } from '../core/counts.js';
import type { DeploymentEvent, Snapshot } from '../core/snapshot-schema.js';
import type { DataLayout } from './layout.js';
import type { Keyframe } from './snapshots.js';
import type { RunRecord } from './run-log.js';
import { lastTicketChanges, presenceAt, recordTicketChanges, ticketDeploymentsUntil, type TicketPresenceRows } from './ticket-history.js';

export type { TicketPresenceRows };

/**
 * The history index: `index.sqlite` beside the snapshot files, an SQLite database (better-sqlite3)
 * that answers the read commands (`snap show`, `ticket`, `diff`, `releases`, `metrics`) without
 * reading the snapshot files. The files stay the record: the index holds nothing that cannot be
 * rebuilt from them, `releases.json` and `runs.jsonl` (`rebuildIndex`, history-sync.ts).
 *
 * Tables: `snapshots` (one row per snapshot file; `file` is NULL once retention removed it),
 * `runs` (one row per run of the run log), `deployments` (the release history, with what each
 * shipped, and `deployment_tickets` for ticket → deployment), `ticket_changes` (a ticket's status in
 * a project's environment, each time it changed, and the snapshot that saw it), `ticket_gone` (a
 * ticket no longer in a snapshot at all: it left the history window) and `ticket_state` (the status
 * at the newest indexed snapshot). Together they give every ticket's place at any indexed snapshot
 * (`ticketPresenceAt`) without reading its file.
 *
 * SQLite rather than DuckDB: for this access pattern — one small transaction per run, then point and
 * range reads from a fresh process — SQLite opened in 12–17 ms and wrote a run in 0.03 ms (median),
 * DuckDB took 160–180 ms to open and 2.5 ms per run, and answered each read 3–10× slower (docs/history.md).
 */
export const INDEX_FORMAT = 2;

/** One snapshot as the index knows it. */
export interface IndexedSnapshot {
  id: string;
  takenAt: string;
  /** Fingerprint of the state (store/snapshots.ts): a run whose state has the same one writes no snapshot. Null after a rebuild. */
  fingerprint: string | null;
  /** The last run that found the state unchanged (ISO), and how many did: "unchanged since" this snapshot. */
  confirmedAt: string | null;
  confirmedRuns: number;
  /** For a snapshot stored as a delta: the keyframe file (name) it needs. */
  base?: string | null;
  /** File name in snapshots/, or null once retention removed the file. */
  file: string | null;
  bytes: number;
  outcome: string;
  services: number;
  running: number;
  warnings: number;
  deployments: number;
}

/** A ticket's status in a project's environment changed: from this snapshot on it was `status`. */
export interface TicketChange {
  key: string;
  project: string;
  environment: string;
  /** in | partial | rolling-out | reverted | unknown, or `missing` when the environment no longer has it. */
  status: string;
  previous: string | null;
  snapshot: string;
  at: string;
}

export interface DeploymentFilter {
  project?: string;
  environment?: string;
  /** Any of these environments, projects, services. */
  environments?: readonly string[];
  projects?: readonly string[];
  services?: readonly string[];
  /** Only rollbacks. */
  rollbacks?: boolean;
  /** Only the newest this many (still returned oldest first). */
  newest?: number;
  service?: string;
  /** ISO time: deployments at or after it. */
  since?: string;
  /** ISO time: deployments before it. */
  until?: string;
  ticket?: string;
}

/**
 * A deployment as a calendar shows it — a few fields of a DeploymentEvent, read by SQLite from the
 * stored event without parsing all of it (what shipped is most of an event).
 */
export interface DeploymentRow {
  at: string | null;
  project: string;
  environment: string;
  service: string;
  rollback: boolean | 'unknown';
  fromVersion?: string;
  toVersion?: string;
  toImage?: string;
  toCommit?: string;
  /** The rollout state recorded with it (stalled, paused…), if any. */
  rolloutState?: string;
  /** Commits shipped, when what it shipped is known. */
  commits?: number;
  tickets: string[];
  /** Why what it shipped is unknown. */
  unknownBecause?: string;
  /** What a rollback took out: commits, and the tickets they carried. */
  removed?: { commits: number; tickets: string[] };
}

const SCHEMA = `
create table if not exists meta(key text primary key, value text not null);
create table if not exists snapshots(
  id text primary key, taken_at text not null, file text, bytes integer not null default 0, outcome text not null,
  services integer not null default 0, running integer not null default 0, warnings integer not null default 0, deployments integer not null default 0,
  fingerprint text, confirmed_at text, confirmed_runs integer not null default 0, base text, tickets integer);
create table if not exists keyframe_leaves(leaf text primary key, hash text not null);
create index if not exists snapshots_time on snapshots(taken_at);
create table if not exists runs(id text primary key, finished_at text not null, duration_ms integer not null, outcome text not null, snapshot text, json text not null);
create index if not exists runs_time on runs(finished_at);
create table if not exists deployments(
  id text primary key, at text, project text not null, environment text not null, service text not null,
  rollback text not null, snapshot text, json text not null);
create index if not exists deployments_time on deployments(at);
create index if not exists deployments_service on deployments(project, environment, service, at);
create table if not exists deployment_tickets(key text not null, deployment text not null, primary key(key, deployment));
create index if not exists deployment_tickets_deployment on deployment_tickets(deployment);
create table if not exists deployment_prs(deployment text not null, environment text not null, at text not null, pr text not null, running_at text not null);
create index if not exists deployment_prs_deployment on deployment_prs(deployment);
create index if not exists deployment_prs_environment on deployment_prs(environment, at, pr, running_at);
create table if not exists ticket_changes(key text not null, project text not null, environment text not null, status text not null, previous text, snapshot text not null, at text not null);
create index if not exists ticket_changes_key on ticket_changes(key, at);
create table if not exists ticket_gone(key text not null, project text not null, environment text not null, previous text not null, snapshot text not null, at text not null);
create index if not exists ticket_gone_at on ticket_gone(at);
create index if not exists ticket_changes_at on ticket_changes(at);
create table if not exists ticket_state(key text not null, project text not null, environment text not null, status text not null, primary key(key, project, environment));
`;

/** Errors that mean the file is not a usable database: it is set aside and rebuilt. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CANTOPEN_ISDIR']);

/**
 * The index opened for reading only. A write-ahead-log database cannot be opened so in a folder this
 * user may not write (SQLite must make its -shm file there): then a copy of it is read from memory,
 * as of its last checkpoint (its header set to the rollback journal, which SQLite needs of an in-memory
 * copy: https://www.sqlite.org/fileformat2.html#file_format_version_numbers).
 */
function openReadOnly(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // The -shm file is needed (and made) at the first read.
    db.prepare('select 1 from sqlite_master limit 1').get();
    return db;
  } catch (error) {
    db?.close();
    const code = String((error as { code?: string }).code ?? '');
    if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') throw error;
    const copy = readFileSync(file);
    if (copy.length >= 20 && copy[18] === 2 && copy[19] === 2) copy[18] = copy[19] = 1;
    return new Database(copy);
  }
}

export function indexPath(layout: DataLayout): string {
  return path.join(layout.root, 'index.sqlite');
}

export class HistoryIndex {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Opens (creating when missing) the index of `layout`. A file that is not a database of this
   * format is set aside into corrupt/ (its reason returned) and a new, empty one is made: the caller
   * then rebuilds it (`rebuildIndex`). Throws only when the data directory cannot hold a file.
   */
  static open(layout: DataLayout, options: { readonly?: boolean } = {}): { index: HistoryIndex; fresh: boolean; setAside?: { movedTo: string; reason: string } } {
    const file = indexPath(layout);
    const attempt = () => {
      const db = options.readonly ? openReadOnly(file) : new Database(file);
      try {
        if (!options.readonly) {
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('busy_timeout = 5000');
        }
        const hasMeta = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'meta'").get();
        const format = hasMeta ? (db.prepare("select value from meta where key = 'format'").get() as { value: string } | undefined)?.value : undefined;
        if (format !== undefined && format !== String(INDEX_FORMAT)) throw Object.assign(new Error(`index format ${format}, expected ${INDEX_FORMAT}`), { code: 'SQLITE_NOTADB' });
        if (!options.readonly) {
          db.exec(SCHEMA);
          db.prepare("insert or ignore into meta values ('format', ?)").run(String(INDEX_FORMAT));
        }
        return { index: new HistoryIndex(file, db), fresh: format === undefined };
      } catch (error) {
        db.close();
        throw error;
      }
    };
    try {
      return attempt();
    } catch (error) {
      if (options.readonly || !CORRUPT_CODES.has((error as { code?: string }).code ?? '')) throw error;
      // Aside, with its journal files, then a new one.
      const movedTo = path.join(layout.corruptDir, `index.sqlite.${new Date().toISOString().replaceAll(':', '-')}`);
      mkdirSync(layout.corruptDir, { recursive: true });
      renameSync(file, movedTo);
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
      return { ...attempt(), fresh: true, setAside: { movedTo, reason: (error as Error).message } };
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records one run in one transaction: its snapshot (row, ticket changes against the newest indexed
   * snapshot), the deployments it added or settled, and its run record. Call after the snapshot file
   * is written: the index never names a snapshot whose file was not written.
   */
  recordRun(entry: { snapshot?: Snapshot; file?: string; bytes?: number; fingerprint?: string; base?: string; keyframe?: Keyframe; deployments?: readonly DeploymentEvent[]; run?: RunRecord; removedFiles?: readonly string[] }): void {
    this.db.transaction(() => {
      if (entry.snapshot && entry.file !== undefined) this.addSnapshot(entry.snapshot, entry.file, entry.bytes ?? 0, entry.fingerprint, entry.base);
      if (entry.keyframe) this.setKeyframe(entry.keyframe);
      // A run that found nothing changed: the snapshot it matched is confirmed as of its time.
      if (entry.run?.unchangedSince) this.db.prepare('update snapshots set confirmed_at = ?, confirmed_runs = confirmed_runs + 1 where id = ?').run(entry.run.finishedAt, entry.run.unchangedSince);
      if (entry.deployments?.length) this.upsertDeployments(entry.deployments);
      if (entry.run) this.addRun(entry.run);
      if (entry.removedFiles?.length) this.forgetFiles(entry.removedFiles);
    })();
  }

  private addSnapshot(snapshot: Snapshot, file: string, bytes: number, fingerprint?: string, base?: string): void {
    const known = this.db.prepare('select 1 from snapshots where id = ?').get(snapshot.id);
    // Taken before a snapshot already indexed (two writers' clocks apart, a second history written into
    // the same directory): ticket changes follow the order snapshots were taken, so the next opening
    // rebuilds the index from the files in that order (syncIndex).
    const newest = (this.db.prepare('select max(taken_at) as t from snapshots').get() as { t: string | null }).t;
    if (!known && newest !== null && snapshot.takenAt < newest) this.db.prepare("insert or replace into meta values ('out_of_order', ?)").run(`snapshot ${snapshot.id} was taken before ${newest}, the newest already indexed`);
    const { services, running } = snapshotCounts(snapshot);
    this.db
      .prepare('insert or replace into snapshots (id, taken_at, file, bytes, outcome, services, running, warnings, deployments, fingerprint, base, tickets) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(snapshot.id, snapshot.takenAt, file ? path.basename(file) : null, bytes, snapshot.outcome, services, running, snapshot.warnings.length, snapshot.deployments?.length ?? 0, fingerprint ?? null, base ?? null, snapshot.tickets ? Object.keys(snapshot.tickets).length : null);
    if (known) return;
    recordTicketChanges(this.db, snapshot);
  }

  private upsertDeployments(events: readonly DeploymentEvent[]): void {
    const put = this.db.prepare('insert or replace into deployments values (?, ?, ?, ?, ?, ?, ?, ?)');
    const clear = this.db.prepare('delete from deployment_tickets where deployment = ?');
    const tag = this.db.prepare('insert or ignore into deployment_tickets values (?, ?)');
    const clearPrs = this.db.prepare('delete from deployment_prs where deployment = ?');
    const pr = this.db.prepare('insert into deployment_prs values (?, ?, ?, ?, ?)');
    for (const e of events) {
      put.run(e.id, e.at ?? null, e.project, e.environment, e.service, String(e.rollback), e.snapshot ?? null, JSON.stringify(e));
      clear.run(e.id);
      clearPrs.run(e.id);
      // The PRs it brought, with when it ran (lead-time stages start from a PR's first arrival; rollbacks bring none).
      if (e.at && e.rollback !== true && e.shipped?.status === 'known') for (const p of e.shipped.pullRequests ?? []) pr.run(e.id, e.environment, e.at, `${e.project}\n${e.service}\n${p.number}`, e.completedAt ?? e.at);
      // The tickets it shipped, and those a rollback took out: both concern the ticket.
      for (const key of [...(e.shipped?.tickets ?? []), ...(e.shipped?.removed?.tickets ?? [])]) tag.run(key, e.id);
    }
  }

  private addRun(run: RunRecord): void {
    this.db.prepare('insert or replace into runs values (?, ?, ?, ?, ?, ?)').run(run.id, run.finishedAt, run.durationMs, run.outcome, run.outcome === 'failed' ? null : run.id, JSON.stringify(run));
  }

  private forgetFiles(files: readonly string[]): void {
    const forget = this.db.prepare('update snapshots set file = null where file = ?');
    for (const f of files) forget.run(path.basename(f));
  }

  /** The keyframe new snapshots are stored as deltas of (store/snapshots.ts), when the index has one. */
  keyframe(): Keyframe | undefined {
    const meta = (key: string) => (this.db.prepare('select value from meta where key = ?').get(key) as { value: string } | undefined)?.value;
    const file = meta('keyframe_file');
    const takenAt = meta('keyframe_taken_at');
    if (!file || !takenAt) return undefined;
    const hashes = new Map((this.db.prepare('select leaf, hash from keyframe_leaves').all() as { leaf: string; hash: string }[]).map((r) => [r.leaf, r.hash]));
    return { file, takenAt, bytes: Number(meta('keyframe_bytes') ?? 0), hashes };
  }

  private setKeyframe(keyframe: Keyframe): void {
    const meta = this.db.prepare('insert or replace into meta values (?, ?)');
    meta.run('keyframe_file', keyframe.file);
    meta.run('keyframe_taken_at', keyframe.takenAt);
    meta.run('keyframe_bytes', String(keyframe.bytes));
    this.db.exec('delete from keyframe_leaves');
    const leaf = this.db.prepare('insert into keyframe_leaves values (?, ?)');
    for (const [key, hash] of keyframe.hashes) leaf.run(key, hash);
  }

  /** Why the index must be rebuilt before it is read (a snapshot indexed out of time order), if it must. */
  outOfOrder(): string | undefined {
    return (this.db.prepare("select value from meta where key = 'out_of_order'").get() as { value: string } | undefined)?.value;
  }

  /** Sets a snapshot's fingerprint (after a rebuild, for the newest). */
  setFingerprint(id: string, fingerprint: string): void {
    this.db.prepare('update snapshots set fingerprint = ? where id = ?').run(fingerprint, id);
  }

  /** How many deployments the index holds. */
  deploymentCount(): number {
    return (this.db.prepare('select count(*) as n from deployments').get() as { n: number }).n;
  }

  /** The keyframes that snapshot files still on disk are deltas of (file names): retention keeps them. */
  keyframesInUse(): Set<string> {
    return new Set((this.db.prepare('select distinct base from snapshots where file is not null and base is not null').all() as { base: string }[]).map((r) => r.base));
  }

  /** The snapshot a run found unchanged (its `unchangedSince`), for a run id that names no snapshot. */
  unchangedSnapshotOf(runId: string): string | undefined {
    const row = this.db.prepare('select json from runs where id = ?').get(runId) as { json: string } | undefined;
    return row ? ((JSON.parse(row.json) as RunRecord).unchangedSince ?? undefined) : undefined;
  }

  /** When the first snapshot the index knows was taken (ISO). */
  firstSnapshotTime(): string | undefined {
    return (this.db.prepare('select min(taken_at) as t from snapshots').get() as { t: string | null }).t ?? undefined;
  }

  /** The snapshot `back` places before the newest (0: the newest), as `snapshots()` orders them; undefined past the oldest. */
  snapshotBack(back: number): IndexedSnapshot | undefined {
    const row = this.db.prepare('select * from snapshots order by taken_at desc, id desc limit 1 offset ?').get(Math.max(0, Math.floor(back))) as Record<string, unknown> | undefined;
    return row ? toSnapshot(row) : undefined;
  }

  /** The id of the newest snapshot the index knows, its file there or not. */
  newestId(): string | undefined {
    return (this.db.prepare('select id from snapshots order by taken_at desc, id desc limit 1').get() as { id: string } | undefined)?.id;
  }

  /** The newest snapshot the index knows whose file is there. */
  newest(): IndexedSnapshot | undefined {
    const row = this.db.prepare('select * from snapshots where file is not null order by taken_at desc, id desc limit 1').get() as Record<string, unknown> | undefined;
    return row ? toSnapshot(row) : undefined;
  }

  /** Every snapshot the index knows, oldest first. */
  snapshots(): IndexedSnapshot[] {
    return (this.db.prepare('select * from snapshots order by taken_at, id').all() as Record<string, unknown>[]).map(toSnapshot);
  }

  /** The snapshot files the index names (file names in snapshots/). */
  indexedFiles(): Set<string> {
    return new Set((this.db.prepare('select file from snapshots where file is not null').all() as { file: string }[]).map((r) => r.file));
  }

  /** Deployments matching the filter, oldest first (those with no time last). */
  deployments(filter: DeploymentFilter = {}): DeploymentEvent[] {
    const { where, args } = this.deploymentWhere(filter);
    const order = filter.newest !== undefined ? `order by d.at is null desc, d.at desc, d.id desc limit ${Math.max(0, Math.floor(filter.newest))}` : 'order by d.at is null, d.at, d.id';
    const rows = (this.db.prepare(`select d.json from deployments d ${where} ${order}`).all(...args) as { json: string }[]).map((r) => JSON.parse(r.json) as DeploymentEvent);
    return filter.newest !== undefined ? rows.reverse() : rows;
  }

  /** The deployments that match, as DeploymentRow, oldest first (those with no time first). */
  deploymentRows(filter: Omit<DeploymentFilter, 'newest'> = {}): DeploymentRow[] {
    const { where, args } = this.deploymentWhere(filter);
    const fields = ['$.from.version', '$.to.version', '$.to.image', '$.to.commit', '$.rolloutStatus.state', '$.shipped.status', '$.shipped.commits', '$.shipped.tickets', '$.shipped.reason', '$.shipped.removed.commits', '$.shipped.removed.tickets']
      .map((p) => `json_extract(d.json, '${p}')`)
      .join(', ');
    const rows = this.db.prepare(`select d.at, d.project, d.environment, d.service, d.rollback, ${fields} from deployments d ${where} order by d.at is null, d.at, d.id`).raw().all(...args) as (string | number | null)[][];
    return rows.map(([at, project, environment, service, rollback, fromVersion, toVersion, toImage, toCommit, rolloutState, shipped, commits, tickets, reason, removedCommits, removedTickets]) => ({
      at: at as string | null,
      project: project as string,
      environment: environment as string,
      service: service as string,
      rollback: rollback === 'true' ? true : rollback === 'unknown' ? 'unknown' : false,
      ...(fromVersion !== null ? { fromVersion: fromVersion as string } : {}),
      ...(toVersion !== null ? { toVersion: toVersion as string } : {}),
      ...(toImage !== null ? { toImage: toImage as string } : {}),
      ...(toCommit !== null ? { toCommit: toCommit as string } : {}),
      ...(rolloutState !== null ? { rolloutState: rolloutState as string } : {}),
      ...(shipped === 'known' && commits !== null ? { commits: commits as number } : {}),
      tickets: tickets === null ? [] : (JSON.parse(tickets as string) as string[]),
      ...(shipped !== 'known' && reason !== null ? { unknownBecause: reason as string } : {}),
      ...(removedCommits !== null ? { removed: { commits: removedCommits as number, tickets: removedTickets === null ? [] : (JSON.parse(removedTickets as string) as string[]) } } : {}),
    }));
  }

  /** Each project the release history names, with its environments and services. */
  deploymentScopes(): { name: string; environments: { name: string }[]; services: { name: string }[] }[] {
    const out = new Map<string, { name: string; environments: Map<string, { name: string }>; services: Map<string, { name: string }> }>();
    for (const [project, environment, service] of this.db.prepare('select distinct project, environment, service from deployments').raw().all() as [string, string, string][]) {
      const p = out.get(project) ?? out.set(project, { name: project, environments: new Map(), services: new Map() }).get(project)!;
      p.environments.set(environment, { name: environment });
      p.services.set(service, { name: service });
    }
    return [...out.values()].map((p) => ({ name: p.name, environments: [...p.environments.values()], services: [...p.services.values()] }));
  }

  /** The projects, environments and services the release history names (for checking filters). */
  deploymentNames(): { projects: string[]; environments: string[]; services: string[] } {
    const column = (c: string) => (this.db.prepare(`select distinct ${c} as v from deployments order by v`).all() as { v: string }[]).map((r) => r.v);
    return { projects: column('project'), environments: column('environment'), services: column('service') };
  }

  /** How many deployments match, how many of them are rollbacks, and the first and last time. */
  deploymentSummary(filter: DeploymentFilter = {}): { count: number; rollbacks: number; first?: string; last?: string } {
    const { where, args } = this.deploymentWhere(filter);
    const r = this.db.prepare(`select count(*) as count, coalesce(sum(d.rollback = 'true'), 0) as rollbacks, min(d.at) as first, max(d.at) as last from deployments d ${where}`).get(...args) as { count: number; rollbacks: number; first: string | null; last: string | null };
    return { count: r.count, rollbacks: r.rollbacks, ...(r.first ? { first: r.first } : {}), ...(r.last ? { last: r.last } : {}) };
  }

  private deploymentWhere(filter: DeploymentFilter): { where: string; args: unknown[] } {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [column, value] of [['project', filter.project], ['environment', filter.environment], ['service', filter.service]] as const) {
      if (value !== undefined) {
        where.push(`d.${column} = ?`);
        args.push(value);
      }
    }
    for (const [column, values] of [['environment', filter.environments], ['project', filter.projects], ['service', filter.services]] as const) {
      if (values) where.push(`d.${column} in (${values.map(() => '?').join(',') || "''"})`), args.push(...values);
    }
    if (filter.rollbacks) where.push("d.rollback = 'true'");
    if (filter.since) where.push('d.at >= ?'), args.push(filter.since);
    if (filter.until) where.push('d.at < ?'), args.push(filter.until);
    if (filter.ticket) where.push('d.id in (select deployment from deployment_tickets where key = ?)'), args.push(filter.ticket);
    return { where: where.length ? `where ${where.join(' and ')}` : '', args };
  }

  /**
   * When each PR first ran in `environment`, from the deployments there at or after `since` and
   * before `until` (ISO) that brought it: "project\nservice\nPR number" → the earliest
   * `completedAt ?? at` (ISO). Rollbacks bring none.
   */
  prArrivals(environment: string, since: string, until: string): Map<string, string> {
    // The earliest of each, worked out here: cheaper than SQL's group by on this many rows.
    const first = new Map<string, string>();
    for (const [pr, at] of this.db.prepare('select pr, running_at from deployment_prs where environment = ? and at >= ? and at < ?').raw().all(environment, since, until) as [string, string][]) {
      const seen = first.get(pr);
      if (seen === undefined || at < seen) first.set(pr, at);
    }
    return first;
  }



  /**
   * Every ticket's place in each project's environment at indexed snapshots, as their `tickets` say
   * it ("project\nenvironment" → key → status; a ticket the environment no longer has is absent), and
   * whether a key was still a ticket of the snapshot (`known`: a ticket that left an environment vs one
   * that left the history window). One entry per id, in order: undefined for a snapshot the index does
   * not know or that has no tickets (taken without GitHub). Worked out without reading the files: the
   * status at the newest snapshot, wound back through the changes after each one (each back to what it
   * was before; a ticket that left the window, back to where it was).
   */
  ticketPresenceAt(ids: readonly string[]): (TicketPresenceRows | undefined)[] {
    return presenceAt(this.db, ids);
  }

  /**
   * Where tickets stood at two indexed snapshots (`older` before `newer`), as ticketPresenceAt gives
   * it, but only for the tickets and environments whose status changed in between: the others stand
   * the same in both, so comparing the two finds the same moves, at the cost of the changes since
   * `older` rather than of every ticket. `known` is whole for the tickets that moved.
   */
  ticketPresenceBetween(older: string, newer: string): [TicketPresenceRows | undefined, TicketPresenceRows | undefined] {
    const at = (id: string) => (this.db.prepare('select taken_at from snapshots where id = ?').get(id) as { taken_at: string } | undefined)?.taken_at;
    const [from, to] = [at(older), at(newer)];
    if (from === undefined || to === undefined) return [undefined, undefined];
    const [a, b] = presenceAt(this.db, [older, newer], { after: from, until: to });
    return [a, b];
  }

  /** A ticket's status changes, oldest first. */
  ticketChanges(key: string): TicketChange[] {
    return this.db.prepare('select * from ticket_changes where key = ? order by at, rowid').all(key) as TicketChange[];
  }

  /**
   * The newest status change of every ticket in each project's environment: "key\nproject\nenvironment"
   * → [status, when (ISO)]. Read as rows, oldest first, so the last one of each wins.
   */
  lastTicketChanges(): Map<string, [string, string]> {
    return lastTicketChanges(this.db);
  }

  /**
   * For each ticket and each project's environment, the newest deployment there at or before `until`
   * (ISO) that shipped it and was no rollback: "key\nproject\nenvironment" → its time (ISO). For
   * tickets already in place when the history began: when they were deployed, as far as the
   * ReplicaSets Kubernetes kept tell.
   */
  ticketDeploymentsUntil(until: string): Map<string, string> {
    return ticketDeploymentsUntil(this.db, until);
  }

  /** The newest snapshot that has tickets (GitHub was read for it) and a file to read them from, if any. */
  newestWithTickets(): IndexedSnapshot | undefined {
    const r = this.db.prepare('select * from snapshots where tickets is not null and file is not null order by taken_at desc limit 1').get() as Record<string, unknown> | undefined;
    return r ? toSnapshot(r) : undefined;
  }

  /** The newest run with this outcome ('ok', 'partial', 'failed'), if any. */
  lastRunWith(outcome: string): RunRecord | undefined {
    const row = this.db.prepare('select json from runs where outcome = ? order by finished_at desc limit 1').get(outcome) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as RunRecord) : undefined;
  }

  /** Every ticket key the index has seen, most recently changed first. */
  ticketKeys(): string[] {
    return (this.db.prepare('select key, max(at) as at from ticket_changes group by key order by at desc, key').all() as { key: string }[]).map((r) => r.key);
  }

  /** The run records, oldest first (`since`: finished at or after, ISO). */
  runs(since?: string): RunRecord[] {
    const rows = since ? this.db.prepare('select json from runs where finished_at >= ? order by finished_at').all(since) : this.db.prepare('select json from runs order by finished_at').all();
    return (rows as { json: string }[]).map((r) => JSON.parse(r.json) as RunRecord);
  }

  /**
   * Adds rows as they are, in one transaction, for tools that build a history without running snap
   * (the benchmark's year of runs): snapshot rows, run records, deployments, and ticket status changes
   * (the newest status of each ticket is kept as its state).
   */
  importRows(rows: { snapshots?: (Omit<IndexedSnapshot, 'confirmedAt' | 'confirmedRuns'> & { confirmedAt?: string | null; confirmedRuns?: number; tickets?: number | null })[]; runs?: RunRecord[]; deployments?: readonly DeploymentEvent[]; ticketChanges?: TicketChange[] }): void {
    const snapshot = this.db.prepare('insert or replace into snapshots values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const change = this.db.prepare('insert into ticket_changes values (?, ?, ?, ?, ?, ?, ?)');
    const state = this.db.prepare('insert or replace into ticket_state values (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const s of rows.snapshots ?? []) snapshot.run(s.id, s.takenAt, s.file, s.bytes, s.outcome, s.services, s.running, s.warnings, s.deployments, s.fingerprint, s.confirmedAt ?? null, s.confirmedRuns ?? 0, s.base ?? null, s.tickets ?? null);
      for (const run of rows.runs ?? []) this.addRun(run);
      if (rows.deployments?.length) this.upsertDeployments(rows.deployments);
      for (const c of rows.ticketChanges ?? []) {
        change.run(c.key, c.project, c.environment, c.status, c.previous, c.snapshot, c.at);
        state.run(c.key, c.project, c.environment, c.status);
      }
    })();
  }

  /** Empties every table (before a rebuild). */
  clear(): void {
    this.db.exec("delete from snapshots; delete from runs; delete from deployments; delete from deployment_tickets; delete from deployment_prs; delete from ticket_changes; delete from ticket_gone; delete from ticket_state; delete from keyframe_leaves; delete from meta where key like 'keyframe_%' or key = 'out_of_order';");
  }

  transaction(fn: () => void): void {
    this.db.transaction(fn)();
  }
}

function toSnapshot(r: Record<string, unknown>): IndexedSnapshot {
  return {
    id: r.id as string,
    takenAt: r.taken_at as string,
    file: (r.file as string | null) ?? null,
    bytes: r.bytes as number,
    outcome: r.outcome as string,
    services: r.services as number,
    running: r.running as number,
    warnings: r.warnings as number,
    deployments: r.deployments as number,
    fingerprint: (r.fingerprint as string | null) ?? null,
    confirmedAt: (r.confirmed_at as string | null) ?? null,
    confirmedRuns: (r.confirmed_runs as number) ?? 0,
    base: (r.base as string | null) ?? null,
  };
}
