import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Fixture, FixtureCommit, FixturePullRequest, FixtureRepository } from '../fixtures/types.js';
import { GitIndex } from './git-index.js';

/** Plain objects whose function properties graphql-js calls as resolvers (args, context). */
export interface GithubContext {
  cost: number;
  rateLimit: { limit: number; remaining: number; resetAt: string; used: number };
  /** A fault: answer this repository with an error of this type (GitHub's INTERNAL, a timeout…), as GitHub does for one alias of a query. */
  failRepository?: (owner: string, name: string) => string | undefined;
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

/**
 * A connection over a list produced on demand (a history walk): only the items up to the page's
 * end (and one more, for `hasNextPage`) are produced, and `totalCount` walks to the end only when
 * it is asked for.
 */
function lazyConnection<T, N>(upTo: (n: number) => readonly T[], total: () => number, args: PageArgs, field: string, toNode: (item: T) => N) {
  const size = args.first ?? args.last;
  if (size === undefined) throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`, { extensions: { code: 'MISSING_PAGINATION_BOUNDARIES' } });
  if (size > 100 || size < 0) {
    throw new GraphQLError(`Requesting ${size} records on the \`${field}\` connection exceeds the \`${args.first !== undefined ? 'first' : 'last'}\` limit of 100 records.`, { extensions: { code: 'EXCESSIVE_PAGINATION' } });
  }
  if (args.last !== undefined) return connection(upTo(Infinity).map(toNode), args, field);
  const start = fromCursor(args.after);
  const items = upTo(start + size + 1);
  const slice = items.slice(start, start + size).map(toNode);
  return {
    totalCount: total,
    nodes: slice,
    edges: slice.map((node, i) => ({ cursor: cursor(start + i), node })),
    pageInfo: {
      hasNextPage: items.length > start + size,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? cursor(start) : null,
      endCursor: slice.length ? cursor(start + slice.length - 1) : null,
    },
  };
}

const email = (login: string) => `${login}@users.noreply.github.com`;

function commitObject(owner: string, repo: FixtureRepository, git: GitIndex, c: FixtureCommit): Record<string, unknown> {
  const [headline, ...rest] = c.message.split('\n');
  return {
    __typename: 'Commit',
    id: Buffer.from(`Commit:${owner}/${repo.name}:${c.oid}`).toString('base64'),
    oid: c.oid,
    abbreviatedOid: c.oid.slice(0, 7),
    committedDate: c.committedAt,
    authoredDate: c.committedAt,
    pushedDate: c.committedAt,
    message: c.message,
    messageHeadline: headline,
    messageBody: rest.join('\n').trim(),
    url: `https://github.com/${owner}/${repo.name}/commit/${c.oid}`,
    author: { __typename: 'GitActor', name: c.author, email: email(c.author), date: c.committedAt, user: { __typename: 'User', login: c.author } },
    committer: { __typename: 'GitActor', name: c.author, email: email(c.author), date: c.committedAt, user: { __typename: 'User', login: c.author } },
    parents: (args: PageArgs) => connection(c.parents.map((oid) => ({ __typename: 'Commit', oid, abbreviatedOid: oid.slice(0, 7) })), args, 'parents'),
    history: (args: PageArgs & { since?: string; until?: string; path?: string }) => {
      const filters = { since: args.since, until: args.until, path: args.path };
      return lazyConnection((upTo) => git.history(c.oid, filters, upTo), () => git.historyCount(c.oid, filters), args, 'history', (h) => commitObject(owner, repo, git, h));
    },
  };
}

interface OrderArgs extends PageArgs {
  orderBy?: { field: string; direction: 'ASC' | 'DESC' };
}

/**
 * A folder of the repository as a GraphQL Tree: its entries are the files and folders the
 * repository's commits touched under it (the fixture keeps changed paths, not whole trees, so a
 * file no commit touched is absent). Null for a path that is no folder, as GitHub answers.
 */
const sha1Hex = (text: string) => createHash('sha1').update(text).digest('hex');

