import type { Closure } from './closure.js';
import type { CommitGraph } from './commit-graph.js';

/** An answer that may be unknown: snap never turns missing history into "no". */
export type Answer = 'yes' | 'no' | 'unknown';

/**
 * Exact ancestry questions over one repository's graph, given what `analyseClosure` proved:
 * "yes" whenever the graph shows a path; "no" only when the graph is known to hold the whole
 * answer; otherwise "unknown", with `reason`.
 */
export class Ancestry {
  constructor(
    readonly graph: CommitGraph,
    private readonly closure: Closure,
    /** Why the history could not be completed (budget, GitHub errors), for unknown answers. */
    readonly reason?: string,
  ) {}

  private readonly whole = new Map<string, boolean>();

  /** The tip's ancestry is known exactly: proved by the closure, or its walk meets no shallow commit. */
  isExact(tip: string): boolean {
    return this.closure.exact.has(tip) || this.isWhole(tip);
  }

  /** Whether the walk from `tip` meets no commit with an unread parent (its whole history is here). */
  private isWhole(tip: string): boolean {
    let known = this.whole.get(tip);
    if (known === undefined) {
      known = this.graph.has(tip);
      if (known && !this.graph.hasShallow()) return true;
      if (known) for (const oid of this.graph.ancestors(tip)) if (this.graph.missingParents(oid).length > 0) { known = false; break; }
      this.whole.set(tip, known);
    }
    return known;
  }

  private readonly testers = new Map<string, (commit: string) => Answer>();

  /**
   * `contains(tip, ·)` for many commits: the tip's walk and whether a miss is a sure "no" are
   * worked out once (a deployed commit is asked about every ticket of its repository).
   */
  tester(tip: string): (commit: string) => Answer {
    let test = this.testers.get(tip);
    if (!test) {
      const walk = this.graph.ancestors(tip);
      const sureNo = this.isWhole(tip) || (this.closure.exact.has(tip) && (this.closure.complete.has(tip) || this.closure.floorComplete));
      test = sureNo ? (commit) => (walk.has(commit) ? 'yes' : 'no') : (commit) => this.contains(tip, commit);
      this.testers.set(tip, test);
    }
    return test;
  }

  /** Whether `commit` is an ancestor of (or is) `tip`. */
  contains(tip: string, commit: string): Answer {
    const walk = this.graph.ancestors(tip);
    if (walk.has(commit)) return 'yes';
    if (this.isWhole(tip)) return 'no';
    if (!this.closure.exact.has(tip)) return 'unknown';
    if (this.closure.complete.has(tip) || this.closure.floorComplete) return 'no';
    // Below the floor the graph may lack paths; a commit another exact tip shows above the floor is not there.
    for (const other of this.closure.exact) {
      if (other !== tip && !this.closure.complete.has(other) && this.graph.ancestors(other).has(commit)) return 'no';
    }
    return 'unknown';
  }

  /**
   * The commits `a` has and `b` lacks (git's `b..a`), or undefined when either side's ancestry is
   * not known exactly.
   */
  difference(a: string, b: string): string[] | undefined {
    if (!this.isExact(a) || !this.isExact(b)) return undefined;
    const theirs = this.graph.ancestors(b);
    const out: string[] = [];
    for (const oid of this.graph.ancestors(a)) if (!theirs.has(oid)) out.push(oid);
    return out;
  }

  /** Why answers about `tip` are unknown. */
  whyUnknown(tip: string): string {
    return this.reason ?? this.closure.reason ?? `the history of ${tip.slice(0, 7)} could not be completed`;
  }
}
