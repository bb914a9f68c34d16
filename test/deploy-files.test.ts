import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LIST_KINDS } from '../src/sources/kubernetes/types.js';
import { Cron } from 'croner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { cronToOnCalendar, everyToCron } from '../src/deploy/calendar.js';
import { runCli, SANDBOX_TOKEN, spawnAsync } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

const PACKAGE_ROOT = path.resolve(import.meta.dirname, '..');

describe('schedules for cron and systemd', () => {
  it('turns intervals into cron expressions, and refuses the ones cron cannot keep evenly', () => {
    expect(everyToCron(60_000)).toBe('* * * * *');
    expect(everyToCron(15 * 60_000)).toBe('*/15 * * * *');
    expect(everyToCron(3_600_000)).toBe('0 * * * *');
    expect(everyToCron(6 * 3_600_000)).toBe('0 */6 * * *');
    expect(everyToCron(24 * 3_600_000)).toBe('0 0 * * *');
    expect(() => everyToCron(7 * 60_000)).toThrow(/divisor of an hour/);
    expect(() => everyToCron(90 * 60_000)).toThrow(/--cron/);
  });

  it('gives systemd the same times as cron (checked with systemd-analyze calendar)', async () => {
    const base = new Date('2026-11-20T11:58:00Z'); // a Friday
    for (const expression of ['*/15 * * * *', '0 */6 * * *', '*/10 8-18 * * 1-5', '30 2 1,15 * *', '0 9 * * 0', '5,35 * * 1-3 *']) {
      const onCalendar = cronToOnCalendar(expression);
      const { code, stdout, stderr } = await spawnAsync('systemd-analyze', ['calendar', '--base-time=2026-11-20 11:58:00 UTC', '--iterations=6', onCalendar], { TZ: 'UTC' });
      expect(stderr, onCalendar).toBe('');
      expect(code).toBe(0);
      const systemd = [...stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => `${m[1].replace(' ', 'T')}.000Z`);
      const cron = new Cron(expression, { timezone: 'UTC' }).nextRuns(6, base).map((d) => d.toISOString());
      expect(systemd, `${expression} → ${onCalendar}`).toEqual(cron);
    }
    expect(() => cronToOnCalendar('0 9 1 * 1')).toThrow(/either.*both/);
    expect(() => cronToOnCalendar('*/5 8-18/2 * * *')).toThrow(/step on a range/);
    expect(() => cronToOnCalendar('0 9 * * MON')).toThrow(/not a number/);
  });
});

