import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { SnapError } from '../src/errors.js';
import { pushChanges } from '../src/sandbox/fixtures/generate.js';
import { sha256 } from '../src/sandbox/fixtures/random.js';
import { GitIndex } from '../src/sandbox/github/git-index.js';
import { githubSchema } from '../src/sandbox/github/server.js';
import { GithubClient } from '../src/sources/github/client.js';
import { lookupQuery } from '../src/sources/github/queries/commit-lookup.js';
import { deepenQuery } from '../src/sources/github/queries/deepen.js';
import { pathQuery } from '../src/sources/github/queries/path-history.js';
import { referencesQuery } from '../src/sources/github/queries/references.js';
import { pageQuery } from '../src/sources/github/queries/repo-pages.js';
import { stateQuery } from '../src/sources/github/queries/repo-state.js';
import { readRunLog } from '../src/store/run-log.js';
import { demoFixture, startTestSandbox, testClock, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Records the waits instead of sleeping, so rate-limit tests take no time. */
function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

async function run(extra: Record<string, unknown> = {}, sleep?: (ms: number) => Promise<void>) {
  const config = await t!.config(extra);
  return runSnapshot(config, { progress: silentProgress, githubToken: t!.sandbox.githubToken, now: testClock, ...(sleep ? { sleep } : {}) });
}

describe('GitHub collector, incremental', () => {
  it('reads everything cold, one cheap query warm, and only the changed repository after a push', async () => {
    t = await startTestSandbox();
    const cold = await run();
    const gh = cold.snapshot.sources.github!;
    expect(gh).toMatchObject({ status: 'ok', repositories: 15, fetched: 15, unchanged: 0, rebuilt: 15 });
    // One state query for 15 repositories, then 2 batches of up to 10 repositories, one page each;
    // then one look past where each window ends (a wrong date must not cut it) and the history
    // lengths that prove the deployed commits' ancestry exact (src/core/graph), batched.
    const byQuery = t.sandbox.github.stats.byRoute;
    expect([byQuery['query RepositoryState'], byQuery['query RepositoryPages']]).toEqual([1, 2]);
    expect(byQuery['query History']).toBeLessThanOrEqual(3);
    expect(gh.requests).toBe(3 + byQuery['query History']);
    expect(gh.deepened).toBeGreaterThanOrEqual(15);
    expect(gh.deepened).toBeLessThanOrEqual(30);
    const repo = t.sandbox.fixture.repositories.find((r) => r.name === 'payments-api')!;
    // The window is the 60 days before the run; the fixture was made for a few days earlier.
    const windowStart = Date.parse(cold.snapshot.startedAt) - 60 * 86_400_000;
    const inWindow = () => repo.commits.filter((c) => Date.parse(c.committedAt) >= windowStart);
    expect(cold.snapshot.repositories!['acme/payments-api']).toMatchObject({ head: { oid: repo.commits.at(-1)!.oid }, commitsInWindow: inWindow().length, tags: expect.any(Array) });
    expect(cold.snapshot.repositories!['acme/payments-api'].mergedPullRequests).toHaveLength(
      repo.pullRequests.filter((p) => p.state === 'MERGED' && Date.parse(p.mergedAt!) >= windowStart).length,
    );

    const warm = await run();
    expect(warm.snapshot.sources.github).toMatchObject({ requests: 1, points: 1, fetched: 0, unchanged: 15, rebuilt: 0 });
    expect(warm.snapshot.repositories!['acme/payments-api'].newCommits).toBe(0);

    const before = repo.commits.length;
    pushChanges(t.sandbox.fixture, 'payments-api', 20, { now: testClock() });
    const added = repo.commits.length - before;
    const after = await run();
    // The state query, then pages of 10, 20, 40… commits until every new commit's parents are known.
    expect(after.snapshot.outcome).toBe('ok');
    expect(after.snapshot.sources.github).toMatchObject({ fetched: 1, unchanged: 14 });
    expect(after.snapshot.sources.github!.requests).toBeLessThanOrEqual(4);
    expect(after.snapshot.sources.github!.points).toBeLessThanOrEqual(4);
    expect(after.snapshot.repositories!['acme/payments-api'].newCommits).toBe(added);
    expect(after.snapshot.repositories!['acme/payments-api'].commitsInWindow).toBe(inWindow().length);
    expect(after.snapshot.repositories!['acme/payments-api'].mergedPullRequests.length).toBeGreaterThan(0);
    // The cache now holds every commit of the window, old and new, plus where the window ends (the
    // parents of its oldest commits) and what connects deployed commits older than the window.
    const cache = JSON.parse(await readFile(path.join(t.dir, '.snap', 'cache', 'github', 'acme', 'payments-api.json'), 'utf8'));
    const cached = new Set<string>(cache.commits.map((c: string[]) => c[0]));
    const window = new Set(inWindow().map((c) => c.oid));
    const edge = inWindow().flatMap((c) => c.parents).filter((p) => !window.has(p));
    for (const oid of [...window, ...edge]) expect(cached.has(oid), oid).toBe(true);
    const older = [...cached].filter((oid) => !window.has(oid) && !edge.includes(oid));
    // Deployed commits: every revision Kubernetes keeps (its digest names the commit, see the generator).
    const byDigest = new Map(repo.commits.map((c) => [`sha256:${sha256(`acme/payments-api:${c.oid}`)}`, c.oid]));
    const deployed = t.sandbox.fixture.clusters.flatMap((c) => c.deployments.filter((d) => d.name === 'payments-api').flatMap((d) => d.revisions.map((r) => byDigest.get(r.digest)!)));
    const at = (oid: string) => Date.parse(repo.commits.find((c) => c.oid === oid)!.committedAt);
    // …and below a deployed commit older than the window, the page of history a lookup reads (its tickets).
    const git = new GitIndex(repo);
    const pages = new Set(deployed.filter((d) => at(d) < windowStart).flatMap((d) => git.history(d, {}, 100).map((c) => c.oid)));
    expect(older.filter((oid) => at(oid) < Math.min(...deployed.map(at)) && !pages.has(oid))).toEqual([]);
  });

  it('rebuilds a corrupt cache or one made for another config, and says so in the run log', async () => {
    t = await startTestSandbox();
    await run();
    const file = path.join(t.dir, '.snap', 'cache', 'github', 'acme', 'identity-web.json');
    await writeFile(file, '{"format": 1, "commits": [tru');
    const repaired = await run();
    expect(repaired.snapshot.sources.github).toMatchObject({ fetched: 1, rebuilt: 1 });
    // The state query, one page, then a look past the window's end and the new history lengths.
    expect(repaired.snapshot.sources.github!.requests).toBeLessThanOrEqual(4);
    expect(repaired.record.notes?.join('\n')).toMatch(/rebuilt the GitHub cache: cache of acme\/identity-web was unreadable .*moved to .*corrupt/);

    const wider = await run({ history: { days: 90 } });
    expect(wider.snapshot.sources.github).toMatchObject({ fetched: 15, rebuilt: 15 });
    expect(wider.record.notes?.[0]).toMatch(/made for another config/);

    // Ticket references are extracted when data arrives, so other ticket settings mean a rebuild too.
    const restricted = await run({ history: { days: 90 }, tickets: { jiraProjects: ['PYM'] } });
    expect(restricted.snapshot.sources.github).toMatchObject({ fetched: 15, rebuilt: 15 });
    expect(Object.keys(restricted.snapshot.tickets!).every((key) => key.startsWith('PYM-') || key.includes('#'))).toBe(true);
    // The cache keeps headlines and references, not PR bodies or whole messages.
    const cache = await readFile(path.join(t.dir, '.snap', 'cache', 'github', 'acme', 'payments-api.json'), 'utf8');
    expect(cache).not.toContain('Checklist: tests, docs.');
    expect(cache).toContain('"source":"pr-body"');
  });
});

describe('GitHub rate limits', () => {
  it.each([
    ['secondary', { kind: 'secondary' as const, times: 2, retryAfterSeconds: 3 }, [3000, 3000]],
    ['primary', { kind: 'primary' as const, times: 1, retryAfterSeconds: 20 }, [expect.any(Number)]],
    ['graphql', { kind: 'graphql' as const, times: 1, retryAfterSeconds: 20 }, [expect.any(Number)]],
  ])('waits as told on a %s rate limit, then succeeds and logs it', async (_kind, rateLimit, expected) => {
    t = await startTestSandbox(demoFixture(), { githubFaults: { rateLimit } });
    const { waits, sleep } = fakeSleep();
    const result = await run({}, sleep);
    expect(result.snapshot.outcome).toBe('ok');
    expect(result.snapshot.warnings.filter((w) => /NOT_FOUND|GITHUB/.test(w.code))).toEqual([]);
    const log = await readRunLog(path.join(t.dir, '.snap', 'runs.jsonl'));
    const recorded = log.records[0].github!.waits.map((w) => w.waitMs);
    expect(recorded).toEqual(expected);
    for (const w of recorded) {
      expect(w).toBeLessThanOrEqual(22_000);
      expect(waits).toContain(w);
    }
    expect(log.records[0].notes?.join('\n')).toMatch(/GitHub rate limit/);
  });

  it('stops with a clear error, not "not found", when the wait would exceed the cap', async () => {
    t = await startTestSandbox(demoFixture(), { githubFaults: { rateLimit: { kind: 'secondary', times: 5, retryAfterSeconds: 600 } } });
    const { waits, sleep } = fakeSleep();
    const result = await run({ github: { url: t.sandbox.githubUrl, maxWaitSeconds: 60 } }, sleep);
    expect(waits.filter((w) => w >= 1000)).toEqual([]);
    expect(result.snapshot.outcome).toBe('partial');
    expect(result.snapshot.sources.github).toMatchObject({ status: 'failed' });
    const codes = result.snapshot.warnings.map((w) => w.code);
    expect(codes).toContain('GITHUB_RATE_LIMITED');
    expect(codes).not.toContain('REPOSITORY_NOT_FOUND');
    expect(result.snapshot.warnings.find((w) => w.code === 'GITHUB_RATE_LIMITED')!.message).toMatch(/wait 600s, which would exceed github.maxWaitSeconds \(60s\)/);
    // Kubernetes state is still there: one source failing does not sink the snapshot.
    expect(result.snapshot.projects.payments.environments.prod.services['payments-api'].status).toBe('running');
  });

  it('reports a repository that does not exist as not found, and reads the others', async () => {
    t = await startTestSandbox();
    const config = await t.config({}, (raw) => raw.projects[0].services.push({ name: 'ghost', repository: 'acme/ghost' }));
    const result = await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken });
    expect(result.snapshot.warnings.filter((w) => w.code === 'REPOSITORY_NOT_FOUND').map((w) => w.message)).toEqual([expect.stringContaining("acme/ghost")]);
    expect(result.snapshot.sources.github).toMatchObject({ status: 'ok', fetched: 15 });
  });

  it('turns a rejected token into an auth error with a hint', async () => {
    t = await startTestSandbox();
    const config = await t.config();
    const result = await runSnapshot(config, { progress: silentProgress, githubToken: 'wrong' });
    const warning = result.snapshot.warnings.find((w) => w.code === 'GITHUB_UNAUTHORIZED');
    expect(warning?.message).toMatch(/401.*set GITHUB_TOKEN/);
  });
});

