import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { generateFixture, PRESETS, pushCommits } from '../../sandbox/fixtures/generate.js';
import type { Fixture } from '../../sandbox/fixtures/types.js';
import { configForFixture, startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { Random } from '../../sandbox/fixtures/random.js';

/** The project folder (dist/bench/fault-campaign/common.js → ../../..). */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let snapBin = path.join(ROOT, 'bin', 'snap.js');

/**
 * Copies the built snap (bin, dist, templates, schema, package.json; node_modules linked) into `into`
 * and runs that copy from then on: a rebuild of dist/ while the campaign runs (someone else editing
 * src/) cannot put a half-written build under test.
 */
export async function freezeSnap(into: string): Promise<string> {
  for (const folder of ['bin', 'dist', 'templates', 'schema']) await cp(path.join(ROOT, folder), path.join(into, folder), { recursive: true });
  await cp(path.join(ROOT, 'package.json'), path.join(into, 'package.json'));
  await symlink(path.join(ROOT, 'node_modules'), path.join(into, 'node_modules'), 'dir');
  snapBin = path.join(into, 'bin', 'snap.js');
  return snapBin;
}

/** One case of an area that did not hold: what was done and what happened. */
export interface Failure {
  case: string;
  detail: string;
}

export interface AreaResult {
  area: string;
  title: string;
  tried: number;
  held: number;
  failures: Failure[];
  /** Facts worth knowing that are not failures (calibration, skipped cases, counts). */
  notes: string[];
  /** Every case with a one-line account of what happened (where the area gives one). */
  cases: { name: string; held: boolean; summary?: string }[];
  durationMs: number;
}

/** Counts cases of one area. */
export class Tally {
  tried = 0;
  held = 0;
  readonly failures: Failure[] = [];
  readonly notes: string[] = [];
  readonly cases: { name: string; held: boolean; summary?: string }[] = [];
  private readonly started = Date.now();

  constructor(
    readonly area: string,
    readonly title: string,
    private readonly log: (line: string) => void,
  ) {}

  record(name: string, problems: string[], summary?: string): boolean {
    this.tried++;
    this.cases.push({ name, held: problems.length === 0, ...(summary ? { summary } : {}) });
    if (problems.length === 0) {
      this.held++;
      return true;
    }
    const detail = problems.join('\n');
    this.failures.push({ case: name, detail });
    this.log(`  NOT HELD ${name}\n${indent(detail, 4)}`);
    return false;
  }

  note(text: string): void {
    this.notes.push(text);
    this.log(`  note: ${text}`);
  }

  result(): AreaResult {
    return { area: this.area, title: this.title, tried: this.tried, held: this.held, failures: this.failures, notes: this.notes, cases: this.cases, durationMs: Date.now() - this.started };
  }
}

export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

/** The sandbox's seeded generator: a campaign with the same --seed makes the same choices. */
export { Random };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The environment for a snap child: this process's, without anything that would point snap
 * elsewhere (SNAP_*, tokens, KUBECONFIG, colours), plus `extra` (undefined removes a variable).
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('SNAP_') || ['GITHUB_TOKEN', 'GH_TOKEN', 'KUBECONFIG', 'FORCE_COLOR', 'SMTP_PASSWORD'].includes(key)) continue;
    env[key] = value;
  }
  env.CI = '1';
  env.NO_COLOR = '1';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface ProcResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Killed by the harness's time limit. */
  timedOut: boolean;
}

export interface SnapProcess {
  pid: number;
  done: Promise<ProcResult>;
  /** Called with each complete stderr line as it arrives. */
  onStderrLine(fn: (line: string, atMs: number) => void): void;
  kill(signal?: NodeJS.Signals): boolean;
  startedAt: number;
}

/** Quotes an argument for a command line shown to a person. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts `node bin/snap.js …` asynchronously (a synchronous spawn would block the sandbox living in
 * this process). SIGKILLed after `timeoutMs`.
 */
export function startSnap(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; label?: string }): SnapProcess {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [snapBin, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const command = options.label ?? `snap ${args.map(shellQuote).join(' ')}`;
  let stdout = '';
  let stderr = '';
  let partialLine = '';
  const lineListeners: ((line: string, atMs: number) => void)[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (stdout += d));
  child.stderr!.on('data', (d: string) => {
    stderr += d;
    if (lineListeners.length === 0) return;
    partialLine += d;
    const lines = partialLine.split('\n');
    partialLine = lines.pop() ?? '';
    const at = Date.now() - startedAt;
    for (const line of lines) for (const fn of lineListeners) fn(line, at);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const done = new Promise<ProcResult>((resolve) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ command, code: null, signal: null, stdout, stderr: `${stderr}\n[harness: spawn failed: ${error.message}]`, ms: Date.now() - startedAt, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, stdout, stderr, ms: Date.now() - startedAt, timedOut });
    });
  });
  return {
    pid: child.pid ?? -1,
    done,
    startedAt,
    onStderrLine: (fn) => lineListeners.push(fn),
    kill: (signal = 'SIGKILL') => (child.exitCode === null && child.signalCode === null ? child.kill(signal) : false),
  };
}

