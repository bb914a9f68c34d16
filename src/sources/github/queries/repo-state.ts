import type { GithubClient } from '../client.js';
import { RATE_LIMIT, splitRepository, str } from './fragments.js';

/**
 * One cheap query per batch of repositories: default branch and head, the newest merged-PR update
 * and the tag count with the newest tag. It costs about 1 point per 50 repositories and tells the
 * collector which repositories changed since the cache was written.
 */
export const STATE_BATCH = 50;

export interface RepoState {
  repository: string;
  /** error: GitHub answered this repository with an error other than "not found" (INTERNAL, a timeout…). */
  status: 'ok' | 'not-found' | 'empty' | 'error';
  defaultBranch?: string;
  head?: string;
  headCommittedAt?: string;
  prsUpdatedAt?: string;
  tagsSignature?: string;
  message?: string;
}

interface RawState {
  defaultBranchRef: { name: string; target: { oid: string; committedDate?: string } | null } | null;
  pullRequests: { nodes: { updatedAt: string }[] };
  refs: { totalCount: number; nodes: { name: string }[] };
}

export function stateQuery(repositories: readonly string[]): string {
  const parts = repositories.map((repository, i) => {
    const { owner, name } = splitRepository(repository);
    return `r${i}: repository(owner: ${str(owner)}, name: ${str(name)}) {
    defaultBranchRef { name target { oid ... on Commit { committedDate } } }
    pullRequests(states: MERGED, first: 1, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { updatedAt } }
    refs(refPrefix: "refs/tags/", first: 1, orderBy: { field: TAG_COMMIT_DATE, direction: DESC }) { totalCount nodes { name } }
  }`;
  });
  return `query RepositoryState {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}`;
}

export async function fetchRepoStates(client: GithubClient, repositories: readonly string[]): Promise<RepoState[]> {
  const { data, errors } = await client.query<Record<string, RawState | null>>(stateQuery(repositories));
  return repositories.map((repository, i): RepoState => {
    const raw = data[`r${i}`];
    const error = errors.find((e) => e.path?.[0] === `r${i}`);
    if (!raw) {
      // NOT_FOUND (or no error at all) means it is not there; any other error says nothing about that.
      if (error && error.type !== 'NOT_FOUND' && !/could not resolve to a repository/i.test(error.message ?? '')) return { repository, status: 'error', message: `${error.type ? `${error.type}: ` : ''}${error.message ?? 'an error'}` };
      return { repository, status: 'not-found', message: error?.message ?? `GitHub has no repository ${repository} (or the token cannot see it)` };
    }
    const head = raw.defaultBranchRef?.target;
    if (!raw.defaultBranchRef || !head) return { repository, status: 'empty', message: `${repository} has no default branch yet` };
    return {
      repository,
      status: 'ok',
      defaultBranch: raw.defaultBranchRef.name,
      head: head.oid,
      ...(head.committedDate ? { headCommittedAt: head.committedDate } : {}),
      ...(raw.pullRequests.nodes[0] ? { prsUpdatedAt: raw.pullRequests.nodes[0].updatedAt } : {}),
      tagsSignature: `${raw.refs.totalCount}:${raw.refs.nodes[0]?.name ?? ''}`,
    };
  });
}