function treeObject(repo: FixtureRepository, dir: string): Record<string, unknown> | null {
  const files = new Set(repo.commits.flatMap((c) => c.files ?? []));
  const prefix = dir ? `${dir}/` : '';
  const entries = new Map<string, 'tree' | 'blob'>();
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const slash = rest.indexOf('/');
    entries.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 && entries.get(rest) !== 'tree' ? 'blob' : 'tree');
  }
  if (dir && entries.size === 0) return null;
  return {
    __typename: 'Tree',
    oid: sha1Hex(`${repo.name}:${dir}`),
    entries: [...entries]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([name, type]) => ({
        __typename: 'TreeEntry',
        name,
        type,
        path: `${prefix}${name}`,
        mode: type === 'tree' ? 16384 : 33188,
        object: () => (type === 'tree' ? treeObject(repo, `${prefix}${name}`) : { __typename: 'Blob', oid: sha1Hex(`${repo.name}:${prefix}${name}`) }),
      })),
  };
}

function repositoryObject(owner: string, repo: FixtureRepository, git: GitIndex) {
  const head = git.head;
  const asCommit = (c: FixtureCommit | undefined) => (c ? commitObject(owner, repo, git, c) : null);
  const updatedAt = (pr: FixturePullRequest) => pr.updatedAt ?? pr.mergedAt ?? head?.committedAt ?? '1970-01-01T00:00:00Z';
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
    repositoryTopics: (args: PageArgs) =>
      connection((repo.topics ?? []).map((name) => ({ __typename: 'RepositoryTopic', topic: { __typename: 'Topic', name } })), args, 'repositoryTopics'),
    owner: { __typename: 'Organization', login: owner },
    defaultBranchRef: { __typename: 'Ref', name: repo.defaultBranch, prefix: 'refs/heads/', target: () => asCommit(git.head) },
    object: ({ oid, expression }: { oid?: string; expression?: string }) => {
      // `HEAD:services` (a revision, a colon, a path) names a Tree; anything else a commit.
      const tree = expression !== undefined ? /^([^:]*):(.*)$/.exec(expression) : null;
      if (tree) return treeObject(repo, tree[2].replace(/^\/+|\/+$/g, ''));
      return asCommit(oid ? git.commit(oid) : expression ? git.resolve(expression) : undefined);
    },
    issueOrPullRequest: ({ number }: { number: number }) => {
      const pr = repo.pullRequests.find((p) => p.number === number);
      if (pr) return { __typename: 'PullRequest', number, title: pr.title, state: pr.state };
      const issue = repo.issues?.find((i) => i.number === number);
      return issue ? { __typename: 'Issue', number, title: issue.title, state: issue.state } : null;
    },
    refs: (args: OrderArgs & { refPrefix: string }) => {
      if (args.refPrefix !== 'refs/tags/') return connection([], args, 'refs');
      const tags = repo.tags.map((t) => ({ tag: t, commit: git.commit(t.oid) }));
      if (args.orderBy?.field === 'TAG_COMMIT_DATE') tags.sort((a, b) => Date.parse(a.commit?.committedAt ?? '0') - Date.parse(b.commit?.committedAt ?? '0'));
      else tags.sort((a, b) => a.tag.name.localeCompare(b.tag.name));
      if (args.orderBy?.direction === 'DESC') tags.reverse();
      return connection(tags.map(({ tag, commit }) => ({ __typename: 'Ref', name: tag.name, prefix: 'refs/tags/', target: asCommit(commit) })), args, 'refs');
    },
    pullRequests: (args: OrderArgs & { states?: string[]; baseRefName?: string }) => {
      let list = repo.pullRequests.filter((pr) => !args.states || args.states.includes(pr.state));
      if (args.baseRefName) list = list.filter(() => args.baseRefName === repo.defaultBranch);
      const field = args.orderBy?.field ?? 'CREATED_AT';
      const key = (pr: FixturePullRequest) => (field === 'UPDATED_AT' ? Date.parse(updatedAt(pr)) : pr.number);
      list = [...list].sort((a, b) => key(a) - key(b) || a.number - b.number);
      if (args.orderBy?.direction === 'DESC') list.reverse();
      return connection(
        list.map((pr) => ({
          __typename: 'PullRequest',
          id: Buffer.from(`PullRequest:${owner}/${repo.name}#${pr.number}`).toString('base64'),
          number: pr.number,
          title: pr.title,
          body: pr.body,
          headRefName: pr.headRefName,
          baseRefName: repo.defaultBranch,
          state: pr.state,
          merged: pr.state === 'MERGED',
          mergedAt: pr.mergedAt ?? null,
          updatedAt: updatedAt(pr),
          createdAt: pr.mergedAt ?? updatedAt(pr),
          url: `https://github.com/${owner}/${repo.name}/pull/${pr.number}`,
          author: { __typename: 'User', login: pr.author },
          mergeCommit: pr.mergeCommit ? asCommit(git.commit(pr.mergeCommit)) : null,
        })),
        args,
        'pullRequests',
      );
    },
  };
}