export function runSnap(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; label?: string }): Promise<ProcResult> {
  return startSnap(args, options).done;
}

/** A stack trace, or the words snap uses for a bug. */
export function bugSigns(text: string): string[] {
  const found: string[] = [];
  if (/\n {4}at /.test(`\n${text}`)) found.push('a stack trace ("\\n    at ")');
  if (/internal error/i.test(text)) found.push('"internal error"');
  if (/a bug in snap/i.test(text)) found.push('"a bug in snap"');
  return found;
}

/** The last `n` lines of a text, for a report. */
export function tail(text: string, n = 8, width = 400): string {
  const lines = text.trimEnd().split('\n').slice(-n);
  return lines.map((l) => (l.length > width ? `${l.slice(0, width)}…` : l)).join('\n');
}

/** The first `n` lines of a text, for a report. */
export function head(text: string, n = 8, width = 400): string {
  const lines = text.trimEnd().split('\n').slice(0, n);
  return lines.map((l) => (l.length > width ? `${l.slice(0, width)}…` : l)).join('\n');
}

export function describeProc(p: ProcResult, lines = 8): string {
  const how = p.timedOut ? `killed by the harness after ${Math.round(p.ms)} ms (time limit)` : p.signal ? `ended by ${p.signal}` : `exit ${p.code}`;
  const parts = [`$ ${p.command}`, `  → ${how} in ${(p.ms / 1000).toFixed(2)} s`];
  if (p.stderr.trim()) parts.push(`  stderr (last lines):\n${indent(tail(p.stderr, lines), 4)}`);
  if (p.stdout.trim() && p.code !== 0) parts.push(`  stdout (first lines):\n${indent(head(p.stdout, Math.min(lines, 4)), 4)}`);
  return parts.join('\n');
}

/** A generated organisation in the sandbox, with a config and kubeconfig in a temp folder. */
export interface Org {
  fixture: Fixture;
  sandbox: Sandbox;
  dir: string;
  config: string;
  /** Writes another config (extra top-level keys, or an edit of the object) beside the first; returns its path. */
  writeConfig(name: string, extra?: Record<string, unknown>, mutate?: (raw: Record<string, any>) => void): Promise<string>;
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startOrg(options: { seed: number; size?: 'demo' | 'S'; extra?: Record<string, unknown>; sandbox?: SandboxOptions; prefix: string }): Promise<Org> {
  const fixture = generateFixture({ seed: options.seed, ...PRESETS[options.size ?? 'S'] });
  const sandbox = await startSandbox(fixture, options.sandbox ?? {});
  const dir = await mkdtemp(path.join(tmpdir(), `snap-faults-${options.prefix}-`));
  await sandbox.writeKubeconfig(dir);
  const writeConfig = async (name: string, extra: Record<string, unknown> = {}, mutate?: (raw: Record<string, any>) => void) => {
    const raw = configForFixture(fixture, 'kubeconfig.yaml', extra, sandbox.githubUrl) as Record<string, any>;
    mutate?.(raw);
    const file = path.join(dir, name);
    await writeFile(file, stringify(raw));
    return file;
  };
  const config = await writeConfig('snap.config.yaml', options.extra ?? {});
  return {
    fixture,
    sandbox,
    dir,
    config,
    writeConfig,
    env: (extra = {}) => childEnv({ GITHUB_TOKEN: sandbox.githubToken, ...extra }),
    async close() {
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What changed in the organisation between two runs (so runs have deployments and new commits to write). */
export function mutateOrg(org: Org, random: Random, options: { rolloutChance?: number; pushChance?: number } = {}): string[] {
  const done: string[] = [];
  if (random.next() < (options.rolloutChance ?? 0.5)) done.push(rolloutSomething(org, random));
  if (random.next() < (options.pushChance ?? 0.3)) {
    const repo = random.pick(org.fixture.repositories);
    const n = random.int(1, 4);
    pushCommits(org.fixture, repo.name, n);
    done.push(`pushed ${n} commit(s) to ${repo.name}`);
  }
  return done;
}

/**
 * Rolls one workload out to a version one of the same service's workloads ran (another environment's,
 * or an earlier revision: a promotion or a rollback), as `ClusterStore.rollout` does.
 */
export function rolloutSomething(org: Org, random: Random): string {
  const clusters = [...org.sandbox.kubernetes.clusters.values()];
  const cluster = random.pick(clusters);
  const workloads = cluster.store.fixture.deployments;
  const target = random.pick(workloads);
  const sameService = clusters.flatMap((c) => c.store.fixture.deployments.filter((d) => d.name === target.name && d.image === target.image));
  const candidates = sameService.flatMap((d) => d.revisions).filter((r) => r.tag !== target.revisions.at(-1)?.tag || r.digest !== target.revisions.at(-1)?.digest);
  const from = candidates.length ? random.pick(candidates) : target.revisions[0];
  cluster.store.rollout(target.namespace, target.name, { ...(from.tag ? { tag: from.tag } : {}), digest: from.digest, ...(from.annotations ? { annotations: from.annotations } : {}), createdAt: new Date().toISOString() });
  return `rolled ${cluster.context} ${target.namespace}/${target.name} out to ${from.tag ?? from.digest}`;
}
