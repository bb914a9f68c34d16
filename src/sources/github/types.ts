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
  /** Commits reachable from the head within the window, plus commits fetched to anchor deployed versions. */
  commits: CommitNode[];
  pullRequests: PullRequestNode[];
  tags: TagNode[];
  /** Newest `updatedAt` of the merged PRs seen: the next run asks only for PRs updated after it. */
  prsUpdatedAt?: string;
  /** Tag count and newest tag name at the last fetch: a change means the tags are fetched again. */
  tagsSignature?: string;
  /** The history read stopped at the page cap: the next run reads it again instead of trusting it. */
  historyIncomplete?: boolean;
  /** Commits outside the window fetched because a deployment runs them; kept while deployed. */
  anchors: string[];
  fetchedAt: string;
}
