import type { TicketOptions } from '../../../core/tickets/extract.js';
import type { GithubClient } from '../client.js';
import type { CommitNode } from '../types.js';
import { COMMIT_FIELDS, PAGE_INFO, RATE_LIMIT, splitRepository, str, toCommit, type Page, type RawCommit } from './fragments.js';

/**
 * Resolves revision expressions (an abbreviated or full SHA, a tag name) that the cached window does
 * not hold, and reads one page of history from each found commit so it joins the local graph:
 * a deployment may run a commit older than the window, or one from outside the default branch.
 */
export interface Lookup {
  repository: string;
  expression: string;
}

export interface LookupResult extends Lookup {
  commit?: CommitNode;
  history: CommitNode[];
  /** Length of the commit's whole history (GitHub's `history.totalCount`). */
  totalCount?: number;
}

type RawLookup = (RawCommit & { history: Page<RawCommit> & { totalCount?: number } }) | null;

export function lookupQuery(lookups: readonly Lookup[]): string {
  const byRepo = new Map<string, { expression: string; index: number }[]>();
  lookups.forEach((l, index) => byRepo.set(l.repository, [...(byRepo.get(l.repository) ?? []), { expression: l.expression, index }]));
  const parts = [...byRepo.entries()].map(([repository, items], r) => {
    const { owner, name } = splitRepository(repository);
    const objects = items.map((item) => `l${item.index}: object(expression: ${str(item.expression)}) { ... on Commit { ...C history(first: $n) { totalCount ${PAGE_INFO} nodes { ...C } } } }`);
    return `r${r}: repository(owner: ${str(owner)}, name: ${str(name)}) {\n    ${objects.join('\n    ')}\n  }`;
  });
  return `query CommitLookup($n: Int!) {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}\nfragment C on Commit { ${COMMIT_FIELDS} }`;
}

export async function lookupCommits(client: GithubClient, lookups: readonly Lookup[], pageSize: number, tickets: (repository: string) => TicketOptions): Promise<LookupResult[]> {
  if (lookups.length === 0) return [];
  const { data } = await client.query<Record<string, Record<string, RawLookup> | null>>(lookupQuery(lookups), { n: pageSize });
  const repos = [...new Set(lookups.map((l) => l.repository))];
  return lookups.map((lookup, index) => {
    const raw = data[`r${repos.indexOf(lookup.repository)}`]?.[`l${index}`];
    if (!raw?.oid) return { ...lookup, history: [] };
    const options = tickets(lookup.repository);
    return { ...lookup, commit: toCommit(raw, options), history: raw.history.nodes.map((c) => toCommit(c, options)), ...(raw.history.totalCount !== undefined ? { totalCount: raw.history.totalCount } : {}) };
  });
}
