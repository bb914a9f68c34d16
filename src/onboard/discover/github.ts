import type { GithubClient } from '../../sources/github/client.js';
import { RATE_LIMIT, str } from '../../sources/github/queries/fragments.js';
import type { DiscoveredRepo } from '../types.js';
import { usageError } from '../../errors.js';

/**
 * Repositories, owners and teams, through the engine's rate-limit-aware GraphQL client. One page of
 * 50 repositories costs about one point (topics and recent PR titles, branches and bodies included).
 */
export async function listOwners(client: GithubClient): Promise<{ viewer: string; organizations: string[] }> {
  const { data } = await client.query<{ viewer: { login: string; organizations: { nodes: { login: string }[] } } }>(
    `query Owners { ${RATE_LIMIT} viewer { login organizations(first: 100) { nodes { login } } } }`,
  );
  return { viewer: data.viewer.login, organizations: data.viewer.organizations.nodes.map((o) => o.login).sort() };
}

interface RawRepo {
  name: string;
  description: string | null;
  primaryLanguage: { name: string } | null;
  pushedAt: string | null;
  isArchived: boolean;
  isFork: boolean;
  repositoryTopics: { nodes: { topic: { name: string } }[] };
  defaultBranchRef: { name: string } | null;
  pullRequests: { nodes: { title: string; headRefName: string; body: string }[] };
}

const REPO_PAGE = 50;

interface RepoPage {
  repositoryOwner: { repositories: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RawRepo[] } } | null;
}

export async function listRepositories(client: GithubClient, owner: string, onPage?: (count: number) => void, maxPages = 200): Promise<DiscoveredRepo[]> {
  const repos: DiscoveredRepo[] = [];
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const result: { data: RepoPage } = await client.query<RepoPage>(
      `query Repositories($after: String) { ${RATE_LIMIT}
        repositoryOwner(login: ${str(owner)}) {
          repositories(first: ${REPO_PAGE}, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes {
              name description pushedAt isArchived isFork
              primaryLanguage { name }
              defaultBranchRef { name }
              repositoryTopics(first: 10) { nodes { topic { name } } }
              pullRequests(first: 20, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { title headRefName body } }
            }
          }
        }
      }`,
      { after },
    );
    const connection = result.data.repositoryOwner?.repositories;
    if (!connection && page === 0) {
      throw usageError(`GitHub has no user or organisation "${owner}" that this token can see`, 'check --owner (the login, as in github.com/<owner>); a private organisation needs a token it has approved');
    }
    if (!connection) break;
    for (const r of connection.nodes) {
      repos.push({
        repository: `${owner}/${r.name}`,
        name: r.name,
        ...(r.description ? { description: r.description } : {}),
        ...(r.primaryLanguage ? { language: r.primaryLanguage.name } : {}),
        ...(r.pushedAt ? { pushedAt: r.pushedAt } : {}),
        archived: r.isArchived,
        fork: r.isFork,
        topics: r.repositoryTopics.nodes.map((t) => t.topic.name),
        teams: [],
        ...(r.defaultBranchRef ? { defaultBranch: r.defaultBranchRef.name } : {}),
        recentPullRequests: r.pullRequests.nodes,
      });
    }
    onPage?.(repos.length);
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return repos;
}

/** Team slug → repository names, for an organisation (empty for a user). */
export async function listTeams(client: GithubClient, owner: string): Promise<Map<string, string[]>> {
  const { data } = await client.query<{ organization: { teams: { nodes: { slug: string; repositories: { nodes: { name: string }[] } }[] } } | null }>(
    `query Teams { ${RATE_LIMIT} organization(login: ${str(owner)}) { teams(first: 100) { nodes { slug repositories(first: 100) { nodes { name } } } } } }`,
  ).catch(() => ({ data: { organization: null } }));
  const teams = new Map<string, string[]>();
  for (const team of data.organization?.teams.nodes ?? []) teams.set(team.slug, team.repositories.nodes.map((r) => r.name));
  return teams;
}

export async function discoverGithub(client: GithubClient, owner: string, onPage?: (count: number) => void): Promise<DiscoveredRepo[]> {
  const [repos, teams] = await Promise.all([listRepositories(client, owner, onPage), listTeams(client, owner)]);
  for (const [slug, names] of teams) for (const repo of repos) if (names.includes(repo.name)) repo.teams.push(slug);
  return repos.sort((a, b) => a.name.localeCompare(b.name));
}

/** Top-level folders, and the folders inside them, of one repository's default branch, from a GraphQL Tree. */
interface RawTree {
  entries: { name: string; type: string; object: { entries?: { name: string; type: string }[] } | null }[];
}

/**
 * Folders two levels deep (`services`, `services/auth`) of each named repository's default branch,
 * 20 repositories per query (about one point each): where a monorepo's `paths:` are proposed from.
 * A repository that cannot be read is left without folders.
 */
export async function listFolders(client: GithubClient, owner: string, names: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < names.length; i += 20) {
    const batch = names.slice(i, i + 20);
    const fields = batch
      .map((name, j) => `r${j}: repository(owner: ${str(owner)}, name: ${str(name)}) { object(expression: "HEAD:") { ... on Tree { entries { name type object { ... on Tree { entries { name type } } } } } } }`)
      .join('\n');
    const result = await client.query<Record<string, { object: RawTree | null } | null>>(`query Folders { ${RATE_LIMIT} ${fields} }`).catch(() => undefined);
    batch.forEach((name, j) => {
      const tree = result?.data[`r${j}`]?.object;
      if (!tree?.entries) return;
      const folders: string[] = [];
      for (const e of tree.entries.filter((x) => x.type === 'tree')) {
        folders.push(e.name);
        for (const inner of e.object?.entries ?? []) if (inner.type === 'tree') folders.push(`${e.name}/${inner.name}`);
      }
      out.set(name, folders);
    });
  }
  return out;
}
