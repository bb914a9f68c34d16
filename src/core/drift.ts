import { runsIn, type Project, type Service } from '../config/types.js';
import { ALL_PATHS, type ServicePaths } from './paths.js';
import type { RepoBook, RepoView } from './repo-book.js';
import type { DriftPair, DriftService, Snapshot } from './snapshot-schema.js';
import { sortKeys } from './tickets/compare.js';
import { changeState } from './tickets/evaluate.js';
import { requiredChanges } from './tickets/presence.js';
import { floorCommit, servedBy } from './serving.js';

type Counts = DriftService['ahead'];
const empty = (): Counts => ({ commits: 0, pullRequests: [], tickets: [] });

interface Side {
  commits: string[];
  tickets: string[];
}

/**
 * Tickets whose changes `mine` runs and `theirs` lacks (reverted work and cherry-picked work do not
 * count). Such a change, or the cherry-pick that brings it, is among the commits `mine` has and
 * `theirs` lacks (`ahead`): only their tickets are looked at.
 */
function ticketsAhead(view: RepoView, service: Service, mine: string, theirs: string, ahead: readonly string[], touches: (commit: string) => boolean): string[] {
  const out: string[] = [];
  const keys = new Set<string>();
  for (const oid of ahead) {
    for (const key of view.ticketsByCommit.get(oid) ?? []) keys.add(key);
    const original = view.tickets.pickOf.get(oid);
    if (original) for (const key of view.ticketsByCommit.get(original) ?? []) keys.add(key);
  }
  for (const key of keys) {
    for (const change of requiredChanges(view, key, service, touches)) {
      if (changeState(view, mine, change.commit).state === 'in' && changeState(view, theirs, change.commit).state === 'missing') {
        out.push(key);
        break;
      }
    }
  }
  return sortKeys(out);
}

/**
 * Promotion preview: for each pair of environments of a project (neighbours in config order first,
 * then the pairs further apart, marked with `span`), the
 * commits, PRs and tickets the earlier environment runs and the later one lacks ("ahead": what a
 * promotion ships), and the reverse ("behind") — git's `to..from` and `from..to`, from the local
 * commit graph when its ancestry is exact (graph/closure.ts), else `unknown` with the reason.
 * Commits and PRs are counted once per repository, however many services are built from it;
 * a service with `paths` counts only the commits that touch them. PRs are known over the history
 * window: a set holding older commits says so (`pullRequestsSince`), its PR count a lower bound.
 */
