import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ExitCode, SnapError } from '../errors.js';
import { LabelSelectorError, parseLabelSelector } from '../sources/kubernetes/label-selector.js';
import { didYouMean } from './did-you-mean.js';
import { configSchema, type RawConfig } from './schema.js';
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
}

type KeyPath = (string | number)[];

export function formatPath(keys: readonly PropertyKey[]): string {
  return keys.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Finds the config file: --config, then SNAP_CONFIG, then snap.config.yaml / .yml in the working directory. */
export async function findConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<string> {
  const chosen = explicit || env.SNAP_CONFIG || undefined;
  if (chosen) return path.resolve(cwd, chosen);
  for (const candidate of ['snap.config.yaml', 'snap.config.yml']) {
    const full = path.join(cwd, candidate);
    try {
      await readFile(full);
      return full;
    } catch {
      // try the next name
    }
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
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'config file not found' : `cannot read config file (${code ?? String(error)})`;
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message, hint: 'pass --config <file> or run `snap onboard`' }] };
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env;
  // Binary or UTF-16 (NUL bytes), or not UTF-8 (replacement characters): say so, not 4 KB of escapes.
  if (text.includes('\u0000') || text.includes('\ufffd')) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'the file is not UTF-8 text (it is binary, or UTF-16)', hint: 'save the config as UTF-8 YAML' }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => (offset === undefined ? {} : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col });
  if (doc.errors.length > 0) {
    return {
      warnings: [],
      errors: doc.errors.map((e) => ({ severity: 'error', file, path: '', ...at(e.pos[0]), message: `YAML: ${e.message.split('\n')[0]}`, hint: 'fix the YAML syntax' })),
    };
  }
  let raw: unknown;
  try {
    // Aliases are expanded here: an alias bomb or an alias to no anchor is a YAML error like any other.
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    const message = (error as Error).message.replace(/ indicates a resource exhaustion attack/, ' (an alias bomb?)');
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: `YAML: ${message}`, hint: 'fix the YAML: define each anchor (&name) before its alias (*name), and do not nest aliases deeply' }] };
  }
  if (doc.contents === null) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'the file is empty', hint: 'run `snap onboard` to write a config, or start from templates/snap.config.example.yaml' }] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    return { warnings: [], errors: parsed.error.issues.flatMap((issue) => describeIssue(issue, raw, doc, file, at)) };
  }
  const positionOf = (keys: KeyPath) => at(nodeAt(doc, keys)?.range?.[0]);
  return normalise(parsed.data, file, options, env, positionOf);
}

function nodeAt(doc: Document, keys: KeyPath): { range?: [number, number, number] | null } | undefined {
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] | null } | undefined;
    if (node && typeof node === 'object') return node;
  }
  return undefined;
}

function valueAt(raw: unknown, keys: readonly PropertyKey[]): unknown {
  return keys.reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), raw);
}

/** The keys a schema object accepts at a path, for "did you mean". */
function knownKeysAt(keys: readonly PropertyKey[]): string[] {
  let schema: any = configSchema;
  const unwrap = () => {
    while (schema?._zod?.def && ['optional', 'default', 'nullable', 'prefault'].includes(schema._zod.def.type)) schema = schema._zod.def.innerType;
  };
  for (const key of keys) {
    unwrap();
    if (schema?._zod?.def?.type === 'array') schema = schema._zod.def.element;
    else if (schema?._zod?.def?.type === 'object') schema = schema._zod.def.shape[key as string];
    else return [];
  }
  unwrap();
  return schema?._zod?.def?.type === 'object' ? Object.keys(schema._zod.def.shape) : [];
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  doc: Document,
  file: string,
  at: (offset: number | undefined) => { line?: number; column?: number },
): ConfigIssue[] {
  const keys = issue.path as KeyPath;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(keys);
    const map = doc.getIn(keys, true);
    return issue.keys.map((key) => {
      const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
      const suggestion = didYouMean(key, known);
      return {
        severity: 'error' as const,
        file,
        path: formatPath([...keys, key]),
        ...at((pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0]),
        message: `unknown key "${key}"`,
        hint: suggestion ? `did you mean "${suggestion}"?` : `allowed keys here: ${known.join(', ')}`,
      };
    });
  }
  const missing = valueAt(raw, keys) === undefined;
  const position = at(nodeAt(doc, keys)?.range?.[0]);
  if (issue.code === 'invalid_type' && missing) {
    return [{ severity: 'error', file, path: formatPath(keys), ...position, message: 'is required', hint: `add "${String(keys[keys.length - 1])}:" (${issue.expected})` }];
  }
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    const got = valueAt(raw, keys);
    const suggestion = typeof got === 'string' ? didYouMean(got, issue.values.map(String)) : undefined;
    return [{ severity: 'error', file, path: formatPath(keys), ...position, message: `${JSON.stringify(got)} is not allowed`, hint: suggestion ? `did you mean "${suggestion}"? (allowed: ${allowed})` : `allowed: ${allowed}` }];
  }
  const message = issue.code === 'invalid_type' ? `expected ${issue.expected}, got ${describeValue(valueAt(raw, keys))}` : issue.message;
  return [{ severity: 'error', file, path: formatPath(keys), ...position, message }];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (not a finite number)`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
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
      return { name: s.name, repository: s.repository, workload, version, ...(paths ? { paths } : {}) };
    });
    return { name: p.name, environments, services };
  });

  const alerts = normaliseAlerts(raw.alerts, env, warn, error);
  if (errors.length > 0) return { errors, warnings };

  const dataDir = options.dataDir || env.SNAP_DATA_DIR || raw.dataDir || '.snap';
  const kubeconfig = env.SNAP_KUBECONFIG || raw.kubernetes?.kubeconfig;
  const k = raw.kubernetes;
  const g = raw.github;
  const githubUrl = githubApiUrl(env.SNAP_GITHUB_URL || g?.url);
  const config: Omit<Config, 'hash'> = {
    path: path.resolve(file),
    dataDir: path.resolve(options.dataDir || env.SNAP_DATA_DIR ? process.cwd() : dir, expandHome(dataDir, env)),
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
    retention: raw.retention?.keep || raw.retention?.maxAgeDays ? { ...(raw.retention?.keep ? { keep: raw.retention.keep } : {}), ...(raw.retention?.maxAgeDays ? { maxAgeDays: raw.retention.maxAgeDays } : {}) } : { maxAgeDays: DEFAULT_RETENTION_DAYS },
    alerts,
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
/** Snapshot files older than this are deleted when the config sets no retention (a 1 GiB volume holds about two weeks of a mid-size organisation at 15-minute runs). */
const DEFAULT_RETENTION_DAYS = 30;

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
