import type { TicketOptions } from '../../../core/tickets/extract.js';
import type { GithubClient } from '../client.js';
import type { CommitNode, PullRequestNode, TagNode } from '../types.js';
import {
  COMMIT_FIELDS,
  PAGE_INFO,
  PULL_REQUEST_FIELDS,
  RATE_LIMIT,
  TAG_FIELDS,
  splitRepository,
  str,
  tagCommit,
  toCommit,
  toPullRequest,
  type Page,
  type RawCommit,
  type RawPullRequest,
  type RawTag,
} from './fragments.js';

/**
 * Commit history, merged pull requests and tags of a batch of repositories, fetched in rounds: each
 * round is one query with one alias per repository that still has pages to read, and each section
 * stops on its own condition (see ../README.md):
 *
 * - history, from the head the state query saw, newest first, within the window (`since`): stops when
 *   every parent of the commits read so far is known (cached, or just read) or GitHub has no more pages;
 * - pull requests, by last update, newest first: stops at the first one updated before `prsSince`;
 * - tags: all of them (they are few).
 */
export interface PageTask {
  repository: string;
  head: string;
  /** `firstPage`: size of the first history page; small when only a few new commits are expected. */
  history?: { known: (oid: string) => boolean; firstPage?: number };
  prsSince?: string;
  tags?: boolean;
}

export interface PageResult {
  repository: string;
  commits: CommitNode[];
  pullRequests: PullRequestNode[];
  tags?: TagNode[];
  /** Sections that stopped at the page cap. */
  capped: ('commits' | 'pull requests' | 'tags')[];
  pages: number;
  /** Length of the head's whole history (GitHub's `history.totalCount` without `since`), read with the first page. */
  headCount?: number;
  error?: string;
}

interface Cursor {
  after?: string;
  done: boolean;
  pages: number;
  /** Items to ask for in the next page (GitHub charges by the page size asked, not the items returned). */
  size?: number;
  read?: number;
}

interface RawRepoPage {
  h?: { history: Page<RawCommit> & { totalCount: number }; total?: { totalCount: number } } | null;
  p?: Page<RawPullRequest>;
  t?: Page<RawTag>;
}

export interface PageOptions {
  since: string;
  /** Extraction options per repository: ticket references are found as the data arrives. */
  tickets: (repository: string) => TicketOptions;
  pageSize: number;
  maxPages: number;
  onRound?: (repositories: string[]) => void;
}

export function pageQuery(items: { task: PageTask; history?: Cursor; prs?: Cursor; tags?: Cursor }[], pageSize: number): string {
  const parts = items.map(({ task, history, prs, tags }, i) => {
    const { owner, name } = splitRepository(task.repository);
    const after = (c: Cursor) => (c.after ? `, after: ${str(c.after)}` : '');
    const sections = [
      history && !history.done
        ? `h: object(oid: ${str(task.head)}) { ... on Commit { history(first: ${Math.min(pageSize, history.size ?? pageSize)}, since: $since${after(history)}) { totalCount ${PAGE_INFO} nodes { ...C } }${history.pages === 0 ? ' total: history(first: 1) { totalCount }' : ''} } }`
        : '',
      prs && !prs.done ? `p: pullRequests(states: MERGED, first: $n${after(prs)}, orderBy: { field: UPDATED_AT, direction: DESC }) { ${PAGE_INFO} nodes { ${PULL_REQUEST_FIELDS} } }` : '',
      tags && !tags.done ? `t: refs(refPrefix: "refs/tags/", first: $n${after(tags)}, orderBy: { field: TAG_COMMIT_DATE, direction: DESC }) { ${PAGE_INFO} nodes { ${TAG_FIELDS} } }` : '',
    ].filter(Boolean);
    return `r${i}: repository(owner: ${str(owner)}, name: ${str(name)}) {\n    ${sections.join('\n    ')}\n  }`;
  });
  const usesCommits = items.some((i) => i.history && !i.history.done);
  const usesSize = items.some((i) => (i.prs && !i.prs.done) || (i.tags && !i.tags.done));
  const variables = [usesSize ? '$n: Int!' : '', usesCommits ? '$since: GitTimestamp!' : ''].filter(Boolean).join(', ');
  return `query RepositoryPages(${variables}) {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}${usesCommits ? `\nfragment C on Commit { ${COMMIT_FIELDS} }` : ''}`;
}

