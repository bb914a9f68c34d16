import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportData, renderReport } from '../src/report/page.js';
import type { ReportData } from '../src/report/types.js';
import { runCli } from './helpers/cli.js';

/**
 * snap report through the CLI, on the demo's history (its showcase states: a stalled rollout, pods
 * that never become ready, rollbacks). What the page carries is checked against what the other read
 * commands say about the same history — snap show, releases, diff, ticket and metrics, which are
 * themselves checked against git — not against the report's own code.
 */
let dir: string;
let html: string;
let data: ReportData;
let demoOut: string;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env });
const json = async (args: string[]) => {
  const r = await cli(args);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'snap-report-'));
  const demo = await runCli(['demo', '--dir', dir], { cwd: dir, timeoutMs: 60_000 });
  expect(demo.code).toBe(0);
  demoOut = demo.stdout;
  html = await readFile(path.join(dir, 'snap-report.html'), 'utf8');
  data = readReportData(html);
}, 90_000);
afterAll(async () => dir && rm(dir, { recursive: true, force: true }));

describe('snap demo', () => {
  it('writes the report and prints its path and size, under the 1 MB budget', async () => {
    expect(demoOut).toContain(`Report: ${path.join(dir, 'snap-report.html')}`);
    expect(demoOut).toMatch(/\(\d+ KB\)/);
    expect(Buffer.byteLength(html)).toBeLessThan(1_048_576);
  });
});

describe('the page is self-contained', () => {
  it('loads nothing from elsewhere: no src, link or url() to another file, no font', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/<img[^>]+src=/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    // uPlot and the page's own script are inline.
    expect(html).toMatch(/uPlot/);
    expect(html).toContain('DecompressionStream');
  });

  it('names its own size in the header', () => {
    expect(html).toMatch(/\d+ KB file/);
  });
});

