import { graphql, GraphqlResponseError } from '@octokit/graphql';
import { SnapError, errorMessage } from '../../errors.js';
import { isShrinkable, rateLimitFromGraphql, rateLimitFromHttp, type RateLimitKind, type RateLimitSignal } from './rate-limit.js';
import { timeoutSignal } from '../../util/timeout-signal.js';

export interface GithubClientOptions {
  /** API base URL; GraphQL is served at `${url}/graphql`. */
  url: string;
  token: string;
  concurrency: number;
  timeoutMs: number;
  /** Total time the run may spend waiting for rate limits. */
  maxWaitMs: number;
  /** GitHub's secondary limit allows 2,000 points per minute; stay under this many. */
  pointsPerMinute?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRateLimit?: (wait: RateLimitWait) => void;
}

export interface RateLimitWait {
  kind: RateLimitKind | 'budget';
  at: string;
  waitMs: number;
  message: string;
}

export interface GraphqlError {
  type?: string;
  message: string;
  path?: (string | number)[];
}

export interface QueryResult<T> {
  data: T;
  /** Errors tied to a part of the answer (e.g. one repository of a batch that does not exist). */
  errors: GraphqlError[];
}

export interface RateLimitState {
  limit?: number;
  remaining?: number;
  resetAt?: string;
}

/** An answer with status 200 that is not GraphQL's JSON (an HTML page, a cut-off body). */
class NotAnAnswer extends Error {
  constructor() {
    super('not a GraphQL answer');
  }
}

/** The query was too big or too slow for GitHub; ask again with smaller pages. */
export class QueryTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryTooLargeError';
  }
}

const RETRIES = 3;
const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * GraphQL over @octokit/graphql with the rules a well-behaved GitHub client follows: bounded
 * concurrency, one rate-limit budget for the run (from `rateLimit { cost remaining resetAt }` in
 * every query), waits as long as GitHub says on primary, secondary and GraphQL rate limits (all
 * requests pause together), retries 5xx and network errors with back-off, and stops with a clear
 * error when a wait would exceed the configured cap.
 */
