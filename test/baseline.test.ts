import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { readBaseline, writeBaseline } from '../src/store/baseline.js';
import { dataLayout } from '../src/store/layout.js';
import { writeSnapshot } from '../src/store/snapshots.js';

let dir: string | undefined;
afterEach(async () => dir && rm(dir, { recursive: true, force: true }));

function snapshot(takenAt: string, tag: string): Snapshot {
  return {
    schemaVersion: 1,
    id: takenAt,
    takenAt,
    startedAt: takenAt,
    durationMs: 1,
    outcome: 'ok',
    tool: { name: 'snap', version: '0' },
    config: { path: 'x', hash: 'y' },
    sources: { kubernetes: { clusters: {} } },
    projects: {
      p: {
        environments: {
          prod: {
            context: 'c',
            namespaces: null,
            services: {
              api: {
                repository: 'acme/api',
                status: 'running',
                container: { name: 'api', image: `img:${tag}`, repository: 'img', tag },
                version: { value: tag, source: 'image-tag' },
                pods: { total: 1, running: 1, ready: 1, restarts: 0, notReady: [] },
                rollout: { revision: 2, replicaSet: 'api-1', at: takenAt, history: [{ replicaSet: 'api-0' }, { replicaSet: 'api-1' }] },
              },
            },
          },
        },
      },
    },
    repositories: { 'acme/api': { defaultBranch: 'main', head: { oid: 'a'.repeat(40), headline: 'x' }, commitsInWindow: 3, mergedPullRequests: [{ number: 1, title: 't', headRefName: 'b', mergedAt: takenAt, author: 'ada' }], tags: [] } },
    tickets: { 'PAY-1': { kind: 'jira', changes: [], environments: [] } },
    warnings: [{ code: 'X', severity: 'info', scope: {}, message: 'm' }],
  };
}

describe('baseline for the next run', () => {
  it('reads the small baseline when it belongs to the latest snapshot, and latest.json when it does not', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'snap-baseline-'));
    const layout = dataLayout(dir);
    const first = snapshot('2026-11-20T10:00:00.000Z', 'v1');
    const { bytes } = await writeSnapshot(layout, first);
    await writeBaseline(layout, first, bytes);
    const read = await readBaseline(layout);
    expect(read.status).toBe('ok');
    const base = (read as { value: Snapshot }).value;
    expect(base.projects.p.environments.prod.services.api).toEqual({
      repository: 'acme/api',
      status: 'running',
      container: { name: 'api', image: 'img:v1', repository: 'img', tag: 'v1' },
      version: { value: 'v1', source: 'image-tag' },
      rollout: { revision: 2, replicaSet: 'api-1', at: first.takenAt },
      pods: { total: 1, running: 1, ready: 1, restarts: 0, notReady: [] },
    });
    expect(base.warnings).toEqual([]);
    expect(base.repositories).toEqual({ 'acme/api': { defaultBranch: 'main', head: { oid: 'a'.repeat(40) }, commitsInWindow: 3, mergedPullRequests: [], tags: [] } });
    expect(base.tickets).toBeUndefined();
    expect(JSON.parse(await readFile(layout.baseline, 'utf8')).file).toBe('2026-11-20T10-00-00.000Z.json.gz');

    // A newer snapshot written without its baseline (a crash in between): latest.json is read instead.
    await writeSnapshot(layout, snapshot('2026-11-20T11:00:00.000Z', 'v2'));
    const fallback = await readBaseline(layout);
    expect((fallback as { value: Snapshot }).value.projects.p.environments.prod.services.api.version?.value).toBe('v2');

    // latest.json changed behind snap's back (edited, truncated): it is read, and set aside when corrupt.
    const second = snapshot('2026-11-20T12:00:00.000Z', 'v3');
    const written = await writeSnapshot(layout, second);
    await writeBaseline(layout, second, written.bytes);
    await writeFile(layout.latest, '{"schemaVersion":1,"id":"trunc');
    expect((await readBaseline(layout)).status).toBe('corrupt');
  });
});
