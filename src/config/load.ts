import { spanMs } from '../util/span.js';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { readRegularFile } from '../util/read-file.js';
import path from 'node:path';
import jsyaml from 'js-yaml';
import { LineCounter, parseDocument } from 'yaml';
import { ExitCode, SnapError } from '../errors.js';
import { LabelSelectorError, parseLabelSelector } from '../sources/kubernetes/label-selector.js';
import { complexKey, describeIssue, describeValue, explainYamlError, formatPath, nodeAt, withoutEchoes, type KeyPath } from './issues.js';
import { configSchema, type RawConfig } from './schema.js';

export { formatPath };
import { formatIssue, type AlertChannel, type AlertSettings, type Config, type ConfigIssue, type Environment, type Project, type Service } from './types.js';

export interface LoadResult {
  config?: Config;
  warnings: ConfigIssue[];
  errors: ConfigIssue[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** --data-dir: beats SNAP_DATA_DIR and the file. */
  dataDir?: string;
  /** Read the YAML with `yaml` only (the quick js-yaml path off): for checking that both read alike. */
  exactParse?: boolean;
}


/** Sections whose every key is optional: written empty (all keys commented out) they mean "the defaults". */
const OPTIONAL_SECTIONS = ['kubernetes', 'github', 'history', 'tickets', 'monitoring', 'retention', 'alerts', 'report'];
const OPTIONAL_ALERT_CHANNELS = ['slack', 'webhook'];

function emptySectionsAsDefaults(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  for (const key of OPTIONAL_SECTIONS) if (key in config && config[key] === null) config[key] = {};
  const alerts = config.alerts as Record<string, unknown> | undefined;
  if (alerts && typeof alerts === 'object') for (const key of OPTIONAL_ALERT_CHANNELS) if (key in alerts && alerts[key] === null) alerts[key] = {};
  return raw;
}

/** Finds the config file: --config, then SNAP_CONFIG, then snap.config.yaml / .yml in the working directory. */
export async function findConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<string> {
  const chosen = explicit || env.SNAP_CONFIG || undefined;
  if (chosen) return path.resolve(cwd, chosen);
  for (const candidate of ['snap.config.yaml', 'snap.config.yml']) {
    const full = path.join(cwd, candidate);
    try {
      await stat(full);
      return full;
    } catch {
      // try the next name
    }
  }
  // Inside a data directory (or its snapshots folder): the config is usually in the folder above it.
  const inData = await stat(path.join(cwd, 'latest.json')).then(() => cwd, () => stat(path.join(cwd, '..', 'latest.json')).then(() => path.dirname(cwd), () => undefined));
  if (inData) {
    const above = path.dirname(inData);
    const config = await stat(path.join(above, 'snap.config.yaml')).then(() => path.join(above, 'snap.config.yaml'), () => undefined);
    throw new SnapError('CONFIG_NOT_FOUND', `no snap.config.yaml in ${cwd}, which is ${inData === cwd ? 'a data directory' : `in the data directory ${inData}`}`, {
      exitCode: ExitCode.usage,
      hint: config ? `run it from ${above}, or pass --config ${config}` : `pass --data-dir ${inData} (the read commands need no config), or --config <file>`,
    });
  }
  throw new SnapError('CONFIG_NOT_FOUND', `no snap.config.yaml in ${cwd}`, {
    exitCode: ExitCode.usage,
    hint: 'run `snap onboard` to create one, pass --config <file> or set SNAP_CONFIG; `snap demo` needs no config',
  });
}

/** Reads, validates and normalises a config file. Never throws for bad content: problems come back as issues. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  try {
    // A named pipe or a device would block for ever (and the exit with it); a config is small.
    text = await readRegularFile(file, 4 * 1048576);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'config file not found' : ['EISDIR', 'ENOTREG', 'EFBIG'].includes(code ?? '') ? `cannot use it as a config: ${(error as Error).message}` : `cannot read config file (${code ?? String(error)})`;
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message, hint: 'pass --config <file> or run `snap onboard`' }] };
  }
  return parseConfig(text, file, options);
}

/** js-yaml's YAML 1.2 core schema (what `yaml` reads by default: no timestamps) with merge keys (`<<`). */
const QUICK_SCHEMA = jsyaml.CORE_SCHEMA.extend({ implicit: [(jsyaml as unknown as { types: { merge: jsyaml.Type } }).types.merge] });

/**
 * The config's plain value read by js-yaml, about ten times faster than `yaml` on a config of a
 * thousand services; undefined when it is not a plain mapping of that schema, or when the text has an
 * anchor (aliases are expanded under `yaml`'s limit only) or an explicit `? ` key. Then — and for any
 * config that does not validate — `yaml` reads it, which knows where every node is.
 */
export function quickParse(text: string): Record<string, unknown> | undefined {
  if (/(^|[\s:\-[{,])&[^\s]/m.test(text) || /^\s*\?(\s|$)/m.test(text)) return undefined;
  try {
    const value = jsyaml.load(text, { schema: QUICK_SCHEMA });
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    return emptySectionsAsDefaults(value) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env;
  // Binary or UTF-16 (NUL bytes), or not UTF-8 (replacement characters): say so, not 4 KB of escapes.
  if (text.includes('\u0000') || text.includes('\ufffd')) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'the file is not UTF-8 text (it is binary, or UTF-16)', hint: 'save the config as UTF-8 YAML' }] };
  }
  if (!options.exactParse) {
    const fast = quickParse(text);
    if (fast !== undefined) {
      const parsed = configSchema.safeParse(fast);
      if (parsed.success) {
        // Positions only when an issue needs one: then the document is parsed again, by `yaml`.
        let located: { doc: ReturnType<typeof parseDocument>; lineCounter: LineCounter } | undefined;
        const positionOf = (keys: KeyPath) => {
          if (!located) {
            const lineCounter = new LineCounter();
            located = { doc: parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true }), lineCounter };
          }
          const offset = nodeAt(located.doc, keys)?.range?.[0];
          return offset === undefined ? {} : { line: located.lineCounter.linePos(offset).line, column: located.lineCounter.linePos(offset).col };
        };
        return normalise(parsed.data, file, options, env, positionOf);
      }
    }
  }
  const lineCounter = new LineCounter();
  // merge: `<<: *defaults` (YAML 1.1 merge keys) is common in hand-written configs.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const at = (offset: number | undefined) => (offset === undefined ? {} : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col });
  if (doc.errors.length > 0) {
    // The first error is the one to fix; what follows is often its echo.
    const first = doc.errors[0]!;
    return { warnings: [], errors: [{ severity: 'error', file, path: '', ...at(first.pos[0]), ...explainYamlError(first, text, lineCounter) }] };
  }
  const complex = complexKey(doc);
  if (complex !== undefined) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', ...at(complex), message: 'a key is a list or a mapping ("? …" syntax)', hint: 'write each key as a plain word followed by ":"' }] };
  }
  let raw: unknown;
  try {
    // Nested thousands deep, the document would overflow the stack on the way (a RangeError below).
    // Aliases are expanded here: an alias bomb or an alias to no anchor is a YAML error like any other.
    raw = emptySectionsAsDefaults(doc.toJS({ maxAliasCount: 100 }));
  } catch (error) {
    if (error instanceof RangeError) return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'YAML: the document is nested too deeply to read', hint: 'a config is a few levels deep: check the indentation, or for brackets that are never closed' }] };
    const message = (error as Error).message.replace(/ indicates a resource exhaustion attack/, ' (an alias bomb?)');
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: `YAML: ${message}`, hint: 'fix the YAML: define each anchor (&name) before its alias (*name), and do not nest aliases deeply' }] };
  }
  if (doc.contents === null || raw === null || raw === undefined) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'the file is empty', hint: 'run `snap onboard` to write a config, or start from templates/snap.config.example.yaml' }] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      warnings: [],
      errors: [{ severity: 'error', file, path: '', ...at(doc.contents?.range?.[0]), message: `the file holds ${Array.isArray(raw) ? 'a list' : `a single value (${describeValue(raw)})`}, not a config: a config is a mapping of keys (version:, environments:, projects:, …)`, hint: 'run `snap onboard` to write a config, or start from templates/snap.config.example.yaml' }],
    };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    return { warnings: [], errors: withoutEchoes(parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, doc, file, at))) };
  }
  const positionOf = (keys: KeyPath) => at(nodeAt(doc, keys)?.range?.[0]);
  return normalise(parsed.data, file, options, env, positionOf);
}

