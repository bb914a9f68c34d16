import type { TicketSettings } from '../../config/types.js';
import type { RepoData } from '../../sources/github/types.js';
import { extractTickets, type TicketSource } from './extract.js';

/**
 * Which commit brought each ticket into a repository's default branch. A PR's references (title,
 * branch, body) belong to its merge commit (the merge commit of a merged branch, the squash commit,
 * or the last rebased commit); a commit message's references belong to that commit. Presence in an
 * environment is then one question: is that commit an ancestor of the deployed commit?
 */
export interface TicketChange {
  repository: string;
  commit: string;
  pr?: number;
  sources: TicketSource[];
  /** When the change reached the default branch (PR merge time or commit time). */
  at: string;
  closes?: boolean;
}

export interface RepoTickets {
  kind: Map<string, 'jira' | 'github'>;
  /** ticket key → changes, oldest first */
  changes: Map<string, TicketChange[]>;
}

export function indexRepoTickets(repo: RepoData, settings: TicketSettings): RepoTickets {
  const options = { jiraProjects: settings.jiraProjects, githubIssues: settings.githubIssues, ticketHosts: settings.hosts, repository: repo.repository };
  const kind = new Map<string, 'jira' | 'github'>();
  const byCommit = new Map<string, Map<string, TicketChange>>();
  const add = (key: string, k: 'jira' | 'github', commit: string, source: TicketSource, at: string, pr?: number, closes?: boolean) => {
    kind.set(key, k);
    let perCommit = byCommit.get(commit);
    if (!perCommit) byCommit.set(commit, (perCommit = new Map()));
    const change = perCommit.get(key);
    if (!change) perCommit.set(key, { repository: repo.repository, commit, ...(pr !== undefined ? { pr } : {}), sources: [source], at, ...(closes ? { closes } : {}) });
    else {
      if (!change.sources.includes(source)) change.sources.push(source);
      if (pr !== undefined && change.pr === undefined) change.pr = pr;
      if (closes) change.closes = true;
    }
  };
  const commitsInGraph = new Set(repo.commits.map((c) => c.oid));
  const prByCommit = new Map(repo.pullRequests.filter((pr) => pr.mergeCommit).map((pr) => [pr.mergeCommit!, pr.number]));
  for (const pr of repo.pullRequests) {
    if (!pr.mergeCommit || !commitsInGraph.has(pr.mergeCommit)) continue;
    const refs = [
      ...extractTickets(pr.title, 'pr-title', options),
      ...extractTickets(pr.headRefName, 'branch', options),
      ...extractTickets(pr.body, 'pr-body', options),
    ];
    for (const ref of refs) {
      // A PR's own number is not a ticket it references.
      if (ref.kind === 'github' && ref.key === `${repo.repository}#${pr.number}`) continue;
      add(ref.key, ref.kind, pr.mergeCommit, ref.source, pr.mergedAt, pr.number, ref.closes);
    }
  }
  for (const commit of repo.commits) {
    for (const ref of extractTickets(commit.message, 'commit-message', options)) add(ref.key, ref.kind, commit.oid, 'commit-message', commit.committedAt, prByCommit.get(commit.oid), ref.closes);
  }
  const changes = new Map<string, TicketChange[]>();
  for (const perCommit of byCommit.values()) {
    for (const [key, change] of perCommit) {
      const list = changes.get(key);
      if (list) list.push(change);
      else changes.set(key, [change]);
    }
  }
  for (const list of changes.values()) list.sort((a, b) => a.at.localeCompare(b.at) || a.commit.localeCompare(b.commit));
  return { kind, changes };
}
