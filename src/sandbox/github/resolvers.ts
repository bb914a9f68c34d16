import { GraphQLError } from 'graphql';
import type { Fixture, FixtureRepository } from '../fixtures/types.js';

/** Plain objects whose function properties graphql-js calls as resolvers (args, context). */
export interface GithubContext {
  cost: number;
  rateLimit: { limit: number; remaining: number; resetAt: string; used: number };
}

interface PageArgs {
  first?: number;
  last?: number;
  after?: string;
}

const cursor = (index: number) => Buffer.from(`cursor:${index}`).toString('base64');
const fromCursor = (value: string | undefined) => (value ? Number(Buffer.from(value, 'base64').toString('utf8').split(':')[1]) + 1 : 0);

/** A connection over an in-memory list, with GitHub's rules for `first` / `last`. */
export function connection<T>(items: readonly T[], args: PageArgs, field: string) {
  if (args.first === undefined && args.last === undefined) {
    throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`, { extensions: { code: 'MISSING_PAGINATION_BOUNDARIES' } });
  }
  const size = args.first ?? args.last ?? 0;
  if (size > 100 || size < 0) {
    throw new GraphQLError(`Requesting ${size} records on the \`${field}\` connection exceeds the \`${args.first !== undefined ? 'first' : 'last'}\` limit of 100 records.`, { extensions: { code: 'EXCESSIVE_PAGINATION' } });
  }
  const start = fromCursor(args.after);
  const slice = items.slice(start, start + size);
  return {
    totalCount: items.length,
    nodes: slice,
    edges: slice.map((node, i) => ({ cursor: cursor(start + i), node })),
    pageInfo: {
      hasNextPage: start + size < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? cursor(start) : null,
      endCursor: slice.length ? cursor(start + slice.length - 1) : null,
    },
  };
}

function repositoryObject(owner: string, repo: FixtureRepository) {
  const head = repo.commits[repo.commits.length - 1];
  return {
    __typename: 'Repository',
    id: Buffer.from(`Repository:${owner}/${repo.name}`).toString('base64'),
    name: repo.name,
    nameWithOwner: `${owner}/${repo.name}`,
    url: `https://github.com/${owner}/${repo.name}`,
    description: repo.description ?? null,
    isArchived: repo.archived ?? false,
    isFork: repo.fork ?? false,
    isPrivate: true,
    pushedAt: head?.committedAt ?? null,
    updatedAt: head?.committedAt ?? null,
    primaryLanguage: repo.language ? { __typename: 'Language', name: repo.language } : null,
    owner: { __typename: 'Organization', login: owner },
    defaultBranchRef: {
      __typename: 'Ref',
      name: repo.defaultBranch,
      prefix: 'refs/heads/',
      target: head ? { __typename: 'Commit', oid: head.oid, committedDate: head.committedAt, messageHeadline: head.message.split('\n')[0] } : null,
    },
  };
}

export function rootValue(fixture: Fixture) {
  const repos = new Map(fixture.repositories.map((r) => [`${fixture.owner}/${r.name}`.toLowerCase(), r]));
  const organization = {
    __typename: 'Organization',
    login: fixture.owner,
    name: fixture.owner,
    repositories: (args: PageArgs) => connection(fixture.repositories.map((r) => repositoryObject(fixture.owner, r)), args, 'repositories'),
  };
  return {
    viewer: { __typename: 'User', login: 'sandbox-user', name: 'Sandbox User' },
    rateLimit: (_args: unknown, ctx: GithubContext) => ({ __typename: 'RateLimit', limit: ctx.rateLimit.limit, cost: ctx.cost, remaining: ctx.rateLimit.remaining, resetAt: ctx.rateLimit.resetAt, used: ctx.rateLimit.used, nodeCount: 0 }),
    organization: ({ login }: { login: string }) => (login.toLowerCase() === fixture.owner.toLowerCase() ? organization : null),
    repositoryOwner: ({ login }: { login: string }) => (login.toLowerCase() === fixture.owner.toLowerCase() ? organization : null),
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = repos.get(`${owner}/${name}`.toLowerCase());
      if (!repo) throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: 'NOT_FOUND' } });
      return repositoryObject(fixture.owner, repo);
    },
  };
}