describe('GitHub pagination limits', () => {
  it('halves the page size when GitHub times out on large pages, and still reads everything', async () => {
    t = await startTestSandbox(demoFixture(), { githubFaults: { maxPageSize: 30 } });
    const result = await run();
    expect(result.snapshot.outcome).toBe('ok');
    expect(result.record.notes?.filter((n) => /page size/.test(n))).toEqual([expect.stringMatching(/page size 100 → 50/), expect.stringMatching(/page size 50 → 25/)]);
    const repo = t.sandbox.fixture.repositories.find((r) => r.name === 'payments-api')!;
    const windowStart = Date.parse(result.snapshot.startedAt) - 60 * 86_400_000;
    expect(result.snapshot.repositories!['acme/payments-api'].commitsInWindow).toBe(repo.commits.filter((c) => Date.parse(c.committedAt) >= windowStart).length);
  });

  it('retries 502s, then asks for the state of fewer repositories at once', async () => {
    t = await startTestSandbox(demoFixture(), { githubFaults: { badGateway: 3 } });
    const { sleep } = fakeSleep();
    const result = await run({}, sleep);
    expect(result.snapshot.outcome).toBe('ok');
    expect(result.record.notes).toContainEqual(expect.stringMatching(/to the state of 15 repositories; asking in halves/));
    expect(result.snapshot.sources.github).toMatchObject({ fetched: 15 });
  });

  it('stops at github.maxPages and says what is missing', async () => {
    t = await startTestSandbox();
    const result = await run({ github: { url: t.sandbox.githubUrl, pageSize: 10, maxPages: 1 } });
    const capped = result.snapshot.warnings.filter((w) => w.code === 'GITHUB_PAGE_CAP');
    expect(capped.length).toBeGreaterThan(0);
    expect(capped[0].message).toMatch(/stopped reading (commits|pull requests|tags) after 1 pages \(github.maxPages\)/);
    // A capped read is not trusted as complete: the next run reads it again and says so again.
    const again = await run({ github: { url: t.sandbox.githubUrl, pageSize: 10, maxPages: 1 } });
    expect(again.snapshot.warnings.filter((w) => w.code === 'GITHUB_PAGE_CAP').map((w) => w.message)).toEqual(capped.map((w) => w.message));
    // With the cap lifted, everything is read and nothing is missing.
    const full = await run({ github: { url: t.sandbox.githubUrl, pageSize: 10 } });
    expect(full.snapshot.warnings.filter((w) => w.code === 'GITHUB_PAGE_CAP')).toEqual([]);
    const repo = t.sandbox.fixture.repositories.find((r) => r.name === 'payments-api')!;
    const windowStart = Date.parse(full.snapshot.startedAt) - 60 * 86_400_000;
    expect(full.snapshot.repositories!['acme/payments-api'].commitsInWindow).toBe(repo.commits.filter((c) => Date.parse(c.committedAt) >= windowStart).length);
  });
});

