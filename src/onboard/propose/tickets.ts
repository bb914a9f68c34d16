import { extractTickets } from '../../core/tickets/extract.js';
import type { DiscoveredRepo } from '../types.js';

export interface TicketProposal {
  /** Jira project keys, most seen first, with how often. */
  jiraProjects: { key: string; count: number }[];
  /** Whether GitHub issue references (`#12`) are worth recognising. */
  githubIssues: boolean;
  /** Tracker hosts whose URLs in pull requests carry keys (`acme.atlassian.net/browse/PAY-12`): the config's `tickets.hosts`. */
  hosts: { host: string; count: number }[];
}

/** A ticket URL: a host, then a path whose last key-like segment is the key (`/browse/PAY-12`, Linear's `/issue/ENG-7/title`). */
const TRACKER_URL = /\bhttps?:\/\/([a-z0-9.-]+(?::\d+)?)\/(?:[^\s)>\]]*\/)?([A-Z][A-Z0-9_]{1,19}-\d+)(?=[/?#\s)>\].,;:]|$)/g;

/**
 * Jira project keys seen in recent PR titles, branch names and bodies, with how often, the hosts of
 * tracker URLs that carry them, and whether GitHub issue references (`#12`) appear at all. A key
 * counts when seen twice, or once where people put ticket references (a branch name, the start of a
 * title) or in a tracker URL: a key seen once in passing (`UTF-8`, `ISO-8601`) does not.
 */
export function proposeTickets(repos: readonly DiscoveredRepo[]): TicketProposal {
  const counts = new Map<string, { count: number; strong: boolean }>();
  const hosts = new Map<string, number>();
  let githubRefs = 0;
  const count = (key: string, strong: boolean) => {
    const project = key.slice(0, key.lastIndexOf('-'));
    const seen = counts.get(project) ?? { count: 0, strong: false };
    counts.set(project, { count: seen.count + 1, strong: seen.strong || strong });
  };
  for (const repo of repos) {
    for (const pr of repo.recentPullRequests) {
      const refs = [...extractTickets(pr.title, 'pr-title', { githubIssues: true, repository: repo.repository }), ...extractTickets(pr.headRefName, 'branch')];
      for (const ref of refs) {
        if (ref.kind === 'github') githubRefs++;
        else if (!ref.lower) count(ref.key, ref.reference === true);
      }
      for (const text of [pr.title, pr.body ?? '']) {
        for (const match of text.matchAll(TRACKER_URL)) {
          const host = match[1].toLowerCase();
          if (host === 'github.com' || host.endsWith('.github.com')) continue;
          hosts.set(host, (hosts.get(host) ?? 0) + 1);
          count(match[2], true);
        }
      }
    }
  }
  const jiraProjects = [...counts]
    .filter(([, c]) => c.count >= 2 || c.strong)
    .map(([key, c]) => ({ key, count: c.count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return {
    jiraProjects,
    githubIssues: githubRefs > 0 || jiraProjects.length === 0,
    hosts: [...hosts].map(([host, n]) => ({ host, count: n })).sort((a, b) => b.count - a.count || a.host.localeCompare(b.host)),
  };
}
