import type { TicketRef } from '../../core/tickets/extract.js';

/**
 * What snap keeps of one repository: the default-branch commit graph over the window, merged PRs and
 * tags. Ticket references are extracted from messages, titles, branches and bodies when the data
 * arrives; only headlines are kept, so PR bodies and long commit messages never sit in memory or in
 * the cache.
 */
export interface CommitNode {
  oid: string;
  parents: string[];
  committedAt: string;
  author: string;
  headline: string;
  /** Ticket references in the commit message. */
  tickets?: TicketRef[];
  /** Commits this one reverts (`This reverts commit <sha>.`), full ids. */
  reverts?: string[];
  /** The commit says it reverts something (`Revert "…"`), even when it names no commit. */
  isRevert?: boolean;
  /** Commits this one is a cherry-pick of (`(cherry picked from commit <sha>)`, git cherry-pick -x). */
  cherryPickOf?: string[];
}

export interface PullRequestNode {
  number: number;
  title: string;
  headRefName: string;
  mergedAt: string;
  updatedAt: string;
  author: string;
  mergeCommit?: string;
  /** Ticket references in the title, branch name and body, each with its source. */
  tickets?: TicketRef[];
  /** A revert PR (GitHub's "Revert" button: title `Revert "…"`, body `Reverts owner/repo#N`): the PR number it reverts, 0 when not named. */
  revertsPr?: number;
}

export interface TagNode {
  name: string;
  oid: string;
}

export interface RepoData {
  /** owner/name */
  repository: string;
  defaultBranch: string;
  head?: string;
  /** The history read so far: the window of the head, and what exact answers about deployed commits needed (see prune.ts). */
  commits: CommitNode[];
  pullRequests: PullRequestNode[];
  tags: TagNode[];
  /** Newest `updatedAt` of the merged PRs seen: the next run asks only for PRs updated after it. */
  prsUpdatedAt?: string;
  /** Tag count and newest tag name at the last fetch: a change means the tags are fetched again. */
  tagsSignature?: string;
  /** The history read stopped at the page cap: the next run reads it again instead of trusting it. */
  historyIncomplete?: boolean;
  /**
   * Per path of a service built from a folder of the repository: the commits that touch it
   * (`git log -- <path>`), known for the history of `heads` down to `since`.
   */
  paths?: Record<string, { touching: string[]; heads: string[]; since: string }>;
  /** What the GitHub references in its commits and PRs name (`owner/repo#N` → issue, pull request, missing): only issues are tickets. */
  references?: Record<string, 'issue' | 'pull-request' | 'missing' | 'unknown'>;
  /** Length of a commit's whole history (GitHub's `history.totalCount`), by oid: never changes, so it is kept. */
  counts?: Record<string, number>;
  /**
   * The head, deployed commits and history size for which the history was last found complete and
   * pruned (complete.ts `settledKey`): while they are the same, nothing needs analysing again.
   */
  settled?: string;
  fetchedAt: string;
}
