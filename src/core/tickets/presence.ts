import type { Project, Service } from '../../config/types.js';
import { ALL_PATHS, type ServicePaths } from '../paths.js';
import type { RepoBook, RepoView } from '../repo-book.js';
import type { ServiceState, Snapshot, Ticket, TicketPresence } from '../snapshot-schema.js';
import { compareKeys } from './compare.js';
import { changeState, type ChangeState } from './evaluate.js';
import type { TicketChange } from './index-repo.js';

type Part = NonNullable<TicketPresence['parts']>[number];

/**
 * The changes of ticket `key` that a service must run for the ticket to be in: every commit of its
 * repository that carries it (on the default branch or on a branch snap read because it is
 * deployed), except cherry-picks, which stand in for their originals (evaluate.ts). Changes outside
 * the service's paths do not count for it.
 */
export function requiredChanges(view: RepoView, key: string, service: Pick<Service, 'paths'>, touches: (commit: string) => boolean): TicketChange[] {
  const all = view.tickets.changes.get(key) ?? [];
  const own = all.filter((c) => !(c.cherryPickOf && all.some((o) => o.commit === c.cherryPickOf)));
  return service.paths?.length ? own.filter((c) => touches(c.commit)) : own;
}

/** Why nothing can be said about a service in an environment, or undefined when its commit is known. */
export function unknownService(state: ServiceState | undefined, view: RepoView | undefined): { status: 'missing' | 'unknown'; reason: string } | undefined {
  if (!state || state.status === 'not-found') return { status: 'missing', reason: 'not deployed there' };
  if (state.status === 'unknown') return { status: 'unknown', reason: 'its cluster could not be read' };
  if (!view) return { status: 'unknown', reason: `${state.repository} was not read from GitHub` };
  if (!state.commit) return { status: 'unknown', reason: 'its version did not resolve to a commit' };
  return undefined;
}

/** A service's part of a ticket in one environment, from its changes' states. */
function partOf(repository: string, service: string, states: readonly ChangeState[]): Part {
  const via = states.filter((s) => s.state === 'in' && s.via).map((s) => ({ commit: s.via!.commit, ...(s.via!.cherryPickOf ? { cherryPickOf: s.via!.cherryPickOf } : {}) }));
  const unknown = states.find((s) => s.state === 'unknown');
  if (unknown) return { repository, service, status: 'unknown', reason: unknown.reason ?? 'history could not be completed' };
  const inCount = states.filter((s) => s.state === 'in').length;
  const reverted = states.filter((s) => s.state === 'reverted').length;
  const status: Part['status'] = inCount === states.length ? 'in' : inCount > 0 ? 'partial' : reverted > 0 ? 'reverted' : 'missing';
  return { repository, service, status, ...(via.length ? { via } : {}) };
}

/** The environment's status from its parts; undefined when the ticket is simply not there. */
export function presenceOf(project: string, environment: string, parts: readonly Part[]): TicketPresence | undefined {
  if (parts.length === 0 || parts.every((p) => p.status === 'missing')) return undefined;
  const unknown = parts.filter((p) => p.status === 'unknown');
  const status: TicketPresence['status'] = unknown.length
    ? 'unknown'
    : parts.every((p) => p.status === 'in')
      ? 'in'
      : parts.some((p) => p.status === 'in' || p.status === 'partial')
        ? 'partial'
        : 'reverted';
  const several = (repository: string) => parts.filter((p) => p.repository === repository).length > 1;
  const missing = parts.filter((p) => p.status !== 'in' && p.status !== 'unknown').map((p) => (several(p.repository) ? `${p.repository} (${p.service})` : p.repository));
  const showParts = status !== 'in' || parts.some((p) => p.via?.some((v) => v.cherryPickOf));
  return {
    project,
    environment,
    status,
    ...(status === 'partial' || (status === 'unknown' && missing.length) ? { missing } : {}),
    ...(showParts ? { parts: [...parts] } : {}),
    ...(unknown.length ? { reason: unknown.map((p) => `${p.repository} (${p.service}): ${p.reason}`).join('; ') } : {}),
  };
}

/**
 * Every ticket found in the configured repositories, and where it is. Per project and environment a
 * ticket is `in` when every service built from a repository that carries it runs every one of its
 * changes (by git ancestry of the deployed commit, never by dates); `partial` when some do (the
 * others are named); `reverted` when what is there was reverted; `unknown` when a side could not be
 * read or history could not be completed. A rollback to an older commit takes a ticket out again.
 */
export function buildTickets(projects: readonly Project[], state: Snapshot['projects'], book: RepoBook, paths: ServicePaths = ALL_PATHS): Record<string, Ticket> {
  const tickets = new Map<string, Ticket>();
  const repositories = [...new Set(projects.flatMap((p) => p.services.map((s) => s.repository)))];
  for (const repository of repositories) {
    const view = book.get(repository);
    if (!view) continue;
    for (const [key, changes] of view.tickets.changes) {
      const withReverts = changes.map((c) => {
        const by = view.tickets.revertedBy.get(c.commit);
        return by?.length ? { ...c, revertedBy: by } : c;
      });
      const ticket = tickets.get(key);
      // Arrays are built at their exact length (not grown by push): there are ~10^5 of them in a large organisation.
      if (ticket) ticket.changes = [...ticket.changes, ...withReverts];
      else tickets.set(key, { kind: view.tickets.kind.get(key)!, changes: withReverts, environments: [] });
    }
  }
  for (const project of projects) {
    const keys = new Set<string>();
    for (const s of project.services) for (const key of book.get(s.repository)?.tickets.changes.keys() ?? []) keys.add(key);
    for (const environment of project.environments) {
      const services = state[project.name]?.environments[environment.name]?.services ?? {};
      for (const key of keys) {
        const parts: Part[] = [];
        for (const service of project.services) {
          const view = book.get(service.repository);
          if (!view?.tickets.changes.has(key)) continue;
          const required = requiredChanges(view, key, service, (commit) => paths.change(service.repository, service, commit));
          if (required.length === 0) continue;
          const s = services[service.name];
          const blocked = unknownService(s, view);
          if (blocked) {
            parts.push({ repository: service.repository, service: service.name, status: blocked.status, reason: blocked.reason });
            continue;
          }
          parts.push(partOf(service.repository, service.name, required.map((c) => changeState(view, s.commit!.oid, c.commit))));
        }
        const presence = presenceOf(project.name, environment.name, parts);
        if (presence) {
          const ticket = tickets.get(key)!;
          ticket.environments = [...ticket.environments, presence];
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

export { compareKeys };
