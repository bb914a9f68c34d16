import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { formatIssue } from '../config/types.js';
import { SnapError, errorMessage, usageError } from '../errors.js';
import { SNAP_VERSION } from '../version.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface ScheduleInstallOptions extends GlobalOptions {
  every?: string;
  cron?: string;
  output?: string;
  print?: boolean;
  force?: boolean;
  json?: boolean;
  image?: string;
  namespace?: string;
  storage?: string;
  inCluster?: string;
}

/** What to do after the files are written, per target. */
const NEXT: Record<string, (dir: string) => string> = {
  systemd: (d) => `sudo cp ${d}/systemd/snap.service ${d}/systemd/snap.timer /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now snap.timer`,
  'systemd-user': (d) => `cp ${d}/systemd-user/snap.service ${d}/systemd-user/snap.timer ~/.config/systemd/user/ && systemctl --user daemon-reload && systemctl --user enable --now snap.timer`,
  cron: (d) => `(crontab -l 2>/dev/null; cat ${d}/cron/snap.crontab) | crontab -`,
  kubernetes: (d) => `kubectl create secret … (see the top of ${d}/kubernetes/snap.yaml), then kubectl apply -f ${d}/kubernetes/snap.yaml`,
  'github-actions': (d) => `copy ${d}/github-actions/snap.yml to .github/workflows/ and add the secrets it names`,
  docker: (d) => `the build and run commands are at the top of ${d}/docker/Dockerfile`,
};

/** `snap schedule install`: writes (or prints) ready-to-use files for running snap on a schedule. */
export async function runScheduleInstall(targetArgs: string[], options: ScheduleInstallOptions, io: CommandIO): Promise<number> {
  const { TARGETS, contextsOf, renderDeployFiles } = await import('../deploy/render.js');
  const { cronToOnCalendar, everyToCron } = await import('../deploy/calendar.js');
  const { cronSchedule, parseDuration } = await import('../core/scheduler.js');
  const wanted = targetArgs.length === 0 || targetArgs.includes('all') ? [...TARGETS] : targetArgs;
  const unknown = wanted.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length) throw usageError(`unknown target "${unknown[0]}"`, `choose from ${TARGETS.join(', ')}, or all`);
  const targets = wanted as (typeof TARGETS)[number][];
  if (options.every && options.cron) throw usageError('pass --every or --cron, not both');

  let cron: string;
  let describe: string;
  let scheduleArgs: string[];
  if (options.cron) {
    try {
      await cronSchedule(options.cron);
    } catch (error) {
      throw usageError(`--cron "${options.cron}" is not a cron expression: ${errorMessage(error)}`, 'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"');
    }
    cron = options.cron.trim();
    describe = `on cron "${cron}"`;
    scheduleArgs = ['--cron', cron];
  } else {
    const every = options.every ?? '15m';
    const ms = parseDuration(every);
    if (!ms) throw usageError(`--every takes a duration such as 15m, 1h or 1d, not "${every}"`);
    try {
      cron = everyToCron(ms);
    } catch (error) {
      throw usageError(`--every ${every}: ${errorMessage(error)}`);
    }
    describe = `every ${every}`;
    scheduleArgs = ['--every', every];
  }
  let onCalendar: string | undefined;
  try {
    onCalendar = cronToOnCalendar(cron);
  } catch (error) {
    if (targets.some((t) => t.startsWith('systemd'))) throw usageError(`a systemd timer cannot run on "${cron}": ${errorMessage(error)}`, 'simplify --cron, or leave out the systemd targets');
  }

  const file = await findConfigPath(options.config, io.env, io.cwd);
  const { config, warnings } = await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir });
  for (const warning of warnings) io.stderr.write(`warning: ${formatIssue(warning)}\n`);
  const contexts = contextsOf(config);
  const inCluster = options.inCluster !== undefined ? options.inCluster.split(',').map((c) => c.trim()).filter(Boolean) : contexts.length === 1 ? contexts : [];
  const strange = inCluster.filter((c) => !contexts.includes(c));
  if (strange.length) throw usageError(`--in-cluster "${strange[0]}" is not a context of ${config.path}`, `its contexts: ${contexts.join(', ')}`);

  checkDeployFlags(options);
  const outputDir = path.resolve(io.cwd, options.output ?? 'deploy');
  // The Kubernetes files carry the config in a ConfigMap, which anyone who can read the namespace reads.
  const hook = config.alerts.channels.find((c) => c.kind === 'webhook');
  if (targets.includes('kubernetes') && hook?.kind === 'webhook' && hook.url && /^[a-z]+:\/\/[^/]*@|[?#]/i.test(hook.url)) {
    throw usageError(
      'alerts.webhook.url holds credentials or a query string, and the Kubernetes files would put it in a ConfigMap, readable by anyone who can read the namespace',
      'take "url:" out of the config and put the URL in the snap-secrets Secret as SNAP_WEBHOOK_URL (alerts.webhook.urlEnv names the variable)',
    );
  }
  const files = renderDeployFiles(config, targets, {
    schedule: { cron, onCalendar, describe, scheduleArgs },
    outputDir,
    image: options.image ?? `snap:${SNAP_VERSION}`,
    namespace: options.namespace ?? 'snap',
    storage: options.storage ?? '1Gi',
    inCluster,
    env: io.env,
  });

  if (options.print) {
    if (options.json) io.stdout.write(`${JSON.stringify({ files }, null, 2)}\n`);
    else io.stdout.write(files.map((f) => `# ==> ${path.join(path.relative(io.cwd, outputDir) || '.', f.path)} <==\n${f.content}`).join('\n'));
    return 0;
  }
  const existing = files.map((f) => path.join(outputDir, f.path)).filter((p) => existsSync(p));
  if (existing.length && !options.force) {
    throw new SnapError('FILES_EXIST', `${existing.length} file(s) exist already: ${existing.map((p) => path.relative(io.cwd, p)).join(', ')}`, {
      exitCode: 2,
      hint: 'pass --force to overwrite them, --output DIR to write elsewhere, or --print to see the files',
    });
  }
  const { writeFileAtomic } = await import('../store/atomic.js');
  for (const f of files) await writeFileAtomic(path.join(outputDir, f.path), f.content, { followLinks: true, hint: 'pass --output a folder you can write' });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ outputDir, schedule: { cron, onCalendar, describe }, files: files.map((f) => ({ target: f.target, path: path.join(outputDir, f.path), bytes: Buffer.byteLength(f.content) })) }, null, 2)}\n`);
    return 0;
  }
  const c = colorsFor(io, options);
  const rel = path.relative(io.cwd, outputDir) || '.';
  io.stdout.write(`${c.bold('Wrote')} ${files.length} file(s) for a snapshot ${describe} (cron "${cron}"${onCalendar ? `, OnCalendar=${onCalendar}` : ''}):\n`);
  for (const f of files) io.stdout.write(`  ${path.join(rel, f.path)}\n`);
  io.stdout.write(`\n${c.bold('Next')}\n`);
  for (const t of targets) io.stdout.write(`  ${t}: ${NEXT[t](rel)}\n`);
  io.stdout.write(`\nSecrets (GITHUB_TOKEN, alert webhooks, SMTP password) never go into these files; each file says where they live. See docs/deployment.md.\n`);
  return 0;
}

export function scheduleInstallCommand(handle: (targets: string[], options: ScheduleInstallOptions) => Promise<void>): Command {
  return new Command('install')
    .description('write ready-to-use files that run snap on a schedule: systemd, cron, Kubernetes CronJob, GitHub Actions, Docker')
    .argument('[targets...]', 'systemd, systemd-user, cron, kubernetes, github-actions, docker, or all (default all)')
    .option('--every <duration>', 'interval: a divisor of an hour or a day, e.g. 15m, 1h (default 15m)')
    .option('--cron <expression>', 'cron expression instead, e.g. "*/10 8-18 * * 1-5"')
    .option('--output <dir>', 'where to write the files', 'deploy')
    .option('--print', 'print the files instead of writing them')
    .option('--force', 'overwrite files that exist')
    .option('--json', 'list the files written (with --print: their contents) as JSON')
    .option('--image <ref>', 'container image for kubernetes, github-actions and docker (default snap:<version>)')
    .option('--namespace <name>', 'Kubernetes namespace of the CronJob', 'snap')
    .option('--storage <size>', 'size of the CronJob data volume', '1Gi')
    .option('--in-cluster <contexts>', 'comma-separated contexts served by the cluster the CronJob runs in (default: the only context, if there is one)')
    .addHelpText(
      'after',
      `