function normalise(
  raw: RawConfig,
  file: string,
  options: LoadOptions,
  env: NodeJS.ProcessEnv,
  positionOf: (keys: KeyPath) => { line?: number; column?: number },
): LoadResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const error = (keys: KeyPath, message: string, hint?: string) => errors.push({ severity: 'error', file, path: formatPath(keys), ...positionOf(keys), message, hint });
  const warn = (keys: KeyPath, message: string, hint?: string) => warnings.push({ severity: 'warning', file, path: formatPath(keys), ...positionOf(keys), message, hint });

  const dir = path.dirname(path.resolve(file));
  if (raw.monitoring?.prometheusFile && !raw.monitoring.prometheusFile.endsWith('.prom')) {
    warn(['monitoring', 'prometheusFile'], `node_exporter's textfile collector reads only files named *.prom; "${path.basename(raw.monitoring.prometheusFile)}" would be ignored`, 'name it e.g. snap.prom');
  }
  const checkEnvironments = (list: RawConfig['environments'], keys: KeyPath) => {
    const seen = new Set<string>();
    list?.forEach((e, i) => {
      if (seen.has(e.name)) error([...keys, i, 'name'], `environment "${e.name}" is listed twice`, 'give each environment a unique name');
      seen.add(e.name);
      if (e.targets && (e.context || e.namespaces)) {
        error([...keys, i, 'targets'], `environment "${e.name}" has both targets and context/namespaces`, 'list every cluster under targets (each with its context and namespaces), or use context and namespaces alone');
      } else if (!e.targets && !e.context) {
        error([...keys, i], `environment "${e.name}" has no context`, 'add "context:" with the kubeconfig context, or "targets:" with one entry per cluster');
      }
      const contexts = new Set<string>();
      e.targets?.forEach((t, ti) => {
        if (contexts.has(t.context)) error([...keys, i, 'targets', ti, 'context'], `context "${t.context}" is listed twice in environment "${e.name}"`, 'list each cluster once, with all its namespaces');
        contexts.add(t.context);
      });
    });
  };
  checkEnvironments(raw.environments, ['environments']);

  const projectNames = new Set<string>();
  const projects: Project[] = raw.projects.map((p, pi) => {
    if (projectNames.has(p.name)) error(['projects', pi, 'name'], `project "${p.name}" is listed twice`, 'give each project a unique name');
    projectNames.add(p.name);
    checkEnvironments(p.environments, ['projects', pi, 'environments']);
    const source = p.environments ?? raw.environments;
    if (!source || source.length === 0) {
      error(['projects', pi], `project "${p.name}" has no environments`, 'add a top-level "environments:" list or one inside the project');
    }
    const namespacesOf = (list: string[] | undefined) => (list ? [...new Set(list.map((ns) => ns.replaceAll('{project}', p.name)))] : null);
    const environments: Environment[] = (source ?? []).map((e) => {
      const targets = (e.targets ?? [{ context: e.context ?? '', namespaces: e.namespaces }]).map((t) => ({ context: t.context, namespaces: namespacesOf(t.namespaces) }));
      return { name: e.name, context: targets[0].context, namespaces: targets[0].namespaces, targets };
    });
    const serviceNames = new Set<string>();
    const services = p.services.map((s, si) => {
      const keys: KeyPath = ['projects', pi, 'services', si];
      if (serviceNames.has(s.name)) error([...keys, 'name'], `service "${s.name}" is listed twice in project "${p.name}"`, 'give each service of a project a unique name');
      serviceNames.add(s.name);
      const workload: Service['workload'] = { ...s.workload };
      if (workload.selector) {
        try {
          parseLabelSelector(workload.selector);
        } catch (e) {
          if (!(e instanceof LabelSelectorError)) throw e;
          error([...keys, 'workload', 'selector'], e.message, 'write it as kubectl -l takes it, e.g. "app.kubernetes.io/name=api,tier!=canary"');
        }
      }
      if (!workload.name && !workload.selector) workload.name = s.name;
      const version = s.version ?? { from: 'image-tag' as const };
      if (version.from !== 'image-tag' && !version.key) {
        error([...keys, 'version'], `version.from is "${version.from}" but no key is given`, `add "key:" with the ${version.from} name`);
      }
      if (version.from === 'image-tag' && version.key) warn([...keys, 'version', 'key'], 'key is ignored when version.from is "image-tag"');
      const paths = s.paths ? [...new Set(s.paths.map((x) => x.replace(/\/+$/, '')))] : undefined;
      const known = environments.map((e) => e.name);
      const only = s.environments?.map((entry, ei) => {
        const e: { name: string; contexts?: string[] } = typeof entry === 'string' ? { name: entry } : entry;
        const env = environments.find((x) => x.name === e.name);
        if (!env) error([...keys, 'environments', ei], `service "${s.name}" names environment "${e.name}", which project "${p.name}" does not have`, `its environments: ${known.join(', ')}`);
        const contexts = env?.targets.map((t) => t.context) ?? [];
        e.contexts?.forEach((c, ci) => {
          if (env && !contexts.includes(c)) error([...keys, 'environments', ei, 'contexts', ci], `service "${s.name}" names context "${c}" in environment "${e.name}", which is not one of its targets`, `its contexts: ${contexts.join(', ')}`);
        });
        return e.contexts ? { name: e.name, contexts: [...new Set<string>(e.contexts)] } : { name: e.name };
      });
      return { name: s.name, repository: s.repository, workload, version, ...(paths ? { paths } : {}), ...(only ? { environments: only } : {}) };
    });
    return { name: p.name, environments, services };
  });

  const alerts = normaliseAlerts(raw.alerts, env, warn, error);
  // Settings from the environment (and --data-dir) are checked like the file's: they end up in the
  // same places (requests, crontabs, unit files), where a line break would start a new line.
  const fromOutside: [string, string | undefined][] = [['--data-dir', options.dataDir], ['SNAP_DATA_DIR', env.SNAP_DATA_DIR], ['SNAP_GITHUB_URL', env.SNAP_GITHUB_URL], ['SNAP_KUBECONFIG', env.SNAP_KUBECONFIG], ['KUBECONFIG', env.KUBECONFIG]];
  for (const [name, value] of fromOutside) {
    // eslint-disable-next-line no-control-regex
    if (value && /[\u0000-\u001f\u007f]/.test(value)) errors.push({ severity: 'error', file, path: name, message: `${name} holds a line break or another control character`, hint: `set ${name} to the value alone, on one line` });
  }
  // --data-dir and SNAP_DATA_DIR are relative to the working directory, the file's dataDir to the file.
  const dataDir = path.resolve(options.dataDir || env.SNAP_DATA_DIR ? process.cwd() : dir, expandHome(options.dataDir || env.SNAP_DATA_DIR || raw.dataDir || '.snap', env));
  // snap cleans its data directory (temp files, retention): never the root of a file system.
  if (dataDir === path.parse(dataDir).root) errors.push({ severity: 'error', file, path: options.dataDir ? '--data-dir' : env.SNAP_DATA_DIR ? 'SNAP_DATA_DIR' : 'dataDir', message: `the data directory would be ${dataDir}, the root of the file system`, hint: 'give snap a directory of its own, e.g. /var/lib/snap or .snap beside the config' });
  // The report is no file of snap's own: not in the data directory, not the config.
  if (raw.report?.path) {
    const target = path.resolve(dir, expandHome(raw.report.path, env));
    const rel = path.relative(dataDir, target);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) error(['report', 'path'], `${raw.report.path} is inside the data directory ${dataDir}, where snap keeps its own files`, 'write the report beside it, e.g. report.path: site/index.html');
    else if (target === path.resolve(file)) error(['report', 'path'], 'the report would replace this config', 'e.g. report.path: site/index.html');
  }
  if (env.SNAP_GITHUB_URL && !errors.some((e) => e.path === 'SNAP_GITHUB_URL')) {
    const url = URL.canParse(env.SNAP_GITHUB_URL) ? new URL(env.SNAP_GITHUB_URL) : undefined;
    if (!url || !/^https?:$/.test(url.protocol)) errors.push({ severity: 'error', file, path: 'SNAP_GITHUB_URL', message: 'SNAP_GITHUB_URL is not an http(s) URL', hint: 'e.g. https://api.github.com, or https://github.example.com/api for GitHub Enterprise Server; it beats github.url in the file' });
    else if (url.username || url.password || url.search || url.hash) errors.push({ severity: 'error', file, path: 'SNAP_GITHUB_URL', message: 'SNAP_GITHUB_URL must not hold credentials or a query string (they would be printed and saved)', hint: 'the token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`' });
  }
  if (errors.length > 0) return { errors, warnings };

  const kubeconfig = env.SNAP_KUBECONFIG || raw.kubernetes?.kubeconfig;
  const k = raw.kubernetes;
  const g = raw.github;
  const githubUrl = githubApiUrl(env.SNAP_GITHUB_URL || g?.url);
  const config: Omit<Config, 'hash'> = {
    path: path.resolve(file),
    dataDir,
    kubernetes: {
      kubeconfig: kubeconfig ? path.resolve(dir, expandHome(kubeconfig, env)) : undefined,
      concurrency: k?.concurrency ?? 4,
      pageSize: k?.pageSize ?? 500,
      requestTimeoutMs: Math.round((k?.requestTimeoutSeconds ?? 20) * 1000),
      listScope: k?.listScope ?? 'auto',
    },
    github: {
      url: githubUrl,
      graphqlUrl: `${githubUrl}/graphql`,
      concurrency: g?.concurrency ?? 4,
      batchSize: g?.batchSize ?? 10,
      pageSize: g?.pageSize ?? 100,
      maxPages: g?.maxPages ?? 50,
      requestTimeoutMs: Math.round((g?.requestTimeoutSeconds ?? 30) * 1000),
      maxWaitMs: Math.round((g?.maxWaitSeconds ?? 900) * 1000),
    },
    history: { days: raw.history?.days ?? 60 },
    // Default: 30 days of snapshot files (those the release history names are kept regardless).
    retention: raw.retention?.keep || raw.retention?.maxAgeDays ? { ...(raw.retention?.keep ? { keep: raw.retention.keep } : {}), ...(raw.retention?.maxAgeDays ? { maxAgeDays: raw.retention.maxAgeDays } : {}) } : { maxAgeDays: DEFAULT_RETENTION_DAYS, keep: DEFAULT_RETENTION_KEEP },
    alerts,
    ...(raw.report ? { report: { ...(raw.report.path ? { path: path.resolve(dir, expandHome(raw.report.path, env)) } : {}), windowMs: spanMs(raw.report.since) ?? 30 * 86_400_000 } } : {}),
    monitoring: raw.monitoring?.prometheusFile ? { prometheusFile: path.resolve(dir, expandHome(raw.monitoring.prometheusFile, env)) } : {},
    tickets: {
      ...(raw.tickets?.jiraProjects?.length ? { jiraProjects: [...new Set(raw.tickets.jiraProjects.map((k) => k.toUpperCase()))] } : {}),
      githubIssues: raw.tickets?.githubIssues ?? true,
      hosts: raw.tickets?.hosts ?? [],
    },
    projects,
  };
  const hash = createHash('sha256')
    .update(JSON.stringify({ kubernetes: config.kubernetes, github: config.github.url, history: config.history, tickets: config.tickets, projects }))
    .digest('hex')
    .slice(0, 16);
  return { config: { ...config, hash }, errors, warnings };
}

