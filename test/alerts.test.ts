import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyOnChange } from '../src/alerts/notify.js';
import { transitions, type AlertConditions } from '../src/alerts/state.js';
import { loadConfigOrThrow } from '../src/config/load.js';
import { startHttpListener, startSmtpListener, type HttpListener, type SmtpListener } from './helpers/alert-listeners.js';
import { runCli, SANDBOX_TOKEN, SNAP_BIN } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
let http: HttpListener | undefined;
let smtp: SmtpListener | undefined;
afterEach(async () => {
  await Promise.all([t?.close(), http?.close(), smtp?.close()]);
  t = http = smtp = undefined;
});

const subjects = (s: SmtpListener) => s.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1]);

describe('alert state changes', () => {
  const ok: AlertConditions = { failing: false, stale: false };
  it('fires once when a condition starts and once when the bad ones end', () => {
    expect(transitions(ok, ok)).toEqual([]);
    expect(transitions(ok, { failing: true, stale: false })).toEqual(['failure']);
    // One message when both start together (e.g. the very first run fails); staleness later is news again.
    expect(transitions(ok, { failing: true, stale: true })).toEqual(['failure']);
    expect(transitions({ failing: true, stale: false }, { failing: true, stale: false })).toEqual([]);
    expect(transitions({ failing: true, stale: false }, { failing: true, stale: true })).toEqual(['stale']);
    expect(transitions({ failing: true, stale: true }, ok)).toEqual(['recovery']);
    expect(transitions({ failing: false, stale: true }, { failing: false, stale: true })).toEqual([]);
    expect(transitions(ok, { failing: false, stale: false, anomaly: 'run-2' })).toEqual(['anomaly']);
    expect(transitions({ failing: false, stale: false, anomaly: 'run-2' }, { failing: false, stale: false, anomaly: 'run-2' })).toEqual([]);
    expect(transitions({ failing: false, stale: false, anomaly: 'run-2' }, { failing: false, stale: false, anomaly: 'run-3' })).toEqual(['anomaly']);
    // A slow run is not a failure: its end is not a recovery.
    expect(transitions({ failing: false, stale: false, anomaly: 'run-2' }, ok)).toEqual([]);
  });
});

