import type { CommitNode, RepoData } from '../../sources/github/types.js';
import type { CommitGraph } from '../graph/commit-graph.js';
import { ownPullRequest, type TicketRef, type TicketSource } from './extract.js';

/**
 * Which commits carry each ticket in one repository, which commits revert which, and which are
 * cherry-picks of which — all from what the data holds (references are extracted when it arrives).
 *
 * - A PR's references (title, branch, body) belong to its merge commit (the merge of a branch, the
 *   squash commit, or the last commit of a rebase merge); a commit message's to that commit.
 * - A revert (`This reverts commit <sha>.`, a `Revert "…"` subject, GitHub's revert PR with body
 *   `Reverts owner/repo#N` or branch `revert-N-…`) carries no ticket: its mention of a key or PR is
 *   about what it undoes. It is recorded as reverting its target (for a bare `Revert "<subject>"`,
 *   the nearest earlier commit with that subject); reverting a merge reverts what the merge brought.
 * - A cherry-pick is recorded as equivalent to its original: by `git cherry-pick -x`'s trailer, by
 *   the same PR number in a squash subject (`… (#12)`), or — off the default branch — by the same
 *   subject carrying the same ticket.
 */
export interface TicketChange {
  repository: string;
  commit: string;
  pr?: number;
  sources: TicketSource[];
  /** When the change reached its branch (PR merge time or commit time). */
  at: string;
  closes?: boolean;
  /** This change is a cherry-pick of that commit. */
  cherryPickOf?: string;
}

export interface RepoTickets {
  kind: Map<string, 'jira' | 'github'>;
  /** ticket key → changes, oldest first */
  changes: Map<string, TicketChange[]>;
  /** revert commit → the commits it reverts (a reverted merge: the merge and what it brought). */
  reverts: Map<string, string[]>;
  /** commit → the commits that revert it. */
  revertedBy: Map<string, string[]>;
  /** original commit → its cherry-picks (and theirs). */
  picks: Map<string, string[]>;
  /** cherry-pick → its original. */
  pickOf: Map<string, string>;
}

const REVERT_BRANCH = /(?:^|\/)revert-(\d+)-/;
const MERGE_FROM = /^Merge pull request #\d+ from \S+?\/(\S+)/;

const isRevertCommit = (c: CommitNode) => c.isRevert === true || (c.reverts?.length ?? 0) > 0;