Examples:
  $ snap schedule install systemd --every 15m           deploy/systemd/snap.service + snap.timer
  $ snap schedule install cron systemd-user             no root needed
  $ snap schedule install kubernetes --image ghcr.io/acme/snap:0.1.0 --print | kubectl apply --dry-run=client -f -
  $ snap schedule install all --cron "*/10 7-19 * * 1-5" --output ops/snap

Files name the node and snap of this machine and the config's absolute path; secrets are read from
the environment (an env file, a Kubernetes Secret, repository secrets), never written into them.`,
    )
    .action(async (targets: string[], _options, cmd: Command) => handle(targets, cmd.optsWithGlobals()));
}

/**
 * Kubernetes and container rules for the flags that go into manifests and Dockerfiles, so that a
 * value cannot add lines or keys: a namespace is a DNS-1123 label (Kubernetes docs, "Object Names and
 * IDs": at most 63 lowercase letters, digits and "-", starting and ending alphanumeric); a storage
 * size a Kubernetes quantity (e.g. 1Gi, 500Mi); an image a reference in the grammar of
 * distribution/reference (registry[:port]/path[:tag][@sha256:digest], no spaces or line breaks).
 * Throws a usage error (exit 2) naming the flag and the rule.
 */
export function checkDeployFlags(options: { namespace?: string; storage?: string; image?: string }): void {
  const { namespace, storage, image } = options;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw usageError(`--namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`, 'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. --namespace snap');
  }
  if (storage !== undefined && !/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(storage)) {
    throw usageError(`--storage ${JSON.stringify(storage)} is not a Kubernetes quantity`, 'write a size such as 1Gi, 500Mi or 10Gi');
  }
  if (storage !== undefined && Number.parseFloat(storage) === 0) {
    throw usageError('--storage 0 is no room for the data directory', 'write a size such as 1Gi, 500Mi or 10Gi');
  }
  const component = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
  const reference = new RegExp(`^(?:(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
  if (image !== undefined && (!image || !reference.test(image))) {
    throw usageError(`--image ${JSON.stringify(image)} is not an image reference`, 'write it as registry/path:tag, e.g. --image ghcr.io/acme/snap:0.2.0 (lowercase path, no spaces or line breaks)');
  }
}
