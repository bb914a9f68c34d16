import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuiltHistory, HistoryTruth } from './git-history.js';
import { HISTORY_NOW, runShell } from './git-history.js';

/**
 * The oracle's questions and git's answers to them, from the git CLI in the history's folder and
 * the history's truth — never from snap's code. One question per drift pair, per rollout and per
 * (ticket, environment); `expected` is a short string so that answers compare with ===.
 */
export type QuestionKind = 'drift' | 'rollback' | 'shipped' | 'ticket';

export interface Question {
  kind: QuestionKind;
  /** e.g. "drift staging→prod", "rollback prod", "ticket SHOP-7 prod". */
  id: string;
  expected: string;
  /** snap's answer, when the question is about what snap lists (worked out with the question). */
  snap?: string;
}

export type TicketStatus = 'in' | 'partial' | 'reverted' | 'absent';

/**
 * Ancestor sets and counts from git: `git rev-list` per deployed commit (and main's head), and
 * `git rev-list --left-right --count from...to` per pair (`--count to..from` and `from..to` in one
 * process). A rollback is the new commit in `git rev-list <previous>`, which is what
 * `git merge-base --is-ancestor` answers (test/git-history.test.ts checks that they agree).
 */
/** The history window the oracle's config uses, ending at the histories' `now`. */
export const WINDOW_DAYS = 60;

export interface GitOracle {
  /** Drift and rollback questions. */
  questions: Question[];
  /** Tickets snap must know: those with a carrier in the head's window (committer date), with those carriers. */
  windowTickets: Map<string, string[]>;
  /** Every carrier of a ticket, from the history's truth (undefined: git knows no such ticket). */
  carriers(key: string): string[] | undefined;
  /** The ticket's status in an environment, by git ancestry, over the given carriers. */
  status(key: string, env: string, carriers: readonly string[]): TicketStatus;
}

/**
 * Everything the oracle asks git, once per history. Tickets asked about are those snap promises to
 * know — a carrier in the head's history window (committer date within WINDOW_DAYS of `now`) —
 * and, through `ticketQuestions`, any other ticket snap lists (found below an old deployed commit).
 */
