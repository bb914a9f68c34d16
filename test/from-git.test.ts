import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sha256 } from '../src/sandbox/fixtures/random.js';
import { fixtureFromGit, parseDeploySpec } from '../src/sandbox/fixtures/from-git.js';
import { fixtureSchema, type Fixture } from '../src/sandbox/fixtures/types.js';
import { runCli } from './helpers/cli.js';
import { runScript } from './helpers/git-history.js';

/**
 * The converter from a local git repository to a fixture, checked against git itself on a small
 * repository made with real git: a --no-ff merge with GitHub's message, a squash commit "(#N).", a
 * release branch cut from a tag with a cherry-picked hotfix and its own tag, a revert.
 */
let root: string;
let dir: string;

const sh = (cwd: string, script: string) => runScript(root, cwd, script);

const at = (day: number) => `GIT_AUTHOR_DATE='2024-10-${String(day).padStart(2, '0')}T10:00:00Z' GIT_COMMITTER_DATE='2024-10-${String(day).padStart(2, '0')}T10:00:00Z'`;
const id = 'GIT_AUTHOR_NAME=ada GIT_AUTHOR_EMAIL=ada@example.com GIT_COMMITTER_NAME=ada GIT_COMMITTER_EMAIL=ada@example.com';

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'snap-from-git-'));
  dir = path.join(root, 'shop');
  await mkdir(dir);
  await sh(
    dir,
    `export ${id}
git init -q -b main
echo a > a.txt && git add a.txt && ${at(1)} git commit -q -m 'Initial commit'
git checkout -q -b feature/SHOP-7-cart
echo c > cart.txt && git add cart.txt && ${at(2)} git commit -q -m 'Add cart'
echo c2 >> cart.txt && git add cart.txt && ${at(3)} git commit -q -m 'SHOP-7 cart totals'
git checkout -q main
echo d > docs.txt && git add docs.txt && ${at(3)} git commit -q -m 'Document setup'
${at(4)} git merge -q --no-ff feature/SHOP-7-cart -m 'Merge pull request #12 from acme/feature/SHOP-7-cart' -m 'SHOP-7 Add the cart' -m 'The cart keeps items.'
git branch -q -D feature/SHOP-7-cart
echo t > totals.txt && git add totals.txt && ${at(5)} git commit -q -m '[SHOP-8] Fix totals (#13).' -m '* Fix totals' -m '* Review comments'
${at(5)} git tag -a v1.0.0 -m 'Release v1.0.0'
echo h > hotfix.txt && git add hotfix.txt && ${at(6)} git commit -q -m 'SHOP-9: fix rounding'
git checkout -q -b rel/1.0 v1.0.0
${at(7)} git cherry-pick -x main >/dev/null
git tag v1.0.1
git checkout -q main
${at(8)} git revert --no-edit HEAD~1 >/dev/null`,
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fixtureFromGit', () => {
  let fixture: Fixture;
  const git = (args: string) => sh(dir, `git ${args}`);

  beforeAll(async () => {
    fixture = await fixtureFromGit(dir, {
      deploy: [
        { env: 'dev', rev: 'HEAD' },
        { env: 'staging', rev: 'v1.0.1', previous: ['v1.0.0'] },
        { env: 'prod', rev: 'v1.0.0', previous: ['HEAD~2', 'main~3'] },
      ],
      version: 'tag',
      pullRequests: [
        { number: 12, body: 'Adds the cart.' },
        { number: 20, title: 'Revert "Fix totals"', body: 'Reverts acme/shop#13', headRefName: 'revert-13-totals', mergeCommit: 'main' },
      ],
    });
  });

  it('has every commit reachable from a branch or tag, parents first, as git has them', async () => {
    const all = (await git('rev-list --parents --branches --tags')).split('\n').map((l) => l.split(' '));
    expect(fixture.repositories).toHaveLength(1);
    const repo = fixture.repositories[0];
    expect(repo.name).toBe('shop');
    expect(new Set(repo.commits.map((c) => c.oid))).toEqual(new Set(all.map(([oid]) => oid)));
    const index = new Map(repo.commits.map((c, i) => [c.oid, i]));
    for (const [oid, ...parents] of all) {
      const c = repo.commits[index.get(oid)!];
      expect(c.parents).toEqual(parents);
      for (const p of parents) expect(index.get(p)!).toBeLessThan(index.get(oid)!);
    }
    for (const c of repo.commits) {
      expect(c.message).toBe(`${await git(`show -s --format=%B ${c.oid}`)}\n`);
      expect(Date.parse(c.committedAt)).toBe(Date.parse(await git(`show -s --format=%cI ${c.oid}`)));
      expect(c.author).toBe('ada');
    }
  });

  it('lists the files each commit changes, a merge against its first parent', async () => {
    const repo = fixture.repositories[0];
    const merge = await git('rev-parse main~3');
    expect(repo.commits.find((c) => c.oid === merge)?.files?.sort()).toEqual((await git(`diff --name-only ${merge}^1 ${merge}`)).split('\n').sort());
    const squash = await git('rev-parse main~2');
    expect(repo.commits.find((c) => c.oid === squash)?.files).toEqual(['totals.txt']);
    expect(repo.commits[0].files).toEqual(['a.txt']);
  });

  it('has the default branch head, the other branches and the tags peeled to their commits', async () => {
    const repo = fixture.repositories[0];
    expect(repo.defaultBranch).toBe('main');
    expect(repo.head).toBe(await git('rev-parse main'));
    expect(repo.branches).toEqual([{ name: 'rel/1.0', head: await git('rev-parse rel/1.0') }]);
    expect(repo.tags).toEqual([
      { name: 'v1.0.0', oid: await git('rev-parse v1.0.0^{commit}') },
      { name: 'v1.0.1', oid: await git('rev-parse v1.0.1') },
    ]);
  });

  it('derives pull requests from merge and squash commits, and takes the ones given', async () => {
    const prs = fixture.repositories[0].pullRequests;
    const merge = await git('rev-parse main~3');
    expect(prs.find((p) => p.number === 12)).toEqual({
      number: 12,
      title: 'SHOP-7 Add the cart',
      body: 'Adds the cart.',
      headRefName: 'feature/SHOP-7-cart',
      state: 'MERGED',
      mergedAt: new Date(await git(`show -s --format=%cI ${merge}`)).toISOString(),
      mergeCommit: merge,
      author: 'ada',
    });
    expect(prs.find((p) => p.number === 13)).toMatchObject({ title: '[SHOP-8] Fix totals', body: '* Fix totals\n\n* Review comments', headRefName: 'pr-13', mergeCommit: await git('rev-parse main~2') });
    expect(prs.find((p) => p.number === 20)).toMatchObject({ title: 'Revert "Fix totals"', body: 'Reverts acme/shop#13', mergeCommit: await git('rev-parse main'), state: 'MERGED' });
    // The cherry-pick on the release branch and the revert are not pull requests.
    expect(prs.map((p) => p.number)).toEqual([12, 13, 20]);
  });

  it('deploys each environment with a revision per earlier version, tags as image tags where the commit is tagged', async () => {
    expect(fixture.environments).toEqual(['dev', 'staging', 'prod'].map((name) => ({ name, context: 'git-shop', namespaces: [name] })));
    expect(fixture.projects).toEqual([{ name: 'shop', services: [{ name: 'shop', repository: 'acme/shop' }] }]);
    const [cluster] = fixture.clusters;
    expect(cluster.context).toBe('git-shop');
    const byEnv = Object.fromEntries(cluster.deployments.map((d) => [d.namespace, d]));
    expect(byEnv.dev).toMatchObject({ name: 'shop', image: 'ghcr.io/acme/shop', container: 'shop', replicas: 1 });
    expect(byEnv.dev.revisions.map((r) => r.tag)).toEqual([await git('rev-parse HEAD')]);
    expect(byEnv.staging.revisions.map((r) => r.tag)).toEqual(['v1.0.0', 'v1.0.1']);
    // HEAD~2 is the commit of v1.0.0 too; main~3 (the merge) has no tag.
    expect(byEnv.prod.revisions.map((r) => r.tag)).toEqual(['v1.0.0', await git('rev-parse main~3'), 'v1.0.0']);
    expect(byEnv.prod.revisions[1].digest).toBe(`sha256:${sha256(await git('rev-parse main~3'))}`);
    const now = Date.parse(fixture.now);
    expect(byEnv.prod.revisions.map((r) => (now - Date.parse(r.createdAt)) / 60_000)).toEqual([3, 2, 1]);
    // now: the newest committer date plus an hour; the default window.
    expect(now).toBe(Date.parse('2024-10-08T11:00:00Z'));
    expect(fixture.history).toEqual({ days: 60 });
    expect(fixtureSchema.safeParse(fixture).success).toBe(true);
  });

  it('writes full SHAs as image tags by default, and runs the default branch in dev when nothing is deployed', async () => {
    const plain = await fixtureFromGit(dir, { owner: 'initech', name: 'store', now: '2027-01-01T00:00:00Z', historyDays: 400 });
    expect(plain.environments.map((e) => e.name)).toEqual(['dev']);
    expect(plain.clusters[0].deployments[0].revisions.map((r) => r.tag)).toEqual([await git('rev-parse main')]);
    expect(plain.clusters[0].deployments[0].image).toBe('ghcr.io/initech/store');
    expect(plain.now).toBe('2027-01-01T00:00:00.000Z');
    expect(plain.history).toEqual({ days: 400 });
    const sha = await fixtureFromGit(dir, { deploy: [{ env: 'prod', rev: 'v1.0.0' }] });
    expect(sha.clusters[0].deployments[0].revisions[0].tag).toBe(await git('rev-parse v1.0.0^{commit}'));
  });

  it('fails with a hint when the folder is not a repository or a revision does not resolve', async () => {
    await expect(fixtureFromGit(root, {})).rejects.toMatchObject({ code: 'NOT_A_GIT_REPOSITORY', exitCode: 2, hint: expect.stringContaining('clone') });
    await expect(fixtureFromGit(path.join(root, 'missing'), {})).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('does not exist') });
    // A shallow clone would cut ancestry at its depth: refused, with the fix.
    const shallow = path.join(root, 'shallow');
    await sh(root, `git clone -q --depth 2 file://${dir} ${shallow}`);
    await expect(fixtureFromGit(shallow, {})).rejects.toMatchObject({ code: 'SHALLOW_CLONE', exitCode: 2, hint: expect.stringContaining('--unshallow') });
    const bad = fixtureFromGit(dir, { deploy: [{ env: 'dev', rev: 'main' }, { env: 'prod', rev: 'v9.9.9' }] });
    await expect(bad).rejects.toMatchObject({ code: 'GIT_REVISION_UNKNOWN', exitCode: 2, message: expect.stringContaining('"v9.9.9" (deployed in prod)') });
    await expect(fixtureFromGit(dir, { deploy: [{ env: 'Dev', rev: 'main' }] })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('reads history as GitHub has it, not as a local `git replace --graft` rewrites it', async () => {
    const grafted = path.join(root, 'grafted');
    await sh(root, `git clone -q file://${dir} ${grafted} && git -C ${grafted} replace --graft $(git -C ${grafted} rev-parse main~2)`);
    const fixture = await fixtureFromGit(grafted, {});
    const cut = await sh(grafted, 'git --no-replace-objects rev-parse main~2');
    expect(fixture.repositories[0].commits.find((c) => c.oid === cut)?.parents).toEqual((await sh(grafted, `git --no-replace-objects rev-parse ${cut}^@`)).split('\n'));
  });

  it('parses --deploy env=rev,previous…', () => {
    expect(parseDeploySpec('dev=HEAD')).toEqual({ env: 'dev', rev: 'HEAD' });
    expect(parseDeploySpec('prod=v1.2.0,v1.0.0,v1.1.0')).toEqual({ env: 'prod', rev: 'v1.2.0', previous: ['v1.0.0', 'v1.1.0'] });
    expect(() => parseDeploySpec('prod')).toThrow(/env=rev/);
    expect(() => parseDeploySpec('Prod Env=main')).toThrow(/has a space/);
  });
});