export class GithubClient {
  requests = 0;
  points = 0;
  waitedMs = 0;
  readonly waits: RateLimitWait[] = [];
  readonly rateLimit: RateLimitState = {};
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private pausedUntil = 0;
  /** Points spent per response over the last minute, for pacing under the secondary limit. */
  private readonly spent: { at: number; cost: number }[] = [];
  private readonly request: typeof graphql;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: GithubClientOptions) {
    this.request = graphql.defaults({
      baseUrl: options.url,
      headers: { authorization: `bearer ${options.token}`, 'user-agent': 'snap-delivery' },
      request: { hook: parseNatively },
    });
    this.sleep = options.sleep ?? sleepReal;
    this.now = options.now ?? Date.now;
  }

  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<QueryResult<T>> {
    await this.acquire();
    try {
      return await this.attempt<T>(query, variables);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  private async waitFor(signal: RateLimitSignal | { kind: 'budget'; waitMs: number; message: string }): Promise<void> {
    const waitMs = Math.max(0, Math.ceil(signal.waitMs));
    if (this.waitedMs + waitMs > this.options.maxWaitMs) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new SnapError('GITHUB_RATE_LIMITED', `GitHub rate limit (${signal.kind}): GitHub asks to wait ${seconds}s, which would exceed github.maxWaitSeconds (${Math.round(this.options.maxWaitMs / 1000)}s). ${signal.message}`, {
        hint: 'run again after the limit resets, raise github.maxWaitSeconds, or lower github.concurrency',
      });
    }
    const wait: RateLimitWait = { kind: signal.kind, at: new Date(this.now()).toISOString(), waitMs, message: signal.message };
    this.waits.push(wait);
    this.waitedMs += waitMs;
    this.options.onRateLimit?.(wait);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + waitMs);
    await this.sleep(waitMs);
  }

  private async attempt<T>(query: string, variables: Record<string, unknown>): Promise<QueryResult<T>> {
    let failures = 0;
    for (;;) {
      const pause = this.pausedUntil - this.now();
      if (pause > 0) await this.sleep(pause);
      await this.pace();
      if (this.rateLimit.remaining !== undefined && this.rateLimit.remaining <= 0 && this.rateLimit.resetAt) {
        await this.waitFor({ kind: 'budget', waitMs: Date.parse(this.rateLimit.resetAt) - this.now() + 1000, message: 'the hourly GraphQL budget is spent' });
        this.rateLimit.remaining = undefined;
      }
      this.requests++;
      try {
        const data = await this.requestWithin<T>(query, variables);
        // An HTML page or cut-off JSON with status 200 (a proxy, a GitHub incident) is no answer.
        if (data === null || typeof data !== 'object') throw new NotAnAnswer();
        this.account(data);
        return { data, errors: [] };
      } catch (error) {
        const outcome = await this.handle<T>(error, ++failures);
        if (outcome) return outcome;
      }
    }
  }

  /** One request under the time limit (`timeoutMs`), its timer stopped once it settles. */
  private async requestWithin<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const timeout = timeoutSignal(this.options.timeoutMs);
    try {
      return await this.request<T>(query, { ...variables, request: { signal: timeout.signal } });
    } finally {
      timeout.clear();
    }
  }

  /** Waits while the points spent in the last minute are at the per-minute cap. */
  private async pace(): Promise<void> {
    const cap = this.options.pointsPerMinute ?? 1800;
    for (;;) {
      const now = this.now();
      while (this.spent.length && this.spent[0].at <= now - 60_000) this.spent.shift();
      const used = this.spent.reduce((sum, s) => sum + s.cost, 0);
      if (used < cap || this.spent.length === 0) return;
      await this.sleep(this.spent[0].at + 60_000 - now + 10);
    }
  }

  private account(data: unknown): void {
    const rate = (data as { rateLimit?: { cost?: number; remaining?: number; resetAt?: string; limit?: number } } | null)?.rateLimit;
    if (!rate) return;
    if (typeof rate.cost === 'number') {
      this.points += rate.cost;
      this.spent.push({ at: this.now(), cost: rate.cost });
    }
    if (typeof rate.remaining === 'number') this.rateLimit.remaining = rate.remaining;
    if (rate.resetAt) this.rateLimit.resetAt = rate.resetAt;
    if (typeof rate.limit === 'number') this.rateLimit.limit = rate.limit;
  }

  /** Returns a result to hand back, returns undefined to try again, or throws. */
  private async handle<T>(error: unknown, failures: number): Promise<QueryResult<T> | undefined> {
    if (error instanceof NotAnAnswer || (error instanceof SyntaxError && /JSON/.test(error.message))) {
      // Retried like a 5xx; if it persists, said in words.
      if (failures >= RETRIES) {
        throw new SnapError('GITHUB_ERROR', `GitHub answered ${failures} times with something that is not a GraphQL answer (an HTML page, or JSON cut off)`, {
          hint: 'a proxy or load balancer in between may be answering instead of GitHub; check github.url and https://www.githubstatus.com',
        });
      }
      await this.sleep(250 * 2 ** (failures - 1));
      return undefined;
    }
    if (error instanceof GraphqlResponseError) {
      const errors = (error.errors ?? []) as GraphqlError[];
      const limited = rateLimitFromGraphql(errors, error.headers as Record<string, string>, this.now());
      if (limited) {
        await this.waitFor(limited);
        return undefined;
      }
      // Errors of some aliases beside data for the others (one repository's INTERNAL error): hand both
      // back, for that repository to be handled alone. A timeout of the whole query has no data.
      if (error.data && errors.every((e) => e.path && e.path.length > 0)) {
        this.account(error.data);
        return { data: error.data as T, errors };
      }
      if (isShrinkable(errors)) throw new QueryTooLargeError(errors.map((e) => e.message).join('; '));
      throw new SnapError('GITHUB_QUERY_FAILED', `GitHub rejected a query: ${errors.map((e) => e.message).join('; ')}`, {
        hint: 'this is a bug in snap if it persists; report it with the message above',
      });
    }
    const e = error as { name?: string; status?: number; message?: string; response?: { headers?: Record<string, string> } };
    const status = e.status ?? 0;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new QueryTooLargeError(`request timed out after ${this.options.timeoutMs} ms`);
    if (e.name === 'HttpError' && e.response) {
      if (status === 401) {
        throw new SnapError('GITHUB_UNAUTHORIZED', `GitHub rejected the token (401 ${e.message ?? 'Bad credentials'})`, {
          hint: 'set GITHUB_TOKEN (or GH_TOKEN) to a valid token with read access to the repositories, or run `gh auth login`',
        });
      }
      const limited = rateLimitFromHttp(status, e.response.headers ?? {}, e.message ?? '', this.now());
      if (limited) {
        await this.waitFor(limited);
        return undefined;
      }
      if (status === 403) {
        throw new SnapError('GITHUB_FORBIDDEN', `GitHub refused the request (403 ${e.message ?? ''})`, { hint: 'the token needs read access to the repositories (scope repo, or fine-grained: contents and pull requests read)' });
      }
      if (status === 502 || status === 504) {
        // GitHub answers 502 when a query runs too long (or briefly fails); after retries, a smaller query usually succeeds.
        if (failures >= RETRIES) throw new QueryTooLargeError(`GitHub answered ${status} ${failures} times`);
      } else if (status < 500 || failures >= RETRIES) {
        throw new SnapError('GITHUB_ERROR', `GitHub answered ${status}: ${e.message ?? ''}`.trim(), { hint: 'retry later; https://www.githubstatus.com shows outages' });
      }
    } else if (failures >= RETRIES) {
      throw new SnapError('GITHUB_UNREACHABLE', `cannot reach GitHub at ${this.options.url}: ${errorMessage(error)}`, {
        hint: 'check the network path, proxy settings and github.url',
      });
    }
    await this.sleep(250 * 2 ** (failures - 1));
    return undefined;
  }
}

/**
 * An Octokit request hook: the successful answer's body read as text and parsed with the native
 * `JSON.parse`. Octokit's own big-integer-safe parser overflows the stack on a long string (a 20 MB
 * commit message) and is several times slower; the numbers snap reads from GitHub's GraphQL answers
 * (counts, costs, `databaseId`) are far below 2^53, where a double is exact. A body that is not JSON
 * (an HTML page, a cut-off answer) is handed on as text, as Octokit does, and taken for no answer.
 */
async function parseNatively(
  request: (options: Record<string, unknown>) => Promise<{ data: unknown }>,
  options: Record<string, unknown> & { request?: Record<string, unknown> },
): Promise<{ data: unknown }> {
  const response = await request({ ...options, request: { ...options.request, parseSuccessResponseBody: false } });
  const body = response.data;
  const text = body == null ? '' : typeof body === 'string' ? body : await new Response(body as ReadableStream).text();
  try {
    const parsed: unknown = JSON.parse(text);
    // `null`, a number, a string: JSON, but no GraphQL answer either.
    return { ...response, data: parsed !== null && typeof parsed === 'object' ? parsed : text };
  } catch {
    return { ...response, data: text };
  }
}