export function indexRepoTickets(repo: RepoData, graph: CommitGraph, accepts: (ref: TicketRef) => boolean): RepoTickets {
  const resolve = (sha: string) => {
    const found = graph.find(sha);
    return found && found !== 'ambiguous' ? found.oid : undefined;
  };
  const prByNumber = new Map(repo.pullRequests.map((pr) => [pr.number, pr]));
  const prByCommit = new Map(repo.pullRequests.filter((pr) => pr.mergeCommit).map((pr) => [pr.mergeCommit!, pr]));

  // Reverts: by the message, by a revert PR, by the branch GitHub's revert button names.
  const reverts = new Map<string, string[]>();
  const addRevert = (by: string, target: string | undefined) => {
    if (!target || target === by) return;
    const c = graph.get(target);
    const brought = c && c.parents.length > 1 ? broughtBy(graph, c) : [target];
    reverts.set(by, [...new Set([...(reverts.get(by) ?? []), ...brought])]);
  };
  const revertCommits = new Set<string>();
  for (const c of graph.commits()) {
    const pr = prByCommit.get(c.oid);
    if (!pr && !c.isRevert && !c.reverts && !c.headline.startsWith('Merge pull request')) continue;
    const branch = pr?.headRefName ?? MERGE_FROM.exec(c.headline)?.[1];
    const revertedPr = pr?.revertsPr ?? (branch ? Number(REVERT_BRANCH.exec(branch)?.[1] ?? NaN) : NaN);
    const viaPr = Number.isFinite(revertedPr) && revertedPr > 0 ? prByNumber.get(revertedPr)?.mergeCommit : undefined;
    if (isRevertCommit(c) || pr?.revertsPr !== undefined || viaPr) revertCommits.add(c.oid);
    for (const sha of c.reverts ?? []) addRevert(c.oid, resolve(sha));
    // A `Revert "<subject>"` whose message lost the `This reverts commit` line (edited, or squashed):
    // the nearest earlier commit with that very subject.
    if (c.isRevert && !c.reverts?.length && !viaPr) addRevert(c.oid, bySubjectBefore(graph, c));
    // The merge of a revert PR reverts only through the revert commits it brings, when it brings
    // any: a later revert of those puts the work back, and the merge must not keep it out.
    if (viaPr && !(c.parents.length > 1 && broughtBy(graph, c).some((oid) => oid !== c.oid && isRevertCommit(graph.get(oid)!)))) addRevert(c.oid, viaPr);
  }
  const revertedBy = new Map<string, string[]>();
  for (const [by, targets] of reverts) for (const t of targets) revertedBy.set(t, [...(revertedBy.get(t) ?? []), by]);

  // Cherry-picks: the -x trailer, the same squash PR, or the same ticket-carrying subject off the default branch.
  const onBranch = repo.head && graph.has(repo.head) ? graph.ancestors(repo.head) : new Set<string>();
  const pickOf = new Map<string, string>();
  let bySubject: Map<string, string> | undefined;
  // Built only when an off-branch commit carries a ticket (most repositories have none).
  const subjects = () => {
    if (!bySubject) {
      bySubject = new Map();
      for (const oid of onBranch) {
        const c = graph.get(oid)!;
        if (c.tickets?.length && !isRevertCommit(c)) bySubject.set(`${c.author}\n${c.headline}`, oid);
      }
    }
    return bySubject;
  };
  // The trailers first: they are the facts the guesses below must not contradict.
  for (const c of graph.commits()) {
    const trailer = c.cherryPickOf ? c.cherryPickOf.map(resolve).find((o) => o !== undefined && o !== c.oid) : undefined;
    if (trailer) pickOf.set(c.oid, trailer);
  }
  for (const c of graph.commits()) {
    if (pickOf.has(c.oid) || onBranch.has(c.oid)) continue;
    const own = ownPullRequest(c.headline);
    const squash = own !== undefined ? prByNumber.get(own)?.mergeCommit : undefined;
    const same = squash && squash !== c.oid && onBranch.has(squash) ? squash : c.tickets?.length ? subjects().get(`${c.author}\n${c.headline}`) : undefined;
    // A hotfix made on a release branch and forward-ported to main with -x: main's commit is the
    // pick, this one the original; it must not also be taken for a pick of its own pick.
    if (same && same !== c.oid && !leadsTo(pickOf, same, c.oid)) pickOf.set(c.oid, same);
  }
  const picks = new Map<string, string[]>();
  for (const [pick, original] of pickOf) picks.set(original, [...(picks.get(original) ?? []), pick]);

  // A GitHub reference to a number the repository knows as a pull request names that PR, not a ticket.
  const prNumbers = new Set(repo.pullRequests.map((pr) => pr.number));
  for (const c of graph.commits()) {
    const h = c.headline;
    const own = h.endsWith(')') || h.endsWith('.') ? ownPullRequest(h) : h.startsWith('Merge pull request #') ? Number(/^Merge pull request #(\d+) /.exec(h)?.[1] ?? NaN) : undefined;
    if (own !== undefined && Number.isFinite(own)) prNumbers.add(own);
  }
  // What GitHub said the reference names, when asked; else a number the repository knows as a PR.
  const isPullRequest = (ref: TicketRef) =>
    ref.kind === 'github' &&
    (repo.references?.[ref.key] !== undefined ? repo.references[ref.key] === 'pull-request' || repo.references[ref.key] === 'missing' : ref.key.startsWith(`${repo.repository}#`) && prNumbers.has(Number(ref.key.slice(repo.repository.length + 1))));

  // Carriers: PRs' references on their merge commits, commit messages' on their commits; never a revert.
  const kind = new Map<string, 'jira' | 'github'>();
  const byCommit = new Map<string, Map<string, TicketChange>>();
  const add = (ref: TicketRef, commit: string, at: string, pr?: number) => {
    if (!accepts(ref) || revertCommits.has(commit) || isPullRequest(ref)) return;
    kind.set(ref.key, ref.kind);
    let perCommit = byCommit.get(commit);
    if (!perCommit) byCommit.set(commit, (perCommit = new Map()));
    const change = perCommit.get(ref.key);
    if (!change) {
      const original = pickOf.get(commit);
      perCommit.set(ref.key, { repository: repo.repository, commit, ...(pr !== undefined ? { pr } : {}), sources: [ref.source], at, ...(ref.closes ? { closes: true } : {}), ...(original ? { cherryPickOf: original } : {}) });
    } else {
      if (!change.sources.includes(ref.source)) change.sources.push(ref.source);
      if (pr !== undefined && change.pr === undefined) change.pr = pr;
      if (ref.closes) change.closes = true;
    }
  };
  for (const pr of repo.pullRequests) {
    if (!pr.mergeCommit || !graph.has(pr.mergeCommit) || pr.revertsPr !== undefined) continue;
    for (const ref of pr.tickets ?? []) add(ref, pr.mergeCommit, pr.mergedAt, pr.number);
  }
  for (const c of graph.commits()) for (const ref of c.tickets ?? []) add(ref, c.oid, c.committedAt, prByCommit.get(c.oid)?.number);

  const changes = new Map<string, TicketChange[]>();
  // Lists are copied to their exact length instead of grown by push: a large organisation has ~10^5 of them.
  for (const perCommit of byCommit.values()) {
    for (const [key, change] of perCommit) {
      const list = changes.get(key);
      changes.set(key, list ? [...list, change] : [change]);
    }
  }
  for (const list of changes.values()) list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.commit < b.commit ? -1 : a.commit > b.commit ? 1 : 0));
  return { kind, changes, reverts, revertedBy, picks, pickOf };
}

