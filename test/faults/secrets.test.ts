import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/message.js';
import { deliver } from '../../src/alerts/send.js';
import { redactUrl } from '../../src/util/redact.js';

/** Secrets in webhook URLs: used, never printed; a URL that can never work is not retried. */
const alert: Alert = {
  id: 'a1',
  event: 'test',
  severity: 'info',
  title: 'snap: test',
  lines: ['a test'],
  at: '2026-12-07T00:00:00.000Z',
  host: 'h',
  dataDir: '/d',
  config: '/c',
  status: { health: 'ok', problems: [] } as unknown as Alert['status'],
};

describe('webhook URLs with credentials', () => {
  it('sends the credentials as basic auth and never prints them', async () => {
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const logs: string[] = [];
    try {
      const result = await deliver({ kind: 'webhook', url: `http://ops:S3cret%21@127.0.0.1:${port}/hook?token=abc`, urlEnv: 'X', tokenEnv: 'Y' }, alert, { env: {}, retries: 2, timeoutMs: 2000, log: (l) => logs.push(l) });
      expect(result).toMatchObject({ ok: true, attempts: 1 });
      expect(authorization).toBe(`Basic ${Buffer.from('ops:S3cret!').toString('base64')}`);
    } finally {
      server.close();
    }
    expect(logs.join('\n')).not.toContain('S3cret');
  });

  it('a URL that can never work fails once, permanently, with the secret redacted', async () => {
    const logs: string[] = [];
    const result = await deliver({ kind: 'webhook', url: 'ftp://ops:S3cret@example.invalid/x?token=abc', urlEnv: 'X', tokenEnv: 'Y' }, alert, { env: {}, retries: 3, timeoutMs: 1000, log: (l) => logs.push(l), sleep: async () => {} });
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(`${result.error}\n${logs.join('\n')}`).not.toMatch(/S3cret|token=abc/);
  });

  it('redacts user info and query strings', () => {
    expect(redactUrl('https://u:p@hooks.example.com/services/T0/B0/xyz?k=v')).toBe('https://hooks.example.com/services/T0/B0/xyz?…');
    expect(redactUrl('not a url with http://u:p@h/x inside')).toBe('not a url with http://h/x inside');
  });
});

describe('URLs in the config', () => {
  it('github.url and alerts.webhook.url must be http(s)', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const base = 'version: 1\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\n';
    for (const bad of ['github:\n  url: "ftp://example.com/api"\n', 'github:\n  url: "javascript:alert(1)"\n', 'alerts:\n  webhook:\n    url: "ftp://x.example/y"\n']) {
      const { errors } = parseConfig(base + bad, '/tmp/snap.config.yaml', { env: {} });
      expect(errors.map((e) => e.message).join('\n'), bad).toMatch(/must be an http\(s\) URL|Invalid URL|invalid/i);
    }
  });
});

describe('the config printed back', () => {
  it('config validate --json prints a webhook URL without its password and query token', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { spawnAsync } = await import('../helpers/cli.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-secrets-'));
    const config = path.join(dir, 'snap.config.yaml');
    await writeFile(config, 'version: 1\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\nalerts:\n  webhook:\n    url: "https://alertbot:pa55-WORD@hooks.example.com/snap?token=qu3ry-TOKEN"\n');
    const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'snap.js');
    const result = await spawnAsync(process.execPath, [bin, 'config', 'validate', '--json', '--config', config], { KUBECONFIG: path.join(dir, 'none'), SNAP_WEBHOOK_TOKEN: 'bearer-T0KEN' });
    const out = result.stdout + result.stderr;
    for (const secret of ['pa55-WORD', 'qu3ry-TOKEN', 'bearer-T0KEN']) expect(out).not.toContain(secret);
    expect(JSON.parse(result.stdout).config.alerts.channels[0].url).toBe('https://hooks.example.com/snap?…');
    // Both a password in the URL and a bearer token: one Authorization header, so say which one is sent.
    expect(out).toMatch(/the URL's user name and password are not sent: the bearer token from SNAP_WEBHOOK_TOKEN takes the Authorization header/);
  });
});

describe('secrets that never reach output or generated files', () => {
  it('a Slack URL that is no URL, or not http(s), is not echoed', async () => {
    for (const bad of ['garbage SLACKSEC1', 'ftp://x/SLACKSEC1']) {
      const delivery = await deliver({ kind: 'slack', webhookUrlEnv: 'SNAP_SLACK_WEBHOOK_URL' }, alert, { env: { SNAP_SLACK_WEBHOOK_URL: bad }, retries: 2, timeoutMs: 1000, sleep: async () => {} });
      expect(delivery).toMatchObject({ ok: false, attempts: 1 });
      expect(delivery.error).not.toContain('SLACKSEC1');
    }
  });

  it('schedule install kubernetes refuses a webhook URL with credentials (it would go in a ConfigMap); github.url and SNAP_GITHUB_URL refuse a query string', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { runCli } = await import('../helpers/cli.js');
    const { parseConfig } = await import('../../src/config/load.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-secrets-'));
    const base = 'version: 1\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\n';
    await writeFile(path.join(dir, 'snap.config.yaml'), `${base}alerts:\n  webhook:\n    url: "https://bot:HOOKPASS@hooks.example.com/x"\n`);
    const result = await runCli(['schedule', 'install', 'kubernetes', '--print'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain('HOOKPASS');
    expect(result.stderr).toContain('would put it in a ConfigMap');
    const query = parseConfig(`${base}github:\n  url: "https://ghe.example.com/api?access_token=ghp_QUERYTOKEN"\n`, 'x.yaml', { env: {} });
    expect(query.errors.map((e) => e.message).join('\n')).toMatch(/must not carry a query string/);
    const fromEnv = parseConfig(base, 'x.yaml', { env: { SNAP_GITHUB_URL: 'https://ghe.example.com/api?access_token=ghp_QUERYTOKEN' } });
    expect(fromEnv.errors.map((e) => e.message).join('\n')).toMatch(/SNAP_GITHUB_URL must not hold credentials or a query string/);
    expect(JSON.stringify([query.errors, fromEnv.errors])).not.toContain('QUERYTOKEN');
  });
});

describe('plain-text SMTP', () => {
  it('tls: none to another machine is refused unless allowPlaintext, and a loopback relay is fine', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const base = 'version: 1\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\nalerts:\n  email:\n    from: snap@example.com\n    to: [ops@example.com]\n    tls: none\n';
    const remote = parseConfig(`${base}    host: smtp.example.com\n`, '/tmp/snap.config.yaml', { env: {} });
    expect(remote.errors.map((e) => `${e.path}: ${e.message} (${e.hint})`)).toEqual([expect.stringMatching(/^alerts\.email\.tls: tls: none sends the SMTP login and the alerts in clear to smtp\.example\.com.*allowPlaintext: true/)]);
    expect(parseConfig(`${base}    host: smtp.example.com\n    allowPlaintext: true\n`, '/tmp/snap.config.yaml', { env: {} }).errors).toEqual([]);
    expect(parseConfig(`${base}    host: 127.0.0.1\n`, '/tmp/snap.config.yaml', { env: {} }).errors).toEqual([]);
  });
});
