import type { CommitGraph } from './commit-graph.js';

/**
 * When is the local graph enough to answer ancestry exactly? See README.md in this folder for the
 * reasoning; in short:
 *
 * - A_t is what a walk from tip t finds in the graph; S the *shallow* commits those walks reach
 *   (a parent was never read); I the commits every walk finds (common to all tips).
 * - Closed: every shallow commit is in I. Then all that the graph lacks lies below commits every
 *   tip has.
 * - Floor F: a commit of I whose own walk reaches every shallow commit (the tips' merge base when
 *   it is unique). Then for each tip, anc(t) = (A_t \ A_F) ⊔ anc(F) — provided A_t \ A_F holds no
 *   commit that is really an ancestor of F. GitHub's `history.totalCount` (the number of ancestors
 *   of a commit, itself included) settles that: the equation holds exactly when
 *   |A_t \ A_F| = totalCount(t) − totalCount(F), because A_t \ A_F then contains every commit of
 *   anc(t) \ anc(F) and nothing else.
 * - A tip whose walk meets no shallow commit knows its whole history.
 *
 * `analyseClosure` says which tips are exact, and what to read next for the others.
 */
export interface ClosureInput {
  graph: CommitGraph;
  /** The commits questions are asked about: the default-branch head and every deployed commit (all in the graph). */
  tips: readonly string[];
  /** The head: the window rule applies to its history. */
  head?: string;
  /** ISO time: commits at or after it are in the history window. */
  windowStart: string;
  /** Known total history lengths (GitHub's `history.totalCount`), by oid. */
  counts: ReadonlyMap<string, number>;
  /** Missing parents already asked for in this run that GitHub did not return: never asked again. */
  unreadable?: ReadonlySet<string>;
}

/** A commit to read with one page of its history. `peek`: a few, to see past a commit outside the window; `connect`: a full page. */
export interface Frontier {
  oid: string;
  kind: 'peek' | 'connect';
}

export interface Closure {
  /** Tips whose ancestry the graph answers exactly. */
  exact: Set<string>;
  /** Tips whose walk meets no shallow commit: their whole history is in the graph. */
  complete: Set<string>;
  floor?: string;
  /** No shallow commit in the floor's walk: anc(floor) is in the graph. */
  floorComplete: boolean;
  /** What to read next to make more tips exact (empty: nothing more can be learnt by reading). */
  frontier: Frontier[];
  /** Commits whose totalCount would let the tips be verified against the floor. */
  counts: string[];
  /** Why the tips that are not exact are not, in words. */
  reason?: string;
}

const when = (graph: CommitGraph, oid: string) => Date.parse(graph.get(oid)?.committedAt ?? '') || 0;