export function rootValue(fixture: Fixture) {
  const indexes = new Map<FixtureRepository, GitIndex>();
  const gitOf = (repo: FixtureRepository) => {
    let git = indexes.get(repo);
    if (!git) indexes.set(repo, (git = new GitIndex(repo)));
    return git;
  };
  const find = (owner: string, name: string) =>
    owner.toLowerCase() === fixture.owner.toLowerCase() ? fixture.repositories.find((r) => r.name.toLowerCase() === name.toLowerCase()) : undefined;
  const teams = () => {
    const names = [...new Set(fixture.repositories.map((r) => r.team).filter((t): t is string => Boolean(t)))].sort();
    return names.map((slug) => ({
      __typename: 'Team',
      slug,
      name: slug,
      repositories: (args: PageArgs) =>
        connection(fixture.repositories.filter((r) => r.team === slug).map((r) => repositoryObject(fixture.owner, r, gitOf(r))), args, 'repositories'),
    }));
  };
  const organization = {
    __typename: 'Organization',
    login: fixture.owner,
    name: fixture.owner,
    repositories: (args: PageArgs & { isArchived?: boolean; isFork?: boolean }) =>
      connection(
        fixture.repositories
          .filter((r) => (args.isArchived === undefined || (r.archived ?? false) === args.isArchived) && (args.isFork === undefined || (r.fork ?? false) === args.isFork))
          .map((r) => repositoryObject(fixture.owner, r, gitOf(r))),
        args,
        'repositories',
      ),
    teams: (args: PageArgs) => connection(teams(), args, 'teams'),
  };
  return {
    viewer: {
      __typename: 'User',
      login: 'sandbox-user',
      name: 'Sandbox User',
      organizations: (args: PageArgs) => connection([organization], args, 'organizations'),
    },
    rateLimit: (_args: unknown, ctx: GithubContext) => ({ __typename: 'RateLimit', limit: ctx.rateLimit.limit, cost: ctx.cost, remaining: ctx.rateLimit.remaining, resetAt: ctx.rateLimit.resetAt, used: ctx.rateLimit.used, nodeCount: 0 }),
    organization: ({ login }: { login: string }) => (login.toLowerCase() === fixture.owner.toLowerCase() ? organization : null),
    repositoryOwner: ({ login }: { login: string }) => (login.toLowerCase() === fixture.owner.toLowerCase() ? organization : null),
    repository: ({ owner, name }: { owner: string; name: string }, ctx: GithubContext) => {
      const fault = ctx?.failRepository?.(owner, name);
      // GitHub's words for each kind: NOT_FOUND names the repository, an internal error does not.
      if (fault === 'NOT_FOUND') throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: fault } });
      if (fault) throw new GraphQLError('Something went wrong while executing your query. Please include `8A2C:1F3E:5D` when reporting this issue.', { extensions: { type: fault } });
      const repo = find(owner, name);
      if (!repo) throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, { extensions: { type: 'NOT_FOUND' } });
      return repositoryObject(fixture.owner, repo, gitOf(repo));
    },
  };
}