describe('snap schedule install', () => {
  let t: TestSandbox;
  let out: string;
  const read = (file: string) => readFileSync(path.join(out, file), 'utf8');
  beforeAll(async () => {
    t = await startTestSandbox();
    await t.writeConfig({ alerts: { slack: {} } });
    out = path.join(t.dir, 'deploy');
    const env = { KUBECONFIG: t.kubeconfig };
    const result = await runCli(['schedule', 'install', '--every', '15m', '--in-cluster', 'sandbox-prod', '--image', 'ghcr.io/acme/snap:0.1.0'], { cwd: t.dir, env });
    // The secret is not in this shell; it must be where snap runs, and the files say where.
    expect(result.stderr).toMatch(/^warning: \S+ alerts\.slack: SNAP_SLACK_WEBHOOK_URL is not set[^\n]*\n$/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Wrote 9 file\(s\) for a snapshot every 15m \(cron "\*\/15 \* \* \* \*", OnCalendar=\*-\*-\* \*:00\/15:00\)/);
  });
  afterAll(async () => t?.close());

  it('writes every target, refuses to overwrite without --force, prints with --print', async () => {
    const files = (await readdir(out, { recursive: true })).filter((f) => f.includes('.') || f.endsWith('Dockerfile')).sort();
    expect(files).toEqual([
      'cron/snap.crontab',
      'docker/Dockerfile',
      'docker/Dockerfile.dockerignore',
      'github-actions/snap.yml',
      'kubernetes/snap.yaml',
      'systemd-user/snap.service',
      'systemd-user/snap.timer',
      'systemd/snap.service',
      'systemd/snap.timer',
    ]);
    for (const f of files) expect(read(f), f).not.toMatch(/@@\w+@@/);
    const again = await runCli(['schedule', 'install', 'cron'], { cwd: t.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/1 file\(s\) exist already: deploy\/cron\/snap.crontab\nhint: pass --force/);
    const printed = await runCli(['schedule', 'install', 'systemd', '--print', '--every', '1h'], { cwd: t.dir });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^# ==> deploy\/systemd\/snap.service <==\n/);
    expect(printed.stdout).toMatch(/OnCalendar=\*-\*-\* \*:00:00/);
    const json = JSON.parse((await runCli(['schedule', 'install', 'cron', '--force', '--json', '--every', '30m'], { cwd: t.dir })).stdout);
    expect(json.files).toEqual([{ target: 'cron', path: path.join(out, 'cron/snap.crontab'), bytes: expect.any(Number) }]);
    expect(read('cron/snap.crontab')).toMatch(/^\*\/30 \* \* \* \* mkdir -p \S+ && cd /m);
    await runCli(['schedule', 'install', 'cron', '--force'], { cwd: t.dir, env: { KUBECONFIG: t.kubeconfig } });
  });

  it('says what is wrong with its options', async () => {
    const bad = [
      [['schedule', 'install', 'launchd'], /unknown target "launchd"\nhint: choose from systemd, systemd-user, cron, kubernetes, github-actions, docker, or all/],
      [['schedule', 'install', '--every', '7m', '--print'], /--every 7m: cron cannot run evenly at that interval/],
      [['schedule', 'install', 'systemd', '--cron', '0 9 1 * 1', '--print'], /a systemd timer cannot run on "0 9 1 \* 1"/],
      [['schedule', 'install', '--cron', 'every day', '--print'], /--cron "every day" is not a cron expression/],
      [['schedule', 'install', 'kubernetes', '--in-cluster', 'nope', '--print'], /--in-cluster "nope" is not a context of .*\nhint: its contexts: sandbox-nonprod, sandbox-prod/],
    ] as const;
    for (const [args, message] of bad) {
      const result = await runCli([...args], { cwd: t.dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('writes systemd units that systemd-analyze verify accepts without a warning', async () => {
    const system = await spawnAsync('systemd-analyze', ['verify', path.join(out, 'systemd/snap.service'), path.join(out, 'systemd/snap.timer')]);
    expect(system.stderr).toBe('');
    expect(system.code).toBe(0);
    const runtime = path.join(t.dir, 'xdg');
    await mkdir(runtime, { mode: 0o700 });
    const user = await spawnAsync('systemd-analyze', ['--user', 'verify', path.join(out, 'systemd-user/snap.service'), path.join(out, 'systemd-user/snap.timer')], { XDG_RUNTIME_DIR: runtime });
    expect(user.stderr).toBe('');
    expect(user.code).toBe(0);
    const service = read('systemd/snap.service');
    expect(service).toContain(`ExecStart="${process.execPath}" "${path.join(PACKAGE_ROOT, 'bin/snap.js')}" run --config "${path.join(t.dir, 'snap.config.yaml')}" --plain`);
    expect(service).toContain('SuccessExitStatus=3 4');
    expect(service).not.toMatch(/TOKEN=|hooks\.slack/);
    expect(read('systemd/snap.timer')).toMatch(/\nOnCalendar=\*-\*-\* \*:00\/15:00\n/);
  });

  it('writes a crontab whose lines run a snapshot and the watchdog', async () => {
    const lines = read('cron/snap.crontab').split('\n').filter((l) => /^[*\d]/.test(l));
    expect(lines).toHaveLength(2);
    const evaluated = () => JSON.parse(readFileSync(path.join(t.dir, '.snap', 'alerts.json'), 'utf8')).evaluatedAt as string;
    const seen: string[] = [];
    for (const line of lines) {
      const fields = line.split(' ');
      expect(() => new Cron(fields.slice(0, 5).join(' '))).not.toThrow();
      const command = fields.slice(5).join(' ');
      // The line as cron would run it (cron's environment has no KUBECONFIG; the line carries it).
      const { code } = await spawnAsync('/bin/sh', ['-c', command], { KUBECONFIG: '', GITHUB_TOKEN: SANDBOX_TOKEN, CI: '1' });
      expect(code, `${command}\n${readFileSync(path.join(t.dir, '.snap', 'cron.log'), 'utf8')}`).toBe(0);
      seen.push(evaluated());
    }
    expect(lines[1]).toMatch(/ status --config \S+ --check --notify /);
    expect(readFileSync(path.join(t.dir, '.snap', 'cron.log'), 'utf8')).toMatch(/snapshot ok/);
    expect(existsSync(path.join(t.dir, '.snap', 'latest.json'))).toBe(true);
    // The run evaluated the alerts, then the watchdog did again.
    expect(Date.parse(seen[1])).toBeGreaterThan(Date.parse(seen[0]));
  });

  it('writes Kubernetes objects that match the API schemas and that kubectl accepts', async () => {
    const text = read('kubernetes/snap.yaml');
    const docs = parseAllDocuments(text);
    for (const d of docs) expect(d.errors).toEqual([]);
    const objects = docs.map((d) => d.toJSON());
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual(['v1/Namespace', 'v1/ServiceAccount', 'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'v1/PersistentVolumeClaim', 'v1/ConfigMap', 'batch/v1/CronJob']);
    const models: Record<string, () => Promise<any>> = {
      Namespace: () => import('kubernetes-models/v1/Namespace'),
      ServiceAccount: () => import('kubernetes-models/v1/ServiceAccount'),
      ClusterRole: () => import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'),
      ClusterRoleBinding: () => import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'),
      PersistentVolumeClaim: () => import('kubernetes-models/v1/PersistentVolumeClaim'),
      ConfigMap: () => import('kubernetes-models/v1/ConfigMap'),
      CronJob: () => import('kubernetes-models/batch/v1/CronJob'),
    };
    for (const o of objects) {
      const Model = (await models[o.kind]())[o.kind];
      expect(() => new Model(o).validate(), o.kind).not.toThrow();
    }
    // The schema check can fail: a wrong type is caught.
    const { CronJob } = await import('kubernetes-models/batch/v1/CronJob');
    const broken = structuredClone(objects[6]);
    broken.spec.jobTemplate.spec.backoffLimit = 'none';
    expect(() => new CronJob(broken).validate()).toThrow(/backoffLimit/);

    const [, , role, , , configMap, cronJob] = objects;
    expect(role.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions'], verbs: ['get', 'list'] },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: ['get', 'list'] },
      { apiGroups: ['argoproj.io'], resources: ['rollouts', 'applications'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list'] },
    ]);
    // Every list snap makes is allowed, read-only.
    const allowed = role.rules.flatMap((r: { resources: string[] }) => r.resources);
    for (const kind of LIST_KINDS) expect(allowed).toContain(kind);
    expect(cronJob.spec).toMatchObject({ schedule: '*/15 * * * *', concurrencyPolicy: 'Forbid' });
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].image).toBe('ghcr.io/acme/snap:0.1.0');
    expect(pod.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName).toBe('snap-data');
    expect(pod.containers[0].volumeMounts.find((m: any) => m.name === 'data').mountPath).toBe('/data');
    // The config inside is snap's config and loads; sandbox-prod is reached in-cluster, sandbox-nonprod through the secret.
    const loaded = parseConfig(configMap.data['snap.config.yaml'], '/etc/snap/config/snap.config.yaml', { env: { SNAP_DATA_DIR: '/data' } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.config?.dataDir).toBe('/data');
    const kubeconfig = parse(configMap.data['kubeconfig.yaml']);
    expect(kubeconfig.contexts).toEqual([{ name: 'sandbox-prod', context: { cluster: 'in-cluster', user: 'snap' } }]);
    expect(kubeconfig.users[0].user.tokenFile).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(pod.containers[0].env).toContainEqual({ name: 'KUBECONFIG', value: '/etc/snap/config/kubeconfig.yaml:/etc/snap/remote/config' });
    expect(text).toMatch(/Contexts sandbox-nonprod are other clusters/);

    // The real kubectl maps every object through the (sandbox) API server's discovery.
    const dry = await spawnAsync('kubectl', ['--context', 'sandbox-prod', 'apply', '--dry-run=client', '--validate=false', '-f', path.join(out, 'kubernetes/snap.yaml')], { KUBECONFIG: t.kubeconfig });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout.trim().split('\n')).toHaveLength(7);
    expect(dry.stdout).toMatch(/cronjob\.batch\/snap created \(dry run\)/);
    expect(dry.stdout).toMatch(/clusterrole\.rbac\.authorization\.k8s\.io\/snap-reader created \(dry run\)/);
  });

  it("writes a GitHub Actions workflow that GitHub's workflow parser accepts", async () => {
    const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
    const content = read('github-actions/snap.yml');
    const parsed = parseWorkflow({ name: 'snap.yml', content }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e: { message: string }) => e.message)).toEqual([]);
    // The parser can fail: an unknown key is an error.
    const broken = parseWorkflow({ name: 'snap.yml', content: content.replace('timeout-minutes:', 'timeout-minute:') }, new NoOperationTraceWriter());
    expect(broken.context.errors.getErrors().length).toBeGreaterThan(0);
    const workflow = parse(content);
    expect(workflow.on.schedule).toEqual([{ cron: '*/15 * * * *' }]);
    expect(workflow.jobs.snapshot.container.image).toBe('ghcr.io/acme/snap:0.1.0');
    expect(workflow.jobs.snapshot.env.SNAP_CONFIG).toBe('snap.config.yaml');
  });

  it('writes a Dockerfile whose sources exist in snap and survive its .dockerignore', async () => {
    const { DockerfileParser } = await import('dockerfile-ast');
    const text = read('docker/Dockerfile');
    const dockerfile = DockerfileParser.parse(text);
    const known = new Set(['FROM', 'RUN', 'COPY', 'ENV', 'WORKDIR', 'USER', 'VOLUME', 'ENTRYPOINT', 'CMD']);
    const instructions = dockerfile.getInstructions();
    for (const i of instructions) expect(known, i.getKeyword()).toContain(i.getKeyword());
    expect(dockerfile.getFROMs().map((f) => f.getImage())).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    const ignored = read('docker/Dockerfile.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    for (const copy of instructions.filter((i) => i.getKeyword() === 'COPY' && !(i as any).getFlags().some((f: any) => f.getName() === 'from'))) {
      // Sources are relative to the build context, snap's own folder.
      const sources = copy.getArguments().slice(0, -1).map((a) => a.getValue());
      for (const source of sources) {
        expect(existsSync(path.join(PACKAGE_ROOT, source)), source).toBe(true);
        expect(ignored, source).not.toContain(source);
      }
    }
    const pkg = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toBeDefined();
    expect(JSON.parse(instructions.find((i) => i.getKeyword() === 'CMD')!.getArgumentsContent()!)).toEqual(['schedule', 'run', '--every', '15m', '--plain']);
    expect(text).toContain(`docker build -t ghcr.io/acme/snap:0.1.0 -f ${path.join(out, 'docker/Dockerfile')} ${PACKAGE_ROOT}`);
  });
});