export function analyseClosure(input: ClosureInput): Closure {
  const { graph, counts } = input;
  const tips = [...new Set(input.tips.filter((t) => graph.has(t)))];
  const unreadable = input.unreadable ?? new Set<string>();
  // A graph holding whole histories (every parent read) answers everything: no walk needed.
  if (!graph.hasShallow() && (input.head === undefined || graph.has(input.head))) {
    const all = new Set(tips);
    return { exact: all, complete: all, floorComplete: true, frontier: [], counts: [] };
  }
  const walks = new Map(tips.map((t) => [t, graph.ancestors(t)]));
  const shallow = new Set<string>();
  for (const walk of walks.values()) for (const oid of walk) if (!shallow.has(oid) && graph.missingParents(oid).length > 0) shallow.add(oid);
  const complete = new Set(tips.filter((t) => ![...shallow].some((s) => walks.get(t)!.has(s))));
  const base: Closure = { exact: new Set(complete), complete, floorComplete: false, frontier: [], counts: [] };
  // A head dated before the window (a wrong clock) is not in the window's walk at all: read it.
  const headMissing = input.head !== undefined && !graph.has(input.head) && !unreadable.has(input.head);
  if (headMissing) base.frontier = [{ oid: input.head!, kind: 'peek' }];
  if (shallow.size === 0 || tips.length === 0) return { ...base, floorComplete: true };

  const asked = new Set<string>(headMissing ? [input.head!] : []);
  const frontier: Frontier[] = [...base.frontier];
  const read = (oid: string, kind: Frontier['kind']) => {
    for (const p of graph.missingParents(oid)) {
      if (asked.has(p) || unreadable.has(p)) continue;
      asked.add(p);
      frontier.push({ oid: p, kind });
    }
  };

  // The window rule: GitHub's `since` ends a walk at the first commit dated before the window, so a
  // wrongly dated commit can hide recent ones behind it. Peek past every shallow commit of the window.
  const windowStart = Date.parse(input.windowStart);
  const headWalk = input.head ? graph.ancestors(input.head) : undefined;
  for (const s of shallow) if (headWalk?.has(s) && when(graph, s) >= windowStart) read(s, 'peek');

  const hits = new Map<string, number>();
  for (const walk of walks.values()) for (const oid of walk) hits.set(oid, (hits.get(oid) ?? 0) + 1);
  const common = new Set([...hits].filter(([, n]) => n === tips.length).map(([oid]) => oid));
  const need = [...shallow].filter((s) => !common.has(s));
  if (need.length > 0) {
    // Read the histories that do not meet yet, and the common ones no older than them, so both
    // sides walk down together (a branch based far below the others meets them only there).
    const oldest = Math.min(...need.map((s) => when(graph, s)));
    for (const s of need) read(s, 'connect');
    for (const s of shallow) if (common.has(s) && when(graph, s) >= oldest) read(s, 'connect');
    return { ...base, frontier, reason: `the histories of ${need.length === 1 ? 'a deployed commit do' : 'deployed commits do'} not meet within what was read` };
  }

  const floor = findFloor(graph, common, shallow);
  if (!floor) {
    for (const s of shallow) read(s, 'connect');
    return { ...base, frontier, reason: 'the deployed commits have no single merge base within what was read' };
  }
  const floorWalk = graph.ancestors(floor);
  const floorComplete = ![...shallow].some((s) => floorWalk.has(s));
  // Only tips no other tip's walk reaches need proving: a tip an exact tip reaches is exact too
  // (its history above the floor is part of that tip's, which the graph holds whole).
  const open = tips.filter((t) => !complete.has(t));
  const outer = open.filter((t) => !tips.some((u) => u !== t && walks.get(u)!.has(t)));
  const missingCounts = [...new Set([floor, ...outer])].filter((oid) => !counts.has(oid));
  if (missingCounts.length > 0) return { ...base, floor, floorComplete, frontier, counts: missingCounts };

  const exact = new Set(complete);
  const failed: string[] = [];
  for (const t of outer) {
    let above = 0;
    for (const oid of walks.get(t)!) if (!floorWalk.has(oid)) above++;
    if (above === counts.get(t)! - counts.get(floor)!) exact.add(t);
    else failed.push(t);
  }
  for (const t of open) if (!exact.has(t) && outer.some((u) => exact.has(u) && walks.get(u)!.has(t))) exact.add(t);
  if (failed.length > 0) {
    // Some commit the graph shows only above the floor is really below it: read every line further.
    for (const s of shallow) read(s, 'connect');
    return { ...base, exact, floor, floorComplete, frontier, reason: `${failed.length} deployed commit(s) have more history than was read` };
  }
  return { ...base, exact, floor, floorComplete, frontier };
}

/**
 * A commit of `common` whose walk reaches every shallow commit: the unique maximal element of
 * `common` (the merge base of all tips) when there is one; otherwise the merge base of the
 * maximal elements, tried again (criss-cross merges).
 */
function findFloor(graph: CommitGraph, common: ReadonlySet<string>, shallow: ReadonlySet<string>): string | undefined {
  let candidates = maximal(graph, common);
  for (let depth = 0; depth < 8 && candidates.length > 0; depth++) {
    if (candidates.length === 1) {
      const walk = graph.ancestors(candidates[0]);
      return [...shallow].every((s) => walk.has(s)) ? candidates[0] : undefined;
    }
    const below = new Set([...graph.ancestors(candidates[0])].filter((oid) => candidates.slice(1).every((c) => graph.ancestors(c).has(oid))));
    candidates = maximal(graph, below);
  }
  return undefined;
}

/** The members of `set` that are not a parent-reachable ancestor of another member. */
function maximal(graph: CommitGraph, set: ReadonlySet<string>): string[] {
  const covered = new Set<string>();
  for (const oid of set) for (const p of graph.get(oid)?.parents ?? []) if (set.has(p)) covered.add(p);
  return [...set].filter((oid) => !covered.has(oid));
}
