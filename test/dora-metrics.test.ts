import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from '../src/core/snapshot-schema.js';
import { computeMeasures, percentile } from '../src/history/metrics.js';
import { runCli } from './helpers/cli.js';

/**
 * A history built by hand, and every DORA measure worked out by hand below (times in hours from the
 * commit or merge to the deployment). The window is November 2026: 30 days, 30/7 weeks.
 */
const H = 3_600_000;
let n = 0;
function deploy(environment: string, service: string, at: string, shipped: Partial<NonNullable<DeploymentEvent['shipped']>> | 'unknown', extra: Partial<DeploymentEvent> = {}): DeploymentEvent {
  n++;
  return {
    id: `e${String(n).padStart(2, '0')}`,
    project: 'shop',
    environment,
    service,
    workload: { context: environment, namespace: 'shop', name: service },
    revision: n,
    at,
    from: { version: `v${n - 1}`, commit: `${n - 1}`.padStart(40, 'a') },
    to: { version: `v${n}`, commit: `${n}`.padStart(40, 'a') },
    rollback: false,
    detectedBy: 'snapshot-diff',
    shipped: shipped === 'unknown' ? { status: 'unknown', reason: 'no earlier version' } : { status: 'known', commits: shipped.commitList?.length ?? 0, commitList: [], pullRequests: [], tickets: [], ...shipped },
    ...extra,
  };
}
const c = (oid: string, at: string, pr?: number) => ({ oid: oid.padEnd(40, '0'), at, ...(pr ? { pr } : {}) });

const D1 = deploy('dev', 'api', '2026-11-02T10:00:00Z', { commitList: [c('c2', '2026-11-02T08:00:00Z', 1), c('c1', '2026-11-01T12:00:00Z')], pullRequests: [{ number: 1, title: 'SHOP-1 Cart', mergedAt: '2026-11-02T08:00:00Z' }] });
const D2 = deploy('dev', 'api', '2026-11-10T10:00:00Z', { commitList: [c('c4', '2026-11-10T09:00:00Z', 2), c('c3', '2026-11-09T09:00:00Z')], pullRequests: [{ number: 2, title: 'SHOP-2 Totals', mergedAt: '2026-11-10T09:00:00Z' }] });
const P0 = deploy('prod', 'api', '2026-10-20T10:00:00Z', { commitList: [c('c0', '2026-10-19T10:00:00Z')] });
const P1 = deploy('prod', 'api', '2026-11-03T10:00:00Z', { commitList: [c('c2', '2026-11-02T08:00:00Z', 1), c('c1', '2026-11-01T12:00:00Z')], pullRequests: [{ number: 1, title: 'SHOP-1 Cart', mergedAt: '2026-11-02T08:00:00Z' }] });
const P2 = deploy('prod', 'api', '2026-11-11T10:00:00Z', { commitList: [c('c4', '2026-11-10T09:00:00Z', 2), c('c3', '2026-11-09T09:00:00Z')], pullRequests: [{ number: 2, title: 'SHOP-2 Totals', mergedAt: '2026-11-10T09:00:00Z' }] });
const P3 = deploy('prod', 'api', '2026-11-11T12:00:00Z', { commits: 0, commitList: [], removed: { commits: 2, tickets: ['SHOP-2'] } }, { rollback: true });
const P4 = deploy('prod', 'api', '2026-11-20T10:00:00Z', { commitList: [c('c5', '2026-11-19T10:00:00Z'), c('c4', '2026-11-10T09:00:00Z', 2), c('c3', '2026-11-09T09:00:00Z')], pullRequests: [{ number: 2, title: 'SHOP-2 Totals', mergedAt: '2026-11-10T09:00:00Z' }] }, { rolloutStatus: { state: 'stalled', reason: 'ProgressDeadlineExceeded' } });
const P5 = deploy('prod', 'api', '2026-11-20T16:00:00Z', { commitList: [c('c6', '2026-11-20T15:00:00Z')], cherryPicks: 1 });
const P6 = deploy('prod', 'api', '2026-11-28T10:00:00Z', { commitList: [c('c7', '2026-11-27T10:00:00Z')] });
const W1 = deploy('prod', 'web', '2026-11-05T10:00:00Z', 'unknown');
const W2 = deploy('prod', 'web', '2026-11-05T20:00:00Z', { commitList: [c('w1', '2026-11-05T19:00:00Z')], reverts: 1 });
const HISTORY = [P0, D1, P1, W1, W2, D2, P2, P3, P4, P5, P6];

