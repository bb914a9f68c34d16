import type { Project, Service } from '../../config/types.js';
import { ALL_PATHS, type ServicePaths } from '../paths.js';
import type { RepoBook, RepoView } from '../repo-book.js';
import type { ServiceState, Snapshot, Ticket, TicketPresence } from '../snapshot-schema.js';
import { compareKeys, sortKeys } from './compare.js';
import { changeState, type ChangeState } from './evaluate.js';
import { servedBy, type Served } from '../serving.js';
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
  const own = all.some((c) => c.cherryPickOf) ? all.filter((c) => !(c.cherryPickOf && all.some((o) => o.commit === c.cherryPickOf))) : all;
  return service.paths?.length ? own.filter((c) => touches(c.commit)) : own;
}

/** Why nothing can be said about a service in an environment, or undefined when what it serves is known. */
export function unknownService(state: ServiceState | undefined, view: RepoView | undefined): { status: 'missing' | 'unknown'; reason: string } | undefined {
  const served = servedBy(state, view);
  return served.status === 'known' ? undefined : served;
}

/**
 * A service's part of a ticket in one environment, from its changes' states; undefined when none
 * of them is there (most services lack most tickets: nothing is allocated for them).
 */
function partOf(repository: string, service: string, view: RepoView, tip: string, required: readonly TicketChange[]): Part | undefined {
  let inCount = 0;
  let reverted = 0;
  let unknown: ChangeState | undefined;
  let via: { commit: string; cherryPickOf?: string }[] | undefined;
  for (const c of required) {
    const s = changeState(view, tip, c.commit);
    if (s.state === 'in') {
      inCount++;
      // Which commits bring it says something only for a cherry-pick, or when some are missing.
      if (s.via?.cherryPickOf) (via ??= []).push({ commit: s.via.commit, cherryPickOf: s.via.cherryPickOf });
      else if (inCount < required.length) (via ??= []).push({ commit: c.commit });
    } else if (s.state === 'reverted') reverted++;
    else if (s.state === 'unknown') unknown ??= s;
  }
  if (unknown) return { repository, service, status: 'unknown', reason: unknown.reason ?? 'history could not be completed' };
  if (inCount === 0 && reverted === 0) return undefined;
  const status: Part['status'] = inCount === required.length ? 'in' : inCount > 0 ? 'partial' : 'reverted';
  return { repository, service, status, ...(via ? { via } : {}) };
}

const RANK: Record<Part['status'], number> = { unknown: -1, missing: 0, reverted: 1, partial: 2, 'rolling-out': 3, in: 4 };

/**
 * A service's part of a ticket from what it serves: `in` when every serving version has it all;
 * `rolling-out` when what every cluster wants has it all and not every serving version does yet;
 * `partial` when some serving versions have it and others lack it (naming those); otherwise the
 * weakest of them (reverted, or nothing). Undefined when none of it is there, or when nothing serves.
 */
function servedPart(repository: string, service: string, view: RepoView, served: Extract<Served, { status: 'known' }>, required: readonly TicketChange[]): Part | undefined {
  // Nothing serves (no pod is ready): no ticket is there, nor on its way (NOTHING_SERVING says why).
  if (served.serving.length === 0) return undefined;
  if (served.serving.length === 1 && served.wanted.length === 1 && served.wanted[0] === served.serving[0]) return partOf(repository, service, view, served.serving[0], required);
  const parts = new Map<string, Part | undefined>();
  const part = (tip: string) => {
    if (!parts.has(tip)) parts.set(tip, partOf(repository, service, view, tip, required));
    return parts.get(tip);
  };
  const serving = served.serving.map(part);
  const unknown = serving.find((p) => p?.status === 'unknown');
  if (unknown) return unknown;
  if (serving.every((p) => p?.status === 'in')) return serving[0];
  const wanted = served.wanted.map(part);
  if (wanted.find((p) => p?.status === 'unknown')) return wanted.find((p) => p?.status === 'unknown');
  if (wanted.length > 0 && wanted.every((p) => p?.status === 'in')) return { repository, service, status: 'rolling-out', reason: 'in the version being rolled out, not yet in every serving pod' };
  if (serving.some((p) => p?.status === 'in' || p?.status === 'partial')) {
    const lacking = served.serving.filter((_tip, i) => serving[i]?.status !== 'in').map((tip) => served.labels[tip] ?? tip.slice(0, 7));
    return { repository, service, status: 'partial', reason: `not in what serves as ${lacking.join('; ')}` };
  }
  let weakest = serving[0];
  for (const p of serving) if (!p || (weakest && RANK[p.status] < RANK[weakest.status])) weakest = p;
  return weakest;
}

/** A part of a ticket in an environment, or the service that lacks it. */
type Slot = Part | Pick<Service, 'name' | 'repository'>;
const isPart = (slot: Slot): slot is Part => 'status' in slot;

