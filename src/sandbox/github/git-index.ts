import type { FixtureCommit, FixtureRepository } from '../fixtures/types.js';

/**
 * Lookups over one fixture repository's commits, rebuilt when the repository grows (tests and the
 * benchmark push new commits while the server runs).
 */
export class GitIndex {
  private builtFor = -1;
  private byOid = new Map<string, FixtureCommit>();
  private order = new Map<string, number>();
  private historyCache = new Map<string, FixtureCommit[]>();

  constructor(readonly repo: FixtureRepository) {}

  private refresh(): void {
    if (this.builtFor === this.repo.commits.length) return;
    this.byOid = new Map(this.repo.commits.map((c) => [c.oid, c]));
    this.order = new Map(this.repo.commits.map((c, i) => [c.oid, i]));
    this.historyCache.clear();
    this.builtFor = this.repo.commits.length;
  }

  get head(): FixtureCommit | undefined {
    return this.repo.commits[this.repo.commits.length - 1];
  }

  commit(oid: string): FixtureCommit | undefined {
    this.refresh();
    return this.byOid.get(oid);
  }

  /** A full or abbreviated oid, a tag name, or a branch name, as `object(expression:)` takes them. */
  resolve(expression: string): FixtureCommit | undefined {
    this.refresh();
    const value = expression.replace(/^refs\/(heads|tags)\//, '');
    if (value === this.repo.defaultBranch || value === 'HEAD') return this.head;
    const tag = this.repo.tags.find((t) => t.name === value);
    if (tag) return this.byOid.get(tag.oid);
    if (/^[0-9a-f]{4,40}$/.test(value)) {
      const matches = this.repo.commits.filter((c) => c.oid.startsWith(value));
      return matches.length === 1 ? matches[0] : undefined;
    }
    return undefined;
  }

  /** Every ancestor of `oid` (itself included), newest first, like `git log`. */
  history(oid: string): FixtureCommit[] {
    this.refresh();
    const cached = this.historyCache.get(oid);
    if (cached) return cached;
    const seen = new Set<string>();
    const stack = [oid];
    const out: FixtureCommit[] = [];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const commit = this.byOid.get(next);
      if (!commit) continue;
      out.push(commit);
      stack.push(...commit.parents);
    }
    out.sort((a, b) => Date.parse(b.committedAt) - Date.parse(a.committedAt) || this.order.get(b.oid)! - this.order.get(a.oid)!);
    this.historyCache.set(oid, out);
    return out;
  }
}
