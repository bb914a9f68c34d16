import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { dataLayout } from '../src/store/layout.js';
import { serializeSnapshot } from '../src/store/snapshot-leaves.js';
import { readSnapshotFile, writeSnapshot } from '../src/store/snapshots.js';
import { spawnAsync } from './helpers/cli.js';
import { sandboxSnapshot, type TestSandbox } from './helpers/sandbox.js';

/** Keyframes and deltas: every stored snapshot reads back equal to what was written, whatever changed. */
let t: TestSandbox;
let base: Snapshot;
let dir: string;
beforeAll(async () => {
  ({ t, base, dir } = await sandboxSnapshot('snap-storage-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const clone = (s: Snapshot): Snapshot => JSON.parse(JSON.stringify(s));
const at = (s: Snapshot, minutes: number): Snapshot => ({ ...s, id: `${s.id}-${minutes}`, takenAt: new Date(Date.parse(s.takenAt) + minutes * 60_000).toISOString() });

describe('snapshot storage', () => {
  it('serialises to exactly JSON.stringify', () => {
    const { pieces } = serializeSnapshot(base, undefined, 1000);
    expect(pieces.join('')).toBe(`${JSON.stringify(base)}\n`);
  });

  it('stores a keyframe, then deltas of it that read back equal — changed, added and removed services, tickets and projects', async () => {
    const layout = dataLayout(dir);
    const first = await writeSnapshot(layout, base);
    expect(first.base).toBeUndefined();
    const keyframe = { file: path.basename(first.file), takenAt: base.takenAt, bytes: first.bytes, hashes: first.leaves! };
    const next = at(clone(base), 15);
    const api = next.projects.payments.environments.staging.services['payments-api'];
    api.version = { ...api.version!, value: '9.9.9' };
    delete next.projects.checkout.environments.dev.services['checkout-web'];
    next.projects.identity.environments.prod.services['identity-new'] = { ...next.projects.identity.environments.prod.services['identity-api'] };
    const [gone] = Object.keys(next.tickets!);
    delete next.tickets![gone];
    next.tickets!['NEW-1'] = { kind: 'jira', changes: [], environments: [] };
    next.projects.extra = { environments: {} };
    const written = await writeSnapshot(layout, next, { keyframe });
    expect(written.base).toBe(keyframe.file);
    expect(written.storedBytes).toBeLessThan(first.storedBytes / 5);
    expect(await readSnapshotFile(written.file)).toEqual(next);
    // latest.json is always the whole snapshot, as plain JSON.
    expect(JSON.parse(await readFile(layout.latest, 'utf8'))).toEqual(next);
    // A project removed altogether leaves no empty shell behind.
    const fewer = at(clone(base), 30);
    delete fewer.projects.identity;
    const third = await writeSnapshot(layout, fewer, { keyframe });
    expect(third.base).toBe(keyframe.file);
    expect(await readSnapshotFile(third.file)).toEqual(fewer);
    // zcat reads any of them (a delta names its keyframe).
    const zcat = await spawnAsync('sh', ['-c', `zcat "${third.file}" | head -c 60`]);
    expect(zcat.stdout).toContain('"snapDelta":1');
  });

  it('stores a keyframe again when most of it changed, or when the keyframe is a day old', async () => {
    const layout = dataLayout(dir);
    const first = await writeSnapshot(layout, at(clone(base), 100));
    const keyframe = { file: path.basename(first.file), takenAt: at(base, 100).takenAt, bytes: first.bytes, hashes: first.leaves! };
    const much = at(clone(base), 115);
    for (const t of Object.values(much.tickets!)) t.changes = [];
    for (const p of Object.values(much.projects)) for (const e of Object.values(p.environments)) for (const s of Object.values(e.services)) s.repository = 'acme/elsewhere';
    expect((await writeSnapshot(layout, much, { keyframe })).base).toBeUndefined();
    const dayLater = at(clone(base), 100 + 24 * 60);
    expect((await writeSnapshot(layout, dayLater, { keyframe })).base).toBeUndefined();
    expect((await readdir(layout.snapshotsDir)).length).toBeGreaterThan(4);
  });
});

describe('a delta without its keyframe', () => {
  it('is refused with the keyframe named, not read as something else', async () => {
    const layout = dataLayout(await mkdtemp(path.join(tmpdir(), 'snap-storage-gone-')));
    const first = await writeSnapshot(layout, base);
    const keyframe = { file: path.basename(first.file), takenAt: base.takenAt, bytes: first.bytes, hashes: first.leaves! };
    const next = at(clone(base), 15);
    next.warnings = [];
    const delta = await writeSnapshot(layout, next, { keyframe });
    expect(delta.base).toBe(keyframe.file);
    await rm(first.file);
    await expect(readSnapshotFile(delta.file)).rejects.toThrow(new RegExp(`only what changed since ${keyframe.file.replace(/\./g, '\\.')}, which is gone`));
  });
});

describe('unreadable snapshot files', () => {
  it('are moved to corrupt/ by a rebuild (a delta with them when its keyframe is the one), the rest is indexed', async () => {
    const { HistoryIndex } = await import('../src/store/history-index.js');
    const { rebuildIndex } = await import('../src/store/history-sync.js');
    const { truncate } = await import('node:fs/promises');
    const layout = dataLayout(await mkdtemp(path.join(tmpdir(), 'snap-storage-bad-')));
    const first = await writeSnapshot(layout, base);
    const keyframe = { file: path.basename(first.file), takenAt: base.takenAt, bytes: first.bytes, hashes: first.leaves! };
    const delta = await writeSnapshot(layout, at(clone(base), 15), { keyframe });
    const whole = await writeSnapshot(layout, at(clone(base), 30));
    await truncate(first.file, 3000);
    const { index } = HistoryIndex.open(layout);
    const rebuilt = await rebuildIndex(index, layout);
    expect(rebuilt.unreadable).toEqual([path.basename(first.file), path.basename(delta.file)]);
    expect(rebuilt.snapshots).toBe(1);
    expect(index.snapshots().map((s) => s.file)).toEqual([path.basename(whole.file)]);
    index.close();
    expect((await readdir(layout.corruptDir)).length).toBe(2);
  });
});

describe('reading some members of a stored snapshot', () => {
  it('gives exactly those of the whole file: keyframes and deltas, compressed or not', async () => {
    const { readSnapshotMembers } = await import('../src/store/snapshot-members.js');
    const layout = dataLayout(await mkdtemp(path.join(tmpdir(), 'snap-storage-members-')));
    const first = await writeSnapshot(layout, base);
    const keyframe = { file: path.basename(first.file), takenAt: base.takenAt, bytes: first.bytes, hashes: first.leaves! };
    const next = at(clone(base), 15);
    const api = next.projects.payments.environments.prod.services['payments-api'];
    api.version = { ...api.version!, value: '9.9.9' };
    delete next.projects.checkout.environments.dev.services['checkout-web'];
    next.projects.extra = { environments: {} };
    next.tickets!['NEW-1'] = { kind: 'jira', changes: [], environments: [] };
    const delta = await writeSnapshot(layout, next, { keyframe });
    expect(delta.base).toBe(keyframe.file);
    const plain = path.join(layout.root, 'plain.json');
    const { writeFile } = await import('node:fs/promises');
    // Pretty-printed, members in another order: still read right.
    await writeFile(plain, JSON.stringify({ tickets: next.tickets, ...next }, null, 2));
    const cache = new Map<string, Record<string, unknown>>();
    for (const file of [first.file, delta.file, plain]) {
      const whole = (await readSnapshotFile(file)) as Snapshot;
      for (const wanted of [['id', 'takenAt', 'projects'], ['tickets'], ['projects', 'drift', 'nothing-such']]) {
        const some = await readSnapshotMembers(file, wanted, cache);
        expect(some).toEqual(Object.fromEntries(wanted.filter((m) => m in whole).map((m) => [m, (whole as unknown as Record<string, unknown>)[m]])));
      }
    }
  });

  it('finds every top-level member of any JSON text, however it is cut into chunks', async () => {
    const { MemberScanner } = await import('../src/store/snapshot-members.js');
    const documents: Record<string, unknown>[] = [
      { a: 1, 'we"ird\\key': 'quote " and backslash \\ and \\" both', 'é': 'ünïcödé ✓', n: null, t: true, f: false, neg: -1.5e-3 },
      { list: [[1, [2, { x: '[{' }]], { '}': ']' }, '', 'a\\'], empty: {}, none: [], s: '\u0000\u001f' },
      { set: [[['projects', 'p'], { v: 1 }], [['tickets', 'K-1'], null], [['id'], 'x']], last: { deep: { deeper: [1, 2, 3] } } },
    ];
    for (const doc of documents) {
      for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2), `  \n${JSON.stringify(doc, null, '\t')}\n`]) {
        const bytes = Buffer.from(text);
        for (const size of [1, 2, 3, 7, 64, bytes.length]) {
          const scanner = new MemberScanner(new Set(['set', 'list']));
          for (let i = 0; i < bytes.length; i += size) scanner.feed(bytes.subarray(i, i + size));
          expect(scanner.done).toBe(true);
          const found = Object.fromEntries([...scanner.ranges].map(([k, [a, b]]) => [k, JSON.parse(bytes.subarray(a, b).toString())]));
          expect(found).toEqual(doc);
          for (const [name, ranges] of scanner.elements) expect(ranges.map(([a, b]) => JSON.parse(bytes.subarray(a, b).toString()))).toEqual(doc[name]);
        }
      }
    }
  });

  it('reads a large compressed file right, whether the members wanted come early, late or not at all', async () => {
    const { readMembers } = await import('../src/store/snapshot-members.js');
    const { gzipSync } = await import('node:zlib');
    const { writeFile } = await import('node:fs/promises');
    const { randomBytes } = await import('node:crypto');
    // Random text does not compress much: about 6 MB of it is a file beyond the size read whole.
    const filler = Array.from({ length: 3000 }, () => randomBytes(1000).toString('hex'));
    const doc = { id: 'x', early: { a: [1, 2] }, filler, late: 'the end' };
    const file = path.join(dir, 'large.json.gz');
    await writeFile(file, gzipSync(JSON.stringify(doc)));
    expect(await readMembers(file, [new Set(['id', 'early'])])).toEqual({ id: 'x', early: { a: [1, 2] } });
    expect(await readMembers(file, [new Set(['late', 'id'])])).toEqual({ late: 'the end', id: 'x' });
    expect(await readMembers(file, [new Set(['nothing'])])).toEqual({});
  });
});
