import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { readRegularFile } from '../util/read-file.js';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
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
  return keys.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${printable(String(key))}` : printable(String(key))), '');
}

/** Control characters (an escape sequence that would clear the screen) written as \uXXXX, and at most 80 characters. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 80 ? `${escaped.slice(0, 77)}…` : escaped;
}

/** Sections whose every key is optional: written empty (all keys commented out) they mean "the defaults". */
const OPTIONAL_SECTIONS = ['kubernetes', 'github', 'history', 'tickets', 'monitoring', 'retention', 'alerts'];
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

export function parseConfig(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env;
  // Binary or UTF-16 (NUL bytes), or not UTF-8 (replacement characters): say so, not 4 KB of escapes.
  if (text.includes('\u0000') || text.includes('\ufffd')) {
    return { warnings: [], errors: [{ severity: 'error', file, path: '', message: 'the file is not UTF-8 text (it is binary, or UTF-16)', hint: 'save the config as UTF-8 YAML' }] };
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
      const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
      const suggestion = didYouMean(key, known);
      return {
        severity: 'error' as const,
        file,
        path: formatPath([...keys, key]),
        ...at((pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0]),
        message: `unknown key "${printable(key)}"`,
        hint: secretHint(keys, key, suggestion) ?? (suggestion ? `did you mean "${suggestion}"?` : `allowed keys here: ${known.join(', ')}`),
      };
    });
  }
  const value = valueAt(raw, keys);
  const missing = value === undefined;
  const position = at(nodeAt(doc, keys)?.range?.[0]);
  const last = String(keys[keys.length - 1]);
  const issueAt = (message: string, hint?: string): ConfigIssue[] => [{ severity: 'error', file, path: formatPath(keys), ...position, message, ...(hint ? { hint } : {}) }];
  if (issue.code === 'invalid_type' && missing) return issueAt('is required', `add "${last}:" (${articled(issue.expected)})`);
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    if (missing) return issueAt('is required', `add "${last}: ${String(issue.values[0])}"`);
    if (issue.values.every((v) => typeof v === 'number')) {
      return issueAt(`${typeof value === 'number' ? describeValue(value) : JSON.stringify(value)} is not allowed`, typeof value === 'string' && issue.values.map(String).includes(value) ? `write the number without quotes: ${last}: ${value}` : `write ${last}: ${String(issue.values[0])}`);
    }
    const suggestion = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : undefined;
    return issueAt(`${JSON.stringify(value)} is not allowed`, suggestion ? `did you mean "${suggestion}"? (allowed: ${allowed})` : `allowed: ${allowed}`);
  }
  if (issue.code === 'invalid_type') {
    if (value === null) {
      const node = doc.getIn(keys, true) as { source?: string } | undefined;
      const tilde = isScalar(node) && node.source === '~';
      const item = typeof keys[keys.length - 1] === 'number';
      return issueAt(
        `expected ${articled(issue.expected)}, got nothing`,
        tilde ? '"~" is YAML for "nothing", not the home folder: quote it, e.g. "~/snap"' : item ? 'fill in the empty "-" item of the list, or remove it' : `write a value after "${last}:", or remove the key`,
      );
    }
    if (issue.expected === 'int') return issueAt(`must be a whole number, not ${describeValue(value)}`);
    if (issue.expected === 'boolean') return issueAt(`expected true or false, got ${describeValue(value)}`, 'write true or false (YAML 1.2 reads yes, no, on and off as words)');
    const item = typeof keys[keys.length - 1] === 'number';
    return issueAt(
      `expected ${articled(issue.expected)}, got ${describeValue(value)}`,
      issue.expected === 'object' ? (item ? 'write each item of the list as keys and values, e.g. "- name: api"' : `write the keys of "${last}" indented below it`) : undefined,
    );
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const limit = issue.code === 'too_small' ? (issue.inclusive === false ? 'more than' : 'at least') : issue.inclusive === false ? 'less than' : 'at most';
    const zodWords = /^Too (small|big)/.test(issue.message);
    if (!zodWords) return issueAt(issue.message);
    if (issue.origin === 'number') return issueAt(`must be ${limit} ${bound}, not ${describeValue(value)}`);
    if (issue.origin === 'string' && issue.code === 'too_small' && bound === 1) return issueAt('is empty', `write a value after "${last}:", or remove the key`);
    if (issue.origin === 'array') return issueAt(`needs ${limit} ${bound} entr${bound === 1 ? 'y' : 'ies'}`);
    return issueAt(`must have ${limit} ${bound} characters`);
  }
  return issueAt(issue.message);
}

/** A zod type name in words, with its article ("object" → "a mapping"). */
function articled(expected: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false' };
  return words[expected] ?? expected;
}

/**
 * A secret written where snap never reads one: say where it goes instead (the environment), not "did
 * you mean webhookUrlEnv?", which would steer the value into a variable-name field.
 */
function secretHint(keys: KeyPath, key: string, suggestion: string | undefined): string | undefined {
  const where = keys.map(String).join('.');
  if (!/token|password|passwd|secret|webhookurl|^url$|apikey|credential/i.test(key)) return undefined;
  if (where === 'github') return 'the token never goes in this file: export GITHUB_TOKEN (or GH_TOKEN), or sign in with `gh auth login`';
  if (where === 'alerts.slack') return 'the webhook URL is a secret and never goes in this file: export SNAP_SLACK_WEBHOOK_URL (webhookUrlEnv names another variable)';
  if (where === 'alerts.email') return 'the SMTP password never goes in this file: export SNAP_SMTP_PASSWORD (passwordEnv names another variable)';
  if (where === 'alerts.webhook' && /token/i.test(key)) return 'the token never goes in this file: export SNAP_WEBHOOK_TOKEN (tokenEnv names another variable)';
  return suggestion && /Env$/.test(suggestion) ? `secrets never go in this file: put the value in an environment variable and name it with "${suggestion}"` : undefined;
}

/**
 * Drops the errors that only echo another: "version is required" beside `unknown key "Version"` (did
 * you mean "version"?), and zod's safe-integer bound beside the key's own bound.
 */
function withoutEchoes(issues: ConfigIssue[]): ConfigIssue[] {
  const parentOf = (p: string) => p.split('.').slice(0, -1).join('.');
  const suggested = new Set(
    issues.filter((i) => i.message.startsWith('unknown key') && i.hint?.startsWith('did you mean')).map((i) => `${parentOf(i.path)}|${/did you mean "([^"]+)"/.exec(i.hint!)?.[1]}`),
  );
  const byPath = new Map<string, number>();
  for (const i of issues) byPath.set(i.path, (byPath.get(i.path) ?? 0) + 1);
  return issues.filter((i) => {
    if (i.message === 'is required' && suggested.has(`${parentOf(i.path)}|${i.path.split('.').at(-1)}`)) return false;
    if (/9007199254740991/.test(i.message) && (byPath.get(i.path) ?? 0) > 1) return false;
    return true;
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A YAML syntax error in words that name the fix: the yaml library's message says what it met, rarely
 * what was meant. Looks at the line the error is on. Returns the message and hint.
 */
function explainYamlError(error: { code: string; message: string; pos: [number, number] }, text: string, lines: LineCounter): { message: string; hint: string } {
  const first = error.message.split('\n')[0]!;
  if (/Maximum call stack/i.test(first)) return { message: 'YAML: the document is nested too deeply to read', hint: 'a config is a few levels deep: check the indentation, or for brackets that are never closed' };
  const all = text.split(/\r?\n/);
  const { line } = lines.linePos(error.pos[0]);
  const source = all[line - 1] ?? '';
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^\s*(?:-\s+)?([^:#\s][^:#]*?)\s*:/.exec(source)?.[1];
    const indent = source.search(/\S/);
    let earlier: number | undefined;
    if (key) {
      const pattern = new RegExp(`^\\s*(?:-\\s+)?${escapeRegExp(key)}\\s*:`);
      for (let i = line - 2; i >= 0; i--) {
        const l = all[i]!;
        if (l.trim() === '' || l.trim().startsWith('#')) continue;
        if (l.search(/\S/) === indent && pattern.test(l)) {
          earlier = i + 1;
          break;
        }
        if (l.search(/\S/) < indent) break;
      }
    }
    return { message: `YAML: the key ${key ? `"${printable(key)}" ` : ''}appears twice in the same mapping${earlier ? ` (lines ${earlier} and ${line})` : ''}`, hint: 'keep one of them' };
  }
  if (/multiple documents/i.test(first)) return { message: `YAML: the file holds more than one document (a "---" separator before line ${line})`, hint: 'a config is one document: remove the "---" and what follows it, or merge the two' };
  const indentation = source.slice(0, Math.max(0, source.search(/[^\t ]/)));
  if (indentation.includes('\t')) return { message: 'YAML: a tab in the indentation', hint: 'indent with spaces; YAML does not allow tabs there' };
  if (/^\s*-[^\s-]/.test(source)) return { message: `YAML: ${first}`, hint: 'put a space after the dash of a list item: "- name: …"' };
  if (/^\s*(?:-\s+)?[A-Za-z_$][\w.$-]*:[^\s/]/.test(source)) return { message: `YAML: ${first}`, hint: 'put a space after the colon: "key: value"' };
  if (/[{[][^}\]]*:\s[^}\]]*:\s/.test(source) || (/Block collections|flow collection/i.test(first) && /[{[]/.test(source))) {
    return { message: `YAML: ${first}`, hint: 'a value holding ": " inside { … } or [ … ] must be quoted, e.g. { selector: "app: api" }' };
  }
  if (error.code === 'BAD_INDENT' || /Nested mappings|indent/i.test(first)) {
    return { message: `YAML: ${first}`, hint: 'a key is indented differently from the keys beside it: align it with them (the same number of spaces)' };
  }
  return { message: `YAML: ${first}`, hint: 'fix the YAML syntax at that line' };
}

/** The offset of the first mapping key that is itself a list or a mapping (`? [a, b]`), if any. */
function complexKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as unknown;
      if (isMap(key) || isSeq(key)) {
        found = key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (not a finite number)`;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = printable(value);
    return value.length > 60 ? `the string ${JSON.stringify(shown.slice(0, 40))}… (${value.length} characters)` : `the string ${JSON.stringify(shown)}`;
  }
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
      return { name: s.name, repository: s.repository, workload, version, ...(paths ? { paths } : {}) };
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
  const chosenDataDir = options.dataDir || env.SNAP_DATA_DIR || raw.dataDir;
  if (chosenDataDir) {
    const resolved = path.resolve(options.dataDir || env.SNAP_DATA_DIR ? process.cwd() : path.dirname(path.resolve(file)), expandHome(chosenDataDir, env));
    // snap cleans its data directory (temp files, retention): never the root of a file system.
    if (resolved === path.parse(resolved).root) errors.push({ severity: 'error', file, path: options.dataDir ? '--data-dir' : env.SNAP_DATA_DIR ? 'SNAP_DATA_DIR' : 'dataDir', message: `the data directory would be ${resolved}, the root of the file system`, hint: 'give snap a directory of its own, e.g. /var/lib/snap or .snap beside the config' });
  }
  if (env.SNAP_GITHUB_URL && !errors.some((e) => e.path === 'SNAP_GITHUB_URL')) {
    const url = URL.canParse(env.SNAP_GITHUB_URL) ? new URL(env.SNAP_GITHUB_URL) : undefined;
    if (!url || !/^https?:$/.test(url.protocol)) errors.push({ severity: 'error', file, path: 'SNAP_GITHUB_URL', message: 'SNAP_GITHUB_URL is not an http(s) URL', hint: 'e.g. https://api.github.com, or https://github.example.com/api for GitHub Enterprise Server; it beats github.url in the file' });
    else if (url.username || url.password || url.search || url.hash) errors.push({ severity: 'error', file, path: 'SNAP_GITHUB_URL', message: 'SNAP_GITHUB_URL must not hold credentials or a query string (they would be printed and saved)', hint: 'the token comes from GITHUB_TOKEN, GH_TOKEN or `gh auth token`' });
  }
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
    retention: raw.retention?.keep || raw.retention?.maxAgeDays ? { ...(raw.retention?.keep ? { keep: raw.retention.keep } : {}), ...(raw.retention?.maxAgeDays ? { maxAgeDays: raw.retention.maxAgeDays } : {}) } : { maxAgeDays: DEFAULT_RETENTION_DAYS, keep: DEFAULT_RETENTION_KEEP },
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
