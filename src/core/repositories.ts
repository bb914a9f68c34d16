import type { Project } from '../config/types.js';
import { ALL_PATHS, type ServicePaths } from './paths.js';
import type { RepoBook } from './repo-book.js';
import { compareKeys } from './tickets/compare.js';
import type { RepositoryState, Snapshot } from './snapshot-schema.js';

/**
 * Per repository: the default-branch head, how many commits it gained since the previous snapshot
 * (git's `oldHead..newHead`, exact or left out with the reason), the PRs merged since then, the
 * commits of the head's history dated within the window, and the tags.
 */
export function buildRepositories(
  repositories: readonly string[],
  book: RepoBook,
  previous: Snapshot | undefined,
  windowStart: string,
  projects: readonly Project[] = [],
  paths: ServicePaths = ALL_PATHS,
): Record<string, RepositoryState> {
  const out: Record<string, RepositoryState> = {};
  const withPaths = new Map<string, Project['services']>();
  for (const s of projects.flatMap((p) => p.services)) if (s.paths?.length) withPaths.set(s.repository, [...(withPaths.get(s.repository) ?? []), s]);
  // Commit times are kept as UTC ISO strings (toCommit), so they compare as strings.
  const start = new Date(Date.parse(windowStart)).toISOString();
  for (const repository of repositories) {
    const view = book.get(repository);
    if (!view) continue;
    const { data, graph } = view;
    const head = data.head ? graph.get(data.head) : undefined;
    const before = previous?.repositories?.[repository];
    let fresh: Set<string> | undefined;
    let unknown: string | undefined;
    if (before?.head && data.head) {
      const diff = graph.has(before.head.oid) ? view.ancestry.difference(data.head, before.head.oid) : undefined;
      if (diff) fresh = new Set(diff);
      else unknown = graph.has(before.head.oid) ? view.ancestry.whyUnknown(before.head.oid) : `the previous head ${before.head.oid.slice(0, 7)} is no longer in the history read (force-pushed away?)`;
    }
    // New since the previous snapshot: merged into the commits the old head did not have.
    const isNew = (mergeCommit: string | undefined) => !before || (fresh !== undefined && mergeCommit !== undefined && fresh.has(mergeCommit));
    let inWindow = 0;
    const window: string[] = [];
    if (data.head) for (const oid of graph.ancestors(data.head)) if (graph.get(oid)!.committedAt >= start) window.push(oid);
    inWindow = window.length;
    // Services built from folders of this repository: their own share of it.
    const services: NonNullable<RepositoryState['services']> = {};
    for (const s of withPaths.get(repository) ?? []) {
      const own = (oid: string) => paths.commit(repository, s, oid);
      services[s.name] = { paths: s.paths!, commitsInWindow: window.filter(own).length, ...(fresh ? { newCommits: [...fresh].filter(own).length } : {}) };
    }
    out[repository] = {
      defaultBranch: data.defaultBranch,
      ...(data.head ? { head: { oid: data.head, ...(head ? { committedAt: head.committedAt, headline: head.headline } : {}) } } : {}),
      commitsInWindow: inWindow,
      ...(Object.keys(services).length ? { services } : {}),
      ...(fresh ? { newCommits: fresh.size } : {}),
      ...(unknown ? { newUnknown: unknown } : {}),
      mergedPullRequests: data.pullRequests
        .filter((pr) => isNew(pr.mergeCommit))
        .sort((a, b) => (a.mergedAt < b.mergedAt ? -1 : a.mergedAt > b.mergedAt ? 1 : 0))
        .map((pr) => ({ number: pr.number, title: pr.title, headRefName: pr.headRefName, mergedAt: pr.mergedAt, author: pr.author, ...(pr.mergeCommit ? { mergeCommit: pr.mergeCommit } : {}) })),
      tags: [...data.tags].sort((a, b) => compareKeys(a.name, b.name)),
    };
  }
  return out;
}
