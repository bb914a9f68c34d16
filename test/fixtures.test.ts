import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFixture, PRESETS } from '../src/sandbox/fixtures/generate.js';
import { loadFixture } from '../src/sandbox/fixtures/load.js';
import { fixtureSchema } from '../src/sandbox/fixtures/types.js';
import { runCli } from './helpers/cli.js';
import { FIXED_NOW } from './helpers/sandbox.js';

describe('fixture organisations', () => {
  it('are the same for the same seed and differ for another', () => {
    const a = generateFixture({ seed: 1, now: FIXED_NOW, ...PRESETS.demo });
    expect(generateFixture({ seed: 1, now: FIXED_NOW, ...PRESETS.demo })).toEqual(a);
    expect(generateFixture({ seed: 2, now: FIXED_NOW, ...PRESETS.demo })).not.toEqual(a);
    expect(fixtureSchema.safeParse(a).success).toBe(true);
  });

  it('have the shape the demo and the benchmarks rely on', () => {
    const demo = generateFixture({ seed: 42, now: FIXED_NOW, ...PRESETS.demo });
    expect(demo.repositories).toHaveLength(15);
    expect(demo.clusters.map((c) => c.context)).toEqual(['sandbox-nonprod', 'sandbox-prod']);
    expect(demo.clusters.flatMap((c) => c.deployments)).toHaveLength(45);
    const repo = demo.repositories[0];
    const oids = new Set(repo.commits.map((c) => c.oid));
    expect(repo.commits.every((c) => c.parents.every((p) => oids.has(p)))).toBe(true);
    expect(repo.commits.some((c) => c.parents.length === 2)).toBe(true);
    expect(repo.pullRequests.some((p) => /[A-Z]{3}-\d+/.test(p.title))).toBe(true);
    const deployments = demo.clusters.flatMap((c) => c.deployments);
    expect(deployments.some((d) => d.notReady)).toBe(true);
    expect(deployments.every((d) => d.revisions.length >= 1)).toBe(true);
    const commits = demo.repositories.reduce((n, r) => n + r.commits.length, 0);
    expect(commits).toBeGreaterThan(15 * 30);

    const large = generateFixture({ seed: 1, now: FIXED_NOW, ...PRESETS.L, changesPerRepo: 2 });
    expect(large.repositories).toHaveLength(1000);
    expect(large.clusters).toHaveLength(3);
    expect(large.clusters[0].deployments).toHaveLength(1000);
    expect(new Set(large.clusters[0].deployments.map((d) => d.namespace)).size).toBe(20);
  });

  it('roll out revisions in time order and never in the future', () => {
    const f = generateFixture({ seed: 3, now: FIXED_NOW, ...PRESETS.S });
    let checked = 0;
    for (const d of f.clusters.flatMap((c) => c.deployments)) {
      const times = d.revisions.map((r) => Date.parse(r.createdAt));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(new Set(times).size).toBe(times.length);
      expect(Math.max(...times)).toBeLessThan(FIXED_NOW.getTime());
      checked += times.length;
    }
    expect(checked).toBeGreaterThan(90);
  });

  it('load from a file with every problem named by its path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-fixture-'));
    const file = path.join(dir, 'org.json');
    const fixture = generateFixture({ seed: 3, now: FIXED_NOW, ...PRESETS.demo });
    await writeFile(file, JSON.stringify(fixture));
    expect(await loadFixture(file)).toEqual(fixture);
    (fixture.clusters[0].deployments[0] as any).replicas = 'three';
    (fixture.repositories[0].commits[0] as any).oid = 'xyz';
    await writeFile(file, JSON.stringify(fixture));
    const error = await loadFixture(file).catch((e) => e);
    expect(error).toMatchObject({ code: 'FIXTURE_INVALID', exitCode: 2 });
    expect(error.details).toEqual(expect.arrayContaining([expect.stringMatching(/^repositories\[0\]\.commits\[0\]\.oid: must be a 40-character hex commit id/), expect.stringMatching(/^clusters\[0\]\.deployments\[0\]\.replicas: /)]));
    await rm(dir, { recursive: true });
  });

  it('round-trip through snap demo --save-fixture and --fixture', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-fixture-'));
    const saved = await runCli(['demo', '--seed', '5', '--save-fixture', 'org.json', '--json'], { cwd: dir });
    expect(saved.code).toBe(0);
    const fixture = JSON.parse(await readFile(path.join(dir, 'org.json'), 'utf8'));
    fixture.projects = fixture.projects.slice(0, 1);
    await writeFile(path.join(dir, 'org.json'), JSON.stringify(fixture));
    const replay = await runCli(['demo', '--fixture', 'org.json', '--json'], { cwd: dir });
    expect(replay.code).toBe(0);
    expect(Object.keys(JSON.parse(replay.stdout).snapshot.projects)).toEqual([fixture.projects[0].name]);
    const broken = await runCli(['demo', '--fixture', 'missing.json'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('error: cannot read fixture');
    await rm(dir, { recursive: true });
  });
});
