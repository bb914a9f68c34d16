import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { GithubServer, githubSchema } from '../../sandbox/github/server.js';
import { describeProc, runSnap, startOrg, Tally, type AreaResult, type ProcResult } from './common.js';
import { startHttpListener, startSmtpListener } from './listeners.js';

/**
 * Area 5: secrets. A GitHub token, a webhook URL with user:password and a query token, a webhook bearer
 * token, a Slack webhook URL, an SMTP password (and wrong values of the token and password), all
 * given as the README documents, through ok runs, partial runs (a rejected token), alert deliveries
 * that succeed and that fail, `snap alerts test`, `--json`, `--log-format json`, `snap status`,
 * `snap config validate`, `snap schedule install`, `snap onboard`, and a run on an unusable data
 * directory (an alert sent without the run log). Then every stdout and stderr, and every file snap
 * wrote (the data directories, its temp directory, the metrics file, generated files), is searched for
 * each secret value. Each (secret × place) is a case.
 */
export interface SecretsOptions {
  seed: number;
  /** Leave out the variants (--json twins and the like). */
  quick: boolean;
  log: (line: string) => void;
}

const hex = (n: number) => randomBytes(n).toString('hex');

interface Place {
  place: string;
  text: string;
}

/** Lines of `text` that contain `secret`, with the secret shown as <SECRET>. */
function leakLines(text: string, secret: string, max = 3): string[] {
  return text
    .split('\n')
    .filter((l) => l.includes(secret))
    .slice(0, max)
    .map((l) => {
      const at = l.indexOf(secret);
      const from = Math.max(0, at - 160);
      return `${from > 0 ? '…' : ''}${l.slice(from, at + secret.length + 160).replaceAll(secret, '<SECRET>')}${at + secret.length + 160 < l.length ? '…' : ''}`;
    });
}