/** Reads every section of every task to its stop condition; one query per round for the whole batch. */
export async function fetchRepoPages(client: GithubClient, tasks: readonly PageTask[], options: PageOptions): Promise<PageResult[]> {
  const state = tasks.map((task) => ({
    task,
    history: task.history ? ({ done: false, pages: 0, size: task.history.firstPage, read: 0 } as Cursor) : undefined,
    prs: task.prsSince !== undefined ? ({ done: false, pages: 0 } as Cursor) : undefined,
    tags: task.tags ? ({ done: false, pages: 0 } as Cursor) : undefined,
    result: { repository: task.repository, commits: [], pullRequests: [], ...(task.tags ? { tags: [] as TagNode[] } : {}), capped: [], pages: 0 } as PageResult,
    seen: new Set<string>(),
    missing: new Set<string>(),
  }));
  const isOpen = (c?: Cursor) => c !== undefined && !c.done;
  for (;;) {
    const round = state.filter((s) => isOpen(s.history) || isOpen(s.prs) || isOpen(s.tags));
    if (round.length === 0) break;
    options.onRound?.(round.map((s) => s.task.repository));
    const query = pageQuery(round, options.pageSize);
    const usesCommits = round.some((s) => isOpen(s.history));
    const usesSize = round.some((s) => isOpen(s.prs) || isOpen(s.tags));
    const { data, errors } = await client.query<Record<string, RawRepoPage | null>>(query, { ...(usesSize ? { n: options.pageSize } : {}), ...(usesCommits ? { since: options.since } : {}) });
    round.forEach((s, i) => {
      const raw = data[`r${i}`];
      s.result.pages++;
      const close = (cursor: Cursor | undefined, kind: PageResult['capped'][number], hasNext: boolean, endCursor: string | null) => {
        if (!cursor || cursor.done) return;
        cursor.pages++;
        cursor.after = endCursor ?? undefined;
        if (hasNext && cursor.pages >= options.maxPages) {
          s.result.capped.push(kind);
          cursor.done = true;
        } else if (!hasNext) cursor.done = true;
      };
      if (!raw) {
        // The repository vanished between the state query and now: stop asking for it.
        for (const c of [s.history, s.prs, s.tags]) if (c) c.done = true;
        s.result.error = errors.find((e) => e.path?.[0] === `r${i}`)?.message ?? 'the repository is gone';
        return;
      }
      if (isOpen(s.history)) {
        if (raw.h?.total) s.result.headCount = raw.h.total.totalCount;
        const page = raw.h?.history;
        const nodes = page?.nodes ?? [];
        for (const node of nodes) {
          const commit = toCommit(node, options.tickets(s.task.repository));
          s.result.commits.push(commit);
          s.seen.add(commit.oid);
          s.missing.delete(commit.oid);
          for (const parent of commit.parents) if (!s.seen.has(parent) && !s.task.history!.known(parent)) s.missing.add(parent);
        }
        close(s.history, 'commits', Boolean(page?.pageInfo.hasNextPage), page?.pageInfo.endCursor ?? null);
        // Ask for exactly what is left next time (a cold read), or double a small first page (an incremental one).
        if (s.history && page) {
          s.history.read = (s.history.read ?? 0) + nodes.length;
          const left = page.totalCount - s.history.read;
          s.history.size = s.task.history!.firstPage ? Math.min(options.pageSize, (s.history.size ?? options.pageSize) * 2, Math.max(1, left)) : Math.max(1, Math.min(options.pageSize, left));
        }
        // Everything new is read once each parent is known: the rest of the history is in the cache.
        if (s.history && s.missing.size === 0 && s.result.commits.length > 0) s.history.done = true;
      }
      if (isOpen(s.prs)) {
        const page = raw.p;
        let reachedKnown = false;
        for (const node of page?.nodes ?? []) {
          if (Date.parse(node.updatedAt) < Date.parse(s.task.prsSince!)) {
            reachedKnown = true;
            break;
          }
          if (node.mergedAt) s.result.pullRequests.push(toPullRequest(node, options.tickets(s.task.repository)));
        }
        close(s.prs, 'pull requests', Boolean(page?.pageInfo.hasNextPage) && !reachedKnown, page?.pageInfo.endCursor ?? null);
      }
      if (isOpen(s.tags)) {
        const page = raw.t;
        for (const node of page?.nodes ?? []) {
          const oid = tagCommit(node);
          if (oid) s.result.tags!.push({ name: node.name, oid });
        }
        close(s.tags, 'tags', Boolean(page?.pageInfo.hasNextPage), page?.pageInfo.endCursor ?? null);
      }
    });
  }
  return state.map((s) => s.result);
}
