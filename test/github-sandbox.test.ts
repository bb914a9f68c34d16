import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCost } from '../src/sandbox/github/cost.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => t?.close());

async function graphql(query: string, variables: Record<string, unknown> = {}, token = t.sandbox.githubToken) {
  const response = await fetch(t.sandbox.github.url, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('simulated GitHub GraphQL', () => {
  it('executes a valid query over the fixture organisation, with pagination and rate-limit figures', async () => {
    const query = `query($owner: String!, $after: String) {
      organization(login: $owner) {
        repositories(first: 10, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { nameWithOwner primaryLanguage { name } defaultBranchRef { name target { ... on Commit { oid } } } }
        }
      }
      rateLimit { cost remaining resetAt }
    }`;
    const first = await graphql(query, { owner: 'acme' });
    expect(first.status).toBe(200);
    const repos = first.body.data.organization.repositories;
    expect(repos.totalCount).toBe(15);
    expect(repos.nodes).toHaveLength(10);
    expect(repos.pageInfo.hasNextPage).toBe(true);
    const second = await graphql(query, { owner: 'acme', after: repos.pageInfo.endCursor });
    expect(second.body.data.organization.repositories.nodes).toHaveLength(5);
    const repo = t.sandbox.fixture.repositories[0];
    expect(repos.nodes[0]).toEqual({
      nameWithOwner: `acme/${repo.name}`,
      primaryLanguage: { name: repo.language },
      defaultBranchRef: { name: 'main', target: { oid: repo.commits[repo.commits.length - 1].oid } },
    });
    expect(first.body.data.rateLimit).toMatchObject({ cost: 1, remaining: 4999 });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4999');
  });

  it('rejects a query that GitHub\'s schema rejects', async () => {
    const { status, body } = await graphql('{ repository(owner: "acme", name: "payments-api") { name starCount } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/^Cannot query field "starCount" on type "Repository"\./);
  });

  it('enforces GitHub pagination rules and reports missing repositories as NOT_FOUND', async () => {
    const unbounded = await graphql('{ organization(login: "acme") { repositories { totalCount } } }');
    expect(unbounded.body.errors[0].message).toMatch(/You must provide a `first` or `last` value/);
    const tooMany = await graphql('{ organization(login: "acme") { repositories(first: 101) { totalCount } } }');
    expect(tooMany.body.errors[0].message).toMatch(/exceeds the `first` limit of 100 records/);
    const missing = await graphql('{ repository(owner: "acme", name: "nope") { name } }');
    expect(missing.body.errors[0]).toMatchObject({ type: 'NOT_FOUND' });
  });

  it('answers 401 to a bad token and rate limits when told to', async () => {
    const bad = await graphql('{ viewer { login } }', {}, 'wrong');
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe('Bad credentials');
    t.sandbox.github.faults.rateLimit = { kind: 'secondary', times: 1, retryAfterSeconds: 3 };
    const limited = await graphql('{ viewer { login } }');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('3');
    t.sandbox.github.faults.rateLimit = { kind: 'primary', times: 1, status: 429, retryAfterSeconds: 60 };
    const primary = await graphql('{ viewer { login } }');
    expect(primary.status).toBe(429);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(primary.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 + 30);
    t.sandbox.github.faults.rateLimit = { kind: 'graphql', times: 1 };
    expect((await graphql('{ viewer { login } }')).body.errors[0].type).toBe('RATE_LIMITED');
    expect((await graphql('{ viewer { login } }')).body.data.viewer.login).toBe('sandbox-user');
  });

  it('costs queries like GitHub: nested connections multiply, divided by 100, at least 1', () => {
    expect(queryCost(parse('{ viewer { login } }')).cost).toBe(1);
    const nested = parse('{ organization(login: "a") { repositories(first: 100) { nodes { pullRequests(first: 50) { nodes { commits(first: 10) { totalCount } } } } } } }');
    // 1 + 100 + 100*50 = 5101 requests → 51 points; nodes 100 + 5000 + 50000
    expect(queryCost(nested)).toEqual({ cost: 51, nodes: 55_100, largestPage: 100 });
    expect(queryCost(parse('query($n: Int!) { organization(login: "a") { repositories(first: $n) { totalCount } } }'), { n: 30 }).cost).toBe(1);
  });
});
