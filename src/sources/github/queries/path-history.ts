import type { GithubClient } from '../client.js';
import { PAGE_INFO, RATE_LIMIT, splitRepository, str, type Page } from './fragments.js';

/**
 * Which commits touch a path: GitHub's `history(path:)` from a commit down to `since`, ids only
 * (one request per page: no nested connections). What it lists is what `git log -- <path>` lists.
 */
export interface PathTask {
  repository: string;
  path: string;
  from: string;
  since: string;
}

export interface PathResult extends PathTask {
  touching: string[];
  found: boolean;
}

interface Cursor {
  after?: string;
  done: boolean;
}

export function pathQuery(items: readonly { task: PathTask; cursor: Cursor }[]): string {
  const parts = items.map(({ task, cursor }, i) => {
    const { owner, name } = splitRepository(task.repository);
    const after = cursor.after ? `, after: ${str(cursor.after)}` : '';
    return `p${i}: repository(owner: ${str(owner)}, name: ${str(name)}) { object(oid: ${str(task.from)}) { ... on Commit { history(first: 100, path: ${str(task.path)}, since: ${str(task.since)}${after}) { ${PAGE_INFO} nodes { oid } } } } }`;
  });
  return `query PathHistory {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}`;
}

/** Reads every task to its end, in rounds of one query for all open tasks (at most `batch` per query). */
export async function fetchPathHistories(client: GithubClient, tasks: readonly PathTask[], batch = 50): Promise<PathResult[]> {
  const state = tasks.map((task) => ({ task, cursor: { done: false } as Cursor, result: { ...task, touching: [] as string[], found: true } }));
  for (;;) {
    const open = state.filter((s) => !s.cursor.done).slice(0, batch);
    if (open.length === 0) break;
    const { data } = await client.query<Record<string, { object: { history: Page<{ oid: string }> } | null } | null>>(pathQuery(open));
    open.forEach((s, i) => {
      const page = data[`p${i}`]?.object?.history;
      if (!page) {
        s.result.found = false;
        s.cursor.done = true;
        return;
      }
      for (const node of page.nodes) s.result.touching.push(node.oid);
      s.cursor.after = page.pageInfo.endCursor ?? undefined;
      s.cursor.done = !page.pageInfo.hasNextPage;
    });
  }
  return state.map((s) => s.result);
}
