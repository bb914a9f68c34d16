import { createHash } from 'node:crypto';
import type { GithubSettings, TicketSettings } from '../../config/types.js';
import { ticketOptions } from '../../core/tickets/find.js';
import { SnapError } from '../../errors.js';
import type { SnapshotWarning } from '../../core/snapshot-schema.js';
import { readRepoCache, writeRepoCache } from '../../store/github-cache.js';
import { mapLimit } from '../../util/pool.js';
import { GithubClient, QueryTooLargeError, type RateLimitWait } from './client.js';
import { completeHistories, settledKey, type CompleteResult } from './complete.js';
import { pruneRepo } from './prune.js';
import { lookupCommits, type Lookup } from './queries/commit-lookup.js';
import { fetchRepoPages, type PageTask } from './queries/repo-pages.js';
import { STATE_BATCH, fetchRepoStates, type RepoState } from './queries/repo-state.js';
import type { CommitNode, PullRequestNode, RepoData } from './types.js';

export interface GithubSourceOptions {
  settings: GithubSettings;
  /** Tickets are extracted as data arrives; the cache is rebuilt when these settings change. */
  tickets: TicketSettings;
  token: string;
  historyDays: number;
  cacheDir: string;
  corruptDir: string;
  now: Date;
  onStep?: (repository: string, call: string, done: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface GithubStats {
  requests: number;
  points: number;
  rateLimit: { limit?: number; remaining?: number; resetAt?: string };
  waits: RateLimitWait[];
  repositories: number;
  /** Repositories whose head, PRs or tags changed and were fetched. */
  fetched: number;
  unchanged: number;
  /** Caches that were missing, unreadable or made for another config. */
  rebuilt: number;
  lookups: number;
  deepened: number;
  counted: number;
}

const LOOKUP_BATCH = 20;
const INCREMENTAL_FIRST_PAGE = 10;

/**
 * The GitHub side of a snapshot: brings the per-repository cache up to date with as few points as
 * possible (a cheap state query tells which repositories changed; only those are paged), resolves
 * commits the window lacks, and writes back what changed. See README.md in this folder.
 */
export class GithubSource {
  readonly client: GithubClient;
  readonly repos = new Map<string, RepoData>();
  readonly warnings: SnapshotWarning[] = [];
  /** For the run log: caches rebuilt and why, page caps hit. */
  readonly notes: string[] = [];
  /** Repositories GitHub answered with an error this run (their cache, if any, stands in): the snapshot is partial. */
  readonly failedRepositories: string[] = [];
  private readonly dirty = new Set<string>();
  /** Start of the history window (ISO time): commits and merged PRs before it are not kept. */
  readonly windowStart: string;
  private readonly key: string;
  private fetched = 0;
  private unchanged = 0;
  private rebuilt = 0;
  private lookups = 0;
  private deepened = 0;
  private counted = 0;
  private pageSize: number;
  /** The closure of each repository with deployed commits, after `complete`. */
  completion?: CompleteResult;

  constructor(private readonly options: GithubSourceOptions) {
    this.client = new GithubClient({
      url: options.settings.url,
      token: options.token,
      concurrency: options.settings.concurrency,
      timeoutMs: options.settings.requestTimeoutMs,
      maxWaitMs: options.settings.maxWaitMs,
      sleep: options.sleep,
      onRateLimit: (wait) => this.notes.push(`GitHub rate limit (${wait.kind}): waited ${Math.round(wait.waitMs / 1000)}s as GitHub asked (${wait.message})`),
    });
    this.windowStart = new Date(options.now.getTime() - options.historyDays * 86_400_000).toISOString();
    const tickets = createHash('sha256').update(JSON.stringify(options.tickets)).digest('hex').slice(0, 8);
    this.key = `${options.settings.url}|${options.historyDays}d|tickets ${tickets}`;
    this.pageSize = options.settings.pageSize;
  }

  private readonly ticketsFor = (repository: string) => ticketOptions(this.options.tickets, repository);

  stats(): GithubStats {
    return {
      requests: this.client.requests,
      points: this.client.points,
      rateLimit: { ...this.client.rateLimit },
      waits: this.client.waits,
      repositories: this.repos.size,
      fetched: this.fetched,
      unchanged: this.unchanged,
      rebuilt: this.rebuilt,
      lookups: this.lookups,
      deepened: this.deepened,
      counted: this.counted,
    };
  }

  private warn(code: string, message: string, severity: SnapshotWarning['severity'] = 'warning'): void {
    this.warnings.push({ code, severity, scope: { source: 'github' }, message });
  }

  /** Brings every repository up to date. Throws only for errors that stop all of GitHub (auth, rate limit over the cap, unreachable). */
  async refresh(repositories: readonly string[]): Promise<void> {
    const { settings } = this.options;
    const total = repositories.length;
    let done = 0;
    const step = (repository: string, call: string) => this.options.onStep?.(repository, call, done, total);

    // The state queries go out first; the cache files are read while GitHub answers.
    const batches: string[][] = [];
    for (let i = 0; i < repositories.length; i += STATE_BATCH) batches.push(repositories.slice(i, i + STATE_BATCH));
    const statesDone = mapLimit(batches, settings.concurrency, async (batch) => {
      step(batch[0], `state of ${batch.length} repositories`);
      return this.statesOf(batch);
    });
    const cached = new Map<string, RepoData>();
    const cachesDone = mapLimit(repositories, 16, async (repository) => {
      const read = await readRepoCache(this.options.cacheDir, this.options.corruptDir, repository, this.key);
      if (read.status === 'ok') cached.set(repository, read.data);
      else {
        this.rebuilt++;
        if (read.status === 'rebuild') this.notes.push(`rebuilt the GitHub cache: ${read.reason}`);
      }
    });
    const [stateLists] = await Promise.all([statesDone, cachesDone]);
    let states = stateLists.flat();
    // A repository GitHub answered with an error (not "not found"): asked once more, on its own.
    const failed = states.filter((s) => s.status === 'error').map((s) => s.repository);
    if (failed.length) {
      const again = new Map((await this.statesOf(failed)).map((s) => [s.repository, s]));
      states = states.map((s) => again.get(s.repository) ?? s);
    }
    const stateOf = new Map(states.map((s) => [s.repository, s]));

    const tasks: PageTask[] = [];
    for (const state of states) {
      const cache = cached.get(state.repository);
      const task = this.plan(state, cache);
      if (!task) {
        done++;
        continue;
      }
      if (task.history || task.prsSince !== undefined || task.tags) tasks.push(task);
      else {
        this.unchanged++;
        // The default branch can be renamed without its head moving (master → main).
        if (cache!.defaultBranch !== state.defaultBranch) this.dirty.add(state.repository);
        this.repos.set(state.repository, { ...cache!, defaultBranch: state.defaultBranch! });
        done++;
      }
    }
    step(repositories[0] ?? '', `${tasks.length} changed`);

    const pageBatches: PageTask[][] = [];
    for (let i = 0; i < tasks.length; i += settings.batchSize) pageBatches.push(tasks.slice(i, i + settings.batchSize));
    await mapLimit(pageBatches, settings.concurrency, async (batch) => {
      const results = await this.withShrinking((pageSize) =>
        fetchRepoPages(this.client, batch, { since: this.windowStart, pageSize, maxPages: settings.maxPages, tickets: this.ticketsFor, onRound: (repos) => step(repos[0], `history, pull requests and tags of ${repos.length} repositories`) }),
      );
      for (const result of results) {
        const state = stateOf.get(result.repository)!;
        const cache = cached.get(result.repository);
        done++;
        if (result.error) {
          if (/could not resolve to a repository/i.test(result.error)) this.warn('REPOSITORY_NOT_FOUND', `${result.repository} disappeared while it was read: ${result.error}`, 'error');
          else {
            this.failedRepositories.push(result.repository);
            if (cache) this.repos.set(result.repository, cache);
            this.warn('REPOSITORY_ERROR', `${result.repository}: GitHub answered ${result.error} while its history was read${cache ? '; its cached history is used in this snapshot' : ''}`, 'error');
          }
          continue;
        }
        for (const kind of result.capped) this.warn('GITHUB_PAGE_CAP', `${result.repository}: stopped reading ${kind} after ${settings.maxPages} pages (github.maxPages); older ${kind} are missing from this snapshot`);
        this.fetched++;
        const merged: RepoData = {
          repository: result.repository,
          defaultBranch: state.defaultBranch!,
          head: state.head,
          commits: mergeCommits(result.commits, cache?.commits ?? []),
          pullRequests: mergePullRequests(result.pullRequests, cache?.pullRequests ?? []),
          tags: result.tags ?? cache?.tags ?? [],
          // A section cut short by the page cap is read again next time, not taken as complete.
          ...(result.capped.includes('commits') ? { historyIncomplete: true } : {}),
          ...(state.prsUpdatedAt && !result.capped.includes('pull requests') ? { prsUpdatedAt: state.prsUpdatedAt } : {}),
          ...(state.tagsSignature && !result.capped.includes('tags') ? { tagsSignature: state.tagsSignature } : {}),
          counts: { ...(cache?.counts ?? {}), ...(result.headCount !== undefined ? { [state.head!]: result.headCount } : {}) },
          fetchedAt: this.options.now.toISOString(),
        };
        this.repos.set(result.repository, merged);
        this.dirty.add(result.repository);
      }
      step(batch[0].repository, 'fetched');
    });
  }

  /** What to fetch for one repository; undefined when it cannot be read at all. */
  private plan(state: RepoState, cache: RepoData | undefined): PageTask | undefined {
    if (state.status === 'error') {
      // Not read this time: what the cache holds stands in for it, and the snapshot says so (partial).
      this.failedRepositories.push(state.repository);
      if (cache) this.repos.set(state.repository, cache);
      this.warn('REPOSITORY_ERROR', `${state.repository}: GitHub answered ${state.message}${cache ? `; its cached history (read ${cache.fetchedAt ?? 'earlier'}) is used in this snapshot` : '; it has no cached history, so its commits and tickets are missing from this snapshot'}`, 'error');
      return undefined;
    }
    if (state.status === 'not-found' && cache) {
      // Read before, not found now: renamed, deleted, or the token lost access. What was read stands in
      // for it, and the snapshot is partial until someone looks.
      this.failedRepositories.push(state.repository);
      this.repos.set(state.repository, cache);
      this.warn('REPOSITORY_NOT_FOUND', `${state.repository}: GitHub no longer finds it (renamed, deleted, or the token lost access: ${state.message ?? 'NOT_FOUND'}); its cached history (read ${cache.fetchedAt ?? 'earlier'}) is used in this snapshot`, 'error');
      return undefined;
    }
    if (state.status !== 'ok') {
      // Always named: GitHub's message may not say which repository it is about.
      const said = state.message && !state.message.includes(state.repository) ? `${state.repository}: ${state.message}` : (state.message ?? state.repository);
      this.warn(state.status === 'not-found' ? 'REPOSITORY_NOT_FOUND' : 'REPOSITORY_EMPTY', said, state.status === 'not-found' ? 'error' : 'warning');
      return undefined;
    }
    const headChanged = !cache || cache.head !== state.head || cache.historyIncomplete === true;
    // Commits the cache holds, and their parents (the ones outside the window end the history there).
    const known = new Set<string>();
    if (headChanged && !cache?.historyIncomplete) {
      for (const c of cache?.commits ?? []) {
        known.add(c.oid);
        for (const p of c.parents) known.add(p);
      }
    }
    const prsChanged = !cache || (state.prsUpdatedAt !== undefined && cache.prsUpdatedAt !== state.prsUpdatedAt);
    const tagsChanged = !cache || cache.tagsSignature !== state.tagsSignature;
    return {
      repository: state.repository,
      head: state.head!,
      // With a cache, a push usually adds a few commits: start with a small (cheap) page.
      ...(headChanged ? { history: { known: (oid: string) => known.has(oid), ...(cache && !cache.historyIncomplete ? { firstPage: INCREMENTAL_FIRST_PAGE } : {}) } } : {}),
      ...(prsChanged ? { prsSince: cache?.prsUpdatedAt && cache.prsUpdatedAt > this.windowStart ? cache.prsUpdatedAt : this.windowStart } : {}),
      ...(tagsChanged ? { tags: true } : {}),
    };
  }

  /** The state query, split in halves when GitHub says it was too big or too slow. */
  private async statesOf(batch: string[]): Promise<RepoState[]> {
    try {
      return await fetchRepoStates(this.client, batch);
    } catch (error) {
      if (!(error instanceof QueryTooLargeError) || batch.length === 1) throw error;
      this.notes.push(`GitHub answered "${error.message}" to the state of ${batch.length} repositories; asking in halves`);
      const half = Math.ceil(batch.length / 2);
      return [...(await this.statesOf(batch.slice(0, half))), ...(await this.statesOf(batch.slice(half)))];
    }
  }

  /** Retries with half the page size when GitHub says the query was too big or too slow. */
  private async withShrinking<T>(fn: (pageSize: number) => Promise<T>): Promise<T> {
    for (;;) {
      const size = this.pageSize;
      try {
        return await fn(size);
      } catch (error) {
        if (!(error instanceof QueryTooLargeError)) throw error;
        if (size <= 10) {
          throw new SnapError('GITHUB_TIMEOUT', `GitHub keeps failing on pages of ${size} items: ${error.message}`, { hint: 'lower github.batchSize, or retry later; https://www.githubstatus.com shows outages' });
        }
        // Several batches may fail at the same size at once: halve once per size, not once per failure.
        const smaller = Math.max(10, Math.floor(size / 2));
        if (smaller < this.pageSize) {
          this.notes.push(`GitHub answered "${error.message}"; page size ${this.pageSize} → ${smaller}`);
          this.pageSize = smaller;
        }
      }
    }
  }

  /** Finds commits by SHA or name that the cache lacks, with a page of history each (and the length of their history). */
  async lookup(lookups: readonly Lookup[]): Promise<void> {
    const batches: Lookup[][] = [];
    for (let i = 0; i < lookups.length; i += LOOKUP_BATCH) batches.push(lookups.slice(i, i + LOOKUP_BATCH));
    await mapLimit(batches, this.options.settings.concurrency, async (batch) => {
      const results = await this.withShrinking((pageSize) => lookupCommits(this.client, batch, pageSize, this.ticketsFor));
      this.lookups += batch.length;
      for (const result of results) {
        const repo = this.repos.get(result.repository);
        if (!repo || !result.commit) continue;
        repo.commits = mergeCommits([result.commit, ...result.history], repo.commits);
        if (result.totalCount !== undefined) repo.counts = { ...(repo.counts ?? {}), [result.commit.oid]: result.totalCount };
        this.dirty.add(result.repository);
      }
    });
  }

  /**
   * Reads history until the ancestry of every deployed commit is known exactly, or the page budget
   * runs out (src/core/graph/README.md). `tips`: per repository, the deployed commits.
   */
  async complete(tips: ReadonlyMap<string, ReadonlySet<string>>): Promise<CompleteResult> {
    const result = await completeHistories({
      client: this.client,
      repos: this.repos,
      tips,
      windowStart: this.windowStart,
      pageSize: this.pageSize,
      maxPages: this.options.settings.maxPages,
      concurrency: this.options.settings.concurrency,
      tickets: this.ticketsFor,
      mergeCommits,
      onRound: (round, repositories, tasks) => this.options.onStep?.(`${repositories} repositories`, `older history, round ${round + 1} (${tasks} reads)`, 0, 0),
    });
    this.deepened += result.pages;
    this.counted += result.counts;
    for (const repository of result.changed) this.dirty.add(repository);
    for (const [repository, why] of result.incomplete) {
      this.warn('HISTORY_INCOMPLETE', `${repository}: ${why}; answers that depend on it are unknown in this snapshot`);
    }
    this.completion = result;
    return result;
  }

  /** Brings the commit sets of services' paths up to date (paths.ts). `paths`: per repository, the paths its services declare. */
  async updatePaths(paths: ReadonlyMap<string, readonly string[]>, tips: ReadonlyMap<string, ReadonlySet<string>>): Promise<void> {
    if (paths.size === 0) return;
    const { updatePaths } = await import('./paths.js');
    for (const repository of await updatePaths(this.client, this.repos, paths, tips)) this.dirty.add(repository);
  }

  /**
   * Asks GitHub what each GitHub reference (`owner/repo#N`) not asked about before names: an issue
   * (a ticket), a pull request or nothing (not tickets). Kept in the cache: the answer never changes.
   */
  async classifyReferences(): Promise<void> {
    const wanted = new Map<string, string[]>();
    for (const data of this.repos.values()) {
      const keys = new Set<string>();
      for (const c of data.commits) for (const r of c.tickets ?? []) if (r.kind === 'github') keys.add(r.key);
      for (const pr of data.pullRequests) for (const r of pr.tickets ?? []) if (r.kind === 'github') keys.add(r.key);
      const open = [...keys].filter((k) => !data.references?.[k]);
      if (open.length) wanted.set(data.repository, open);
    }
    if (wanted.size === 0) return;
    const { classifyReferences } = await import('./queries/references.js');
    const kinds = await classifyReferences(this.client, [...new Set([...wanted.values()].flat())]);
    for (const [repository, keys] of wanted) {
      const data = this.repos.get(repository)!;
      const found = keys.filter((k) => kinds.has(k));
      if (found.length === 0) continue;
      data.references = { ...(data.references ?? {}), ...Object.fromEntries(found.map((k) => [k, kinds.get(k)!])) };
      this.dirty.add(repository);
    }
  }

  /** Prunes each repository to what the next run needs (prune.ts), then writes the caches that changed. */
  async persist(tips: ReadonlyMap<string, ReadonlySet<string>>): Promise<void> {
    for (const [repository, data] of this.repos) {
      const own = tips.get(repository) ?? new Set<string>();
      // Nothing changed since it was last completed and pruned: pruning again would change nothing.
      if (!this.dirty.has(repository) && data.settled === settledKey(data, own)) continue;
      let pruned = pruneRepo(data, [...own], this.windowStart);
      if (this.completion?.settled.has(repository)) pruned = { ...pruned, settled: settledKey(pruned, own) };
      else if (pruned.settled) pruned = { ...pruned, settled: undefined };
      if (pruned.commits.length !== data.commits.length || pruned.pullRequests.length !== data.pullRequests.length || pruned.settled !== data.settled) {
        this.repos.set(repository, pruned);
        this.dirty.add(repository);
      }
    }
    await mapLimit([...this.dirty], 16, async (repository) => {
      const data = this.repos.get(repository);
      if (data) await writeRepoCache(this.options.cacheDir, data, this.key);
    });
    this.dirty.clear();
  }
}

export function mergeCommits(fresh: readonly CommitNode[], cached: readonly CommitNode[]): CommitNode[] {
  const seen = new Set<string>();
  const out: CommitNode[] = [];
  for (const c of [...fresh, ...cached]) {
    if (seen.has(c.oid)) continue;
    seen.add(c.oid);
    out.push(c);
  }
  return out;
}

function mergePullRequests(fresh: readonly PullRequestNode[], cached: readonly PullRequestNode[]): PullRequestNode[] {
  const byNumber = new Map<number, PullRequestNode>();
  for (const pr of cached) byNumber.set(pr.number, pr);
  for (const pr of fresh) byNumber.set(pr.number, pr);
  return [...byNumber.values()].sort((a, b) => b.number - a.number);
}
