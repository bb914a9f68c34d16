/** What snap keeps of one repository: the default-branch commit graph over the window, merged PRs and tags. */
export interface CommitNode {
  oid: string;
  parents: string[];
  committedAt: string;
  author: string;
  message: string;
}

export interface PullRequestNode {
  number: number;
  title: string;
  body: string;
  headRefName: string;
  mergedAt: string;
  updatedAt: string;
  author: string;
  mergeCommit?: string;
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