export function buildDrift(projects: readonly Project[], state: Snapshot['projects'], book: RepoBook, paths: ServicePaths = ALL_PATHS): Record<string, DriftPair[]> {
  const out: Record<string, DriftPair[]> = {};
  // Merged PRs are read over the history window: among older commits, PRs are not known. The
  // window's start moves with the clock; the next midnight (UTC) after it keeps the mark the same
  // between runs of a day, and errs on the side of marking.
  const since = book.windowStart ? nextMidnight(book.windowStart) : undefined;
  for (const project of projects) {
    const pairs: DriftPair[] = [];
    for (const [i, j] of environmentPairs(project.environments.length)) {
      const from = project.environments[i].name;
      const to = project.environments[j].name;
      const services: DriftService[] = [];
      const perRepo = new Map<string, { ahead: Set<string>; behind: Set<string>; view: RepoView }>();
      const aheadTickets = new Set<string>();
      const behindTickets = new Set<string>();
      const unknown: { service: string; reason: string }[] = [];
      for (const service of project.services) {
        // A service meant to run in only one of the two has nothing to compare.
        if (!runsIn(service, from) || !runsIn(service, to)) continue;
        const a = state[project.name]?.environments[from]?.services[service.name];
        const b = state[project.name]?.environments[to]?.services[service.name];
        const view = book.get(service.repository);
        const base = { service: service.name, repository: service.repository, ahead: empty(), behind: empty(), ...(service.paths?.length ? { paths: service.paths } : {}) };
        // Each side stands for what every serving pod has (serving.ts).
        const [fa, fb] = [a, b].map((state) => {
          const served = servedBy(state, view);
          return served.status === 'known' ? floorCommit(served, view!) : { reason: served.reason };
        });
        const blocked = !fa.commit ? `${from}: ${fa.reason}` : !fb.commit ? `${to}: ${fb.reason}` : undefined;
        const [ca, cb] = [fa.commit!, fb.commit!];
        const sides = !blocked && view ? ([view.ancestry.difference(ca, cb), view.ancestry.difference(cb, ca)] as const) : undefined;
        if (blocked || !view || !sides?.[0] || !sides[1]) {
          const reason = blocked ?? `the history of ${service.repository} could not be completed: ${view!.ancestry.whyUnknown(ca)}`;
          services.push({ ...base, status: 'unknown', reason });
          unknown.push({ service: service.name, reason });
          continue;
        }
        const notes = [fa.note ? `${from}: ${fa.note}` : '', fb.note ? `${to}: ${fb.note}` : ''].filter(Boolean);
        const own = (commit: string) => paths.change(service.repository, service, commit);
        const filter = (commits: string[]) => (service.paths?.length ? commits.filter((c) => paths.commit(service.repository, service, c)) : commits);
        const side = (commits: string[], tickets: string[]): Counts => {
          const pullRequests = [...new Set(commits.map((oid) => view.prByCommit.get(oid)).filter((n): n is number => n !== undefined))].sort((x, y) => x - y);
          return { commits: commits.length, pullRequests, ...(since && commits.some((oid) => before(view, oid, since)) ? { pullRequestsSince: since } : {}), tickets };
        };
        const ahead: Side = { commits: filter(sides[0]), tickets: ticketsAhead(view, service, ca, cb, sides[0], own) };
        const behind: Side = { commits: filter(sides[1]), tickets: ticketsAhead(view, service, cb, ca, sides[1], own) };
        const status = ahead.commits.length === 0 && behind.commits.length === 0 ? 'same' : behind.commits.length === 0 ? 'ahead' : ahead.commits.length === 0 ? 'behind' : 'diverged';
        services.push({ ...base, status, ahead: side(ahead.commits, ahead.tickets), behind: side(behind.commits, behind.tickets), ...(notes.length ? { note: notes.join('; ') } : {}) });
        const repo = perRepo.get(service.repository) ?? { ahead: new Set<string>(), behind: new Set<string>(), view };
        for (const c of ahead.commits) repo.ahead.add(c);
        for (const c of behind.commits) repo.behind.add(c);
        perRepo.set(service.repository, repo);
        for (const t of ahead.tickets) aheadTickets.add(t);
        for (const t of behind.tickets) behindTickets.add(t);
      }
      const total = (pick: 'ahead' | 'behind', tickets: Set<string>) => {
        let commits = 0;
        let pullRequests = 0;
        let partial = false;
        for (const repo of perRepo.values()) {
          commits += repo[pick].size;
          pullRequests += new Set([...repo[pick]].map((oid) => repo.view.prByCommit.get(oid)).filter((n) => n !== undefined)).size;
          if (since && !partial) for (const oid of repo[pick]) if (before(repo.view, oid, since)) { partial = true; break; }
        }
        return { commits, pullRequests, ...(partial ? { pullRequestsSince: since } : {}), tickets: sortKeys(tickets) };
      };
      const ahead = total('ahead', aheadTickets);
      const behind = total('behind', behindTickets);
      const known = services.length - unknown.length;
      const status: DriftPair['status'] =
        known === 0 || (unknown.length > 0 && ahead.commits === 0 && behind.commits === 0)
          ? 'unknown'
          : ahead.commits === 0 && behind.commits === 0
            ? 'same'
            : behind.commits === 0
              ? 'ahead'
              : ahead.commits === 0
                ? 'behind'
                : 'diverged';
      pairs.push({ from, to, ...(j - i > 1 ? { span: j - i } : {}), status, ahead, behind, ...(unknown.length ? { unknown } : {}), services });
    }
    out[project.name] = pairs;
  }
  return out;
}

/**
 * The pairs of environments drift is computed for, as indexes in promotion order: neighbours first
 * (dev → staging, staging → prod), then every further pair (dev → prod), so that any two environments
 * can be compared from the snapshot alone (`snap diff dev prod`).
 */
export function environmentPairs(count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let span = 1; span < count; span++) for (let i = 0; i + span < count; i++) out.push([i, i + span]);
  return out;
}

/** Whether the commit is dated before `time` (ISO), when PRs were not read. */
const before = (view: RepoView, oid: string, time: string) => (view.graph.get(oid)?.committedAt ?? '') < time;

/** The first midnight (UTC) at or after `iso`, as an ISO time. */
function nextMidnight(iso: string): string {
  const day = 86_400_000;
  return new Date(Math.ceil(Date.parse(iso) / day) * day).toISOString();
}

/**
 * Drift when GitHub could not be read: every pair and service `unknown`, with `reason` (why GitHub
 * was not read), so that readers of `drift` find the pairs and the reason rather than nothing.
 */
export function unknownDrift(projects: readonly Project[], reason: string): Record<string, DriftPair[]> {
  const out: Record<string, DriftPair[]> = {};
  for (const project of projects) {
    const pairs: DriftPair[] = [];
    for (const [i, j] of environmentPairs(project.environments.length)) {
      const [from, to] = [project.environments[i].name, project.environments[j].name];
      const services: DriftService[] = project.services.filter((service) => runsIn(service, from) && runsIn(service, to)).map((service) => ({ service: service.name, repository: service.repository, status: 'unknown', reason, ahead: empty(), behind: empty(), ...(service.paths?.length ? { paths: service.paths } : {}) }));
      const none = { commits: 0, pullRequests: 0, tickets: [] };
      pairs.push({ from: project.environments[i].name, to: project.environments[j].name, ...(j - i > 1 ? { span: j - i } : {}), status: 'unknown', ahead: none, behind: none, unknown: services.map((s) => ({ service: s.service, reason })), services });
    }
    out[project.name] = pairs;
  }
  return out;
}
