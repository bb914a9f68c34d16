import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitOracle, ticketStatus } from './helpers/git-answers.js';
import { buildHistory, generateOps, HISTORY_NOW, runScript, type BuiltHistory, type HistoryTruth, type Op } from './helpers/git-history.js';
import { mapLimit } from '../src/util/pool.js';

/**
 * The generated histories and the git side of the oracle, checked against git itself: the two
 * build modes make the same commits, the truth matches what git wrote (cherry-pick trailers,
 * revert messages), counts and ancestry match `git rev-list --count` and `git merge-base`.
 */
let root: string;
const SEEDS = Array.from({ length: 24 }, (_, i) => i + 1);
let fast: BuiltHistory[];

const git = (dir: string, script: string) => runScript(root, dir, script);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'snap-git-history-'));
  fast = await mapLimit(SEEDS, 3, (seed) => buildHistory(seed, undefined, { parent: path.join(root, 'fast') }));
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const refs = (h: BuiltHistory) => git(h.dir, 'git for-each-ref --format="%(refname) %(objectname)" refs/heads refs/tags && git rev-list --branches --tags | sort');

describe('generated histories', () => {
  it('are the same from the same seed, and made alike by real git revert / cherry-pick -x and by fast-import', async () => {
    const picked = fast.filter((h) => Object.keys(h.truth.cherryPicks).length > 0 || Object.keys(h.truth.reverts).length > 2).slice(0, 6);
    // Between them: cherry-picks, a merge reverted with -m 1, a revert of a revert, a GitHub revert PR.
    expect(picked.some((h) => Object.keys(h.truth.cherryPicks).length > 0)).toBe(true);
    expect(picked.some((h) => Object.values(h.truth.reverts).some((t) => t.length > 1))).toBe(true);
    expect(picked.some((h) => Object.values(h.truth.reverts).some((t) => t[0] in h.truth.reverts))).toBe(true);
    expect(picked.some((h) => h.ops.some((o) => o.kind === 'revert' && o.pr && h.applied.has(o.id)))).toBe(true);
    for (const h of picked) {
      const real = await buildHistory(h.seed, undefined, { parent: path.join(root, 'real'), mode: 'real' });
      expect(await refs(real)).toBe(await refs(h));
      expect(real.truth).toEqual(h.truth);
      expect(real.deploy).toEqual(h.deploy);
    }
    const again = await buildHistory(fast[0].seed, undefined, { parent: path.join(root, 'again') });
    expect(await refs(again)).toBe(await refs(fast[0]));
  }, 60_000);

  it('hold what real repositories hold', () => {
    const ops = fast.flatMap((h) => h.ops.filter((o) => h.applied.has(o.id)));
    const kinds = new Set(ops.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['bad-date', 'bulk', 'commit', 'deploy', 'hotfix', 'merge-pr', 'rebase-pr', 'release', 'revert', 'squash-pr', 'tag']);
    const byId = (h: BuiltHistory, id: number) => h.ops.find((o) => o.id === id)!;
    const reverts = fast.flatMap((h) => h.ops.filter((o): o is Extract<Op, { kind: 'revert' }> => o.kind === 'revert' && h.applied.has(o.id)).map((o) => ({ o, target: byId(h, o.target) })));
    expect(reverts.some((r) => r.target.kind === 'merge-pr')).toBe(true);
    expect(reverts.some((r) => r.target.kind === 'revert')).toBe(true);
    expect(reverts.some((r) => r.o.pr)).toBe(true);
    expect(ops.some((o) => o.kind === 'squash-pr' && o.dot)).toBe(true);
    // Deployments of tags made long before the 60-day window.
    const oldDeploys = fast.filter((h) => h.deploy.some((d) => /^v/.test(d.rev) && h.ops.some((o) => o.kind === 'tag' && o.name === d.rev && Date.parse(o.at) < HISTORY_NOW - 200 * 86_400_000)));
    expect(oldDeploys.length).toBeGreaterThan(2);
  });

  it('have a truth that agrees with what git wrote', async () => {
    let checked = 0;
    for (const h of fast) {
      const shas = [...new Set([...Object.keys(h.truth.cherryPicks), ...Object.keys(h.truth.reverts), ...Object.values(h.truth.carriers).flat()])];
      const merges = Object.values(h.truth.reverts).filter((t) => t.length > 1).map((t) => t[0]);
      // One git process per history: every message, then what each reverted merge brought.
      const out = await git(h.dir, [`git show -s --format='%H%x00%B%x1e' ${shas.join(' ')}`, ...merges.map((m) => `echo "@brought ${m} $(git rev-list ${m}^1..${m} | tr '\\n' ' ')"`)].join('\n'));
      const message = new Map(out.split('\x1e').map((r) => r.trim().split('\0') as [string, string]).filter(([sha]) => /^[0-9a-f]{40}$/.test(sha)));
      const brought = new Map([...out.matchAll(/^@brought (\w+) (.*)$/gm)].map((m) => [m[1], m[2].trim().split(' ')]));
      for (const [pick, original] of Object.entries(h.truth.cherryPicks)) {
        expect(message.get(pick)).toContain(`(cherry picked from commit ${original})`);
        checked++;
      }
      for (const [revert, targets] of Object.entries(h.truth.reverts)) {
        expect(message.get(revert)).toMatch(new RegExp(`^(Revert|Reapply) "[^]*"\\n\\nThis reverts commit ${targets[0]}`));
        // A merge is reverted with its branch: the other targets are the commits it brought.
        if (targets.length > 1) expect(new Set(targets)).toEqual(new Set(brought.get(targets[0])));
        checked++;
      }
      for (const [key, carriers] of Object.entries(h.truth.carriers)) {
        for (const c of carriers) {
          const pr = h.pullRequests.find((p) => p.mergeCommit === c);
          expect(`${message.get(c)} ${pr?.headRefName ?? ''} ${pr?.title ?? ''}`).toContain(key);
          expect(message.get(c)).not.toMatch(/^Revert|cherry picked from/);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  }, 60_000);

  it('still play with operations dropped (references to them are skipped)', async () => {
    for (const seed of [3, 4, 11]) {
      const ops = generateOps(seed).filter((o, i) => o.kind === 'deploy' || i % 3 !== 1);
      const h = await buildHistory(seed, ops, { parent: path.join(root, 'dropped') });
      expect(h.deploy.map((d) => d.env)).toEqual(['dev', 'staging', 'prod']);
      expect(h.applied.size).toBeLessThanOrEqual(ops.length);
    }
  }, 30_000);
});

describe("git's answers", () => {
  it('count and decide ancestry as git rev-list --count and git merge-base --is-ancestor do', async () => {
    const seen = new Set<string>();
    for (const h of fast.slice(0, 10)) {
      const oracle = await gitOracle(h);
      const { questions } = oracle;
      for (const q of questions) seen.add(`${q.kind} ${q.expected.split(' ')[0]}`);
      for (const [key] of oracle.windowTickets) for (const d of h.deploy) seen.add(`ticket ${oracle.status(key, d.env, oracle.carriers(key)!)}`);
      for (const [i, d] of h.deploy.entries()) {
        const previous = d.previousShas[d.previousShas.length - 1];
        const ancestor = await git(h.dir, `git merge-base --is-ancestor ${d.sha} ${previous} && echo true || echo false`);
        expect(questions.find((q) => q.id === `rollback ${d.env}`)?.expected).toBe(ancestor);
        const to = h.deploy[i + 1];
        if (!to) continue;
        const ahead = await git(h.dir, `git rev-list --count ${to.sha}..${d.sha}`);
        const behind = await git(h.dir, `git rev-list --count ${d.sha}..${to.sha}`);
        expect(questions.find((q) => q.id === `drift ${d.env}→${to.env}`)?.expected).toMatch(new RegExp(` ahead ${ahead} behind ${behind}$`));
      }
      expect(oracle.windowTickets.size).toBeGreaterThan(0);
    }
    // Rollbacks and not, every drift status, and every ticket status come up.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['drift ahead', 'drift diverged', 'drift same', 'rollback false', 'rollback true', 'ticket absent', 'ticket in', 'ticket partial', 'ticket reverted']));
  }, 30_000);

  it('give a ticket status from presence, cherry-picks and reverts', () => {
    const truth: HistoryTruth = {
      head: 'h',
      carriers: { 'A-1': ['c1', 'c2'], 'B-2': ['m'] },
      reverts: { r1: ['c1'], r2: ['r1'], rm: ['m', 'b1'] },
      cherryPicks: { p1: 'c1', pr1: 'r1' },
    };
    const status = (key: string, ...commits: string[]) => ticketStatus(key, new Set(commits), truth);
    expect(status('A-1', 'c1', 'c2')).toBe('in');
    expect(status('A-1', 'c1')).toBe('partial');
    expect(status('A-1')).toBe('absent');
    expect(status('A-1', 'c1', 'c2', 'r1')).toBe('partial');
    expect(status('A-1', 'c1', 'r1')).toBe('reverted');
    // A revert of the revert puts it back.
    expect(status('A-1', 'c1', 'c2', 'r1', 'r2')).toBe('in');
    // On a release branch: the cherry-pick brings it, a backported revert takes it out.
    expect(status('A-1', 'p1', 'c2')).toBe('in');
    expect(status('A-1', 'p1', 'pr1')).toBe('reverted');
    expect(status('B-2', 'm', 'b1')).toBe('in');
    expect(status('B-2', 'm', 'b1', 'rm')).toBe('reverted');
  });
});
