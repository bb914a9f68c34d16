import type { RepoBook } from '../repo-book.js';
import type { Snapshot, Ticket } from '../snapshot-schema.js';

/**
 * Every ticket found in the configured repositories, and where it runs. A ticket is in an
 * environment when a commit that brought it is an ancestor of (or is) the commit deployed there,
 * so a rollback to an older commit removes it, and a merge after the deploy never adds it.
 */
export function buildTickets(projects: Snapshot['projects'], repositories: readonly string[], book: RepoBook): Record<string, Ticket> {
  const tickets = new Map<string, Ticket>();
  for (const repository of repositories) {
    const view = book.get(repository);
    if (!view) continue;
    for (const [key, changes] of view.tickets.changes) {
      const ticket = tickets.get(key);
      // Arrays are built at their exact length (not grown by push): there are ~10^5 of them in a large organisation.
      if (ticket) ticket.changes = [...ticket.changes, ...changes];
      else tickets.set(key, { kind: view.tickets.kind.get(key)!, changes: [...changes], environments: [] });
    }
  }
  for (const [project, p] of Object.entries(projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      for (const [service, state] of Object.entries(e.services)) {
        if (!state.commit) continue;
        const view = book.get(state.repository);
        if (!view) continue;
        const ancestors = view.graph.ancestors(state.commit.oid);
        for (const [key, changes] of view.tickets.changes) {
          if (!changes.some((c) => ancestors.has(c.commit))) continue;
          const via = changes.filter((c) => ancestors.has(c.commit));
          const complete = via.length === changes.length;
          const ticket = tickets.get(key)!;
          const entry: Ticket['environments'][number] = {
            project,
            environment,
            service,
            complete,
            // Complete: every change listed under `changes` for this repository is there; only a partial presence names its part.
            ...(complete ? {} : { via: via.map((c) => ({ commit: c.commit, ...(c.pr !== undefined ? { pr: c.pr } : {}) })) }),
          };
          ticket.environments = [...ticket.environments, entry];
        }
      }
    }
  }
  const sorted: Record<string, Ticket> = {};
  for (const key of [...tickets.keys()].sort(compareKeys)) {
    const t = tickets.get(key)!;
    t.changes.sort((a, b) => a.at.localeCompare(b.at));
    sorted[key] = t;
  }
  return sorted;
}

/** PAY-9 before PAY-10 (one collator: localeCompare with options builds one per call). */
export const compareKeys = new Intl.Collator('en', { numeric: true }).compare;
