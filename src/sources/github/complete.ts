import { analyseClosure, type Closure } from '../../core/graph/closure.js';
import { CommitGraph } from '../../core/graph/commit-graph.js';
import type { TicketOptions } from '../../core/tickets/extract.js';
import { mapLimit } from '../../util/pool.js';
import type { GithubClient } from './client.js';
import { deepen, type DeepenTask } from './queries/deepen.js';
import type { CommitNode, RepoData } from './types.js';

/**
 * What a repository's history was completed for: its head, the deployed commits and how much
 * history (and how many counts) it holds. The same key later means the same answer: no work.
 */
export function settledKey(data: RepoData, tips: Iterable<string>): string {
  return `${data.head ?? ''}|${[...new Set(tips)].sort().join(',')}|${data.commits.length}|${Object.keys(data.counts ?? {}).length}`;
}

/** Commits read when peeking past a commit dated before the window. */
export const PEEK_SIZE = 10;
/** Aliases in one history query: enough to keep the query cheap and fast. */
const TASKS_PER_QUERY = 40;
/** Rounds of reading in one run; each round reads one page per open line of history. */
const MAX_ROUNDS = 200;

export interface CompleteOptions {
  client: GithubClient;
  repos: Map<string, RepoData>;
  /** Per repository, the commits questions will be asked about (deployed commits); the head is added. Every repository is completed: its window at least. */
  tips: ReadonlyMap<string, ReadonlySet<string>>;
  windowStart: string;
  pageSize: number;
  /** Pages of history (not counts) each repository may read in this run. */
  maxPages: number;
  concurrency: number;
  tickets: (repository: string) => TicketOptions;
  mergeCommits: (fresh: readonly CommitNode[], cached: readonly CommitNode[]) => CommitNode[];
  onRound?: (round: number, repositories: number, tasks: number) => void;
}

export interface CompleteResult {
  /** The closure of each repository with tips, after the last round. */
  closures: Map<string, Closure>;
  /** Repositories that changed (for the cache). */
  changed: Set<string>;
  /** Repositories whose history could not be completed, and why. */
  incomplete: Map<string, string>;
  pages: number;
  counts: number;
  /** Repositories whose history needs nothing more for these tips. */
  settled: Set<string>;
}

/**
 * Reads history until every repository's graph answers its tips' ancestry exactly (closure.ts),
 * or the page budget runs out. Each round: analyse every repository, gather what each needs (pages
 * below the commits where its known history stops, and history lengths for verification), and
 * read them all in a few batched queries. What is read joins the repository's data (and so the
 * cache), so history read once is not read again.
 */
export async function completeHistories(options: CompleteOptions): Promise<CompleteResult> {
  const { repos, windowStart } = options;
  const closures = new Map<string, Closure>();
  const changed = new Set<string>();
  const incomplete = new Map<string, string>();
  const pagesUsed = new Map<string, number>();
  const unreadable = new Map<string, Set<string>>();
  const askedCounts = new Set<string>();
  let pages = 0;
  let counts = 0;
  // Repositories whose closure needs nothing more: nothing changes them in later rounds.
  const settled = new Set<string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const tasks: DeepenTask[] = [];
    for (const [repository, data] of repos) {
      if (settled.has(repository)) continue;
      const tipSet = options.tips.get(repository) ?? new Set<string>();
      if (round === 0 && data.settled === settledKey(data, tipSet)) {
        settled.add(repository);
        continue;
      }
      const graph = new CommitGraph(data.commits);
      const tips = [...tipSet, ...(data.head ? [data.head] : [])].filter((t) => graph.has(t));
      const closure = analyseClosure({ graph, tips, head: data.head, windowStart, counts: new Map(Object.entries(data.counts ?? {})), unreadable: unreadable.get(repository) });
      closures.set(repository, closure);
      const before = tasks.length;
      for (const oid of closure.counts) {
        if (askedCounts.has(`${repository}@${oid}`)) continue;
        askedCounts.add(`${repository}@${oid}`);
        tasks.push({ repository, oid, size: 0 });
      }
      if (closure.frontier.length === 0) {
        if (tasks.length === before) settled.add(repository);
        continue;
      }
      const used = pagesUsed.get(repository) ?? 0;
      const left = options.maxPages - used;
      if (left <= 0) {
        incomplete.set(repository, `reading its history stopped after ${options.maxPages} pages (github.maxPages) in this run; the next run goes on from there`);
        if (tasks.length === before) settled.add(repository);
        continue;
      }
      // Lines of history are read side by side; many open lines share one page's worth of commits.
      const lines = closure.frontier.slice(0, left);
      const size = Math.max(PEEK_SIZE, Math.floor(options.pageSize / Math.max(1, Math.ceil(lines.length / 4))));
      for (const f of lines) tasks.push({ repository, oid: f.oid, size: f.kind === 'peek' ? PEEK_SIZE : size });
      pagesUsed.set(repository, used + lines.length);
    }
    if (tasks.length === 0) break;
    options.onRound?.(round, new Set(tasks.map((t) => t.repository)).size, tasks.length);
    const batches: DeepenTask[][] = [];
    for (let i = 0; i < tasks.length; i += TASKS_PER_QUERY) batches.push(tasks.slice(i, i + TASKS_PER_QUERY));
    const results = (await mapLimit(batches, options.concurrency, (batch) => deepen(options.client, batch, options.tickets))).flat();
    const fresh = new Map<string, CommitNode[]>();
    for (const r of results) {
      const data = repos.get(r.repository)!;
      if (!r.found) {
        unreadable.set(r.repository, (unreadable.get(r.repository) ?? new Set()).add(r.oid));
        continue;
      }
      if (r.totalCount !== undefined) {
        data.counts = { ...(data.counts ?? {}), [r.oid]: r.totalCount };
        changed.add(r.repository);
      }
      if (r.size === 0) counts++;
      else {
        pages++;
        fresh.set(r.repository, [...(fresh.get(r.repository) ?? []), ...r.commits]);
      }
    }
    for (const [repository, commits] of fresh) {
      const data = repos.get(repository)!;
      data.commits = options.mergeCommits(commits, data.commits);
      changed.add(repository);
    }
  }
  for (const [repository, closure] of closures) {
    const tips = [...(options.tips.get(repository) ?? [])];
    if (tips.some((t) => !closure.exact.has(t)) && !incomplete.has(repository)) {
      const gone = unreadable.get(repository);
      incomplete.set(repository, gone?.size ? `GitHub has no commit ${[...gone].map((o) => o.slice(0, 7)).join(', ')} that its history needs` : (closure.reason ?? 'its history could not be completed'));
    }
  }
  return { closures, changed, incomplete, pages, counts, settled: new Set([...settled].filter((r) => !incomplete.has(r))) };
}
