/**
 * Reading GitHub's rate-limit signals. A rate-limit answer is never "not found" and never a plain
 * failure: it says how long to wait. Primary limit: 403/429 with `x-ratelimit-remaining: 0` and
 * `x-ratelimit-reset`; secondary limit: 403/429 with `retry-after` (or the "secondary rate limit"
 * message without it); GraphQL: HTTP 200 with an error of type `RATE_LIMITED`.
 */
export type RateLimitKind = 'primary' | 'secondary' | 'graphql';

export interface RateLimitSignal {
  kind: RateLimitKind;
  /** How long GitHub asks us to wait. */
  waitMs: number;
  message: string;
}

type Headers = Record<string, string | number | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return value === undefined ? undefined : String(value);
};

/** Without a hint, GitHub's documentation says to wait at least one minute for a secondary limit. */
export const SECONDARY_DEFAULT_WAIT_MS = 60_000;

function untilReset(headers: Headers, now: number): number | undefined {
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) + 1000 : undefined;
}

export function rateLimitFromHttp(status: number, headers: Headers, message: string, now: number): RateLimitSignal | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = Number(header(headers, 'retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && header(headers, 'retry-after') !== undefined) {
    return { kind: 'secondary', waitMs: retryAfter * 1000, message };
  }
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    return { kind: 'primary', waitMs: untilReset(headers, now) ?? SECONDARY_DEFAULT_WAIT_MS, message };
  }
  if (/rate limit/i.test(message) || status === 429) return { kind: 'secondary', waitMs: SECONDARY_DEFAULT_WAIT_MS, message };
  return undefined;
}

export function rateLimitFromGraphql(errors: readonly { type?: string; message?: string }[], headers: Headers, now: number): RateLimitSignal | undefined {
  const limited = errors.find((e) => e.type === 'RATE_LIMITED');
  if (!limited) return undefined;
  const retryAfter = Number(header(headers, 'retry-after'));
  const waitMs = Number.isFinite(retryAfter) && header(headers, 'retry-after') !== undefined ? retryAfter * 1000 : (untilReset(headers, now) ?? SECONDARY_DEFAULT_WAIT_MS);
  return { kind: 'graphql', waitMs, message: limited.message ?? 'RATE_LIMITED' };
}

/** Errors GitHub gives for a query that was too big or too slow: retry with smaller pages. */
export function isShrinkable(errors: readonly { type?: string; message?: string }[]): boolean {
  return errors.some(
    (e) =>
      e.type === 'MAX_NODE_LIMIT_EXCEEDED' ||
      e.type === 'RESOURCE_LIMITS_EXCEEDED' ||
      /timeout|timed out|something went wrong while executing your query|resource limits/i.test(e.message ?? ''),
  );
}
