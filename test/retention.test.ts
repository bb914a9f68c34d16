import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { expiredSnapshots } from '../src/store/retention.js';
import { pushCommits } from '../src/sandbox/fixtures/generate.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const name = (iso: string) => `${iso.replaceAll(':', '-')}.json`;
const NOW = new Date('2026-11-24T12:00:00.000Z');

describe('snapshot retention', () => {
  const files = ['2026-11-01T00:00:00.000Z', '2026-11-10T00:00:00.000Z', '2026-11-20T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-24T11:00:00.000Z'].map(name);

  it('keeps by count and by age, never the newest, never one the release history refers to', () => {
    expect(expiredSnapshots(files, {}, new Set(), NOW)).toEqual([]);
    expect(expiredSnapshots(files, { keep: 2 }, new Set(), NOW)).toEqual(files.slice(0, 3));
    expect(expiredSnapshots(files, { maxAgeDays: 7 }, new Set(), NOW)).toEqual(files.slice(0, 2));
    expect(expiredSnapshots(files, { keep: 2 }, new Set([files[0]]), NOW)).toEqual(files.slice(1, 3));
    expect(expiredSnapshots(files, { keep: 1, maxAgeDays: 0.001 }, new Set(), NOW)).toEqual(files.slice(0, 4));
    expect(expiredSnapshots([files[0]], { maxAgeDays: 1 }, new Set(), NOW)).toEqual([]);
    expect(expiredSnapshots([...files, 'notes.txt', 'broken.json'], { keep: 1 }, new Set(), NOW)).not.toContain('notes.txt');
  });

  it('runs after each snapshot, and keeps the snapshots that recorded deployments', async () => {
    t = await startTestSandbox();
    const config = await t.config({ retention: { keep: 2 } });
    const run = () => runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken });
    const { fixture } = t.sandbox;
    const first = await run();
    pushCommits(fixture, fixture.repositories[0].name, 2);
    const second = await run();
    t.sandbox.kubernetes.cluster('sandbox-nonprod').store.rollout('payments-staging', 'payments-api', { tag: 'v9.9.9' });
    const third = await run();
    pushCommits(fixture, fixture.repositories[1].name, 2);
    const fourth = await run();
    const last = await run();
    const dir = path.join(t.dir, '.snap', 'snapshots');
    const left = (await readdir(dir)).sort();
    // The first (it bootstrapped the release history), the third (it saw the rollout), and the newest two;
    // the second (new commits only) went. The last run found nothing changed and wrote no file.
    expect(last.record.unchangedSince).toBe(fourth.snapshot.id);
    expect(left).toEqual([first.file, third.file, fourth.file].map((f) => path.basename(f)).sort());
    expect(left).not.toContain(path.basename(second.file));
    const runs = (await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(runs.map((r) => r.retention?.deleted ?? 0)).toEqual([0, 0, 0, 1, 0]);
    const releases = JSON.parse(await readFile(path.join(t.dir, '.snap', 'releases.json'), 'utf8')).events;
    expect(releases.find((e: { detectedBy: string }) => e.detectedBy === 'snapshot-diff')).toMatchObject({ snapshot: third.snapshot.id });
  });
});
