import type { TicketOptions } from '../../../core/tickets/extract.js';
import { commitTickets, pullRequestTickets } from '../../../core/tickets/find.js';
import type { CommitNode, PullRequestNode } from '../types.js';

/** Field sets shared by the queries, with the parsers for what they return. */
export const COMMIT_FIELDS = 'oid committedDate message author { name user { login } } parents(first: 5) { nodes { oid } }';
export const PULL_REQUEST_FIELDS = 'number title body headRefName mergedAt updatedAt author { login } mergeCommit { oid }';
export const TAG_FIELDS = 'name target { __typename oid ... on Tag { target { oid } } }';
export const RATE_LIMIT = 'rateLimit { cost remaining resetAt limit }';
export const PAGE_INFO = 'pageInfo { hasNextPage endCursor }';

export interface RawCommit {
  oid: string;
  committedDate: string;
  message: string;
  author: { name: string | null; user: { login: string } | null } | null;
  parents: { nodes: { oid: string }[] };
}

export interface RawPullRequest {
  number: number;
  title: string;
  body: string;
  headRefName: string;
  mergedAt: string | null;
  updatedAt: string;
  author: { login: string } | null;
  mergeCommit: { oid: string } | null;
}

export interface RawTag {
  name: string;
  target: { __typename: string; oid: string; target?: { oid: string } } | null;
}

export interface Page<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}

/** A commit as snap keeps it: the headline and the ticket references of its message. */
export function toCommit(c: RawCommit, tickets: TicketOptions): CommitNode {
  const end = c.message.indexOf('\n');
  const found = commitTickets(c.message, tickets);
  return {
    oid: c.oid,
    parents: c.parents.nodes.map((p) => p.oid),
    committedAt: c.committedDate,
    author: c.author?.user?.login ?? c.author?.name ?? 'unknown',
    headline: end >= 0 ? c.message.slice(0, end) : c.message,
    ...(found ? { tickets: found } : {}),
  };
}

/** A merged PR as snap keeps it: no body, only the ticket references found in it, its title and its branch. */
export function toPullRequest(pr: RawPullRequest, tickets: TicketOptions): PullRequestNode {
  const found = pullRequestTickets(pr, tickets);
  return {
    number: pr.number,
    title: pr.title,
    headRefName: pr.headRefName,
    mergedAt: pr.mergedAt ?? pr.updatedAt,
    updatedAt: pr.updatedAt,
    author: pr.author?.login ?? 'ghost',
    ...(pr.mergeCommit ? { mergeCommit: pr.mergeCommit.oid } : {}),
    ...(found ? { tickets: found } : {}),
  };
}

/** An annotated tag points at a Tag object; the commit is its target. */
export const tagCommit = (t: RawTag): string | undefined => (t.target?.__typename === 'Tag' ? t.target.target?.oid : t.target?.oid);

/** A GraphQL string literal (JSON strings are valid GraphQL strings). */
export const str = (value: string) => JSON.stringify(value);

export const splitRepository = (repository: string) => {
  const [owner, name] = repository.split('/');
  return { owner, name };
};
