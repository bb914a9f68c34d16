import type { FixtureCommit, FixtureRepository } from '../fixtures/types.js';

/** Filters of a history walk, as GitHub's `Commit.history` takes them. */
export interface WalkFilters {
  /** ISO time: commits older than this end the walk along their line (git's `--since`). */
  since?: string;
  /** ISO time: commits newer than this are walked through but not listed (git's `--until`). */
  until?: string;
  /** A file or folder path: only commits that change something under it are listed (git's `-- path`). */
  path?: string;
}

/** A history walk that produces commits on demand and keeps what it produced, so pages share one walk. */
interface Walk {
  out: FixtureCommit[];
  queue: { commit: FixtureCommit; seq: number }[];
  seen: Set<string>;
  seq: number;
  done: boolean;
}

const time = (c: FixtureCommit) => Date.parse(c.committedAt);

/**
 * Lookups over one fixture repository's commits, rebuilt when the repository grows (tests and the
 * benchmark push new commits while the server runs).
 *
 * History walks follow `git rev-list`'s default order, which GitHub's `history` connection shows:
 * a priority queue by committer date (newest first, ties in the order the commits were queued),
 * each commit listed when it leaves the queue and its parents queued then. So a commit with a wrong
 * (old) date is listed late, and its recent parents right after it. `since` works like git's
 * `--since`: a commit older than it is dropped and its parents are never queued, so a wrongly dated
 * commit ends the walk along its line. (git: revision.c, get_revision_1 and max_age.)
 */
export class GitIndex {
  private builtFor = -1;
  private builtHead: string | undefined;
  private byOid = new Map<string, FixtureCommit>();
  private walks = new Map<string, Walk>();
  private pathCache = new Map<string, Set<string>>();

  constructor(readonly repo: FixtureRepository) {}

  private refresh(): void {
    if (this.builtFor === this.repo.commits.length && this.builtHead === this.repo.head) return;
    this.builtHead = this.repo.head;
    this.byOid = new Map(this.repo.commits.map((c) => [c.oid, c]));
    this.walks.clear();
    this.pathCache.clear();
    this.builtFor = this.repo.commits.length;
  }

  get head(): FixtureCommit | undefined {
    this.refresh();
    return this.repo.head ? this.byOid.get(this.repo.head) : this.repo.commits[this.repo.commits.length - 1];
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
    const branch = this.repo.branches?.find((b) => b.name === value);
    if (branch) return this.byOid.get(branch.head);
    if (/^[0-9a-f]{4,40}$/.test(value)) {
      const matches = this.repo.commits.filter((c) => c.oid.startsWith(value));
      return matches.length === 1 ? matches[0] : undefined;
    }
    return undefined;
  }

  /** Whether the commit changes something under `path` (see `touches`). */
  private touchesPath(c: FixtureCommit, path: string): boolean {
    const key = path.replace(/\/+$/, '');
    let set = this.pathCache.get(key);
    if (!set) {
      set = new Set(this.repo.commits.filter((x) => touches(x, key, (oid) => this.byOid.get(oid), this.repo.commits)).map((x) => x.oid));
      this.pathCache.set(key, set);
    }
    return set.has(c.oid);
  }

  /**
   * The commits a history walk from `oid` lists, up to index `upTo` (exclusive), newest first.
   * Walks are kept per start and filters, so paging through one costs what one walk costs.
   */
  history(oid: string, filters: WalkFilters = {}, upTo = Infinity): FixtureCommit[] {
    this.refresh();
    const key = `${oid}|${filters.since ?? ''}|${filters.until ?? ''}|${filters.path ?? ''}`;
    let walk = this.walks.get(key);
    if (!walk) {
      const start = this.byOid.get(oid);
      walk = { out: [], queue: start ? [{ commit: start, seq: 0 }] : [], seen: new Set(start ? [oid] : []), seq: 1, done: !start };
      this.walks.set(key, walk);
    }
    const since = filters.since ? Date.parse(filters.since) : -Infinity;
    const until = filters.until ? Date.parse(filters.until) : Infinity;
    while (!walk.done && walk.out.length < upTo) {
      const next = popNewest(walk.queue);
      if (!next) {
        walk.done = true;
        break;
      }
      const c = next.commit;
      if (time(c) < since) continue;
      for (const parent of c.parents) {
        if (walk.seen.has(parent)) continue;
        const p = this.byOid.get(parent);
        if (!p) continue;
        walk.seen.add(parent);
        walk.queue.push({ commit: p, seq: walk.seq++ });
      }
      if (time(c) > until) continue;
      if (filters.path && !this.touchesPath(c, filters.path)) continue;
      walk.out.push(c);
    }
    return walk.out.slice(0, upTo);
  }

  /** How many commits the walk lists in all (GitHub's `totalCount`). */
  historyCount(oid: string, filters: WalkFilters = {}): number {
    return this.history(oid, filters).length;
  }
}

/** Removes and returns the newest entry (ties: the one queued first), as git's date-ordered queue does. */
function popNewest(queue: { commit: FixtureCommit; seq: number }[]): { commit: FixtureCommit; seq: number } | undefined {
  if (queue.length === 0) return undefined;
  let best = 0;
  for (let i = 1; i < queue.length; i++) {
    const a = queue[i];
    const b = queue[best];
    if (time(a.commit) > time(b.commit) || (time(a.commit) === time(b.commit) && a.seq < b.seq)) best = i;
  }
  const [entry] = queue.splice(best, 1);
  return entry;
}

const under = (file: string, path: string) => file === path || file.startsWith(`${path}/`);

/**
 * Whether `git log -- path` lists the commit, for clean histories: a commit with one parent (or
 * none) when its changed files touch the path; a merge when it differs from every parent there:
 * from the first parent by what the merged branch changed (`files`), from each other parent by
 * what the first-parent side changed since that branch left it. A merge identical to one parent
 * under the path is left out, as git's default history simplification does.
 */
export function touches(c: FixtureCommit, path: string, get: (oid: string) => FixtureCommit | undefined, _all: readonly FixtureCommit[]): boolean {
  const files = c.files ?? [];
  const own = files.some((f) => under(f, path));
  if (c.parents.length <= 1) return own;
  if (!own) return false;
  const ancestors = (start: string) => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const oid = stack.pop()!;
      if (seen.has(oid)) continue;
      const commit = get(oid);
      if (!commit) continue;
      seen.add(oid);
      stack.push(...commit.parents);
    }
    return seen;
  };
  const first = ancestors(c.parents[0]);
  for (const other of c.parents.slice(1)) {
    const theirs = ancestors(other);
    const changedSince = [...first].filter((oid) => !theirs.has(oid)).some((oid) => (get(oid)!.files ?? []).some((f) => under(f, path)) && get(oid)!.parents.length <= 1);
    if (!changedSince) return false;
  }
  return true;
}
