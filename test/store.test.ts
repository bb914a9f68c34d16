import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/store/atomic.js';
import { dataLayout } from '../src/store/layout.js';
import { acquireLock } from '../src/store/lock.js';
import { appendRun, estimateDuration, readRunLog, type RunRecord } from '../src/store/run-log.js';
import { readLatest } from '../src/store/snapshots.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'snap-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (n: number, outcome: RunRecord['outcome'] = 'ok'): RunRecord => ({
  id: `run-${n}`,
  startedAt: new Date(n * 1000).toISOString(),
  finishedAt: new Date(n * 1000 + 500).toISOString(),
  durationMs: n * 100,
  outcome,
  counts: { projects: 1, environments: 1, services: 1, running: 1, warnings: 0 },
  apiCalls: { kubernetes: 3 },
});

describe('atomic writes', () => {
  it('a reader in another process never sees a partial file while it is rewritten', async () => {
    const file = path.join(dir, 'latest.json');
    const big = (mark: string) => JSON.stringify({ mark, payload: mark.repeat(400_000) });
    await writeFileAtomic(file, big('a'));
    // The reader parses the file as fast as it can until told to stop, counting reads and failures.
    const reader = spawn(
      process.execPath,
      ['-e', `const fs=require('fs');let reads=0,bad=0;const stop=Date.now()+1500;while(Date.now()<stop){try{JSON.parse(fs.readFileSync(${JSON.stringify(file)},'utf8'));}catch(e){bad++;}reads++;}console.log(JSON.stringify({reads,bad}));`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    reader.stdout.on('data', (d) => (out += d));
    const done = new Promise((resolve) => reader.on('close', resolve));
    let writes = 0;
    const until = Date.now() + 1400;
    while (Date.now() < until) await writeFileAtomic(file, big(writes++ % 2 ? 'a' : 'b'));
    await done;
    const { reads, bad } = JSON.parse(out);
    expect(writes).toBeGreaterThan(5);
    expect(reads).toBeGreaterThan(5);
    expect(bad).toBe(0);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('corrupt files', () => {
  it('sets a truncated latest.json aside and reports it', async () => {
    const layout = dataLayout(dir);
    await writeFile(layout.latest, '{"schemaVersion": 1, "id": "x", "takenAt": "2026');
    const result = await readLatest(layout);
    expect(result.status).toBe('corrupt');
    if (result.status !== 'corrupt') return;
    expect(result.corrupt.reason).toMatch(/not valid JSON/);
    expect(existsSync(layout.latest)).toBe(false);
    expect(await readFile(result.corrupt.movedTo, 'utf8')).toContain('"takenAt": "2026');
    expect(path.dirname(result.corrupt.movedTo)).toBe(layout.corruptDir);
  });

  it('sets aside JSON that is not a snapshot, and reports a missing file as missing', async () => {
    const layout = dataLayout(dir);
    expect((await readLatest(layout)).status).toBe('missing');
    await writeFile(layout.latest, '{"schemaVersion": 99}');
    const result = await readLatest(layout);
    expect(result.status === 'corrupt' && result.corrupt.reason).toMatch(/schemaVersion is 99/);
  });
});

describe('run log', () => {
  it('appends records atomically and skips damaged lines', async () => {
    const file = path.join(dir, 'runs.jsonl');
    await appendRun(file, record(1));
    await writeFile(file, `${await readFile(file, 'utf8')}{"id": "half-writ`);
    const before = await readRunLog(file);
    expect(before.records.map((r) => r.id)).toEqual(['run-1']);
    expect(before.skippedLines).toBe(1);
    await appendRun(file, record(2));
    const after = await readRunLog(file);
    expect(after.records.map((r) => r.id)).toEqual(['run-1', 'run-2']);
    expect(after.skippedLines).toBe(0);
  });

  it('estimates the next duration from the median of recent successful runs', () => {
    expect(estimateDuration([])).toBeUndefined();
    const records = [record(1), record(50, 'failed'), record(3), record(2), record(9, 'partial')];
    expect(estimateDuration(records)).toEqual({ etaMs: 250, basedOnRuns: 4 });
    expect(estimateDuration([record(1), record(2), record(3)])).toEqual({ etaMs: 200, basedOnRuns: 3 });
  });
});

describe('lock', () => {
  it('excludes a second holder and names the first', async () => {
    const file = path.join(dir, 'lock');
    const first = await acquireLock(file, { command: 'snap run' });
    await expect(acquireLock(file)).rejects.toMatchObject({ code: 'LOCKED', exitCode: 4, message: expect.stringContaining(`process ${process.pid}`) });
    await first.release();
    const second = await acquireLock(file);
    expect(second.recovered).toBeUndefined();
    await second.release();
    expect(existsSync(file)).toBe(false);
  });

  it('waits for the holder when asked to', async () => {
    const file = path.join(dir, 'lock');
    const first = await acquireLock(file);
    setTimeout(() => void first.release(), 300);
    let waited = false;
    const second = await acquireLock(file, { waitMs: 5000, pollMs: 20, onWait: () => (waited = true) });
    expect(waited).toBe(true);
    await second.release();
  });

  it('recovers a lock left by a dead process, and one not touched for too long', async () => {
    const file = path.join(dir, 'lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = dead.pid!;
    await new Promise((resolve) => dead.on('close', resolve));
    const { hostname } = await import('node:os');
    await writeFile(file, JSON.stringify({ pid, host: hostname(), token: 'old', command: 'snap run', startedAt: '2026-01-01T00:00:00Z' }));
    const lock = await acquireLock(file);
    expect(lock.recovered).toMatchObject({ pid, token: 'old' });
    await lock.release();

    await writeFile(file, JSON.stringify({ pid: 1, host: 'another-host', token: 'far', command: 'snap run', startedAt: '2026-01-01T00:00:00Z' }));
    await expect(acquireLock(file, { staleAfterMs: 60_000 })).rejects.toMatchObject({ code: 'LOCKED' });
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 120_000);
    await utimes(file, old, old);
    const taken = await acquireLock(file, { staleAfterMs: 60_000 });
    expect(taken.recovered).toMatchObject({ host: 'another-host' });
    await taken.release();
  });
});
