import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, stringify } from 'yaml';
import type { Config } from '../config/types.js';

/**
 * The files of `snap schedule install`: templates from templates/ with their @@placeholders@@ filled
 * in from the config and this machine (where node and snap are, which user runs them).
 */
export const TARGETS = ['systemd', 'systemd-user', 'cron', 'kubernetes', 'github-actions', 'docker'] as const;
export type Target = (typeof TARGETS)[number];

export interface DeploySchedule {
  cron: string;
  /** systemd OnCalendar form of `cron` (undefined when it has none). */
  onCalendar?: string;
  /** e.g. "every 15m" */
  describe: string;
  /** `snap schedule run` arguments for a container's default command. */
  scheduleArgs: string[];
}

export interface RenderOptions {
  schedule: DeploySchedule;
  outputDir: string;
  image: string;
  namespace: string;
  storage: string;
  /** Contexts served by the cluster a CronJob runs in. */
  inCluster: string[];
  env: NodeJS.ProcessEnv;
}

export interface DeployFile {
  target: Target;
  /** Path relative to the output directory. */
  path: string;
  content: string;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEMPLATES = path.join(PACKAGE_ROOT, 'templates');
const SNAP_BIN = path.join(PACKAGE_ROOT, 'bin', 'snap.js');

const FILES: Record<Target, string[]> = {
  systemd: ['systemd/snap.service', 'systemd/snap.timer'],
  'systemd-user': ['systemd-user/snap.service', 'systemd-user/snap.timer'],
  cron: ['cron/snap.crontab'],
  kubernetes: ['kubernetes/snap.yaml'],
  'github-actions': ['github-actions/snap.yml'],
  docker: ['docker/Dockerfile', 'docker/Dockerfile.dockerignore'],
};

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@@(\w+)@@/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder ${whole} has no value`);
    return values[key];
  });
}

/** A shell word, quoted only when it needs to be. */
function shellQuote(word: string): string {
  return /^[\w@+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A shell word in a crontab command: quoted, and `%` escaped (cron turns a bare % into a line break). */
const cronWord = (word: string) => shellQuote(word).replaceAll('%', '\\%');

/** Specifiers (`%`) escaped, as systemd.unit(5) expands them in most settings (a `$` is literal outside command lines). */
const systemdEscape = (text: string) => text.replaceAll('%', '%%');

/**
 * One argument of a systemd command line: specifiers and variables (`$`, expanded only on command lines)
 * escaped, double-quoted, with backslashes and quotes escaped (systemd.service(5), "Command lines").
 */
const systemdArg = (word: string) => `"${systemdEscape(word).replaceAll('$', '$$$$').replace(/[\\"]/g, '\\$&')}"`;

/** Values as each kind of file must have them: shell words for cron, quoted arguments for systemd. */
function quotedFor(target: Target, values: Record<string, string>): Record<string, string> {
  if (target === 'cron') {
    return { ...values, ...Object.fromEntries(['workdir', 'logDir', 'envFile', 'node', 'snap', 'config', 'logFile'].map((k) => [k, cronWord(values[k])])), environmentInline: values.environmentInlineCron };
  }
  if (target === 'systemd' || target === 'systemd-user') {
    return {
      ...values,
      node: systemdArg(values.node),
      snap: systemdArg(values.snap),
      config: systemdArg(values.config),
      workdir: systemdEscape(values.workdir),
      envFile: systemdEscape(values.envFile),
      docs: encodeURI(values.docs),
      writable: values.writableList,
    };
  }
  return values;
}

/** Contexts that every environment of the config names, in order. */
export function contextsOf(config: Config): string[] {
  return [...new Set(config.projects.flatMap((p) => p.environments.flatMap((e) => e.targets.map((t) => t.context))))];
}

/** Non-secret settings that came from this shell's environment and must travel with the files. */
function carriedEnvironment(config: Config, env: NodeJS.ProcessEnv): [string, string][] {
  const carried: [string, string][] = [];
  if (env.SNAP_DATA_DIR) carried.push(['SNAP_DATA_DIR', config.dataDir]);
  if (env.SNAP_GITHUB_URL) carried.push(['SNAP_GITHUB_URL', env.SNAP_GITHUB_URL]);
  if (env.SNAP_KUBECONFIG) carried.push(['SNAP_KUBECONFIG', path.resolve(env.SNAP_KUBECONFIG)]);
  else if (!config.kubernetes.kubeconfig && env.KUBECONFIG) carried.push(['KUBECONFIG', env.KUBECONFIG.split(path.delimiter).map((p) => path.resolve(p)).join(path.delimiter)]);
  return carried;
}

/** The git repository root above the config, if any: paths in a workflow are relative to it. */
function repositoryRoot(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** The config as the CronJob sees it: data and kubeconfig come from the pod's environment. */
function configForCluster(config: Config): string {
  const doc = parseDocument(readFileSync(config.path, 'utf8'));
  doc.delete('dataDir');
  if (doc.hasIn(['kubernetes', 'kubeconfig'])) doc.deleteIn(['kubernetes', 'kubeconfig']);
  if (doc.hasIn(['monitoring', 'prometheusFile'])) doc.setIn(['monitoring', 'prometheusFile'], '/data/metrics/snap.prom');
  return doc.toString({ lineWidth: 0 });
}

const indent = (text: string, spaces: number) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : ''))
    .join('\n');