export async function gitOracle(h: BuiltHistory, now = HISTORY_NOW): Promise<GitOracle> {
  const envs = h.deploy;
  const revs = [...new Set([h.truth.head, ...envs.flatMap((d) => [d.sha, ...d.previousShas])])];
  // Every pair of environments, neighbours and further apart (dev → prod).
  const pairs = envs.flatMap((from, i) => envs.slice(i + 1).map((to) => ({ from, to })));
  // What each rollout shipped and took out: previous...new, left = only in the previous, right = only in the new.
  const rollouts = envs.filter((d) => d.previousShas.length && d.previousShas[d.previousShas.length - 1] !== d.sha);
  const lines = [
    'set -eu',
    ...revs.flatMap((r) => [`echo "@rev ${r}"`, `git rev-list ${r}`]),
    `echo "@dates"`,
    `git log --format='@date %H %ct' ${h.truth.head}`,
    ...pairs.map(({ from, to }) => `echo "@count ${from.env}→${to.env} $(git rev-list --left-right --count ${from.sha}...${to.sha})"`),
    ...rollouts.map((d) => `echo "@ship ${d.env} $(git rev-list --left-right --count ${d.previousShas[d.previousShas.length - 1]}...${d.sha})"`),
  ];
  const file = path.join(path.dirname(h.dir), `${h.name}-answers.sh`);
  await writeFile(file, `${lines.join('\n')}\n`);
  const run = await runShell(file, h.dir);
  if (run.code !== 0) throw new Error(`git answers for history ${h.seed} failed:\n${run.stderr}`);

  const ancestors = new Map<string, Set<string>>();
  const counts = new Map<string, [number, number]>();
  const shipped = new Map<string, [number, number]>();
  const dates = new Map<string, number>();
  let current: Set<string> | undefined;
  for (const line of run.stdout.split('\n')) {
    const [tag, a, ...rest] = line.split(/\s+/);
    if (tag === '@rev') ancestors.set(a, (current = new Set()));
    else if (tag === '@count') counts.set(a, [Number(rest[0]), Number(rest[1])]);
    else if (tag === '@ship') shipped.set(a, [Number(rest[0]), Number(rest[1])]);
    else if (tag === '@date') dates.set(a, Number(rest[0]) * 1000);
    else if (/^[0-9a-f]{40}$/.test(line)) current!.add(line);
  }

  const questions: Question[] = [];
  for (const { from, to } of pairs) {
    const [ahead, behind] = counts.get(`${from.env}→${to.env}`)!;
    const status = ahead === 0 && behind === 0 ? 'same' : behind === 0 ? 'ahead' : ahead === 0 ? 'behind' : 'diverged';
    questions.push({ kind: 'drift', id: `drift ${from.env}→${to.env}`, expected: `${status} ahead ${ahead} behind ${behind}` });
  }
  for (const d of envs) {
    const previous = d.previousShas[d.previousShas.length - 1];
    const rollback = d.sha !== previous && ancestors.get(previous)!.has(d.sha);
    questions.push({ kind: 'rollback', id: `rollback ${d.env}`, expected: String(rollback) });
  }

  for (const d of rollouts) {
    const [removed, added] = shipped.get(d.env)!;
    questions.push({ kind: 'shipped', id: `shipped ${d.env}`, expected: `shipped ${added} removed ${removed}` });
  }

  // The tickets snap promises to know: a carrier in the head's window (by committer date).
  const windowStart = now - WINDOW_DAYS * 86_400_000;
  const windowTickets = new Map<string, string[]>();
  for (const [key, carriers] of Object.entries(h.truth.carriers)) {
    const inWindow = carriers.filter((c) => (dates.get(c) ?? 0) >= windowStart);
    if (inWindow.length) windowTickets.set(key, inWindow);
  }
  const shaOf = new Map(envs.map((d) => [d.env, d.sha]));
  return {
    questions,
    windowTickets,
    carriers: (key) => h.truth.carriers[key],
    status: (key, env, carriers) => ticketStatus(key, ancestors.get(shaOf.get(env)!)!, { ...h.truth, carriers: { ...h.truth.carriers, [key]: [...carriers] } }),
  };
}

/**
 * A ticket's status where `ancestors` are deployed: a carrier is present when it or a cherry-pick of
 * it is there; a present change is reverted when a revert of it (or of its cherry-pick) is there
 * too and that revert is not itself reverted there. in: every carrier present and none reverted;
 * reverted: some present, every present one reverted; partial: some in effect, not all; absent: none present.
 */
export function ticketStatus(key: string, ancestors: ReadonlySet<string>, truth: HistoryTruth): TicketStatus {
  const picksOf = new Map<string, string[]>();
  for (const [pick, original] of Object.entries(truth.cherryPicks)) picksOf.set(original, [...(picksOf.get(original) ?? []), pick]);
  const copies = (c: string): string[] => [c, ...(picksOf.get(c) ?? []).flatMap(copies)];
  const revertsOf = new Map<string, string[]>();
  for (const [revert, targets] of Object.entries(truth.reverts)) for (const t of targets) revertsOf.set(t, [...(revertsOf.get(t) ?? []), revert]);
  const present = (c: string) => copies(c).some((x) => ancestors.has(x));
  const reverted = (c: string): boolean => copies(c).some((x) => (revertsOf.get(x) ?? []).some((r) => present(r) && !reverted(r)));

  const carriers = truth.carriers[key] ?? [];
  const here = carriers.filter(present);
  const inEffect = here.filter((c) => !reverted(c));
  if (here.length === 0) return 'absent';
  if (inEffect.length === 0) return 'reverted';
  return inEffect.length === carriers.length ? 'in' : 'partial';
}
