import type { Project } from '../config/types.js';
import type { RepoBook } from './repo-book.js';
import type { DriftPair, DriftService, Snapshot } from './snapshot-schema.js';
import { compareKeys } from './tickets/presence.js';

type Counts = DriftService['ahead'];
const empty = (): Counts => ({ commits: 0, pullRequests: [], tickets: [] });

/**
 * Promotion preview: for each pair of consecutive environments of a project (config order), the
 * commits, PRs and tickets the earlier environment runs and the later one lacks ("ahead": what a
 * promotion ships), and the reverse ("behind"). All from the local commit graph.
 */
export function buildDrift(projects: readonly Project[], state: Snapshot['projects'], book: RepoBook, windowStart: string): Record<string, DriftPair[]> {
  const outside = (oid: string, view: NonNullable<ReturnType<RepoBook['get']>>) => {
    const c = view.graph.get(oid);
    return !c || Date.parse(c.committedAt) < Date.parse(windowStart);
  };
  const out: Record<string, DriftPair[]> = {};
  for (const project of projects) {
    const pairs: DriftPair[] = [];
    for (let i = 0; i + 1 < project.environments.length; i++) {
      const from = project.environments[i].name;
      const to = project.environments[i + 1].name;
      const pair: DriftPair = { from, to, ahead: { commits: 0, pullRequests: 0, tickets: [] }, behind: { commits: 0, pullRequests: 0, tickets: [] }, services: [] };
      const aheadTickets = new Set<string>();
      const behindTickets = new Set<string>();
      for (const service of project.services) {
        const a = state[project.name]?.environments[from]?.services[service.name];
        const b = state[project.name]?.environments[to]?.services[service.name];
        const view = book.get(service.repository);
        const base = { service: service.name, repository: service.repository, ahead: empty(), behind: empty() };
        if (!a?.commit || !b?.commit || !view) {
          const missing = !view ? `${service.repository} was not read from GitHub` : !a?.commit ? `no resolved commit in ${from}` : `no resolved commit in ${to}`;
          pair.services.push({ ...base, status: 'unknown', reason: missing });
          continue;
        }
        const ancestorsA = view.graph.ancestors(a.commit.oid);
        const ancestorsB = view.graph.ancestors(b.commit.oid);
        const side = (mine: ReadonlySet<string>, theirs: ReadonlySet<string>): Counts => {
          const commits = [...mine].filter((oid) => !theirs.has(oid));
          const set = new Set(commits);
          const pullRequests = [...new Set(commits.map((oid) => view.prByCommit.get(oid)).filter((n): n is number => n !== undefined))].sort((x, y) => x - y);
          const tickets = new Set<string>();
          for (const oid of commits) for (const key of view.ticketsByCommit.get(oid) ?? []) tickets.add(key);
          return { commits: commits.length, pullRequests, tickets: [...tickets].sort(compareKeys) };
        };
        const ahead = side(ancestorsA, ancestorsB);
        const behind = side(ancestorsB, ancestorsA);
        const status = ahead.commits === 0 && behind.commits === 0 ? 'same' : behind.commits === 0 ? 'ahead' : ahead.commits === 0 ? 'behind' : 'diverged';
        const incomplete = outside(a.commit.oid, view) || outside(b.commit.oid, view);
        pair.services.push({ ...base, status, ahead, behind, ...(incomplete && status !== 'same' ? { incomplete: true } : {}) });
        pair.ahead.commits += ahead.commits;
        pair.ahead.pullRequests += ahead.pullRequests.length;
        pair.behind.commits += behind.commits;
        pair.behind.pullRequests += behind.pullRequests.length;
        for (const t of ahead.tickets) aheadTickets.add(t);
        for (const t of behind.tickets) behindTickets.add(t);
      }
      pair.ahead.tickets = [...aheadTickets].sort(compareKeys);
      pair.behind.tickets = [...behindTickets].sort(compareKeys);
      pairs.push(pair);
    }
    out[project.name] = pairs;
  }
  return out;
}