describe('alerts', () => {
  it('reach Slack, a webhook and a real SMTP server once per change of state: failure, recovery, staleness', async () => {
    [t, http, smtp] = await Promise.all([startTestSandbox(), startHttpListener(), startSmtpListener({ users: { alerts: 's3cret' } })]);
    await t.writeConfig({
      alerts: {
        slack: {},
        webhook: { url: `${http.url}/hook` },
        email: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'snap <snap@example.com>', to: ['release@example.com'] },
      },
    });
    const env = { SNAP_SLACK_WEBHOOK_URL: `${http.url}/slack`, SNAP_WEBHOOK_TOKEN: 'hook-token', SNAP_SMTP_USER: 'alerts', SNAP_SMTP_PASSWORD: 's3cret' };
    const run = () => runCli(['run'], { cwd: t!.dir, env });
    const slack = () => http!.requests.filter((r) => r.path === '/slack');
    const hook = () => http!.requests.filter((r) => r.path === '/hook');

    // A healthy first run: nothing changed from "fine", nothing is sent.
    expect((await run()).code).toBe(0);
    expect(http.requests).toHaveLength(0);

    // Break the data directory: the run fails, and each channel hears about it once.
    const snapshots = path.join(t.dir, '.snap', 'snapshots');
    await rm(snapshots, { recursive: true });
    await writeFile(snapshots, 'not a directory');
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/snap: alert failure sent to slack/);
    expect(failed.stderr).toMatch(/snap: alert failure sent to email \(release@example.com\)/);
    expect(slack()).toHaveLength(1);
    expect(slack()[0].body.text).toMatch(/^snap: snapshots are failing: The last run failed: /);
    expect(slack()[0].body.blocks[0].text.text).toMatch(/:rotating_light: \*snap: snapshots are failing\*/);
    expect(hook()).toHaveLength(1);
    expect(hook()[0].headers.authorization).toBe('Bearer hook-token');
    expect(hook()[0].body).toMatchObject({ source: 'snap', event: 'failure', severity: 'critical', status: { health: 'failing', lastError: { code: expect.any(String) } } });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]).toMatchObject({ from: 'snap@example.com', to: ['release@example.com'], user: 'alerts' });
    expect(subjects(smtp)).toEqual(['[snap] snapshots are failing']);

    // Still failing: no second alert.
    expect((await run()).code).toBe(1);
    expect(slack()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);

    // Fixed: one recovery message everywhere.
    await rm(snapshots);
    await mkdir(snapshots);
    const recovered = await run();
    expect(recovered.code).toBe(0);
    expect(recovered.stderr).toMatch(/alert recovery sent to slack/);
    expect(slack().map((r) => r.body.text)).toEqual([expect.stringMatching(/failing/), expect.stringMatching(/^snap: snapshots recovered: Run \S+ succeeded/)]);
    expect(hook().map((r) => r.body.event)).toEqual(['failure', 'recovery']);
    expect(subjects(smtp)).toEqual(['[snap] snapshots are failing', '[snap] snapshots recovered']);
    expect((await run()).code).toBe(0);
    expect(slack()).toHaveLength(2);

    // The watchdog: nothing ran for longer than the threshold. One stale alert, then quiet.
    await new Promise((r) => setTimeout(r, 200));
    const watchdog = await runCli(['status', '--check', '--notify', '--stale-after', '0.001'], { cwd: t.dir, env });
    expect(watchdog.code).toBe(1);
    expect(watchdog.stderr).toMatch(/alert stale sent to slack/);
    expect(watchdog.stdout).toMatch(/alerts +slack, webhook, email; last: stale to \w+ sent/);
    expect(slack().at(-1)!.body.text).toMatch(/^snap: snapshots are stale: No successful snapshot for/);
    const again = await runCli(['status', '--check', '--notify', '--stale-after', '0.001'], { cwd: t.dir, env });
    expect(again.code).toBe(1);
    expect(slack()).toHaveLength(3);
    expect(subjects(smtp)).toHaveLength(3);

    // `snap alerts test` reaches every channel without touching the state.
    const test = await runCli(['alerts', 'test'], { cwd: t.dir, env });
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/sent {2}slack\nsent {2}webhook\nsent {2}email \(release@example.com\)/);
    expect(slack().at(-1)!.body.text).toMatch(/^snap: test alert/);
    const state = JSON.parse(await readFile(path.join(t.dir, '.snap', 'alerts.json'), 'utf8'));
    expect(state.conditions).toMatchObject({ failing: false, stale: true });
    expect(state.history.map((h: any) => h.event)).toEqual(['failure', 'failure', 'failure', 'recovery', 'recovery', 'recovery', 'stale', 'stale', 'stale']);
  });

  it('retries with backoff, keeps what could not be sent for the next run, and never fails the snapshot', async () => {
    [t, http] = await Promise.all([startTestSandbox(), startHttpListener()]);
    await t.writeConfig({ alerts: { slack: {}, webhook: { url: `${http.url}/hook` }, email: { host: '127.0.0.1', port: 1, tls: 'none', from: 'snap@example.com', to: ['ops@example.com'] }, retries: 2 } });
    const env = { SNAP_SLACK_WEBHOOK_URL: `${http.url}/slack` };
    expect((await runCli(['run'], { cwd: t.dir, env })).code).toBe(0);
    const { config } = await loadConfigOrThrow(path.join(t.dir, 'snap.config.yaml'), { env });
    // A failed run in the log.
    const runs = path.join(config.dataDir, 'runs.jsonl');
    const at = new Date().toISOString();
    await writeFile(runs, `${await readFile(runs, 'utf8')}${JSON.stringify({ id: 'failed-x', startedAt: at, finishedAt: at, durationMs: 5, outcome: 'failed', error: { code: 'X', message: 'boom' }, counts: {}, apiCalls: {} })}\n`);

    http.failNext('/slack', 503, 503); // two failures, then accepted
    http.failNext('/hook', 404); // final: not retried
    const waits: number[] = [];
    const lines: string[] = [];
    const first = await notifyOnChange(config, { env, log: (l) => lines.push(l), sleep: async (ms) => void waits.push(ms) });
    expect(first.events).toEqual(['failure']);
    const byChannel = Object.fromEntries(first.deliveries.map((d) => [d.channel, d]));
    expect(byChannel.slack).toMatchObject({ ok: true, attempts: 3 });
    expect(byChannel.webhook).toMatchObject({ ok: false, attempts: 1, error: 'HTTP 404: no_service' });
    expect(byChannel.email).toMatchObject({ ok: false, attempts: 3, error: expect.stringMatching(/ECONNREFUSED/) });
    // Exponential backoff: 1 s then 2 s, for slack and for email.
    expect(waits.sort((a, b) => a - b)).toEqual([1000, 1000, 2000, 2000]);
    expect(lines).toContainEqual(expect.stringMatching(/alert failure → webhook failed after 1 attempt\(s\): HTTP 404: no_service; will try again/));

    // The next evaluation sends what is pending (no new state change), and only that.
    const second = await notifyOnChange(config, { env, log: () => undefined, sleep: async () => undefined });
    expect(second.events).toEqual([]);
    expect(second.deliveries.map((d) => [d.channel, d.event, d.ok])).toEqual(expect.arrayContaining([['webhook', 'failure', true], ['email', 'failure', false]]));
    expect(http.requests.filter((r) => r.path === '/hook').map((r) => r.body.event)).toEqual(['failure', 'failure']);

    // A run whose alerts cannot be delivered still succeeds.
    await t.writeConfig({ alerts: { slack: {}, retries: 2 } });
    const run = await runCli(['run'], { cwd: t.dir, env: { ...env, SNAP_SLACK_WEBHOOK_URL: '' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/alert recovery → slack failed after 1 attempt\(s\): SNAP_SLACK_WEBHOOK_URL is not set/);
    expect(run.stderr).toMatch(/warning: .*alerts\.slack: SNAP_SLACK_WEBHOOK_URL is not set: Slack alerts cannot be sent/);
    // With --log-format json the deliveries are JSON lines too; the undelivered recovery goes out now.
    const json = await runCli(['run', '--log-format', 'json'], { cwd: t.dir, env });
    expect(json.code).toBe(0);
    const alertLines = json.stderr.split('\n').filter((l) => l.includes('"kind":"alert"')).map((l) => JSON.parse(l));
    expect(alertLines).toEqual([{ time: expect.any(String), level: 'info', kind: 'alert', message: 'alert recovery sent to slack' }]);
  });

  it('reach Slack from a running scheduler: one message when runs start failing, one when they recover', async () => {
    [t, http] = await Promise.all([startTestSandbox(), startHttpListener()]);
    await t.writeConfig({ alerts: { slack: {} } });
    const snapshots = path.join(t.dir, '.snap', 'snapshots');
    await mkdir(path.dirname(snapshots), { recursive: true });
    await writeFile(snapshots, 'not a directory');
    const child = spawn(process.execPath, [SNAP_BIN, 'schedule', 'run', '--every', '1s'], {
      cwd: t.dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1', GITHUB_TOKEN: SANDBOX_TOKEN, GH_TOKEN: '', SNAP_SLACK_WEBHOOK_URL: `${http.url}/slack` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(what()).toBe(true);
    };
    await until(() => (stderr.match(/failed in/g) ?? []).length >= 3);
    expect(http.requests.map((r) => r.body.text.split(':').slice(0, 2).join(':'))).toEqual(['snap: snapshots are failing']);
    await rm(snapshots);
    await until(() => /ok in/.test(stderr) && http.requests.length === 2);
    await until(() => (stderr.match(/ok in/g) ?? []).length >= 2);
    child.kill('SIGTERM');
    await closed;
    expect(http.requests.map((r) => r.body.text.split(':').slice(0, 2).join(':'))).toEqual(['snap: snapshots are failing', 'snap: snapshots recovered']);
    expect(stderr).toMatch(/snap: alert failure sent to slack/);
  });

  it('sends an anomaly alert once for a run much slower than usual', async () => {
    [t, http] = await Promise.all([startTestSandbox(), startHttpListener()]);
    await t.writeConfig({ alerts: { webhook: { url: `${http.url}/hook` }, on: ['anomaly', 'failure'] } });
    const { config } = await loadConfigOrThrow(path.join(t.dir, 'snap.config.yaml'), { env: {} });
    const start = Date.now() - 3_600_000;
    const record = (i: number, durationMs: number) => {
      const startedAt = new Date(start + i * 60_000).toISOString();
      return JSON.stringify({ id: `run-${i}`, startedAt, finishedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(), durationMs, outcome: 'ok', counts: {}, apiCalls: {} });
    };
    await mkdir(config.dataDir, { recursive: true });
    const lines = [0, 1, 2, 3, 4, 5].map((i) => record(i, 1000));
    await writeFile(path.join(config.dataDir, 'runs.jsonl'), `${[...lines, record(6, 5000)].join('\n')}\n`);
    const first = await notifyOnChange(config, { env: {}, log: () => undefined });
    expect(first.events).toEqual(['anomaly']);
    expect(http.requests[0].body).toMatchObject({ event: 'anomaly', severity: 'warning', status: { anomaly: { id: 'run-6', factor: 5 } } });
    expect(http.requests[0].body.lines[0]).toBe('Run run-6 took 5.0 s, 5× the median of 1.0 s.');
    expect((await notifyOnChange(config, { env: {}, log: () => undefined })).events).toEqual([]);
    expect(http.requests).toHaveLength(1);
  });

  it('--notify and `alerts test` need a channel', async () => {
    t = await startTestSandbox();
    await t.writeConfig();
    const notify = await runCli(['status', '--notify'], { cwd: t.dir });
    expect(notify.code).toBe(2);
    expect(notify.stderr).toMatch(/configures no alert channel/);
    expect((await runCli(['alerts', 'test'], { cwd: t.dir })).code).toBe(2);
  });

  it('a data directory that cannot be used at all (an unmounted volume) alerts without its run log: once, then a recovery', async () => {
    [t, http] = await Promise.all([startTestSandbox(), startHttpListener()]);
    const { mkdtemp, symlink } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    // The volume: a link to a folder that is not there yet.
    const volume = path.join(t.dir, 'volume');
    await symlink(volume, path.join(t.dir, 'data'));
    await t.writeConfig({ dataDir: 'data', alerts: { webhook: { url: `${http.url}/hook` } } });
    // Where snap keeps "this data directory is unusable" (outside it): a temp directory of the test's own.
    const env = { TMPDIR: await mkdtemp(path.join(tmpdir(), 'snap-marker-')) };
    const run = () => runCli(['run'], { cwd: t!.dir, env });

    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/DATA_DIR_UNUSABLE|cannot be used: a symbolic link to .*volume/);
    expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(failed.stderr).toMatch(/alert failure sent to webhook/);
    expect(http.requests).toHaveLength(1);
    expect(http.requests[0].body).toMatchObject({ event: 'failure', severity: 'critical', title: 'snap: the data directory is unusable', status: { health: 'failing', lastError: { code: 'DATA_DIR_UNUSABLE' } } });
    expect(http.requests[0].body.lines.join('\n')).toMatch(/What to do: mount the volume/);

    // Still unmounted: not sent again at every run.
    expect((await run()).code).toBe(1);
    expect(http.requests).toHaveLength(1);

    // Mounted again: the run succeeds, and the recovery is sent.
    await mkdir(volume);
    const back = await run();
    expect(back.code).toBe(0);
    expect(http.requests).toHaveLength(2);
    expect(http.requests[1].body).toMatchObject({ event: 'recovery', title: 'snap: the data directory is usable again' });
  });
});
