import { isMap, isScalar, isSeq, LineCounter, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { configSchema } from './schema.js';
import type { ConfigIssue } from './types.js';

/**
 * Config problems in words a user can act on: zod's issues and the yaml library's errors turned into
 * `path: message (hint)` with the line they are on, echoes dropped, values printed safely.
 */

/** A path of keys and list indexes in the config, e.g. ['projects', 0, 'name']. */
export type KeyPath = (string | number)[];

/** `['projects', 0, 'name']` → `projects[0].name`, keys printed safely. */
export function formatPath(keys: readonly PropertyKey[]): string {
  return keys.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${printable(String(key))}` : printable(String(key))), '');
}

/** Control characters (an escape sequence that would clear the screen) written as \uXXXX, and at most 80 characters. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 80 ? `${escaped.slice(0, 77)}…` : escaped;
}

/** The YAML node at `keys`, or the nearest one above it that exists (for its line and column). */
export function nodeAt(doc: Document, keys: KeyPath): { range?: [number, number, number] | null } | undefined {
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

export function describeIssue(
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
export function withoutEchoes(issues: ConfigIssue[]): ConfigIssue[] {
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
export function explainYamlError(error: { code: string; message: string; pos: [number, number] }, text: string, lines: LineCounter): { message: string; hint: string } {
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
export function complexKey(doc: Document): number | undefined {
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

export function describeValue(value: unknown): string {
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