export async function secrets(options: SecretsOptions): Promise<AreaResult> {
  const tally = new Tally('5', 'secrets', options.log);
  const org = await startOrg({ seed: options.seed + 4, size: 'demo', prefix: 'secrets' });
  const ghToken = `ghp_${hex(18)}`;
  const ghWrong = `ghp_${hex(18)}`;
  const hookUser = 'alertbot';
  const hookPassword = `pw${hex(10)}`;
  const queryToken = `qt${hex(10)}`;
  const bearer = `bt${hex(12)}`;
  const slackSecret = `sl${hex(12)}`;
  const smtpUser = 'snap-alerts';
  const smtpPassword = `smtp${hex(10)}`;
  const smtpWrong = `smtpwrong${hex(8)}`;
  const github = new GithubServer(org.fixture, await githubSchema(), ghToken);
  await github.start();
  const http = await startHttpListener();
  const smtp = await startSmtpListener(smtpUser, smtpPassword);
  const dir = org.dir;
  const tmp = path.join(dir, 'tmp');
  await mkdir(tmp);
  // An unmounted volume: the data directory is a link to a folder that does not exist.
  const gone = path.join(dir, 'mnt-snap');
  await symlink(path.join(dir, 'unmounted', 'snap'), gone);
  const githubUrl = github.url.replace(/\/graphql$/, '');
  const hookUrl = `http://${hookUser}:${hookPassword}@127.0.0.1:${http.port}/hook?token=${queryToken}`;
  const slackUrl = `http://127.0.0.1:${http.port}/services/T0FAULTS/B0FAULTS/${slackSecret}`;
  const secretList: { name: string; value: string }[] = [
    { name: 'GitHub token', value: ghToken },
    { name: 'wrong GitHub token', value: ghWrong },
    { name: 'webhook URL password', value: hookPassword },
    { name: 'webhook URL query token', value: queryToken },
    { name: 'webhook basic-auth credentials (base64)', value: Buffer.from(`${hookUser}:${hookPassword}`).toString('base64') },
    { name: 'webhook bearer token', value: bearer },
    { name: 'Slack webhook URL secret part', value: slackSecret },
    { name: 'SMTP password', value: smtpPassword },
    { name: 'wrong SMTP password', value: smtpWrong },
    ...[...org.sandbox.kubernetes.clusters.keys()].map((context) => ({ name: `Kubernetes token of ${context}`, value: `sandbox-token-${context}` })),
  ];
  const alerts = (webhook: Record<string, unknown>) => ({
    slack: {},
    webhook,
    email: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: 'snap@example.com', to: ['release-team@example.com'] },
    retries: 1,
    timeoutSeconds: 3,
    degradedAfterRuns: 1,
  });
  const harnessFiles = new Set<string>();
  const configA = await org.writeConfig('snap.config.yaml', { alerts: alerts({}), monitoring: { prometheusFile: path.join(dir, 'metrics', 'snap.prom') } }, (raw) => (raw.github = { url: githubUrl }));
  const configB = await org.writeConfig('url-in-file.yaml', { dataDir: '.snap-b', alerts: alerts({ url: hookUrl }) }, (raw) => (raw.github = { url: githubUrl }));
  for (const f of [configA, configB, path.join(dir, 'kubeconfig.yaml')]) harnessFiles.add(f);
  const baseEnv = {
    GITHUB_TOKEN: ghToken,
    SNAP_WEBHOOK_URL: hookUrl,
    SNAP_WEBHOOK_TOKEN: bearer,
    SNAP_SLACK_WEBHOOK_URL: slackUrl,
    SNAP_SMTP_USER: smtpUser,
    SNAP_SMTP_PASSWORD: smtpPassword,
    TMPDIR: tmp,
  };
  const places: Place[] = [];
  const checks: { name: string; problems: string[] }[] = [];
  const cmd = async (label: string, args: string[], expect: number[], env: Record<string, string | undefined> = {}, full = false): Promise<ProcResult | undefined> => {
    if (full && options.quick) return undefined;
    const r = await runSnap(args, { cwd: dir, env: org.env({ ...baseEnv, ...env }), timeoutMs: 90_000, label: `snap ${label}` });
    places.push({ place: `stdout of \`snap ${label}\``, text: r.stdout }, { place: `stderr of \`snap ${label}\``, text: r.stderr });
    checks.push({ name: `check: \`snap ${label}\` exits ${expect.join(' or ')}`, problems: r.code !== null && expect.includes(r.code) ? [] : [`exit ${r.code ?? r.signal}, expected ${expect.join(' or ')}`, describeProc(r)] });
    options.log(`  snap ${label}: exit ${r.code} in ${(r.ms / 1000).toFixed(1)} s`);
    return r;
  };
  const bad = { GITHUB_TOKEN: ghWrong };
  try {
    // The webhook URL and tokens from the environment (config A).
    await cmd('run', ['run'], [0, 3]);
    await cmd('run --log-format json', ['run', '--log-format', 'json'], [0, 3]);
    await cmd('run --json', ['run', '--json'], [0, 3], {}, true);
    await cmd('run (wrong GitHub token)', ['run'], [3], bad);
    await cmd('run --log-format json (wrong GitHub token)', ['run', '--log-format', 'json'], [3], bad, true);
    await cmd('run --json (wrong GitHub token)', ['run', '--json'], [3], bad, true);
    await cmd('status', ['status'], [0]);
    await cmd('status --json', ['status', '--json'], [0], {}, true);
    await cmd('run (recovers)', ['run'], [0, 3]);
    await cmd('alerts test', ['alerts', 'test'], [0]);
    await cmd('alerts test --json', ['alerts', 'test', '--json'], [0], {}, true);
    http.mode.webhook = 'fail';
    http.mode.slack = 'fail';
    smtp.mode = 'reject';
    await cmd('alerts test (every channel failing)', ['alerts', 'test'], [1]);
    await cmd('alerts test --json --log-format json (every channel failing)', ['alerts', 'test', '--json', '--log-format', 'json'], [1]);
    await cmd('run (wrong GitHub token, alert deliveries failing)', ['run'], [3], bad);
    await cmd('run --log-format json (wrong GitHub token, alert deliveries failing)', ['run', '--log-format', 'json'], [3], bad);
    await cmd('status (alerts undelivered)', ['status'], [0]);
    await cmd('status --json (alerts undelivered)', ['status', '--json'], [0], {}, true);
    await cmd('status --check --notify (alerts undelivered)', ['status', '--check', '--notify'], [0, 1]);
    http.mode.webhook = 'ok';
    http.mode.slack = 'ok';
    smtp.mode = 'ok';
    await cmd('alerts test (wrong SMTP password)', ['alerts', 'test'], [1], { SNAP_SMTP_PASSWORD: smtpWrong });
    await cmd('run --data-dir <dangling link> (unusable data directory)', ['run', '--data-dir', gone], [1]);
    await cmd('run --log-format json --data-dir <dangling link>', ['run', '--log-format', 'json', '--data-dir', gone], [1], {}, true);
    await cmd('status --check --notify', ['status', '--check', '--notify'], [0, 1], {}, true);
    await cmd('config validate', ['config', 'validate'], [0], {}, true);
    await cmd('config validate --json', ['config', 'validate', '--json'], [0]);
    await cmd('schedule install all --print', ['schedule', 'install', 'all', '--print'], [0]);
    await cmd('schedule install all --output deploy-out --json', ['schedule', 'install', 'all', '--output', path.join(dir, 'deploy-out'), '--json'], [0]);
    await cmd('onboard --yes --dry-run --no-check', ['onboard', '--yes', '--dry-run', '--no-check', '--github-url', githubUrl, '--kubeconfig', path.join(dir, 'kubeconfig.yaml')], [0]);
    await cmd('onboard --yes --dry-run --json', ['onboard', '--yes', '--dry-run', '--json', '--github-url', githubUrl, '--kubeconfig', path.join(dir, 'kubeconfig.yaml')], [0], {}, true);
    await cmd('onboard --yes --dry-run --no-check (wrong GitHub token)', ['onboard', '--yes', '--dry-run', '--no-check', '--github-url', githubUrl, '--kubeconfig', path.join(dir, 'kubeconfig.yaml')], [1, 2], bad);
    const hooksWithBoth = http.received.webhook.length;
    // The webhook URL, with its password and query token, written in the config file (config B), and
    // no bearer token (one Authorization header: with SNAP_WEBHOOK_TOKEN set, the bearer token is sent).
    const b = (label: string, args: string[], expect: number[], env: Record<string, string | undefined> = {}, full = false) =>
      cmd(`${label} [url in config]`, [...args, '--config', configB], expect, { SNAP_WEBHOOK_URL: undefined, SNAP_WEBHOOK_TOKEN: undefined, ...env }, full);
    await b('config validate', ['config', 'validate'], [0], {}, true);
    await b('config validate --json', ['config', 'validate', '--json'], [0]);
    await b('run', ['run'], [0, 3], {}, true);
    await b('alerts test', ['alerts', 'test'], [0]);
    http.mode.webhook = 'fail';
    await b('alerts test (webhook failing)', ['alerts', 'test'], [1]);
    await b('run --log-format json (wrong GitHub token, webhook failing)', ['run', '--log-format', 'json'], [3], bad);
    await b('status', ['status'], [0]);
    await b('status --json', ['status', '--json'], [0], {}, true);
    http.mode.webhook = 'ok';

    // Were the secrets used at all? (Otherwise a clean search proves little.)
    const basic = `Basic ${Buffer.from(`${hookUser}:${hookPassword}`).toString('base64')}`;
    const hooks = http.received.webhook;
    checks.push({ name: 'check: the webhook received basic auth from the URL\'s user:password', problems: hooks.some((h) => h.authorization === basic) ? [] : [`no webhook request carried it (${hooks.length} requests; authorizations: ${[...new Set(hooks.map((h) => h.authorization?.split(' ')[0]))].join(', ')})`] });
    checks.push({ name: 'check: the webhook received the query token in its URL', problems: hooks.some((h) => h.url.includes(queryToken)) ? [] : [`no webhook request had it (${hooks.length} requests)`] });
    checks.push({ name: 'check: the Slack webhook received alerts', problems: http.received.slack > 0 ? [] : ['no request reached it'] });
    checks.push({ name: 'check: the SMTP server accepted the login and a message', problems: smtp.logins.some((l) => l.ok) && smtp.messages > 0 ? [] : [`logins ${JSON.stringify(smtp.logins)}, messages ${smtp.messages}`] });
    const both = hooks.slice(0, hooksWithBoth);
    if (both.length && both.every((h) => h.authorization === `Bearer ${bearer}`)) {
      tally.note(`with both user:password in SNAP_WEBHOOK_URL and SNAP_WEBHOOK_TOKEN set, all ${both.length} webhook requests carried only the bearer token: one Authorization header, which the bearer token takes (the config warns that the URL's user name and password are not sent)`);
    }
    tally.note(`deliveries seen: webhook ${hooks.length} (with the URL's basic auth: ${hooks.filter((h) => h.authorization === basic).length}, with SNAP_WEBHOOK_TOKEN as bearer: ${hooks.filter((h) => h.authorization === `Bearer ${bearer}`).length}), Slack ${http.received.slack}, SMTP logins ${smtp.logins.length} (${smtp.logins.filter((l) => l.ok).length} accepted), messages ${smtp.messages}`);

    // Every file snap wrote under the folder (data directories, temp directory, metrics, generated files).
    const walk = async (folder: string): Promise<string[]> => {
      const out: string[] = [];
      for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) out.push(...(await walk(full)));
        else if (entry.isFile() && !harnessFiles.has(full)) out.push(full);
      }
      return out;
    };
    const files = await walk(dir);
    for (const f of files) places.push({ place: `file ${path.relative(dir, f)}`, text: await readFile(f, 'utf8').catch(() => '') });
    tally.note(`searched ${places.length} places: the stdout and stderr of ${places.length - files.length >> 1} commands and ${files.length} files snap wrote (data directories .snap and .snap-b, TMPDIR, the metrics file, schedule install output)`);

    for (const c of checks) tally.record(c.name, c.problems);
    for (const s of secretList) {
      for (const p of places) {
        const lines = p.text.includes(s.value) ? leakLines(p.text, s.value) : [];
        tally.record(`${s.name} in ${p.place}`, lines.length ? [`the ${s.name} appears in ${p.place}:`, ...lines.map((l) => `  ${l}`)] : []);
      }
    }
    return tally.result();
  } finally {
    await Promise.all([github.stop(), http.close(), smtp.close()]);
    await org.close();
  }
}
