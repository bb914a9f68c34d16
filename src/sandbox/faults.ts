/** Faults a simulated cluster can be told to show; each can be changed while the sandbox runs. */
export interface KubeFaults {
  /** Added before every answer. */
  latencyMs?: number;
  /** Stop listening: clients get "connection refused". */
  unreachable?: boolean;
  /** Answer 401 to everything. */
  unauthorized?: boolean;
  /** 403 for every list (`all`) or only for cluster-wide lists (`cluster-scope`). */
  forbidden?: 'all' | 'cluster-scope';
  /** Share of requests (0..1) answered with a 5xx. */
  errorRate?: number;
  /** Answer the next N requests with a 503. */
  failNext?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
  /** The next N continue tokens presented are answered with 410 Gone. */
  expireContinueTokens?: number;
}

export interface RequestCounters {
  total: number;
  byRoute: Record<string, number>;
}

export function newCounters(): RequestCounters {
  return { total: 0, byRoute: {} };
}

export function count(counters: RequestCounters, route: string): void {
  counters.total++;
  counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
