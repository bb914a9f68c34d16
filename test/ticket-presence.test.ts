import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { diffSnapshots, ticketPresence } from '../src/history/compare.js';
import { HistoryIndex } from '../src/store/history-index.js';
import { dataLayout } from '../src/store/layout.js';
import { Random } from '../src/sandbox/fixtures/random.js';
import { sandboxSnapshot, type TestSandbox } from './helpers/sandbox.js';

/**
 * The index tells where every ticket stood at any snapshot (snap diff reads it instead of the files'
 * `tickets`): judged against the snapshots' own `tickets` over a history of random ticket moves —
 * statuses changing, tickets leaving an environment, leaving the history window and coming back,
 * snapshots taken without GitHub.
 */
let t: TestSandbox;
let base: Snapshot;
let dir: string;
beforeAll(async () => {
  ({ t, base, dir } = await sandboxSnapshot('snap-presence-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const STATUSES = ['in', 'partial', 'rolling-out', 'reverted', 'unknown'] as const;

describe('ticket presence from the index', () => {
  it('equals each snapshot’s own tickets, and snap diff finds the same moves either way, for every pair', () => {
    const random = new Random(13);
    const rnd = () => random.next();
    const pick = <T,>(xs: readonly T[]) => random.pick(xs);
    const places = Object.entries(base.projects).flatMap(([project, p]) => Object.keys(p.environments).map((environment) => ({ project, environment })));
    const keys = Object.keys(base.tickets ?? {}).slice(0, 40);
    expect(keys.length).toBeGreaterThan(10);
    // The history: each snapshot moves some tickets.
    let tickets: NonNullable<Snapshot['tickets']> = JSON.parse(JSON.stringify(base.tickets));
    const window = new Set(keys);
    const history: Snapshot[] = [];
    for (let i = 0; i < 40; i++) {
      tickets = JSON.parse(JSON.stringify(tickets));
      for (let m = 0; m < 8; m++) {
        const key = pick(keys);
        const r = rnd();
        if (r < 0.08) {
          // Leaves the history window (no longer a ticket of the snapshot), or comes back.
          if (window.has(key)) {
            window.delete(key);
            delete tickets[key];
          } else {
            window.add(key);
            tickets[key] = { ...base.tickets![key], environments: [{ ...pick(places), status: pick(STATUSES) }] };
          }
          continue;
        }
        if (!window.has(key)) continue;
        const t = tickets[key];
        const place = pick(places);
        const at = t.environments.findIndex((e) => e.project === place.project && e.environment === place.environment);
        if (r < 0.35 && at >= 0) t.environments.splice(at, 1);
        else if (at >= 0) t.environments[at] = { ...t.environments[at], status: pick(STATUSES) };
        else t.environments.push({ ...place, status: pick(STATUSES) });
      }
      const takenAt = new Date(Date.parse(base.takenAt) + i * 15 * 60_000).toISOString();
      // Now and then a snapshot taken without GitHub: no tickets at all.
      const withoutGitHub = i % 9 === 5;
      history.push({ ...base, id: `s${String(i).padStart(2, '0')}`, takenAt, ...(withoutGitHub ? { tickets: undefined } : { tickets }) });
    }
    const layout = dataLayout(dir);
    const { index } = HistoryIndex.open(layout);
    try {
      for (const s of history) index.recordRun({ snapshot: s, file: `${s.id}.json.gz`, bytes: 1 });
      for (const s of history) {
        const [fromIndex] = index.ticketPresenceAt([s.id]);
        const fromFile = ticketPresence(s);
        if (!fromFile) {
          expect(fromIndex).toBeUndefined();
          continue;
        }
        expect(fromIndex?.presence).toEqual(fromFile.presence);
      }
      // All at once, newest first: the same.
      const all = index.ticketPresenceAt(history.map((s) => s.id).reverse()).reverse();
      history.forEach((s, i) => expect(all[i]?.presence).toEqual(ticketPresence(s)?.presence));
      let moves = 0;
      for (let i = 0; i < history.length; i++) {
        for (let j = i + 1; j < history.length; j++) {
          const [a, b] = [history[i], history[j]];
          const byFile = diffSnapshots(a, b, [], { before: ticketPresence(a), after: ticketPresence(b) });
          const [before, after] = index.ticketPresenceAt([a.id, b.id]);
          const byIndex = diffSnapshots(a, b, [], { before, after });
          // Only what changed in between: the same moves.
          const [x, y] = index.ticketPresenceBetween(a.id, b.id);
          expect(diffSnapshots(a, b, [], { before: x, after: y }).tickets).toEqual(byFile.tickets);
          expect(byIndex.tickets).toEqual(byFile.tickets);
          moves += byFile.tickets.reduce((n, m) => n + m.entered.length + m.left.length, 0);
        }
      }
      // The history moved tickets in every way the diff tells apart.
      expect(moves).toBeGreaterThan(1000);
    } finally {
      index.close();
    }
  });

  it('a snapshot indexed out of time order is noticed, and the index rebuilt from the files in time order on its next opening', async () => {
    const { syncIndex } = await import('../src/store/history-sync.js');
    const { mkdir } = await import('node:fs/promises');
    const layout = dataLayout(path.join(dir, 'order'));
    await mkdir(layout.snapshotsDir, { recursive: true });
    const { index } = HistoryIndex.open(layout);
    try {
      const at = (minutes: number) => new Date(Date.parse(base.takenAt) + minutes * 60_000).toISOString();
      index.recordRun({ snapshot: { ...base, id: 'later', takenAt: at(30) }, file: 'later.json.gz', bytes: 1 });
      expect(index.outOfOrder()).toBeUndefined();
      index.recordRun({ snapshot: { ...base, id: 'earlier', takenAt: at(15) }, file: 'earlier.json.gz', bytes: 1 });
      expect(index.outOfOrder()).toMatch(/snapshot earlier was taken before/);
      const sync = await syncIndex(index, layout);
      expect(sync.rebuilt).toMatch(/out of time order/);
      expect(index.outOfOrder()).toBeUndefined();
    } finally {
      index.close();
    }
  });
});
