import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from '../../src/store/atomic.js';
import { isAlive } from '../../src/store/lock.js';

/**
 * Both atomic writers — write-file-atomic for whole files, the streaming writer for documents written
 * as they are produced — killed with SIGKILL at random moments: the file is always the old document
 * or the new one, and the next run's clean-up removes every temp file the kills left.
 */
const ATOMIC = pathToFileURL(fileURLToPath(new URL('../../dist/store/atomic.js', import.meta.url))).href;
let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes generation after generation of both files (about 1 MB each), printing each finished generation. */
const WRITER = `
import { writeFileAtomic } from ${JSON.stringify(ATOMIC)};
const [dir, start] = process.argv.slice(2);
const pad = 'x'.repeat(1 << 20);
for (let n = Number(start); ; n++) {
  await writeFileAtomic(dir + '/releases.json', JSON.stringify({ n, pad }));
  await writeFileAtomic(dir + '/snapshots/s.json', (function* () { yield '{"n":' + n + ','; for (let i = 0; i < 64; i++) yield '"p' + i + '":"' + pad.slice(0, 16384) + '",'; yield '"end":true}'; })());
  process.stdout.write(n + '\\n');
}
`;

function runWriter(script: string, start: number, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer ended on its own: ${err}`));
      const done = out.trim().split('\n').filter(Boolean).map(Number);
      resolve(done.at(-1) ?? start - 1);
    });
  });
}

describe('atomic writes under kill -9', () => {
  it('leave the old or the new document, never half; the temp files they leave are removed', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'snap-atomic-'));
    const script = path.join(dir, 'writer.mjs');
    await writeFile(script, WRITER);
    let generation = 0;
    // The newest generation known to be finished in both files.
    let floor = -1;
    const kills = 24;
    let leftBehind = 0;
    for (let i = 0; i < kills; i++) {
      // Node starts in ~50 ms; kill anywhere from before the first write to several generations in.
      const finished = await runWriter(script, generation, 60 + ((i * 37) % 200));
      if (finished >= generation) floor = finished;
      for (const file of ['releases.json', 'snapshots/s.json']) {
        const text = await readFile(path.join(dir, file), 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const { n } = JSON.parse(text) as { n: number };
        // The last finished generation, or one being written when a kill came.
        expect(n).toBeGreaterThanOrEqual(floor);
        expect(n).toBeLessThanOrEqual(Math.max(finished + 1, generation - 1));
      }
      generation = finished + 2;
      const temps = (await readdir(dir)).filter((f) => f.startsWith('releases.json.')).length + (await readdir(path.join(dir, 'snapshots')).catch(() => [])).filter((f) => f.endsWith('.tmp')).length;
      leftBehind = Math.max(leftBehind, temps);
    }
    expect(generation).toBeGreaterThan(kills); // the writer got somewhere between kills
    // Kills mid-write left temp files (about ten in 24 kills here): the clean-up has work to do.
    expect(leftBehind).toBeGreaterThan(0);
    const { files } = await removeStaleTempFiles(dir, isAlive);
    const rest = [...(await readdir(dir)), ...(await readdir(path.join(dir, 'snapshots')))].filter((f) => /\.tmp$|\.json\.\d+$/.test(f));
    expect(rest).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(leftBehind);
  }, 60_000);

  it('a temp file of a file another lock guards (alerts.json, scheduler.json) is left until it is an hour old; files of people are never touched', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'snap-atomic-'));
    const { mkdir } = await import('node:fs/promises');
    for (const f of ['snapshots', 'backup', 'cache/github/acme']) await mkdir(path.join(dir, f), { recursive: true });
    const temps = ['releases.json.4242424', 'cache/github/acme/api.json.3141592653'];
    // A rotated log, copies kept by hand, a snapshot-named copy: not temp files, whatever the digits.
    const kept = ['alerts.json.123456', 'scheduler.json.99999', 'notes.txt.55555', 'runs.jsonl.1', 'releases.json.2', 'snapshots/keep.json.77777', 'backup/releases.json.34567'];
    for (const f of [...temps, ...kept]) await writeFile(path.join(dir, f), 'x');
    const { files } = await removeStaleTempFiles(dir, isAlive);
    expect(files.map((f) => path.relative(dir, f)).sort()).toEqual([...temps].sort());
  });

  it('a link where a data file should be is replaced, not written through; a config may be a link', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'snap-atomic-'));
    const outside = path.join(dir, 'outside.json');
    await writeFile(outside, 'untouched');
    const data = path.join(dir, 'data');
    await writeFileAtomic(path.join(data, 'placeholder.json'), '{}');
    await symlink(outside, path.join(data, 'releases.json'));
    await writeFileAtomic(path.join(data, 'releases.json'), '{"events":[]}');
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect(await readFile(path.join(data, 'releases.json'), 'utf8')).toBe('{"events":[]}');
    const config = path.join(dir, 'snap.yaml');
    await symlink(outside, config);
    await writeFileAtomic(config, 'version: 1\n', { followLinks: true });
    expect(await readFile(outside, 'utf8')).toBe('version: 1\n');
  });
});