/** The environment's status from its parts; undefined when the ticket is simply not there. */
export function presenceOf(project: string, environment: string, slots: readonly Slot[]): TicketPresence | undefined {
  const parts = slots.filter(isPart).filter((p) => p.status !== 'missing');
  if (parts.length === 0) return undefined;
  const absent = slots.filter((s) => !isPart(s) || s.status === 'missing').map((s) => (isPart(s) ? { repository: s.repository, service: s.service } : { repository: s.repository, service: s.name }));
  const unknown = parts.filter((p) => p.status === 'unknown');
  const status: TicketPresence['status'] = unknown.length
    ? 'unknown'
    : absent.length === 0 && parts.every((p) => p.status === 'in')
      ? 'in'
      : absent.length === 0 && parts.every((p) => p.status === 'in' || p.status === 'rolling-out')
        ? 'rolling-out'
        : parts.some((p) => p.status === 'in' || p.status === 'partial' || p.status === 'rolling-out')
          ? 'partial'
          : 'reverted';
  const lacking = [...absent, ...parts.filter((p) => p.status === 'partial' || p.status === 'reverted' || (status === 'partial' && p.status === 'rolling-out'))];
  const several = (repository: string) => slots.filter((s) => s.repository === repository).length > 1;
  const missing = lacking.map((p) => (several(p.repository) ? `${p.repository} (${p.service})` : p.repository));
  // Parts that say more than `missing` does: a part partly in, reverted or unknown, or in through a cherry-pick.
  const telling = parts.filter((p) => p.status !== 'in' || p.via?.some((v) => v.cherryPickOf));
  return {
    project,
    environment,
    status,
    ...(status === 'partial' || (status === 'unknown' && missing.length) ? { missing } : {}),
    ...(telling.length ? { parts: telling } : {}),
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
    const revertedBy = view.tickets.revertedBy;
    for (const [key, changes] of view.tickets.changes) {
      const withReverts = revertedBy.size === 0 ? changes : changes.map((c) => {
        const by = revertedBy.get(c.commit);
        return by?.length ? { ...c, revertedBy: by } : c;
      });
      const ticket = tickets.get(key);
      // Arrays are built at their exact length (not grown by push): there are ~10^5 of them in a large organisation.
      if (ticket) ticket.changes = [...ticket.changes, ...withReverts];
      else tickets.set(key, { kind: view.tickets.kind.get(key)!, changes: withReverts, environments: [] });
    }
  }
  for (const project of projects) {
    // key → the services that carry it, and per environment the parts of those that have some of it.
    const found = new Map<string, { carriers: Service[]; parts: Map<string, Part[]> }>();
    for (const service of project.services) {
      const view = book.get(service.repository);
      if (!view) continue;
      const touches = (commit: string) => paths.change(service.repository, service, commit);
      const tips = project.environments.map((environment) => ({ environment: environment.name, served: servedBy(state[project.name]?.environments[environment.name]?.services[service.name], view) }));
      for (const key of view.tickets.changes.keys()) {
        const required = requiredChanges(view, key, service, touches);
        if (required.length === 0) continue;
        let entry = found.get(key);
        if (!entry) found.set(key, (entry = { carriers: [], parts: new Map() }));
        entry.carriers.push(service);
        for (const { environment, served } of tips) {
          const part =
            served.status === 'unknown'
              ? ({ repository: service.repository, service: service.name, status: 'unknown', reason: served.reason } satisfies Part)
              : served.status === 'missing'
                ? undefined
                : servedPart(service.repository, service.name, view, served as Extract<Served, { status: 'known' }>, required);
          if (!part) continue;
          const list = entry.parts.get(environment);
          if (list) list.push(part);
          else entry.parts.set(environment, [part]);
        }
      }
    }
    for (const [key, { carriers, parts }] of found) {
      for (const environment of project.environments) {
        const here = parts.get(environment.name);
        if (!here) continue;
        // The usual case: one service carries it, and runs all of it.
        const only = carriers.length === 1 && here[0].status === 'in' && !here[0].via ? here[0] : undefined;
        const presence: TicketPresence | undefined = only
          ? { project: project.name, environment: environment.name, status: 'in' }
          : presenceOf(project.name, environment.name, carriers.map((c) => here.find((p) => p.service === c.name) ?? c));
        if (presence) {
          const ticket = tickets.get(key)!;
          ticket.environments = [...ticket.environments, presence];
        }
      }
    }
  }
  const sorted: Record<string, Ticket> = {};
  for (const key of sortKeys(tickets.keys())) {
    const t = tickets.get(key)!;
    t.changes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    sorted[key] = t;
  }
  return sorted;
}

export { compareKeys };