describe('GitHub token', () => {
  it('comes from GITHUB_TOKEN, then GH_TOKEN, then `gh auth token`', async () => {
    const { findGithubToken } = await import('../src/sources/github/token.js');
    const bin = await mkdtemp(path.join(tmpdir(), 'snap-gh-'));
    await writeFile(path.join(bin, 'gh'), '#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo gho_from_gh_cli\n', { mode: 0o755 });
    expect(await findGithubToken({ GITHUB_TOKEN: 'a', GH_TOKEN: 'b', PATH: bin })).toEqual({ token: 'a', source: 'GITHUB_TOKEN' });
    expect(await findGithubToken({ GH_TOKEN: 'b', PATH: bin })).toEqual({ token: 'b', source: 'GH_TOKEN' });
    expect(await findGithubToken({ PATH: bin })).toEqual({ token: 'gho_from_gh_cli', source: 'gh auth token' });
    expect(await findGithubToken({ PATH: '/nonexistent' })).toBeUndefined();
    await rm(bin, { recursive: true, force: true });
  });
});

describe('GitHub queries against the published schema', () => {
  it('every query snap sends is valid for GitHub', async () => {
    const schema = await githubSchema();
    expect(validate(schema, parse(stateQuery(['acme/a', 'acme/b'])))).toEqual([]);
    expect(validate(schema, parse(lookupQuery([{ repository: 'acme/a', expression: 'abc1234' }, { repository: 'acme/b', expression: 'v1.0.0' }])))).toEqual([]);
    const oid = 'b'.repeat(40);
    expect(validate(schema, parse(deepenQuery([{ repository: 'acme/a', oid, size: 10 }, { repository: 'acme/a', oid: 'c'.repeat(40), size: 0 }, { repository: 'acme/b', oid, size: 100 }])))).toEqual([]);
    expect(validate(schema, parse(deepenQuery([{ repository: 'acme/a', oid, size: 0 }])))).toEqual([]);
    expect(validate(schema, parse(referencesQuery([{ repository: 'acme/a', number: 12 }, { repository: 'acme/b', number: 7 }, { repository: 'acme/a', number: 725 }])))).toEqual([]);
    expect(validate(schema, parse(pathQuery([{ task: { repository: 'acme/a', path: 'services/api', from: oid, since: '2026-01-01T00:00:00Z' }, cursor: { done: false, after: 'Y3Vyc29yOjk5' } }])))).toEqual([]);
    // Page queries hold whichever sections are still open: each combination must be valid.
    const open = { done: false, pages: 0 };
    const task = { repository: 'acme/a', head: 'a'.repeat(40) };
    for (const sections of [{ history: open }, { prs: open }, { tags: open }, { prs: open, tags: open }, { history: { ...open, after: 'Y3Vyc29yOjk5', size: 7 }, prs: open, tags: open }]) {
      expect(validate(schema, parse(pageQuery([{ task, ...sections }, { task: { ...task, repository: 'acme/b' }, history: open }], 100))), JSON.stringify(sections)).toEqual([]);
    }
  });

  it('a query the real schema rejects fails, in the sandbox as on github.com', async () => {
    t = await startTestSandbox();
    const client = new GithubClient({ url: t.sandbox.githubUrl, token: t.sandbox.githubToken, concurrency: 1, timeoutMs: 5000, maxWaitMs: 0 });
    const error = await client.query('query { repository(owner: "acme", name: "payments-api") { defaultBranchRef { target { ... on Commit { commitCount } } } } }').catch((e) => e);
    expect(error).toBeInstanceOf(SnapError);
    expect(error.code).toBe('GITHUB_QUERY_FAILED');
    expect(error.message).toMatch(/Cannot query field "commitCount" on type "Commit"/);
  });
});
