import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo.js';
import { generateFixture, PRESETS } from '../src/sandbox/fixtures/generate.js';
import { configForFixture } from '../src/sandbox/index.js';

/** A saved fixture reads the same years later: snap demo runs on the fixture's clock and history window. */
function io(cwd: string) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  return { io: { stdout, stderr: new PassThrough(), env: { CI: '1', NO_COLOR: '1' }, cwd }, output: () => out };
}

describe('snap demo on a fixture made long ago', () => {
  it('puts the fixture history window in the config', () => {
    const fixture = generateFixture({ seed: 1, ...PRESETS.demo, now: new Date('2024-01-01T00:00:00Z') });
    expect(configForFixture(fixture, 'kubeconfig.yaml')).not.toHaveProperty('history');
    expect(configForFixture({ ...fixture, history: { days: 400 } }, 'kubeconfig.yaml')).toMatchObject({ history: { days: 400 } });
  });

  it('still shows the tickets of commits two years old, as on the day it was made', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-demo-clock-'));
    try {
      const snapshotFor = async (now: Date, name: string) => {
        // S: about 250 commits a repository, more than one page of history beyond the window.
        const fixture = { ...generateFixture({ seed: 7, ...PRESETS.S, now }), history: { days: 60 } };
        await writeFile(path.join(dir, name), JSON.stringify(fixture));
        const { io: streams, output } = io(dir);
        expect(await runDemo({ fixture: name, json: true, dir: path.join(dir, `run-${name}`) }, streams)).toBe(0);
        return JSON.parse(output()).snapshot;
      };
      const today = await snapshotFor(new Date(), 'today.json');
      const old = await snapshotFor(new Date(Date.now() - 2 * 365 * 86_400_000), 'old.json');
      const placed = (s: any) =>
        Object.entries(s.tickets ?? {})
          .filter(([, t]: [string, any]) => t.environments.length > 0)
          .map(([k]) => k)
          .sort();
      expect(placed(old).length).toBeGreaterThan(20);
      expect(placed(old)).toEqual(placed(today));
      expect(Date.parse(old.takenAt)).toBeLessThan(Date.now() - 700 * 86_400_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
