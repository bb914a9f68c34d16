import { analyseClosure } from '../../core/graph/closure.js';
import { CommitGraph } from '../../core/graph/commit-graph.js';
import type { CommitNode, RepoData } from './types.js';

/** Commits kept below each deployed commit that is not in the window: the page a lookup reads. */
export const TIP_PAGE = 100;

/**
 * What the cache keeps of a repository between runs, so the next run answers exactly without
 * reading the same history again, yet the cache does not grow without end:
 *
 * - the history window of the head (commits dated at or after `windowStart`), plus a commit dated
 *   outside it whose parent is inside it (a wrong date must not cut the window) and the parents of
 *   window commits (so the next run knows where the window ends and does not look again);
 * - above the floor (the commit every tip's history shares, see src/core/graph/closure.ts): every
 *   commit a tip reaches, whatever its date, since exactness depends on it;
 * - below the floor: the first `TIP_PAGE` commits of each deployed commit older than the window (the
 *   page a lookup read: its tickets), and the
 *   paths from the floor down to any commit a kept commit has as parent (a branch based far below
 *   the others stays connected);
 * - nothing that no tip reaches.
 *
 * Pruning only ever costs reading again, never a wrong answer: the next run checks closure anew.
 */
export function pruneRepo(data: RepoData, tips: readonly string[], windowStart: string): RepoData {
  const graph = new CommitGraph(data.commits);
  const present = [...new Set([data.head, ...tips].filter((t): t is string => t !== undefined && graph.has(t)))];
  if (present.length === 0) return data.commits.length === 0 ? data : { ...data, commits: [], counts: {} };
  const reach = new Set<string>();
  for (const t of present) for (const oid of graph.ancestors(t)) reach.add(oid);

  const start = Date.parse(windowStart);
  const inWindow = (oid: string) => Date.parse(graph.get(oid)!.committedAt) >= start;
  const keep = new Set<string>();
  const headWalk = data.head && graph.has(data.head) ? graph.ancestors(data.head) : new Set<string>();
  for (const oid of headWalk) {
    const c = graph.get(oid)!;
    if (inWindow(oid) || c.parents.some((p) => graph.has(p) && inWindow(p))) {
      keep.add(oid);
      for (const p of c.parents) if (graph.has(p)) keep.add(p);
    }
  }

  const closure = analyseClosure({ graph, tips: present, head: data.head, windowStart, counts: new Map(Object.entries(data.counts ?? {})) });
  const floorWalk = closure.floor ? graph.ancestors(closure.floor) : undefined;
  if (!floorWalk) {
    // No single floor: keep everything a tip reaches (bounded by what was read for these tips).
    for (const oid of reach) keep.add(oid);
  } else {
    for (const oid of reach) if (!floorWalk.has(oid)) keep.add(oid);
    keep.add(closure.floor!);
    for (const t of present) if (t !== data.head && !inWindow(t)) for (const oid of firstOf(graph, t, TIP_PAGE)) keep.add(oid);
    // Keep the floor connected to every kept commit's parents that lie below it.
    const children = new Map<string, string[]>();
    for (const oid of floorWalk) for (const p of graph.get(oid)!.parents) if (floorWalk.has(p)) children.set(p, [...(children.get(p) ?? []), oid]);
    const stack: string[] = [];
    for (const oid of keep) if (!floorWalk.has(oid)) for (const p of graph.get(oid)?.parents ?? []) if (floorWalk.has(p) && !keep.has(p)) stack.push(p);
    while (stack.length > 0) {
      const oid = stack.pop()!;
      if (keep.has(oid)) continue;
      keep.add(oid);
      for (const child of children.get(oid) ?? []) if (!keep.has(child)) stack.push(child);
    }
  }

  const commits = data.commits.filter((c) => keep.has(c.oid) && reach.has(c.oid));
  const kept = new Set(commits.map((c) => c.oid));
  const counts = Object.fromEntries(Object.entries(data.counts ?? {}).filter(([oid]) => kept.has(oid)));
  const pullRequests = data.pullRequests.filter((pr) => Date.parse(pr.mergedAt) >= start || (pr.mergeCommit !== undefined && kept.has(pr.mergeCommit)));
  const paths = data.paths
    ? Object.fromEntries(Object.entries(data.paths).map(([path, p]) => [path, { ...p, touching: p.touching.filter((oid) => kept.has(oid)), heads: p.heads.filter((oid) => kept.has(oid)) }]))
    : undefined;
  const named = new Set([...commits.flatMap((c) => c.tickets ?? []), ...pullRequests.flatMap((pr) => pr.tickets ?? [])].map((r) => r.key));
  const references = data.references ? Object.fromEntries(Object.entries(data.references).filter(([key]) => named.has(key))) : undefined;
  return { ...data, commits, pullRequests, counts, ...(paths ? { paths } : {}), ...(references ? { references } : {}) };
}

/** The first `n` commits of a walk from `tip` in date order (as GitHub lists history), within the graph. */
function firstOf(graph: CommitGraph, tip: string, n: number): string[] {
  const out: string[] = [];
  const queue: CommitNode[] = [graph.get(tip)!];
  const seen = new Set([tip]);
  while (queue.length > 0 && out.length < n) {
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i].committedAt > queue[best].committedAt) best = i;
    const [c] = queue.splice(best, 1);
    out.push(c.oid);
    for (const p of c.parents) {
      if (seen.has(p) || !graph.has(p)) continue;
      seen.add(p);
      queue.push(graph.get(p)!);
    }
  }
  return out;
}
