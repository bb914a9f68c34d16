import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeploySpec, PullRequestPatch } from '../../src/sandbox/fixtures/from-git.js';
import { generateOps, type Op } from './git-history-ops.js';
import { playOps } from './git-history-play.js';
import { EMPTY_REPOSITORY, type Mode } from './git-script.js';

export { generateOps, HISTORY_NOW, type Op } from './git-history-ops.js';
export type { Mode } from './git-script.js';

/**
 * Random realistic histories, built with git (see git-history-ops.ts for the shapes: old history
 * years back then recent work, merge / squash / rebase pull requests, Jira keys in subjects,
 * branches and titles, release branches cut from tags with `git cherry-pick -x` hotfixes,
 * `git revert` of changes, of merges and of reverts, GitHub revert PRs, a commit with a wrong
 * committer date) and what is true of them, known from the operations, not from git and not from
 * snap. By default one `git fast-import` writes everything, reverts and cherry-picks exactly as
 * `git revert` / `git cherry-pick -x` write them; `mode: 'real'` runs those commands instead, and
 * both make the same commits (git-script.ts; test/git-history.test.ts).
 */
export interface HistoryTruth {
  /** The default branch (main) head. */
  head: string;
  /**
   * Ticket key → the commits that carry it: a commit whose message names it, or the merge / squash
   * commit of a pull request whose title or branch names it. Reverts (and revert-PR merges) and
   * cherry-picks are not carriers, though their messages name the key: they are in `reverts` and
   * `cherryPicks`.
   */
  carriers: Record<string, string[]>;
  /** Revert commit → the commits whose changes it undoes (a merge and its branch commits for `revert -m 1`). */
  reverts: Record<string, string[]>;
  /** Cherry-pick → the commit it copies (its `(cherry picked from commit …)` trailer). */
  cherryPicks: Record<string, string>;
}

export interface BuiltHistory {
  seed: number;
  /** The repository folder; its name is the repository name (`h<seed>`). */
  dir: string;
  name: string;
  ops: Op[];
  /** Ops that played; the others were skipped (a dropped reference, nothing left to revert). */
  applied: Set<number>;
  truth: HistoryTruth;
  /** dev, staging, prod: git revisions (tag names or SHAs) for fixtureFromGit, and their commits. */
  deploy: (DeploySpec & { sha: string; previousShas: string[] })[];
  /** What git cannot tell: rebase-merged PRs and revert-PR bodies. */
  pullRequests: PullRequestPatch[];
  /** How image tags are written for this history. */
  version: 'sha' | 'tag';
}

/** Settings that keep the build independent of the machine's git config, and deterministic. */
export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_COUNT: '3',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
  GIT_CONFIG_KEY_1: 'maintenance.auto',
  GIT_CONFIG_VALUE_1: 'false',
  // Small imports would otherwise be unpacked by a second process.
  GIT_CONFIG_KEY_2: 'fastimport.unpackLimit',
  GIT_CONFIG_VALUE_2: '1',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
  TZ: 'UTC',
};

export function runShell(file: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('bash', [file], cwd);
}

/**
 * Runs a bash script (strict mode) in `cwd`, written to a file under `scratch`; its standard output,
 * trimmed. Throws with the script and its standard error when it fails.
 */
export async function runScript(scratch: string, cwd: string, script: string): Promise<string> {
  const file = path.join(scratch, `script-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, `set -euo pipefail\n${script}\n`);
  const r = await runShell(file, cwd);
  if (r.code !== 0) throw new Error(`${script}\n${r.stderr}`);
  return r.stdout.trim();
}

function run(command: string, args: string[], cwd: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...GIT_ENV }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin?.end(input);
  });
}

let reapply: Promise<boolean> | undefined;

/** Whether this git writes a revert of a revert as `Reapply "…"` (git 2.43 and later). Asked once per process. */
export function gitWritesReapply(): Promise<boolean> {
  reapply ??= run('git', ['--version'], tmpdir()).then((r) => {
    const [major, minor] = (/(\d+)\.(\d+)/.exec(r.stdout) ?? []).slice(1).map(Number);
    return major > 2 || (major === 2 && minor >= 43);
  });
  return reapply;
}

export interface BuildOptions {
  /** Where the repository folder goes; a new temp folder by default. */
  parent?: string;
  /** `fast` (the default): one `git fast-import`; `real`: real `git revert` and `git cherry-pick -x`. Both make the same commits. */
  mode?: Mode;
}

/** Generates (or replays) the operations of `seed` and builds the repository with git. */
export async function buildHistory(seed: number, ops: Op[] = generateOps(seed), options: BuildOptions = {}): Promise<BuiltHistory> {
  const root = options.parent ?? (await mkdtemp(path.join(tmpdir(), 'snap-history-')));
  const name = `h${seed}`;
  const dir = path.join(root, name);
  for (const d of EMPTY_REPOSITORY.dirs) await mkdir(path.join(dir, d), { recursive: true });
  for (const [file, content] of Object.entries(EMPTY_REPOSITORY.files)) await writeFile(path.join(dir, file), content);
  const mode = options.mode ?? 'fast';
  const played = playOps(ops, name, mode, { reapply: await gitWritesReapply() });
  const made = new Map<number, string>();
  if (mode === 'fast') {
    const r = await run('git', ['fast-import', '--quiet', '--force', '--export-marks=.git/fi-marks'], dir, played.script);
    if (r.code !== 0) throw new Error(`building history ${seed} failed:\n${r.stderr}`);
    for (const line of (await readFile(path.join(dir, '.git/fi-marks'), 'utf8')).split('\n')) {
      const m = /^:(\d+) ([0-9a-f]{40})$/.exec(line);
      if (m) made.set(Number(m[1]), m[2]);
    }
  } else {
    const script = path.join(root, `${name}.sh`);
    await writeFile(script, played.script);
    const r = await runShell(script, dir);
    if (r.code !== 0) throw new Error(`building history ${seed} failed (${script}):\n${r.stderr}`);
    for (const m of r.stdout.matchAll(/^@c (\d+) ([0-9a-f]{40})$/gm)) made.set(Number(m[1]), m[2]);
  }
  // Git must have made exactly the commits computed: the truth is about them.
  const wrong = [...played.shas].filter(([id, sha]) => made.get(id) !== sha);
  if (wrong.length || made.size !== played.shas.size) throw new Error(`history ${seed} (${mode}): git made other commits than computed, e.g. #${wrong[0]?.[0]}: ${made.get(wrong[0]?.[0])} ≠ ${wrong[0]?.[1]}`);
  const r = played.resolve(made);
  return {
    seed,
    dir,
    name,
    ops,
    applied: played.applied,
    truth: { head: r.head, carriers: r.carriers, reverts: r.reverts, cherryPicks: r.cherryPicks },
    deploy: r.deploy,
    pullRequests: r.pullRequests,
    version: seed % 3 === 0 ? 'tag' : 'sha',
  };
}
