import type { TicketOptions } from '../../../core/tickets/extract.js';
import type { GithubClient } from '../client.js';
import type { CommitNode } from '../types.js';
import { COMMIT_FIELDS, RATE_LIMIT, splitRepository, str, toCommit, type RawCommit } from './fragments.js';

/**
 * Reading further into a repository's history, by commit id: a page of the history below each
 * commit the local graph lacks (`size` > 0), or only the length of a commit's whole history
 * (`size` 0: GitHub's `history.totalCount`, the number of its ancestors, itself included). Many
 * repositories and commits go into one query as aliases. See src/core/graph/README.md for when
 * snap asks for either.
 */
export interface DeepenTask {
  repository: string;
  oid: string;
  /** Commits to read from `oid` down, newest first (GitHub's `first`, at most 100); 0: only the count. */
  size: number;
}

export interface DeepenResult extends DeepenTask {
  /** GitHub returned no commit with that id (force-pushed away, or garbage collected). */
  found: boolean;
  commits: CommitNode[];
  /** Length of the commit's whole history (itself included). */
  totalCount?: number;
}

type RawDeepen = { history: { totalCount: number; nodes?: RawCommit[] } } | null;

export function deepenQuery(tasks: readonly DeepenTask[]): string {
  const byRepo = new Map<string, { task: DeepenTask; index: number }[]>();
  tasks.forEach((task, index) => byRepo.set(task.repository, [...(byRepo.get(task.repository) ?? []), { task, index }]));
  const parts = [...byRepo.entries()].map(([repository, items], r) => {
    const { owner, name } = splitRepository(repository);
    const objects = items.map(({ task, index }) =>
      task.size > 0
        ? `d${index}: object(oid: ${str(task.oid)}) { ... on Commit { history(first: ${Math.min(100, task.size)}) { totalCount nodes { ...C } } } }`
        : `d${index}: object(oid: ${str(task.oid)}) { ... on Commit { history(first: 1) { totalCount } } }`,
    );
    return `r${r}: repository(owner: ${str(owner)}, name: ${str(name)}) {\n    ${objects.join('\n    ')}\n  }`;
  });
  const usesCommits = tasks.some((t) => t.size > 0);
  return `query History {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}${usesCommits ? `\nfragment C on Commit { ${COMMIT_FIELDS} }` : ''}`;
}

export async function deepen(client: GithubClient, tasks: readonly DeepenTask[], tickets: (repository: string) => TicketOptions): Promise<DeepenResult[]> {
  if (tasks.length === 0) return [];
  const { data } = await client.query<Record<string, Record<string, RawDeepen> | null>>(deepenQuery(tasks));
  const repos = [...new Set(tasks.map((t) => t.repository))];
  return tasks.map((task, index) => {
    const raw = data[`r${repos.indexOf(task.repository)}`]?.[`d${index}`];
    if (!raw?.history) return { ...task, found: false, commits: [] };
    const options = tickets(task.repository);
    return { ...task, found: true, totalCount: raw.history.totalCount, commits: (raw.history.nodes ?? []).map((c) => toCommit(c, options)) };
  });
}
