import type { RepoBook } from './repo-book.js';
import type { RepositoryState, Snapshot } from './snapshot-schema.js';

/**
 * Per repository: the default-branch head, how many commits it gained since the previous snapshot
 * (ancestry of the new head minus ancestry of the old one), the PRs merged since then, and the tags.
 */
export function buildRepositories(repositories: readonly string[], book: RepoBook, previous: Snapshot | undefined): Record<string, RepositoryState> {
  const out: Record<string, RepositoryState> = {};
  for (const repository of repositories) {
    const view = book.get(repository);
    if (!view) continue;
    const { data, graph } = view;
    const head = data.head ? graph.get(data.head) : undefined;
    const before = previous?.repositories?.[repository];
    let fresh: Set<string> | undefined;
    if (before?.head && data.head) {
      const old = graph.has(before.head.oid) ? graph.ancestors(before.head.oid) : new Set<string>();
      fresh = new Set([...graph.ancestors(data.head)].filter((oid) => !old.has(oid)));
    }
    const newCommits = fresh?.size;
    // New since the previous snapshot: merged into the commits the old head did not have.
    const isNew = (mergeCommit: string | undefined) => !before || (fresh !== undefined && mergeCommit !== undefined && fresh.has(mergeCommit));
    out[repository] = {
      defaultBranch: data.defaultBranch,
      ...(data.head ? { head: { oid: data.head, ...(head ? { committedAt: head.committedAt, headline: head.headline } : {}) } } : {}),
      commitsInWindow: data.head ? graph.ancestors(data.head).size : 0,
      ...(newCommits !== undefined ? { newCommits } : {}),
      mergedPullRequests: data.pullRequests
        .filter((pr) => isNew(pr.mergeCommit))
        .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt))
        .map((pr) => ({ number: pr.number, title: pr.title, headRefName: pr.headRefName, mergedAt: pr.mergedAt, author: pr.author, ...(pr.mergeCommit ? { mergeCommit: pr.mergeCommit } : {}) })),
      tags: [...data.tags].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
    };
  }
  return out;
}
