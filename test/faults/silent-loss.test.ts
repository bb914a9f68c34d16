import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { runSnapshot } from '../../src/core/run.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { clockAt, oid, tinyOrg } from '../helpers/tiny-org.js';

/** Nothing lost silently: a corrupt file is set aside with a warning, and what it held is rebuilt. */
const NOW = '2026-11-20T12:00:00.000Z';
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start() {
  const fixture = tinyOrg({
    now: NOW,
    repos: [{ name: 'shop', commits: Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 1}`, message: `SHOP-${i + 1} change`, at: `-${5 - i}d` })) }],
    envs: ['dev', 'prod'],
    deploy: { dev: { shop: { at: 'c5', previous: ['c3', 'c4'] } }, prod: { shop: { at: 'c3', previous: ['c1', 'c2'] } } },
  });
  t = await startTestSandbox(fixture);
  const config = await t.config({ history: { days: 60 } });
  const clock = clockAt(NOW);
  return { run: () => runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: clock }), dir: path.join(t.dir, '.snap') };
}

describe('a corrupt release history', () => {
  for (const [name, spoil] of [
    ['truncated', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['empty', () => ''],
  ] as const) {
    it(`${name}: is set aside with a warning in the snapshot and the run log, and rebuilt from the snapshots`, async () => {
      const { run, dir } = await start();
      const first = await run();
      const file = path.join(dir, 'releases.json');
      const before = JSON.parse(await readFile(file, 'utf8')).events.length;
      expect(before).toBe(first.snapshot.deployments!.length);
      expect(before).toBeGreaterThan(3);
      await writeFile(file, spoil(await readFile(file, 'utf8')));
      t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c4') });
      const second = await run();
      const warning = second.snapshot.warnings.find((w) => w.code === 'CORRUPT_FILE');
      expect(warning?.message).toMatch(/releases\.json was unreadable .*rebuilt from the snapshot files \(\d+ deployments recovered/);
      expect(second.record.notes?.join('\n')).toContain('rebuilt from the snapshot files');
      const after = JSON.parse(await readFile(file, 'utf8')).events;
      expect(after.length).toBe(before + 1);
    });
  }

  it('a corrupt baseline.json is set aside with a warning, and latest.json read instead', async () => {
    const { run, dir } = await start();
    await run();
    await writeFile(path.join(dir, 'baseline.json'), '{"file": 1');
    const second = await run();
    expect(second.snapshot.warnings.find((w) => w.code === 'CORRUPT_FILE')?.message).toMatch(/baseline\.json was unreadable .*read from latest\.json instead/);
    expect(second.snapshot.deployments).toEqual([]);
  });
});

describe('write order', () => {
  it('a run stopped after writing its snapshot and before logging itself is recorded by the next run, with its deployments', async () => {
    const { run, dir } = await start();
    await run();
    // The second run's snapshot is written, then it is killed: no releases, no run-log line.
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c4') });
    const second = await run();
    const log = path.join(dir, 'runs.jsonl');
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    await writeFile(log, `${lines.slice(0, -1).join('\n')}\n`);
    const releases = path.join(dir, 'releases.json');
    const history = JSON.parse(await readFile(releases, 'utf8'));
    history.events = history.events.filter((e: { snapshot?: string }) => e.snapshot !== second.snapshot.id);
    await writeFile(releases, JSON.stringify(history));

    const third = await run();
    expect(third.snapshot.warnings.find((w) => w.code === 'UNLOGGED_RUN_RECOVERED')?.message).toContain(second.snapshot.id);
    const ids = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.slice(-2)).toEqual([second.snapshot.id, third.snapshot.id]);
    const events = JSON.parse(await readFile(releases, 'utf8')).events;
    expect(events.filter((e: { snapshot?: string }) => e.snapshot === second.snapshot.id)).toHaveLength(second.snapshot.deployments!.length);
  });

  it('a snapshot that cannot be written leaves the release history as it was ("nothing was written")', async () => {
    const { run, dir } = await start();
    await run();
    const releases = path.join(dir, 'releases.json');
    const before = await readFile(releases, 'utf8');
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c4') });
    // The snapshots folder replaced by a file: no snapshot can be written (whoever runs the test).
    const { rm } = await import('node:fs/promises');
    await rm(path.join(dir, 'snapshots'), { recursive: true });
    await writeFile(path.join(dir, 'snapshots'), 'not a folder');
    await expect(run()).rejects.toMatchObject({ code: 'DATA_DIR_UNUSABLE', message: expect.stringContaining('snapshots is a file, where snap keeps a folder') });
    const last = JSON.parse((await readFile(path.join(dir, 'runs.jsonl'), 'utf8')).trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ outcome: 'failed', error: { code: 'DATA_DIR_UNUSABLE' } });
    expect(await readFile(releases, 'utf8')).toBe(before);
  });

  it('latest.json that cannot be written: the run fails, the run log says why, and the snapshot file is taken back', async () => {
    const { run, dir } = await start();
    await run();
    const { mkdir, readdir, rm, stat } = await import('node:fs/promises');
    const releases = path.join(dir, 'releases.json');
    const before = await readFile(releases, 'utf8');
    const snapshotsBefore = await readdir(path.join(dir, 'snapshots'));
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c4') });
    // A folder where latest.json should be: the snapshot file is written, latest.json cannot be. (The
    // baseline is made to match the folder, so the run reads it and not latest.json before writing.)
    await rm(path.join(dir, 'latest.json'));
    await mkdir(path.join(dir, 'latest.json', 'x'), { recursive: true });
    const baseline = JSON.parse(await readFile(path.join(dir, 'baseline.json'), 'utf8'));
    baseline.bytes = (await stat(path.join(dir, 'latest.json'))).size;
    await writeFile(path.join(dir, 'baseline.json'), JSON.stringify(baseline));
    await expect(run()).rejects.toMatchObject({ code: 'WRITE_FAILED', message: expect.stringContaining('latest.json') });
    const last = JSON.parse((await readFile(path.join(dir, 'runs.jsonl'), 'utf8')).trim().split('\n').at(-1)!);
    expect(last.outcome).toBe('failed');
    expect(last.error.message).toContain('latest.json');
    expect(await readdir(path.join(dir, 'snapshots'))).toEqual(snapshotsBefore);
    expect(await readFile(releases, 'utf8')).toBe(before);
    // Reading it (no baseline to stand in) is a failure naming the folder, not a stack trace.
    await rm(path.join(dir, 'baseline.json'));
    await expect(run()).rejects.toMatchObject({ code: 'DATA_DIR_UNUSABLE', message: expect.stringContaining('latest.json is a folder') });
  });

  it('a run stopped between its snapshot file and latest.json: the next run takes that snapshot as the previous one and records it', async () => {
    const { run, dir } = await start();
    await run();
    const { copyFile } = await import('node:fs/promises');
    const saved = ['latest.json', 'baseline.json', 'runs.jsonl', 'releases.json'];
    for (const f of saved) await copyFile(path.join(dir, f), path.join(dir, `${f}.saved`));
    t!.sandbox.kubernetes.cluster('tiny').store.rollout('prod', 'shop', { tag: oid('shop', 'c4') });
    const second = await run();
    expect(second.snapshot.deployments!.length).toBe(1);
    // Back to how the data directory looked after the snapshot file was written, before latest.json.
    for (const f of saved) await copyFile(path.join(dir, `${f}.saved`), path.join(dir, f));

    const third = await run();
    expect(third.snapshot.warnings.find((w) => w.code === 'UNLOGGED_RUN_RECOVERED')?.message).toMatch(new RegExp(`${second.snapshot.id}.*before it wrote latest\\.json`));
    // The rollout was seen by the second run: not counted again.
    expect(third.snapshot.deployments).toEqual([]);
    const ids = (await readFile(path.join(dir, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.slice(-2)).toEqual([second.snapshot.id, third.snapshot.id]);
    const events = JSON.parse(await readFile(path.join(dir, 'releases.json'), 'utf8')).events;
    expect(events.filter((e: { snapshot?: string }) => e.snapshot === second.snapshot.id)).toHaveLength(1);
  });
});