describe('what the report says agrees with the read commands', () => {
  it('radar: each cell is the version and commit snap show reports, with the snapshot named', async () => {
    const show = await json(['show', '--json']);
    expect(data.snapshot.id).toBe(show.id);
    let cells = 0;
    for (const p of data.projects) {
      for (const s of p.services) {
        p.environments.forEach((env, i) => {
          const state = show.projects[p.name].environments[env].services[s.name];
          const cell = s.cells[i];
          if (!state) return expect(cell).toBeNull();
          cells++;
          expect(cell!.status).toBe(state.status);
          expect(cell!.version).toBe(state.version?.value ?? state.container?.tag);
          if (state.commit) expect(state.commit.oid.startsWith(cell!.commit!)).toBe(true);
          expect(cell!.deployedAt).toBe(state.rollout?.at);
        });
      }
    }
    expect(cells).toBe(Object.values(show.projects as Record<string, { environments: Record<string, { services: object }> }>).reduce((n, p) => n + Object.values(p.environments).reduce((m, e) => m + Object.keys(e.services).length, 0), 0));
  });

  it('radar: the showcase states are marked — a stalled rollout, and pods that never became ready', () => {
    const marks = data.projects.flatMap((p) => p.services.flatMap((s) => s.cells.map((c) => c?.mark)));
    expect(marks).toContain('stalled');
    expect(marks).toContain('down');
    const stalled = data.projects.flatMap((p) => p.services.flatMap((s) => s.cells.filter((c) => c?.mark === 'stalled'))).at(0)!;
    expect(stalled.rollout?.reason).toBe('ProgressDeadlineExceeded');
    // A stalled rollout serves the old version: both are listed.
    expect(stalled.serving?.length).toBeGreaterThan(0);
  });

  it('radar: how far behind equals the promotion preview of snap diff for the pair', async () => {
    for (const p of data.projects) {
      for (let i = 1; i < p.environments.length; i++) {
        const diff = await json(['diff', p.environments[i - 1], p.environments[i], '--project', p.name, '--json']);
        const project = diff.projects.find((x: { project: string }) => x.project === p.name);
        for (const s of p.services) {
          const behind = s.cells[i]?.behind;
          const d = project.services.find((x: { service: string }) => x.service === s.name);
          if (!behind || !d) continue;
          if ('unknown' in behind) expect(d.status).toBe('unknown');
          else {
            expect(behind.commits).toBe(d.ahead ?? 0);
            expect(behind.ahead).toBe(d.behind ?? 0);
          }
        }
      }
    }
  });

  it('calendar: the deployments of each day and environment are those snap releases lists for the window', async () => {
    // Whole days: from the start of the window's first day.
    const releases = await json(['releases', '--since', `${data.window.start.slice(0, 10)}T00:00:00.000Z`, '--until', new Date(Date.parse(data.window.end) + 1).toISOString(), '--json']);
    expect(releases.count).toBeGreaterThan(10);
    expect(data.deployments).toHaveLength(releases.count);
    const key = (day: string, env: string) => `${day} ${env}`;
    const expected = new Map<string, number>();
    for (const d of releases.deployments) expected.set(key(d.at.slice(0, 10), d.environment), (expected.get(key(d.at.slice(0, 10), d.environment)) ?? 0) + 1);
    const actual = new Map<string, number>();
    for (const d of data.deployments) actual.set(key(d[0].slice(0, 10), data.names.environments[d[2]]), (actual.get(key(d[0].slice(0, 10), data.names.environments[d[2]])) ?? 0) + 1);
    expect(actual).toEqual(expected);
    expect(data.deployments.filter((d) => d[7] & 1)).toHaveLength(releases.deployments.filter((d: { rollback: unknown }) => d.rollback === true).length);
    // What each rollback took out, and why what a deployment shipped is unknown, as snap releases has them.
    const byTime = (d: { at: string; environment: string; service: string }) => `${d.at} ${d.environment} ${d.service}`;
    const rows = new Map(data.deployments.map((d) => [byTime({ at: d[0], environment: data.names.environments[d[2]], service: d[3] }), d]));
    let removed = 0;
    for (const d of releases.deployments as { at: string; environment: string; service: string; shipped?: { status: string; reason?: string; removed?: { commits: number; tickets: string[] } } }[]) {
      const row = rows.get(byTime(d))!;
      expect(row[11]).toEqual(d.shipped?.removed ? [d.shipped.removed.commits, d.shipped.removed.tickets] : null);
      if (d.shipped?.removed?.commits) removed++;
      expect(row[10]).toBe(d.shipped?.status === 'known' ? '' : (d.shipped?.reason ?? ''));
    }
    expect(removed).toBeGreaterThan(0);
  });

  it('promotions: the tickets and commits that would ship are those of snap diff', async () => {
    expect(data.promotions.length).toBeGreaterThan(0);
    for (const p of data.promotions) {
      const diff = await json(['diff', p.from, p.to, '--project', p.project, '--json']);
      const pair = diff.projects.find((x: { project: string }) => x.project === p.project).pair;
      expect(p.commits).toBe(pair.ahead.commits);
      expect([...p.tickets, ...p.partial.map((x) => x.key)].sort()).toEqual([...pair.ahead.tickets].sort());
      // PRs counted once per repository, as the pair's count has them.
      expect(p.pullRequests.length).toBe(pair.ahead.pullRequests);
    }
  });

  it('tickets: each status is what snap ticket says, and a ticket in an environment has a date it came', async () => {
    const sample = data.tickets.filter((t) => Object.keys(t.status).length > 0).slice(0, 6);
    expect(sample.length).toBeGreaterThan(3);
    const report = await json(['ticket', ...sample.map((t) => t.key), '--json']);
    for (const t of sample) {
      const r = report.tickets.find((x: { key: string }) => x.key === t.key);
      for (const place of r.environments as { project: string; environment: string; status: string; since?: { at: string } }[]) {
        const where = `${place.project}/${place.environment}`;
        expect(t.status[where] ?? 'not yet', `${t.key} in ${where}`).toBe(place.status === 'taken out' ? 'not yet' : place.status);
        // There when the history began: the time of the deployment that brought it, as snap ticket names it.
        if (t.deployed?.includes(where)) expect(t.arrived[where]).toBe((place.since as { deployment?: { at: string } }).deployment?.at);
        else if (t.arrived[where]) expect(t.arrived[where]).toBe(place.since?.at);
      }
    }
    const raw = JSON.parse((await cli(['show', '--raw'])).stdout);
    expect(data.tickets.length).toBe(Object.keys(raw.tickets).length);
  });

  it('metrics: each project\'s window is what snap metrics reports for the same window', async () => {
    const metrics = await json(['metrics', '--window', `${data.metrics[0].days}d`, '--until', data.window.end, '--json']);
    for (const m of data.metrics) {
      const scope = metrics.scopes.find((s: { scope: { project?: string } }) => s.scope.project === m.project).current;
      expect(m.window.deployments).toBe(scope.deployments);
      expect(m.window.leadTimeMs).toBe(scope.leadTime.medianMs);
      expect(m.window.changeFailureRate).toBe(scope.changeFailureRate.rate === undefined ? undefined : Math.round(scope.changeFailureRate.rate * 10000) / 10000);
      expect(m.window.recoveryMs).toBe(scope.recoveryTime.medianMs);
      expect([m.window.recovered, m.window.open]).toEqual([scope.recoveryTime.recovered, scope.recoveryTime.open]);
      // The trend: the window before, as snap metrics has it.
      const before = metrics.scopes.find((x: { scope: { project?: string } }) => x.scope.project === m.project).previous;
      expect([m.previous.deployments, m.previous.leadTimeMs, m.previous.recoveryMs]).toEqual([before.deployments, before.leadTime.medianMs, before.recoveryTime.medianMs]);
    }
    // The whole weeks add up to what snap metrics counts over as many weeks.
    const weeks = data.metrics[0].weeks.length;
    const whole = await json(['metrics', '--window', `${weeks * 7}d`, '--until', data.window.end, '--json']);
    for (const m of data.metrics) {
      const scope = whole.scopes.find((x: { scope: { project?: string } }) => x.scope.project === m.project).current;
      expect(m.weeks.reduce((n, w) => n + w.deployments, 0)).toBe(scope.deployments);
      expect(m.weeks.every((w) => Date.parse(w.end) - Date.parse(w.start) === 7 * 86_400_000)).toBe(true);
    }
  });

  it('health: environments left behind for 14 days are the radar\'s cells that are behind and that old', () => {
    const expected = data.projects.flatMap((p) => p.services.flatMap((sv) => sv.cells.map((c, i) => ({ c, env: p.environments[i] })).filter(({ c }) => c?.behind && !('unknown' in c.behind) && c.behind.commits > 0 && c.deployedAt && Date.parse(data.snapshot.takenAt) - Date.parse(c.deployedAt) >= 14 * 86_400_000).map(({ env }) => `${p.name}/${env}/${sv.name}`)));
    expect(expected.length).toBeGreaterThan(0);
    expect(data.health.behind.map((b) => `${b.project}/${b.environment}/${b.service}`).sort()).toEqual(expected.sort());
  });

  it('health: the runs in the window and the snapshot\'s warnings grouped by code', async () => {
    expect(data.health.runs).toHaveLength(2);
    expect(data.health.runs.every((r) => r[2] === 'ok')).toBe(true);
    const show = await json(['show', '--json']);
    const codes = new Map<string, number>();
    for (const w of show.warnings) codes.set(w.code, (codes.get(w.code) ?? 0) + 1);
    expect(new Map(data.health.warnings.map((w) => [w.code, w.count]))).toEqual(codes);
  });
});