/**
 * Alert channels with their defaults. Secrets stay in environment variables: a channel whose variable is
 * unset is kept (the variable may be set where snap runs) and warned about.
 */
/**
 * When the config sets no retention: snapshot files older than 30 days, or beyond the newest 800, are
 * deleted, whichever comes first. A mid-size organisation's snapshot (40 services) is about 0.75 MB, so
 * 800 take about 600 MB of the CronJob template's 1 GiB volume (8 days at 15-minute runs, a month at
 * hourly ones); DISK_SPACE_LOW warns before a larger organisation fills it.
 */
const DEFAULT_RETENTION_DAYS = 30;
const DEFAULT_RETENTION_KEEP = 800;

/** Hosts where plain-text SMTP never leaves the machine. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

function normaliseAlerts(raw: RawConfig['alerts'], env: NodeJS.ProcessEnv, warn: (keys: KeyPath, message: string, hint?: string) => void, error: (keys: KeyPath, message: string, hint?: string) => void = warn): AlertSettings {
  const channels: AlertChannel[] = [];
  const unset = (name: string) => !env[name];
  if (raw?.slack) {
    channels.push({ kind: 'slack', webhookUrlEnv: raw.slack.webhookUrlEnv });
    if (unset(raw.slack.webhookUrlEnv)) warn(['alerts', 'slack'], `${raw.slack.webhookUrlEnv} is not set: Slack alerts cannot be sent`, `export ${raw.slack.webhookUrlEnv}=https://hooks.slack.com/services/…`);
  }
  if (raw?.webhook) {
    channels.push({ kind: 'webhook', ...(raw.webhook.url ? { url: raw.webhook.url } : {}), urlEnv: raw.webhook.urlEnv, tokenEnv: raw.webhook.tokenEnv });
    if (!raw.webhook.url && unset(raw.webhook.urlEnv)) warn(['alerts', 'webhook'], `no url and ${raw.webhook.urlEnv} is not set: webhook alerts cannot be sent`, `add "url:" or export ${raw.webhook.urlEnv}`);
    const url = raw.webhook.url ?? env[raw.webhook.urlEnv];
    if (url && /^https?:\/\/[^/@]+@/i.test(url) && !unset(raw.webhook.tokenEnv)) {
      warn(['alerts', 'webhook'], `the URL's user name and password are not sent: the bearer token from ${raw.webhook.tokenEnv} takes the Authorization header`, `use one of the two: unset ${raw.webhook.tokenEnv}, or take the credentials out of the URL`);
    }
  }
  if (raw?.email) {
    const e = raw.email;
    channels.push({ kind: 'email', host: e.host, port: e.port, tls: e.tls ?? (e.port === 465 ? 'implicit' : 'starttls'), from: e.from, to: e.to, userEnv: e.userEnv, passwordEnv: e.passwordEnv });
    if (!unset(e.userEnv) && unset(e.passwordEnv)) warn(['alerts', 'email'], `${e.userEnv} is set but ${e.passwordEnv} is not`, `export ${e.passwordEnv}`);
    // Plain text beyond this machine would send the SMTP login and the alerts in clear.
    if (e.tls === 'none' && !LOOPBACK.test(e.host) && !e.allowPlaintext) {
      error(['alerts', 'email', 'tls'], `tls: none sends the SMTP login and the alerts in clear to ${e.host}, which is not this machine`, 'use tls: starttls (port 587) or implicit (465); if the network is trusted, set allowPlaintext: true');
    }
  }
  return {
    on: raw?.on ? [...new Set(raw.on)] : ['failure', 'recovery', 'stale', 'anomaly', 'degraded'],
    degradedAfter: { runs: raw?.degradedAfterRuns ?? 3, ms: Math.round((raw?.degradedAfterMinutes ?? 60) * 60_000) },
    ...(raw?.staleAfterMinutes ? { staleAfterMs: Math.round(raw.staleAfterMinutes * 60_000) } : {}),
    anomalyFactor: raw?.anomalyFactor ?? 3,
    retries: raw?.retries ?? 3,
    timeoutMs: Math.round((raw?.timeoutSeconds ?? 10) * 1000),
    channels,
  };
}

/** The GitHub API base URL: the default, or a given one without a trailing slash or `/graphql`. */
export function githubApiUrl(raw: string | undefined): string {
  return (raw || 'https://api.github.com').replace(/\/+$/, '').replace(/\/graphql$/, '');
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? path.join(env.HOME ?? '', p.slice(1)) : p;
}

/** Loads a config and throws one SnapError listing every problem when it is not usable. */
export async function loadConfigOrThrow(file: string, options: LoadOptions = {}): Promise<{ config: Config; warnings: ConfigIssue[] }> {
  const result = await loadConfig(file, options);
  if (!result.config || result.errors.length > 0) {
    throw new SnapError('CONFIG_INVALID', `${file} has ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}`, {
      exitCode: ExitCode.usage,
      details: result.errors.map(formatIssue),
      hint: 'fix the keys named above; `snap config validate` checks the file without running',
    });
  }
  return { config: result.config, warnings: result.warnings };
}
