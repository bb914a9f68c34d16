import type Database from 'better-sqlite3';
import type { Snapshot } from '../core/snapshot-schema.js';

/**
 * Ticket history in the index (history-index.ts): the tables `ticket_changes` (a ticket's status in a
 * project's environment each time it changed, with the status before), `ticket_gone` (a ticket that
 * left the history window, with where it was) and `ticket_state` (the status at the newest snapshot),
 * how a snapshot adds to them, and where every ticket stood at any indexed snapshot, worked out from
 * them without reading the snapshot files.
 */

/** Where tickets stood at a snapshot: "project\nenvironment" → key → status, and whether a key was a ticket of it. */
export interface TicketPresenceRows {
  presence: Map<string, Map<string, string>>;
  known: (key: string) => boolean;
}

/** Each ticket's status per project/environment in a snapshot: "key\nproject\nenvironment" → status. */
function presenceOf(snapshot: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, ticket] of Object.entries(snapshot.tickets ?? {})) for (const e of ticket.environments) out.set(`${key}\n${e.project}\n${e.environment}`, e.status);
  return out;
}

/**
 * Records a newly indexed snapshot's ticket changes against the state of the newest one indexed before
 * it (call in its transaction, snapshots in time order). A snapshot without tickets changes nothing.
 */
export function recordTicketChanges(db: Database.Database, snapshot: Snapshot): void {
  // Ticket presence: only the changes against the newest snapshot indexed before this one. A
  // snapshot without GitHub (no tickets at all) changes nothing: its tickets are unknown, not gone.
  if (!snapshot.tickets) return;
  const now = presenceOf(snapshot);
  const before = new Map<string, string>();
  for (const row of db.prepare('select key, project, environment, status from ticket_state').iterate() as IterableIterator<{ key: string; project: string; environment: string; status: string }>) {
    before.set(`${row.key}\n${row.project}\n${row.environment}`, row.status);
  }
  const change = db.prepare('insert into ticket_changes values (?, ?, ?, ?, ?, ?, ?)');
  const setState = db.prepare('insert or replace into ticket_state values (?, ?, ?, ?)');
  const dropState = db.prepare('delete from ticket_state where key = ? and project = ? and environment = ?');
  const gone = db.prepare('insert into ticket_gone values (?, ?, ?, ?, ?, ?)');
  for (const [k, status] of now) {
    const previous = before.get(k);
    if (previous === status) continue;
    const [key, project, environment] = k.split('\n');
    change.run(key, project, environment, status, previous ?? null, snapshot.id, snapshot.takenAt);
    setState.run(key, project, environment, status);
  }
  for (const [k, previous] of before) {
    if (now.has(k)) continue;
    const [key, project, environment] = k.split('\n');
    // Still a ticket of this snapshot, no longer in the environment: it left (a rollback). A key no
    // longer in the snapshot at all left the history window: nothing is known about it.
    if (!snapshot.tickets[key]) {
      dropState.run(key, project, environment);
      gone.run(key, project, environment, previous, snapshot.id, snapshot.takenAt);
      continue;
    }
    if (previous === 'missing') continue;
    change.run(key, project, environment, 'missing', previous, snapshot.id, snapshot.takenAt);
    setState.run(key, project, environment, 'missing');
  }
}

/**
 * Where tickets stood at indexed snapshots (HistoryIndex.ticketPresenceAt): the state at the newest
 * snapshot wound back through the changes after each one. `touched`: only the tickets and
 * environments that changed in (after, until] (HistoryIndex.ticketPresenceBetween).
 */
