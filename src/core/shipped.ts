import type { Project } from '../config/types.js';
import type { ServicePaths } from './paths.js';
import type { RepoBook } from './repo-book.js';
import type { DeploymentEvent } from './snapshot-schema.js';
import { sortKeys } from './tickets/compare.js';

type Shipped = NonNullable<DeploymentEvent['shipped']>;

const count = <K extends string>(key: K, n: number) => (n > 0 ? ({ [key]: n } as Record<K, number>) : {});

/** The most commits a deployment lists (newest first); the count is always whole. */
export const SHIPPED_COMMIT_LIST_MAX = 200;

/**
 * What a deployment shipped: the commits `to` has and `from` lacks (git's `from..to`, exactly, from the
 * local commit graph), the merged PRs among them (with titles), the tickets they carry, and for a
 * rollback what it took out (`to..from`). A service built from folders (`paths`) counts the commits that
 * touch them. `unknown` with the reason when either side has no commit (the first deployment seen, a
 * version that did not resolve), the repository was not read, or its history is not known exactly.
 */
export function shippedBy(event: DeploymentEvent, projects: readonly Project[], book: RepoBook, paths: ServicePaths): Shipped {
  const service = projects.find((p) => p.name === event.project)?.services.find((s) => s.name === event.service);
  if (!service) return { status: 'unknown', reason: `${event.project}/${event.service} is not in the config` };
  const from = event.from?.commit;
  const to = event.to.commit;
  if (!event.from) return { status: 'unknown', reason: 'no earlier version of this workload is known: the first deployment seen' };
  if (!from || !to) return { status: 'unknown', reason: `the ${!to ? 'new' : 'previous'} version (${(!to ? event.to.version : event.from.version) ?? '?'}) did not resolve to a commit` };
  const view = book.get(service.repository);
  if (!view) return { status: 'unknown', reason: `${service.repository} was not read` };
  const added = view.ancestry.difference(to, from);
  const removed = view.ancestry.difference(from, to);
  if (!added || !removed) return { status: 'unknown', reason: `the history of ${service.repository} is not known exactly: ${view.ancestry.whyUnknown(added ? from : to)}` };
  const own = (oids: string[]) => (service.paths?.length ? oids.filter((oid) => paths.commit(service.repository, service, oid)) : oids);
  const tickets = (oids: string[]) => {
    const keys = new Set<string>();
    for (const oid of oids) {
      for (const key of view.ticketsByCommit.get(oid) ?? []) keys.add(key);
      const original = view.tickets.pickOf.get(oid);
      if (original) for (const key of view.ticketsByCommit.get(original) ?? []) keys.add(key);
    }
    return sortKeys([...keys]);
  };
  const mine = own(added);
  const taken = own(removed);
  const commits = mine
    .map((oid) => ({ oid, at: view.graph.get(oid)?.committedAt ?? '', pr: view.prByCommit.get(oid) }))
    .sort((a, b) => b.at.localeCompare(a.at) || a.oid.localeCompare(b.oid));
  const prs = new Map(view.data.pullRequests.map((pr) => [pr.number, pr]));
  const pullRequests = [...new Set(commits.map((c) => c.pr).filter((n): n is number => n !== undefined))]
    .sort((a, b) => a - b)
    .map((number) => ({ number, title: prs.get(number)?.title ?? '', ...(prs.get(number)?.mergedAt ? { mergedAt: prs.get(number)!.mergedAt } : {}) }));
  return {
    status: 'known',
    commits: mine.length,
    commitList: commits.slice(0, SHIPPED_COMMIT_LIST_MAX).map((c) => ({ oid: c.oid, at: c.at, ...(c.pr !== undefined ? { pr: c.pr } : {}) })),
    ...(mine.length > SHIPPED_COMMIT_LIST_MAX ? { truncated: true } : {}),
    pullRequests,
    tickets: tickets(mine),
    ...count('reverts', mine.filter((oid) => view.graph.get(oid)?.isRevert || view.graph.get(oid)?.reverts?.length).length),
    ...count('cherryPicks', mine.filter((oid) => view.tickets.pickOf.has(oid) || view.graph.get(oid)?.cherryPickOf?.length).length),
    ...(taken.length ? { removed: { commits: taken.length, tickets: tickets(taken) } } : {}),
  };
}