const window = { start: Date.parse('2026-11-01T00:00:00Z'), end: Date.parse('2026-12-01T00:00:00Z'), failureWindowMs: 24 * H, environmentsOf: () => ['dev', 'prod'] };

describe('DORA measures on a hand-built history', () => {
  it('percentile is nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('api in prod: each measure as worked out by hand', () => {
    const api = HISTORY.filter((e) => e.service === 'api' && e.environment === 'prod');
    const m = computeMeasures(api, HISTORY.filter((e) => e.service === 'api'), window);
    // P1…P6 in November: 6 deployments over 30/7 weeks = 1.4 a week, on 4 days (3rd, 11th, 20th, 28th).
    expect(m.deployments).toBe(6);
    expect(m.deploymentFrequency.perWeek).toBeCloseTo(6 / (30 / 7), 10);
    expect(m.deploymentFrequency.days).toBe(4);
    expect(m.deploymentFrequency.daysPerWeek).toBeCloseTo(4 / (30 / 7), 10);
    expect(m.deploymentFrequency.band).toBe('high'); // at least weekly, not daily
    // Lead times (h), each commit once, at its first arrival: P1 46, 26; P2 49, 25; P3 a rollback ships
    // nothing; P4 stalled and never ran: c5 (c3, c4 already counted) arrives with P5 (11-20 16:00): 30;
    // P5's own c6 1; P6 24. Sorted 1 24 25 26 30 46 49: median rank ceil(3.5) = 4 → 26 h; p90 rank ceil(6.3) = 7 → 49 h.
    expect(m.leadTime.commits).toBe(7);
    expect(m.leadTime.medianMs).toBe(26 * H);
    expect(m.leadTime.p90Ms).toBe(49 * H);
    expect(m.leadTime.band).toBe('high'); // a day to a week
    // Stages per PR, once each: #1 (P1), #2 (P2; P4 shipped it again). Merge → dev: 2, 1 h → median rank 1 → 1 h. Dev → prod: 24, 24 h → 24 h.
    expect(m.leadTime.stages).toEqual({ pullRequests: 2, mergeToFirstMs: 1 * H, firstToHereMs: 24 * H, unknown: 0 });
    // Failures: P2 (rolled back by P3 2 h later), P4 (stalled). 2 of 6.
    expect(m.changeFailureRate.failed).toBe(2);
    expect(m.changeFailureRate.of).toBe(6);
    expect(m.changeFailureRate.rate).toBeCloseTo(1 / 3, 10);
    expect(m.changeFailureRate.failures.map((f) => f.id)).toEqual([P2.id, P4.id]);
    expect(m.changeFailureRate.band).toBe('low'); // above 15 %
    // Recovery: P2 → P3 2 h; P4 → P5 (the next that did not stall) 6 h. Median rank ceil(1) = 1 → 2 h.
    expect(m.recoveryTime).toEqual({ recovered: 2, open: 0, medianMs: 2 * H, band: 'high' });
  });

  it('a PR that reached prod before the first environment has no stages (no clamped zero)', () => {
    const early = deploy('prod', 'job', '2026-11-14T20:00:00Z', { commitList: [c('j1', '2026-11-14T18:51:00Z', 16)], pullRequests: [{ number: 16, title: 'Hotfix', mergedAt: '2026-11-14T18:51:00Z' }] });
    const late = deploy('dev', 'job', '2026-11-24T10:00:00Z', { commitList: [c('j1', '2026-11-14T18:51:00Z', 16)], pullRequests: [{ number: 16, title: 'Hotfix', mergedAt: '2026-11-14T18:51:00Z' }] });
    const m = computeMeasures([early], [early, late], window);
    expect(m.leadTime.stages).toEqual({ pullRequests: 1, unknown: 1 });
    expect(m.leadTime.medianMs).toBe(Date.parse('2026-11-14T20:00:00Z') - Date.parse('2026-11-14T18:51:00Z'));
  });

  it('deployment days per week never exceed 7, however short the window', () => {
    const m = computeMeasures([P5], [P5], { ...window, start: Date.parse('2026-11-20T14:00:00Z'), end: Date.parse('2026-11-20T18:00:00Z') });
    expect(m.deploymentFrequency.daysPerWeek).toBeLessThanOrEqual(7);
  });

  it('a revert that follows within the failure window makes a failure; outside it, none', () => {
    const web = HISTORY.filter((e) => e.service === 'web');
    const m = computeMeasures(web, web, window);
    expect(m.changeFailureRate).toMatchObject({ failed: 1, of: 2, rate: 0.5 });
    expect(m.recoveryTime).toMatchObject({ recovered: 1, medianMs: 10 * H });
    // W1 shipped nothing known: its lead time is unknown, not zero.
    expect(m.leadTime).toMatchObject({ commits: 1, unknownDeployments: 1, medianMs: 1 * H });
    const narrow = computeMeasures(web, web, { ...window, failureWindowMs: 9 * H });
    expect(narrow.changeFailureRate).toMatchObject({ failed: 0, of: 2, rate: 0 });
  });

  it('a deployment followed by one whose rollback verdict is unknown is not a failure, and the rate says it is a lower bound', () => {
    const a = deploy('prod', 'cron', '2026-11-06T10:00:00Z', { commitList: [c('k1', '2026-11-06T09:00:00Z')] });
    const b = deploy('prod', 'cron', '2026-11-06T12:00:00Z', { commitList: [] }, { rollback: 'unknown' });
    const m = computeMeasures([a, b], [a, b], window);
    expect(m.changeFailureRate).toMatchObject({ failed: 0, of: 2, unknown: 1 });
  });

  it('the window before: one deployment (P0) in October', () => {
    const api = HISTORY.filter((e) => e.service === 'api' && e.environment === 'prod');
    const m = computeMeasures(api, HISTORY, { ...window, start: window.start - 30 * 86_400_000, end: window.start });
    expect(m.deployments).toBe(1);
    expect(m.leadTime.medianMs).toBe(24 * H);
    expect(m.changeFailureRate.rate).toBe(0);
  });

  it('snap metrics computes the same from a data directory with this release history (index rebuilt from the files)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-dora-'));
    await mkdir(path.join(dir, 'data', 'snapshots'), { recursive: true });
    await writeFile(
      path.join(dir, 'snap.config.yaml'),
      'version: 1\ndataDir: data\nenvironments:\n  - name: dev\n    context: dev\n  - name: prod\n    context: prod\nprojects:\n  - name: shop\n    services:\n      - name: api\n        repository: acme/api\n      - name: web\n        repository: acme/web\n',
    );
    await writeFile(path.join(dir, 'data', 'releases.json'), JSON.stringify({ format: 1, events: HISTORY }));
    const snapshot = { schemaVersion: 2, id: '20261201T000000Z-abcdef', takenAt: '2026-12-01T00:00:00.000Z', startedAt: '2026-12-01T00:00:00.000Z', durationMs: 1, outcome: 'ok', projects: { shop: { environments: {} } }, warnings: [] };
    await writeFile(path.join(dir, 'data', 'snapshots', '2026-12-01T00-00-00.000Z.json'), JSON.stringify(snapshot));
    const r = await runCli(['metrics', '--service', 'api', '--until', '2026-12-01', '--window', '30d', '--json'], { cwd: dir });
    expect(r.stderr).toMatch(/rebuilt/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.window).toEqual({ start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', days: 30 });
    const current = out.scopes[0].current;
    expect(current.deployments).toBe(6);
    expect(current.leadTime.medianMs).toBe(26 * H);
    expect(current.changeFailureRate.failed).toBe(2);
    expect(current.recoveryTime.medianMs).toBe(2 * H);
    // Everything, the lead-time stages included (their first arrivals come from the index), as worked out in process from whole events.
    expect(current.leadTime.stages).toEqual({ pullRequests: 2, mergeToFirstMs: 1 * H, firstToHereMs: 24 * H, unknown: 0 });
    const api = HISTORY.filter((e) => e.service === 'api');
    expect(current).toEqual(JSON.parse(JSON.stringify(computeMeasures(api.filter((e) => e.environment === 'prod'), api, window))));
    expect(out.bands.source).toMatch(/State of DevOps Report 2023/);
    const text = await runCli(['metrics', '--service', 'api', '--until', '2026-12-01'], { cwd: dir });
    expect(text.stdout).toMatch(/deployment frequency +1\.4\/week, on 0\.9 days \(6\)/);
    expect(text.stdout).toMatch(/change failure rate +33\.3 % \(2 of 6\)/);
    // The deployment after the stalled rollout P4 brings P4's commits too: snap releases says so.
    const releases = await runCli(['releases', '--service', 'api', '--env', 'prod', '--since', '2026-11-01', '--until', '2026-12-01'], { cwd: dir });
    expect(releases.stdout).toMatch(/2026-11-20 16:00 +shop\/prod\/api .*\n.*\n +also brings the 3 commit\(s\) of the stalled rollout before it \(2026-11-20 10:00\), which never ran/);
    expect(releases.stdout.match(/also brings/g)).toHaveLength(1);
    const bad = await runCli(['metrics', '--env', 'prd'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--env prd: no such environment; did you mean prod\?/);
  });
});