export function presenceAt(db: Database.Database, ids: readonly string[], touched?: { after: string; until: string }): (TicketPresenceRows | undefined)[] {
  const rows = ids.map((id) => db.prepare('select taken_at, tickets from snapshots where id = ?').get(id) as { taken_at: string; tickets: number | null } | undefined);
  const wanted = rows.map((r, i) => ({ i, at: r && r.tickets !== null ? r.taken_at : undefined })).filter((w): w is { i: number; at: string } => w.at !== undefined);
  const out: (TicketPresenceRows | undefined)[] = ids.map(() => undefined);
  if (wanted.length === 0) return out;
  // Only the triples that changed in (after, until], with every environment of their tickets (for `known`).
  let keep: ((key: string, where: string) => boolean) | undefined;
  let keys: Set<string> | undefined;
  if (touched) {
    const moved = db
      .prepare('select key, project, environment from ticket_changes where at > ? and at <= ? union select key, project, environment from ticket_gone where at > ? and at <= ?')
      .raw()
      .all(touched.after, touched.until, touched.after, touched.until) as [string, string, string][];
    const triples = new Set(moved.map(([key, project, environment]) => `${key}\n${project}\n${environment}`));
    keys = new Set(moved.map(([key]) => key));
    keep = (key, where) => triples.has(`${key}\n${where}`);
  }
  // "project\nenvironment" → key → status (missing included, as the state has it).
  const state = new Map<string, Map<string, string>>();
  const place = (project: string, environment: string) => {
    const where = `${project}\n${environment}`;
    return state.get(where) ?? state.set(where, new Map()).get(where)!;
  };
  const current = keys
    ? [...keys].flatMap((key) => db.prepare('select key, project, environment, status from ticket_state where key = ?').raw().all(key) as [string, string, string, string][])
    : (db.prepare('select key, project, environment, status from ticket_state').raw().all() as [string, string, string, string][]);
  for (const [key, project, environment, status] of current) place(project, environment).set(key, status);
  const oldest = wanted.reduce((m, w) => (w.at < m ? w.at : m), wanted[0].at);
  const later = db
    .prepare(
      `select key, project, environment, previous, at from ticket_changes where at > ?
       union all select key, project, environment, previous, at from ticket_gone where at > ?
       order by at desc`,
    )
    .raw()
    .all(oldest, oldest) as [string, string, string, string | null, string][];
  const take = (i: number) => {
    const presence = new Map<string, Map<string, string>>();
    const known = new Set<string>();
    for (const [where, byKey] of state) {
      const here = new Map<string, string>();
      for (const [key, status] of byKey) {
        known.add(key);
        if (status !== 'missing' && (!keep || keep(key, where))) here.set(key, status);
      }
      if (here.size) presence.set(where, here);
    }
    out[i] = { presence, known: (key) => known.has(key) };
  };
  // Newest first: each snapshot's state once every change after it is wound back.
  const pending = [...wanted].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  let next = 0;
  for (const [key, project, environment, previous, at] of later) {
    while (next < pending.length && at <= pending[next].at) take(pending[next++].i);
    if (keys && !keys.has(key)) continue;
    if (previous === null) place(project, environment).delete(key);
    else place(project, environment).set(key, previous);
  }
  while (next < pending.length) take(pending[next++].i);
  return out;
}

/** HistoryIndex.lastTicketChanges: the newest status change of each ticket in each place, read as rows oldest first so the last wins. */
export function lastTicketChanges(db: Database.Database): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const [key, project, environment, status, at] of db.prepare('select key, project, environment, status, at from ticket_changes order by at, rowid').raw().all() as [string, string, string, string, string][]) {
    out.set(`${key}\n${project}\n${environment}`, [status, at]);
  }
  return out;
}

/** HistoryIndex.ticketDeploymentsUntil: from the deployments before `until` (by time: few, the history's start), not from every ticket's. */
export function ticketDeploymentsUntil(db: Database.Database, until: string): Map<string, string> {
  const out = new Map<string, string>();
  const rows = db
    .prepare("select t.key, d.project, d.environment, d.at from deployments d indexed by deployments_time join deployment_tickets t on t.deployment = d.id where d.at <= ? and d.rollback != 'true'")
    .raw()
    .all(until) as [string, string, string, string][];
  for (const [key, project, environment, at] of rows) {
    const where = `${key}\n${project}\n${environment}`;
    if (!(out.get(where)! >= at)) out.set(where, at);
  }
  return out;
}
