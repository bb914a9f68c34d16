import type { CommitNode } from '../../sources/github/types.js';

/**
 * The local commit graph of one repository: the part of its history snap has read. Ancestry is
 * answered here, from the cached history, never with an API call per question: `ancestors(oid)`
 * walks parents once and is memoised, so "does environment E contain commit C" is a set lookup.
 *
 * The graph is usually a cut of the real history: a commit whose parents were not read is
 * *shallow* (as in a shallow git clone). What a walk from a commit finds is then a lower bound of
 * its real ancestry; `closure.ts` decides when it is the whole answer.
 */
const NONE: string[] = [];

export class CommitGraph {
  private readonly byOid = new Map<string, CommitNode>();
  private readonly memo = new Map<string, Set<string>>();

  constructor(commits: Iterable<CommitNode>) {
    for (const c of commits) this.byOid.set(c.oid, c);
  }

  get size(): number {
    return this.byOid.size;
  }

  has(oid: string): boolean {
    return this.byOid.has(oid);
  }

  get(oid: string): CommitNode | undefined {
    return this.byOid.get(oid);
  }

  commits(): IterableIterator<CommitNode> {
    return this.byOid.values();
  }

  /** The commit whose oid starts with `prefix`; `ambiguous` when several do. */
  find(prefix: string): CommitNode | 'ambiguous' | undefined {
    const p = prefix.toLowerCase();
    if (p.length === 40) return this.byOid.get(p);
    let found: CommitNode | undefined;
    for (const oid of this.byOid.keys()) {
      if (!oid.startsWith(p)) continue;
      if (found) return 'ambiguous';
      found = this.byOid.get(oid);
    }
    return found;
  }

  private shallow?: boolean;

  /** Whether some commit has a parent the graph does not hold (computed once). */
  hasShallow(): boolean {
    if (this.shallow === undefined) {
      this.shallow = false;
      for (const c of this.byOid.values()) {
        for (const p of c.parents) if (!this.byOid.has(p)) this.shallow = true;
        if (this.shallow) break;
      }
    }
    return this.shallow;
  }

  /** Parents of `oid` that the graph does not hold: where its known history stops. */
  missingParents(oid: string): string[] {
    const c = this.byOid.get(oid);
    if (!c) return [];
    // Most commits have every parent: answer without allocating.
    let all = true;
    for (const p of c.parents) if (!this.byOid.has(p)) all = false;
    return all ? NONE : c.parents.filter((p) => !this.byOid.has(p));
  }

  /** `oid` and every ancestor of it that the graph holds (empty when the graph lacks `oid`). */
  ancestors(oid: string): ReadonlySet<string> {
    const cached = this.memo.get(oid);
    if (cached) return cached;
    const seen = new Set<string>();
    const stack = [oid];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      const commit = this.byOid.get(next);
      if (!commit) continue;
      seen.add(next);
      for (const parent of commit.parents) {
        const known = this.memo.get(parent);
        if (known) for (const a of known) seen.add(a);
        else stack.push(parent);
      }
    }
    this.memo.set(oid, seen);
    return seen;
  }

  /** Whether the graph shows a path from `of` down to `ancestor` (a lower bound: see closure.ts). */
  isAncestor(ancestor: string, of: string): boolean {
    return this.ancestors(of).has(ancestor);
  }
}
