import { CommitGraph } from '../../core/graph/commit-graph.js';
import type { GithubClient } from './client.js';
import { fetchPathHistories, type PathTask } from './queries/path-history.js';
import type { RepoData } from './types.js';

/**
 * Brings each repository's per-path commit sets up to date for the commits questions are asked
 * about (the head and deployed commits). Only history not covered before is asked for: a walk of
 * the path from each new tip down to the oldest commit not yet covered. Returns the repositories
 * whose data changed. A path GitHub cannot walk from a tip is left uncovered (its counts are then
 * of the commits known to touch it).
 */
export async function updatePaths(client: GithubClient, repos: Map<string, RepoData>, pathsByRepo: ReadonlyMap<string, readonly string[]>, tips: ReadonlyMap<string, ReadonlySet<string>>): Promise<Set<string>> {
  const tasks: PathTask[] = [];
  const plans = new Map<string, { path: string; heads: string[]; since: string }[]>();
  for (const [repository, paths] of pathsByRepo) {
    const data = repos.get(repository);
    if (!data?.head) continue;
    const graph = new CommitGraph(data.commits);
    const heads = [...new Set([data.head, ...(tips.get(repository) ?? [])])].filter((t) => graph.has(t));
    const needed = new Set<string>();
    for (const t of heads) for (const oid of graph.ancestors(t)) needed.add(oid);
    for (const path of paths) {
      const known = data.paths?.[path];
      const covered = new Set<string>();
      if (known) {
        const since = Date.parse(known.since);
        for (const h of known.heads) if (graph.has(h)) for (const oid of graph.ancestors(h)) if (Date.parse(graph.get(oid)!.committedAt) >= since) covered.add(oid);
      }
      const fresh = [...needed].filter((oid) => !covered.has(oid));
      if (fresh.length === 0) continue;
      const oldest = Math.min(...fresh.map((oid) => Date.parse(graph.get(oid)!.committedAt)));
      const since = new Date(oldest - 1000).toISOString();
      const starts = heads.filter((h) => fresh.some((oid) => graph.ancestors(h).has(oid)));
      // Walks from a tip another start reaches are covered by that start's walk.
      const outer = starts.filter((h) => !starts.some((o) => o !== h && graph.ancestors(o).has(h)));
      for (const from of outer) tasks.push({ repository, path, from, since });
      const merged = known && Date.parse(known.since) < Date.parse(since) ? known.since : since;
      plans.set(repository, [...(plans.get(repository) ?? []), { path, heads, since: merged }]);
    }
  }
  if (tasks.length === 0) return new Set();
  const results = await fetchPathHistories(client, tasks);
  const changed = new Set<string>();
  for (const [repository, updates] of plans) {
    const data = repos.get(repository)!;
    const paths = { ...(data.paths ?? {}) };
    for (const u of updates) {
      const found = results.filter((r) => r.repository === repository && r.path === u.path);
      const touching = new Set([...(paths[u.path]?.touching ?? []), ...found.flatMap((r) => r.touching)]);
      // A walk that failed leaves the path as it was: never claim a region as covered that was not read.
      if (found.some((r) => !r.found)) continue;
      paths[u.path] = { touching: [...touching], heads: u.heads, since: u.since };
    }
    data.paths = paths;
    changed.add(repository);
  }
  return changed;
}