function inClusterKubeconfig(contexts: string[]): string {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'in-cluster', cluster: { server: 'https://kubernetes.default.svc', 'certificate-authority': `${sa}/ca.crt` } }],
    users: [{ name: 'snap', user: { tokenFile: `${sa}/token` } }],
    contexts: contexts.map((name) => ({ name, context: { cluster: 'in-cluster', user: 'snap' } })),
    'current-context': contexts[0],
  });
}

export function renderDeployFiles(config: Config, targets: readonly Target[], options: RenderOptions): DeployFile[] {
  const carried = carriedEnvironment(config, options.env);
  const workdir = path.dirname(config.path);
  const writable = [config.dataDir, ...(config.monitoring.prometheusFile ? [path.dirname(config.monitoring.prometheusFile)] : [])];
  const contexts = contextsOf(config);
  const remote = contexts.filter((c) => !options.inCluster.includes(c));
  const kubeconfigPath = [...(options.inCluster.length ? ['/etc/snap/config/kubeconfig.yaml'] : []), ...(remote.length ? ['/etc/snap/remote/config'] : [])].join(':');
  const extraEnv = options.env.SNAP_GITHUB_URL ? [`                - name: SNAP_GITHUB_URL`, `                  value: ${JSON.stringify(options.env.SNAP_GITHUB_URL)}`] : [];
  const root = repositoryRoot(workdir);
  const userEnvFile = path.join(homedir(), '.config', 'snap', 'snap.env');
  const values: Record<string, string> = {
    describe: options.schedule.describe,
    cron: options.schedule.cron,
    onCalendar: options.schedule.onCalendar ?? '',
    node: process.execPath,
    snap: SNAP_BIN,
    config: config.path,
    workdir,
    docs: path.join(PACKAGE_ROOT, 'docs', 'deployment.md'),
    user: userInfo().username,
    envFile: '/etc/snap/snap.env',
    environment: carried.map(([k, v]) => `Environment=${JSON.stringify(systemdEscape(`${k}=${v}`))}`).join('\n'),
    writable: writable.map((p) => `-${p}`).join(' '),
    writableList: writable.map((p) => `"-${systemdEscape(p).replace(/[\\"]/g, '\\$&')}"`).join(' '),
    // A private /tmp would hide a data directory that lives in /tmp.
    privateTmp: writable.some((p) => /^\/(var\/)?tmp\//.test(p)) ? 'no' : 'yes',
    environmentInline: carried.map(([k, v]) => `${k}=${shellQuote(v)} `).join(''),
    environmentInlineCron: carried.map(([k, v]) => `${k}=${cronWord(v)} `).join(''),
    logFile: path.join(config.dataDir, 'cron.log'),
    logDir: config.dataDir,
    watchdogPrefix: config.alerts.channels.length ? '' : '# The watchdog needs alert channels (config "alerts:"); add them, then uncomment the next line.\n# ',
    image: options.image,
    namespace: options.namespace,
    storage: options.storage,
    configYaml: indent(configForCluster(config), 4),
    kubeconfigEntry: options.inCluster.length ? `  # Contexts of the cluster this CronJob runs in, reached through its ServiceAccount.\n  kubeconfig.yaml: |\n${indent(inClusterKubeconfig(options.inCluster), 4)}\n` : '',
    kubeconfigPath,
    extraEnv: extraEnv.length ? `${extraEnv.join('\n')}\n` : '',
    remoteNote: remote.length
      ? `# Contexts ${remote.join(', ')} are other clusters: put a kubeconfig with read-only credentials for them in a secret:\n#   kubectl -n ${options.namespace} create secret generic snap-kubeconfig --from-file=config=remote-kubeconfig.yaml\n`
      : '',
    remoteMount: remote.length ? '                - name: remote-kubeconfig\n                  mountPath: /etc/snap/remote\n                  readOnly: true\n' : '',
    remoteVolume: remote.length ? '            - name: remote-kubeconfig\n              secret:\n                secretName: snap-kubeconfig' : '',
    configRel: root ? path.relative(root, config.path) : path.basename(config.path),
    dockerfile: path.join(options.outputDir, 'docker', 'Dockerfile'),
    // An installed package has no sources to build from; a clone of snap's repository does.
    source: existsSync(path.join(PACKAGE_ROOT, 'src')) ? PACKAGE_ROOT.replace(/\/$/, '') : '<a clone of snap\'s repository>',
    scheduleArgs: options.schedule.scheduleArgs.map((a) => JSON.stringify(a)).join(', '),
  };
  return targets.flatMap((target) =>
    FILES[target].map((file) => {
      const content = fill(readFileSync(path.join(TEMPLATES, file), 'utf8'), quotedFor(target, { ...values, envFile: target === 'cron' ? userEnvFile : values.envFile }));
      return { target, path: file, content: content.replace(/\n{3,}/g, '\n\n') };
    }),
  );
}
