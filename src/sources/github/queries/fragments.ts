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

const REVERTS = /This reverts commit ([0-9a-f]{7,40})/g;
const PICKED = /\(cherry picked from commit ([0-9a-f]{7,40})\)/g;
/** `Revert "…"` as git and GitHub write it; the merge of GitHub's revert PR names a `revert-N-…` branch. */
const REVERT_SUBJECT = /^(?:Revert\b|Reapply\b|Merge pull request #\d+ from \S+?\/revert-\d+-)/;

/**
 * A commit as snap keeps it: the headline, the ticket references of its message, and what the
 * message says it reverts (`This reverts commit <sha>.`) or was cherry-picked from
 * (`(cherry picked from commit <sha>)`, git cherry-pick -x). A revert carries no tickets: what it
 * names is what it undoes. Times are kept in UTC.
 */
export function toCommit(c: RawCommit, tickets: TicketOptions): CommitNode {
  const end = c.message.indexOf('\n');
  const headline = end >= 0 ? c.message.slice(0, end) : c.message;
  const body = end >= 0 ? c.message.slice(end + 1) : '';
  const reverts = [...new Set([...c.message.matchAll(REVERTS)].map((m) => m[1]))];
  const isRevert = REVERT_SUBJECT.test(headline) || /^Revert "/m.test(body.trimStart().split('\n')[0] ?? '');
  const cherryPickOf = [...new Set([...c.message.matchAll(PICKED)].map((m) => m[1]))];
  const found = isRevert || reverts.length ? undefined : commitTickets(c.message, tickets);
  return {
    oid: c.oid,
    parents: c.parents.nodes.map((p) => p.oid),
    committedAt: utc(c.committedDate),
    author: c.author?.user?.login ?? c.author?.name ?? 'unknown',
    headline,
    ...(found ? { tickets: found } : {}),
    ...(reverts.length ? { reverts } : {}),
    ...(isRevert ? { isRevert } : {}),
    ...(cherryPickOf.length ? { cherryPickOf } : {}),
  };
}

const utc = (time: string) => {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
};

const REVERTS_PR = /^Reverts (?:([\w.-]+\/[\w.-]+))?#(\d+)/m;

/**
 * A merged PR as snap keeps it: no body, only the ticket references found in it, its title and its
 * branch. GitHub's revert PR (title `Revert "…"`, body `Reverts owner/repo#N`, branch `revert-N-…`)
 * carries no tickets and records the PR it reverts.
 */
export function toPullRequest(pr: RawPullRequest, tickets: TicketOptions): PullRequestNode {
  const named = REVERTS_PR.exec(pr.body ?? '');
  const sameRepo = named && (!named[1] || named[1].toLowerCase() === tickets.repository?.toLowerCase());
  const branch = /(?:^|\/)revert-(\d+)-/.exec(pr.headRefName);
  const revertsPr = sameRepo ? Number(named![2]) : branch ? Number(branch[1]) : /^Revert "/.test(pr.title) ? 0 : undefined;
  const found = revertsPr === undefined ? pullRequestTickets(pr, tickets) : undefined;
  return {
    // number and title first: store/github-cache.ts reads titles from the start of each object.
    number: pr.number,
    title: pr.title,
    headRefName: pr.headRefName,
    mergedAt: utc(pr.mergedAt ?? pr.updatedAt),
    updatedAt: utc(pr.updatedAt),
    author: pr.author?.login ?? 'ghost',
    ...(pr.mergeCommit ? { mergeCommit: pr.mergeCommit.oid } : {}),
    ...(found ? { tickets: found } : {}),
    ...(revertsPr !== undefined ? { revertsPr } : {}),
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