describe('snap report', () => {
  it('writes the page where --out says, and --json tells where, its size and what it holds', async () => {
    const out = path.join(dir, 'out', 'r.html');
    const r = await json(['report', '--out', out, '--since', '7d', '--json']);
    expect(r).toMatchObject({ file: out, projects: 3, services: 15 });
    expect(r.bytes).toBe(Buffer.byteLength(await readFile(out)));
    const week = readReportData(await readFile(out, 'utf8'));
    expect(week.window.days).toBe(7);
    expect(week.deployments.every((d) => d[0] >= week.window.start.slice(0, 10))).toBe(true);
    // Written atomically: nothing but the page is left beside it.
    expect(await readdir(path.join(dir, 'out'))).toEqual(['r.html']);
  });

  it('--project keeps the report to those projects', async () => {
    const out = path.join(dir, 'payments.html');
    await json(['report', '--project', 'payments', '--out', out, '--json']);
    const only = readReportData(await readFile(out, 'utf8'));
    expect(only.projects.map((p) => p.name)).toEqual(['payments']);
    expect(only.deployments.every((d) => only.names.projects[d[1]] === 'payments')).toBe(true);
    expect(only.promotions.every((p) => p.project === 'payments')).toBe(true);
  });

  it('answers bad options with exit 2 and the fix, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['report', '--since', 'soon'], /--since takes a length of time such as 30d/],
      [['report', '--since', '0d'], /--since takes a length of time/],
      [['report', '--project', 'paymnets'], /paymnets.*payments/s],
      [['report', '--out', ''], /--out needs a file name/],
      [['report', '--out', dir], /is a folder/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.html')).sort()).toEqual(['payments.html', 'snap-report.html']);
    expect(readReportData(await readFile(path.join(dir, 'snap-report.html'), 'utf8')).snapshot.id).toBe(data.snapshot.id);
  });

  it('refuses to write where a report does not belong, and leaves the file as it was', async () => {
    const config = path.join(dir, 'snap.config.yaml');
    await writeFile(path.join(dir, 'notes.txt'), 'my notes\n');
    const before = await Promise.all([config, path.join(dir, 'kubeconfig.yaml'), path.join(dir, 'notes.txt'), path.join(dir, '.snap', 'latest.json')].map((f) => readFile(f)));
    const cases: [string, RegExp][] = [
      [config, /is snap's config/],
      [path.join(dir, 'kubeconfig.yaml'), /is a kubeconfig/],
      [path.join(dir, '.snap', 'latest.json'), /inside the data directory/],
      [path.join(dir, '.snap', 'report.html'), /inside the data directory/],
      [path.join(dir, 'notes.txt'), /exists and is not a snap report/],
      ['/dev/null', /not a regular file/],
    ];
    for (const [out, message] of cases) {
      const r = await cli(['report', '--out', out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    // Through a link to the data directory, and through a link to nothing.
    const { symlink } = await import('node:fs/promises');
    await symlink(path.join(dir, '.snap'), path.join(dir, 'link-to-data'));
    await symlink(path.join(dir, 'nowhere', 'x.html'), path.join(dir, 'dangling.html'));
    for (const [out, message] of [[path.join(dir, 'link-to-data', 'r.html'), /inside the data directory/], [path.join(dir, 'dangling.html'), /symbolic link to a file that does not exist/]] as const) {
      const r = await cli(['report', '--out', out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(await readdir(path.join(dir, '.snap'))).not.toContain('r.html');
    await rm(path.join(dir, 'link-to-data'));
    await rm(path.join(dir, 'dangling.html'));
    // A name the file system cannot hold: exit 1, naming it.
    const long = await cli(['report', '--out', path.join(dir, `${'a'.repeat(300)}.html`)]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/file name is too long/);
    expect(long.stderr).not.toMatch(/internal error/);
    const after = await Promise.all([config, path.join(dir, 'kubeconfig.yaml'), path.join(dir, 'notes.txt'), path.join(dir, '.snap', 'latest.json')].map((f) => readFile(f)));
    expect(after).toEqual(before);
    // A report is replaced; an empty file may be written.
    expect((await cli(['report', '--out', path.join(dir, 'snap-report.html')])).code).toBe(0);
    await writeFile(path.join(dir, 'empty.html'), '');
    expect((await cli(['report', '--out', path.join(dir, 'empty.html')])).code).toBe(0);
  });

  it('--out - writes the page to stdout, and not with --json', async () => {
    const r = await cli(['report', '--out', '-']);
    expect(r.code).toBe(0);
    expect(readReportData(r.stdout).snapshot.id).toBe(data.snapshot.id);
    const both = await cli(['report', '--out', '-', '--json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json/);
  });

  it('a file that cannot be written: exit 1 naming it', async () => {
    const r = await cli(['report', '--out', '/proc/snap-report.html']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/proc\/snap-report\.html/);
  });

  it('a data directory this user may read but not write: the index is read as it is, and the page written', async () => {
    const { cp, chmod } = await import('node:fs/promises');
    const { spawnAsync, SNAP_BIN } = await import('./helpers/cli.js');
    const copy = await mkdtemp(path.join(tmpdir(), 'snap-report-ro-'));
    try {
      await cp(dir, copy, { recursive: true });
      const out = await mkdtemp(path.join(tmpdir(), 'snap-report-ro-out-'));
      await chmod(out, 0o777);
      await chmod(copy, 0o755);
      await spawnAsync('chmod', ['-R', 'a-w,a+rX', path.join(copy, '.snap'), path.join(copy, 'snap.config.yaml')]);
      // As root the permissions would not hold: the command runs as nobody.
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
      const r = await spawnAsync('sh', ['-c', `cd "${copy}" && ${asUser.map((a) => `"${a}"`).join(' ')} "${SNAP_BIN}" report --out "${path.join(out, 'r.html')}"`], { CI: '1', NO_COLOR: '1' });
      expect(r.stderr).toMatch(/cannot be written by this user: the history index is read as it is/);
      expect(r.code).toBe(0);
      expect(readReportData(await readFile(path.join(out, 'r.html'), 'utf8')).snapshot.id).toBe(data.snapshot.id);
      await rm(out, { recursive: true, force: true });
    } finally {
      await spawnAsync('chmod', ['-R', 'u+w', copy]);
      await rm(copy, { recursive: true, force: true });
    }
  });

  it('a data directory alone (no config): the report is written from it', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'snap-report-datadir-'));
    try {
      const r = await runCli(['report', '--data-dir', path.join(dir, '.snap'), '--out', 'r.html'], { cwd: elsewhere });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readReportData(await readFile(path.join(elsewhere, 'r.html'), 'utf8')).snapshot.id).toBe(data.snapshot.id);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('no snapshot yet: exit 2 saying so', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'snap-report-empty-'));
    try {
      const r = await runCli(['report', '--data-dir', path.join(empty, '.snap')], { cwd: empty });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/does not exist|no snapshot/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('what the page marks', () => {
  it('a service with fewer pods ready than desired, or a pod not ready, is never "healthy"', async () => {
    const show = await json(['show', '--json']);
    let checked = 0;
    for (const p of data.projects) {
      for (const sv of p.services) {
        p.environments.forEach((env, i) => {
          const cell = sv.cells[i];
          const state = show.projects[p.name].environments[env].services[sv.name];
          if (!cell || state?.status !== 'running' || state.rolloutStatus?.state !== 'complete') return;
          const short = state.pods.ready < state.replicas.desired || state.pods.notReady.length > 0;
          if (short) checked++;
          expect(cell.mark, `${p.name}/${env}/${sv.name}`).toBe(short ? (state.pods.ready === 0 ? 'down' : 'degraded') : 'ok');
        });
      }
    }
    expect(checked).toBeGreaterThan(2);
  });

  it('a ticket rolling out behind a stalled rollout says so, as snap ticket does', async () => {
    const rolling = data.tickets.filter((t) => Object.values(t.status).includes('rolling-out'));
    expect(rolling.length).toBeGreaterThan(0);
    const report = await json(['ticket', ...rolling.slice(0, 8).map((t) => t.key), '--json']);
    let held = 0;
    for (const t of rolling.slice(0, 8)) {
      for (const place of report.tickets.find((x: { key: string }) => x.key === t.key).environments as { project: string; environment: string; held?: { state: string }[] }[]) {
        const where = `${place.project}/${place.environment}`;
        expect(t.held?.[where], `${t.key} ${where}`).toBe(place.held?.[0]?.state);
        if (place.held) held++;
      }
    }
    expect(held).toBeGreaterThan(0);
  });

  it('a window longer than the history is cut to it, and says what was asked', async () => {
    const r = await json(['report', '--since', '3650d', '--out', path.join(dir, 'decade.html'), '--json']);
    const decade = readReportData(await readFile(r.file, 'utf8'));
    expect(decade.window.askedDays).toBe(3650);
    expect(await readFile(r.file, 'utf8')).toMatch(/window: the \d+ days to it \(3,650 days asked for: the release history reaches back to \d{4}-\d\d-\d\d\)/);
    expect(decade.window.days).toBeLessThan(60);
    expect(decade.deployments.length).toBe((await json(['releases', '--since', `${decade.window.start.slice(0, 10)}T00:00:00.000Z`, '--until', new Date(Date.parse(decade.window.end) + 1).toISOString(), '--json'])).count);
    expect(decade.deployments.length).toBe((await json(['releases', '--json'])).count);
    expect(r.bytes).toBeLessThan(1_048_576);
  });
});

describe('report.path in the config', () => {
  it('snap run writes the report after the run; a bad report.since is a config error', async () => {
    const config = path.join(dir, 'snap.config.yaml');
    const original = await readFile(config, 'utf8');
    try {
      await writeFile(config, `${original}\nreport:\n  path: site/index.html\n  since: 14d\n`);
      // The demo's sandbox is gone: the run is partial (clusters unreachable), and the report still follows it.
      const run = await runCli(['run', '--json'], { cwd: dir, timeoutMs: 60_000 });
      expect([0, 1, 3]).toContain(run.code);
      const page = await readFile(path.join(dir, 'site', 'index.html'), 'utf8');
      const written = readReportData(page);
      expect(written.window.days).toBe(14);
      expect(written.health.runs.length).toBeGreaterThanOrEqual(3);
      if (run.code !== 1) expect(JSON.parse(run.stdout).report).toMatchObject({ file: path.join(dir, 'site', 'index.html') });
      // That run could not read GitHub (the sandbox is gone): tickets are those of the newest snapshot that has them, said so.
      expect(written.snapshot.ticketsFrom).toBeDefined();
      expect(written.tickets.length).toBe(data.tickets.length);
      expect(page).toContain('GitHub was not read for it');
      // The clusters could not be read either: whether pre-production environments agree is not known, and not claimed.
      expect(written.health.disagree.some((d) => d.unknown.length > 0)).toBe(true);
      expect(page).not.toContain('The pre-production environments run the same commits');
      // snap diff says the same: nothing claimed about what could not be compared.
      const diff = await cli(['diff', 'dev', 'staging', '--project', 'payments']);
      expect(diff.stdout).toMatch(/unknown/);
      expect(diff.stdout).not.toMatch(/staging has every commit dev runs\s*$/m);
      // A report that cannot be written: the run's JSON says why.
      await writeFile(path.join(dir, 'notes.txt'), 'my notes\n');
      await writeFile(config, `${original}\nreport:\n  path: notes.txt\n`);
      const refused = await runCli(['run', '--json'], { cwd: dir, timeoutMs: 60_000 });
      expect(JSON.parse(refused.stdout).report).toMatchObject({ file: path.join(dir, 'notes.txt'), error: expect.stringMatching(/not a snap report/) });
      expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('my notes\n');
      await writeFile(config, `${original}\nreport:\n  path: site/index.html\n  since: 14d\n`);
      // A failed run: the report follows it, and says why it failed.
      const failed = await runCli(['run'], { cwd: dir, env: { SNAP_KUBECONFIG: path.join(dir, 'no-such-kubeconfig') }, timeoutMs: 60_000 });
      expect(failed.code).not.toBe(0);
      const after = readReportData(await readFile(path.join(dir, 'site', 'index.html'), 'utf8'));
      expect(after.health.lastRun).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^KUBECONFIG_INVALID: /) });
      for (const since of ['fortnight', '0d']) {
        await writeFile(config, `${original}\nreport:\n  path: site/index.html\n  since: ${since}\n`);
        const bad = await cli(['config', 'validate']);
        expect(bad.code, since).toBe(2);
        expect(bad.stderr + bad.stdout).toMatch(/report\.since.*length of time above zero/s);
      }
      // A report.path among snap's own files is a config error.
      for (const bad of ['.snap/r.html', 'snap.config.yaml']) {
        await writeFile(config, `${original}\nreport:\n  path: ${bad}\n`);
        const refused = await cli(['config', 'validate']);
        expect(refused.code, bad).toBe(2);
        expect(refused.stderr + refused.stdout).toMatch(/report\.path.*(inside the data directory|replace this config)/s);
      }
      // report.since alone: the window of snap report, and no report after runs.
      await writeFile(config, `${original}\nreport:\n  since: 7d\n`);
      expect((await cli(['config', 'validate'])).code).toBe(0);
      const week = await json(['report', '--out', path.join(dir, 'week.html'), '--json']);
      expect(readReportData(await readFile(week.file, 'utf8')).window.days).toBe(7);
    } finally {
      await writeFile(config, original);
    }
  }, 120_000);
});

describe('the page cannot be broken by what it shows', () => {
  it('names and messages are escaped in the tables; the data travels packed', async () => {
    const evil = '</script><img src=x onerror=alert(1)>';
    const base = readReportData(html);
    const crafted: ReportData = {
      ...base,
      projects: [{ name: evil, environments: ['dev', 'prod'], services: [] }],
      promotions: [],
      metrics: [{ project: evil, environment: 'prod', window: { deployments: 0, perWeek: 0, failed: 0, recovered: 0, open: 0, bands: {} }, previous: { deployments: 0, perWeek: 0, failed: 0, recovered: 0, open: 0, bands: {} }, weeks: [] }],
      health: { ...base.health, warnings: [{ code: 'X', severity: 'warning', count: 1, examples: [evil] }], stale: [{ project: evil, service: evil, environments: [evil] }], disagree: [] },
    };
    const page = await renderReport(crafted);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(readReportData(page).projects[0].name).toBe(evil);
  });
});

