import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SNAP_BIN } from './helpers/cli.js';
import { demoFixture, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sandboxEnv = (t: TestSandbox) => ({ SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig });

describe('snap onboard (non-interactive)', () => {
  it('writes a config from the proposals that snap run then uses', async () => {
    t = await startTestSandbox();
    const result = await runCli(['onboard', '--yes'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Wrote .*snap\.config\.yaml: 15 services in 3 projects from 15 repositories, 3 environments \(dev=sandbox-nonprod, staging=sandbox-nonprod, prod=sandbox-prod\); 45 of 45 service × environment pairs found with their commit\./);
    expect(result.stderr).toMatch(/found 15 repositories/);
    // Each context's own count, and the running total named as such.
    expect(result.stderr).toMatch(/found (30|15) workloads in sandbox-(nonprod|prod) \(1 of 2 contexts, \1 workloads in all\)/);
    expect(result.stderr).toMatch(/found (30|15) workloads in sandbox-(nonprod|prod) \(2 of 2 contexts, 45 workloads in all\)/);
    const text = await readFile(path.join(t.dir, 'snap.config.yaml'), 'utf8');
    // Editors find the JSON Schema that comes with snap, from the config's folder.
    const schema = /^# yaml-language-server: \$schema=(.+)$/m.exec(text.split('\n')[0])?.[1];
    expect(schema).toBeDefined();
    expect(JSON.parse(await readFile(path.resolve(t.dir, schema!), 'utf8')).title).toMatch(/snap/i);
    const config = parse(text);
    expect(config.environments).toEqual([
      { name: 'dev', context: 'sandbox-nonprod', namespaces: ['{project}-dev'] },
      { name: 'staging', context: 'sandbox-nonprod', namespaces: ['{project}-staging'] },
      { name: 'prod', context: 'sandbox-prod', namespaces: ['{project}-prod'] },
    ]);
    expect(config.projects.map((p: { name: string }) => p.name)).toEqual(['checkout', 'identity', 'payments']);
    expect(config.tickets.jiraProjects).toEqual(expect.arrayContaining(['PYM', 'CHC', 'DNT']));
    // Services released by build number get their version from the commit annotation.
    const annotated = t.sandbox.fixture.projects.flatMap((p) => p.services).filter((s) => s.version);
    const services = config.projects.flatMap((p: { services: unknown[] }) => p.services);
    for (const s of annotated) expect(services).toContainEqual(expect.objectContaining({ name: s.name, version: { from: 'annotation', key: 'snap.dev/git-commit' } }));

    const run = await runCli(['run'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/WORKLOAD_NOT_FOUND|VERSION_UNRESOLVED/);
  });

  it('prints with --dry-run, filters with --repos and --env, and keeps a backup with a diff when the file exists', async () => {
    t = await startTestSandbox();
    const dry = await runCli(['onboard', '--yes', '--dry-run', '--repos', 'payments-*', '--env', 'dev=sandbox-nonprod/{project}-dev', '--env', 'prod=sandbox-prod/{project}-prod', '--jira', 'pym'], {
      cwd: t.dir,
      env: sandboxEnv(t),
    });
    expect(dry.code).toBe(0);
    const printed = parse(dry.stdout);
    expect(printed.projects).toEqual([{ name: 'payments', services: expect.any(Array) }]);
    expect(printed.projects[0].services).toHaveLength(5);
    expect(printed.environments.map((e: { name: string }) => e.name)).toEqual(['dev', 'prod']);
    expect(printed.tickets.jiraProjects).toEqual(['PYM']);
    expect(existsSync(path.join(t.dir, 'snap.config.yaml'))).toBe(false);

    await writeFile(path.join(t.dir, 'snap.config.yaml'), 'version: 1\n# an older config\n');
    const again = await runCli(['onboard', '--yes', '--repos', 'payments-*'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/Changes to .*snap\.config\.yaml\n[\s\S]*- # an older config/);
    const backups = (await readdir(t.dir)).filter((f) => f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(await readFile(path.join(t.dir, backups[0]), 'utf8')).toBe('version: 1\n# an older config\n');
    expect(again.stdout).toMatch(/the previous file is kept as/);
  });

  it('without a terminal and without --yes, names the flags to pass and writes nothing', async () => {
    t = await startTestSandbox();
    const result = await runCli(['onboard'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no terminal to ask on; pass --yes/);
    expect(existsSync(path.join(t.dir, 'snap.config.yaml'))).toBe(false);
    const bad = await runCli(['onboard', '--yes', '--context', 'nope'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no context nope in the kubeconfig \(it has sandbox-nonprod, sandbox-prod\)/);
  });
});

describe('snap demo --serve', () => {
  it('keeps a sandbox running that snap onboard and snap run can use, until Ctrl-C', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'snap-serve-'));
    const child = spawn(process.execPath, [SNAP_BIN, 'demo', '--serve'], { cwd, env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sandbox banner: ${out}`)), 15_000);
      child.stdout.on('data', () => out.includes('Ctrl-C stops') && (clearTimeout(timer), resolve()));
    });
    const env = Object.fromEntries([...out.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(env)).toEqual(['GITHUB_TOKEN', 'SNAP_GITHUB_URL', 'KUBECONFIG']);
    const onboard = await runCli(['onboard', '--yes'], { cwd, env });
    expect(onboard.code).toBe(0);
    const run = await runCli(['run'], { cwd, env });
    expect(run.code).toBe(0);
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(existsSync(env.KUBECONFIG)).toBe(false);
  });
});

describe('bad onboarding flags', () => {
  it('a Jira key that is no key, and an environment on a context the kubeconfig lacks, are usage errors (exit 2), not bugs', async () => {
    t = await startTestSandbox();
    const jira = await runCli(['onboard', '--yes', '--dry-run', '--jira', 'pay,123'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(jira.code).toBe(2);
    expect(jira.stderr).toContain('--jira "123" is not a Jira project key');
    expect(jira.stderr).not.toContain('bug in snap');
    const env = await runCli(['onboard', '--yes', '--dry-run', '--env', 'dev=nosuchctx/ns'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/environment "dev" names context "nosuchctx", which is not in the kubeconfig[\s\S]*its contexts: sandbox-nonprod, sandbox-prod/);
  });

  it('a mistyped EKS context (with "/" in it) is named as typed, with the nearest the kubeconfig has, before anything is discovered', async () => {
    const { generateRealisticOrg } = await import('../src/sandbox/fixtures/realistic.js');
    t = await startTestSandbox(generateRealisticOrg({ seed: 3, shape: 'cloud-regions' }).fixture);
    const eks = t.sandbox.fixture.clusters.map((c) => c.context).find((c) => c.includes('/'))!;
    const bad = await runCli(['onboard', '--yes', '--dry-run', '--env', `prod=${eks}s/{project}`], { cwd: t.dir, env: sandboxEnv(t) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`environment "prod" names context "${eks}s", which is not in the kubeconfig`);
    expect(bad.stderr).toContain(`did you mean ${eks}?`);
    expect(bad.stderr).not.toMatch(/found \d+ repositories/);
  });

  it('a GitHub URL that is no URL, and an owner GitHub does not have, are usage errors naming them', async () => {
    t = await startTestSandbox();
    const url = await runCli(['onboard', '--yes', '--dry-run', '--no-check', '--github-url', 'not a url'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--github-url "not a url" is not an http(s) URL');
    const namespace = await runCli(['onboard', '--yes', '--dry-run', '--no-check', '--env', 'dev=sandbox-nonprod/Bad_NS!'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(namespace.code).toBe(2);
    expect(namespace.stderr).toContain('--env dev: "Bad_NS!" is not a Kubernetes namespace name');
    const owner = await runCli(['onboard', '--yes', '--dry-run', '--no-check', '--owner', 'nobody-here-xyz'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(owner.code).toBe(2);
    expect(owner.stderr).toContain('GitHub has no user or organisation "nobody-here-xyz" that this token can see');
  });
});

describe('what snap run says of a project none of whose services was found', () => {
  it('does not call the environments the same: the promotion is unknown', async () => {
    t = await startTestSandbox();
    await t.writeConfig({}, (raw) => {
      raw.projects = [{ name: 'ledger', services: [{ name: 'ledger', repository: raw.projects[0].services[0].repository, workload: { name: 'not-deployed-anywhere' } }] }];
    });
    const run = await runCli(['run'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(`${run.stdout}${run.stderr}`).toMatch(/WORKLOAD_NOT_FOUND/);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/run the same commits/);
  });
});

describe('a repository renamed since its image was named', () => {
  it('is found by the commit its image tag names, asked of GitHub, not guessed from the name', async () => {
    const fixture = demoFixture();
    const repo = fixture.repositories.find((r) => r.name === 'identity-web')!;
    repo.name = 'identity-portal';
    for (const p of fixture.projects) for (const s of p.services) if (s.repository === 'acme/identity-web') s.repository = 'acme/identity-portal';
    t = await startTestSandbox(fixture);
    const result = await runCli(['onboard', '--yes', '--dry-run', '--json', '--no-check'], { cwd: t.dir, env: sandboxEnv(t) });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { config: { projects: { services: { name: string; repository: string }[] }[] }; skipped: unknown[] };
    const services = out.config.projects.flatMap((p) => p.services);
    expect(services).toContainEqual(expect.objectContaining({ name: 'identity-web', repository: 'acme/identity-portal' }));
    expect(out.skipped).toEqual([]);
  });
});
