import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPullRequest } from '../src/sources/github/queries/fragments.js';
import { cacheFile, readTitles, writeRepoCache } from '../src/store/github-cache.js';

const readPullRequestTitles = async (dir: string, repo: string) => (await readTitles(dir, repo)).pullRequests;

/** PR titles for the report, read from the GitHub cache without parsing its commits. */
describe('readTitles', () => {
  it('gives every title of a cache as snap writes it, quotes, backslashes and any script included', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-titles-'));
    try {
      const titles = ['PAY-1 Fix "totals"', 'Revert "PAY-1 Fix \\"totals\\""', 'Ünïcode ✓ and a tab\there', 'C:\\path\\to', '{"number":9,"title":"not a PR"}', ''];
      const pullRequests = titles.map((title, i) =>
        toPullRequest({ number: 100 + i, title, body: '', headRefName: `feature/${i}`, mergedAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', author: { login: 'ada' }, mergeCommit: { oid: 'a'.repeat(40) } }, { repository: 'acme/shop', githubIssues: true }),
      );
      // Newest first, as the cache has them: the child names its parent before the parent's own row.
      const commits = [
        { oid: 'c'.repeat(40), parents: ['a'.repeat(40), 'd'.repeat(40)], committedAt: '2026-11-02T00:00:00Z', author: 'bob', headline: 'Merge' },
        { oid: 'a'.repeat(40), parents: [], committedAt: '2026-11-01T00:00:00Z', author: 'ada', headline: 'x {"number":1,"title":"in a commit"}' },
      ];
      await writeRepoCache(dir, { repository: 'acme/shop', defaultBranch: 'main', commits, pullRequests, tags: [] } as never, 'key');
      const read = await readPullRequestTitles(dir, 'acme/shop');
      expect(read).toEqual(new Map(titles.map((t, i) => [100 + i, t])));
      // A commit's headline, asked for by its id; one not in the cache is left out.
      const both = await readTitles(dir, 'acme/shop', new Set(['a'.repeat(40), 'b'.repeat(40)]));
      expect(both.commits).toEqual(new Map([['a'.repeat(40), 'x {"number":1,"title":"in a commit"}']]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses the rest when the titles are not where it looks first, and gives nothing for a missing, damaged or foreign cache', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-titles-'));
    try {
      const file = cacheFile(dir, 'acme/shop');
      await mkdir(path.dirname(file), { recursive: true });
      const { CACHE_FORMAT } = await import('../src/store/github-cache.js');
      // Another order of keys inside each pull request.
      await writeFile(file, JSON.stringify({ format: CACHE_FORMAT, key: 'k', repository: 'acme/shop', pullRequests: [{ title: 'Late title', number: 7 }], tags: [], commits: [] }));
      expect(await readPullRequestTitles(dir, 'acme/shop')).toEqual(new Map([[7, 'Late title']]));
      await writeFile(file, '{"format":');
      expect(await readPullRequestTitles(dir, 'acme/shop')).toEqual(new Map());
      await writeFile(file, JSON.stringify({ format: CACHE_FORMAT - 1, pullRequests: [{ number: 1, title: 'old' }], commits: [] }));
      expect(await readPullRequestTitles(dir, 'acme/shop')).toEqual(new Map());
      expect(await readPullRequestTitles(dir, 'acme/none')).toEqual(new Map());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