/** What a merge brought: its ancestors that its first parent lacks (the merged branch), itself included. */
function broughtBy(graph: CommitGraph, merge: CommitNode): string[] {
  const mainline = graph.ancestors(merge.parents[0]);
  return [...graph.ancestors(merge.oid)].filter((oid) => !mainline.has(oid));
}

/** `Revert "<subject>"`, squash-merged as `Revert "<subject>" (#N)`; `Reapply "<subject>"` (git 2.43+) reverts `Revert "<subject>"`. */
const QUOTED_REVERT = /^(Revert|Reapply) "(.+)"(?: \(#\d+\))?$/;
/** How far back a subject-only revert's target is looked for (commits, nearest first). */
const SUBJECT_REVERT_REACH = 2000;

/** The nearest ancestor of `revert` whose headline is the subject its `Revert "…"` headline quotes. */
function bySubjectBefore(graph: CommitGraph, revert: CommitNode): string | undefined {
  const m = QUOTED_REVERT.exec(revert.headline);
  if (!m) return undefined;
  const subject = m[1] === 'Reapply' ? `Revert "${m[2]}"` : m[2];
  // The reverted commit's own subject may carry its PR number when it was squash-merged.
  const matches = (headline: string) => headline === subject || (headline.startsWith(subject) && /^ \(#\d+\)$/.test(headline.slice(subject.length)));
  const seen = new Set<string>();
  const queue = [...revert.parents];
  for (let i = 0; i < queue.length && seen.size < SUBJECT_REVERT_REACH; i++) {
    const oid = queue[i];
    if (seen.has(oid)) continue;
    seen.add(oid);
    const c = graph.get(oid);
    if (!c) continue;
    if (matches(c.headline)) return oid;
    queue.push(...c.parents);
  }
  return undefined;
}

/** Whether following `pickOf` from `from` reaches `to` (a cherry-pick chain back to it). */
function leadsTo(pickOf: ReadonlyMap<string, string>, from: string, to: string): boolean {
  const seen = new Set<string>();
  for (let at: string | undefined = from; at !== undefined && !seen.has(at); at = pickOf.get(at)) {
    if (at === to) return true;
    seen.add(at);
  }
  return false;
}