describe('fixtureFromGit on a few thousand commits', () => {
  it('runs few git processes, in well under a second', async () => {
    const big = path.join(root, 'big');
    await mkdir(big);
    // 3,000 commits in one fast-import stream, a merge every 10.
    const lines: string[] = [];
    for (let i = 1; i <= 3000; i++) {
      const merge = i % 10 === 0 && i > 10;
      lines.push(`commit refs/heads/${merge ? 'main' : i % 10 === 5 ? 'side' : 'main'}`, `mark :${i}`, `committer ada <ada@example.com> ${1_700_000_000 + i * 60} +0000`, `data <<EOM`, merge ? `Merge pull request #${i} from acme/side-${i}\n\nSHOP-${i} side work` : `SHOP-${i}: change ${i}`, 'EOM');
      if (i > 1) lines.push(`from :${i % 10 === 5 ? Math.max(1, i - 5) : i - (i % 10 === 6 ? 2 : 1)}`);
      if (merge) lines.push(`merge :${i - 5}`);
      lines.push(`M 100644 inline f${i % 50}.txt`, 'data <<EOM', `${i}`, 'EOM');
    }
    await writeFile(path.join(root, 'big.fi'), `${lines.join('\n')}\n`);
    await sh(big, `git init -q -b main && git fast-import --quiet < ${path.join(root, 'big.fi')} && git tag v1 main~100`);
    // Count the git processes through a wrapper on PATH.
    const bin = path.join(root, 'bin');
    await mkdir(bin);
    const log = path.join(root, 'git-calls.log');
    const real = (await sh(root, 'command -v git')).trim();
    await writeFile(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> ${log}\nexec ${real} "$@"\n`);
    await chmod(path.join(bin, 'git'), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      const started = Date.now();
      const fixture = await fixtureFromGit(big, { deploy: [{ env: 'dev', rev: 'main' }, { env: 'prod', rev: 'v1', previous: ['main~200'] }] });
      const ms = Date.now() - started;
      const calls = (await readFile(log, 'utf8')).trim().split('\n');
      process.env.PATH = saved;
      // Whether it is shallow, then refs, revisions and commits.
      expect(calls).toHaveLength(4);
      expect(fixture.repositories[0].commits.length).toBe(Number(await sh(big, 'git rev-list --count --branches --tags')));
      expect(fixture.repositories[0].pullRequests.length).toBeGreaterThan(250);
      // Generous for a loaded machine; about 0.2 s on an idle one.
      expect(ms).toBeLessThan(2500);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('snap demo --fixture-from-git', () => {
  it('runs snap on a local repository and saves the fixture', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'snap-demo-git-'));
    onTestFinished(() => rm(cwd, { recursive: true, force: true }));
    const r = await runCli(['demo', '--fixture-from-git', dir, '--deploy', 'dev=main', '--deploy', 'staging=v1.0.1,v1.0.0', '--deploy', 'prod=v1.0.0', '--save-fixture', 'shop.json', '--json'], { cwd, timeoutMs: 60_000 });
    expect(r.stderr).not.toMatch(/Error|bug/);
    expect(r.code).toBe(0);
    const saved = JSON.parse(await readFile(path.join(cwd, 'shop.json'), 'utf8'));
    expect(saved.repositories[0].name).toBe('shop');
    const { snapshot } = JSON.parse(r.stdout);
    expect(Object.keys(snapshot.projects.shop.environments)).toEqual(['dev', 'staging', 'prod']);
    expect(snapshot.projects.shop.environments.prod.services.shop.commit.oid).toBe(await sh(dir, 'git rev-parse v1.0.0^{commit}'));
    // What --deploy says runs where is what the demo shows: no rollout of its own.
    expect(snapshot.projects.shop.environments.staging.services.shop.commit.oid).toBe(await sh(dir, 'git rev-parse v1.0.1^{commit}'));
    expect(snapshot.projects.shop.environments.dev.services.shop.commit.oid).toBe(await sh(dir, 'git rev-parse main'));
    expect(JSON.parse(r.stdout).deployments).toEqual([]);
    // Replaying the saved fixture shows the same deployments.
    expect(saved.demoRollout).toBe(false);
    const replay = await runCli(['demo', '--fixture', 'shop.json', '--json'], { cwd, timeoutMs: 60_000 });
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout).snapshot.projects.shop.environments.staging.services.shop.commit.oid).toBe(await sh(dir, 'git rev-parse v1.0.1^{commit}'));
    // The history is eight days long and two years old: the window follows the fixture's clock.
    expect(Object.keys(snapshot.tickets)).toEqual(expect.arrayContaining(['SHOP-7', 'SHOP-8', 'SHOP-9']));
    const broken = await runCli(['demo', '--fixture-from-git', root], { cwd });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not a git repository/);
  });
});
