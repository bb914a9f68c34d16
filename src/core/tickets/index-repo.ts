import type { RepoData } from '../../sources/github/types.js';
import type { TicketSource } from './extract.js';

/**
 * Which commit brought each ticket into a repository's default branch, from the references found when
 * the data arrived (find.ts). A PR's references (title, branch, body) belong to its merge commit (the merge commit of a merged branch, the squash commit,
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

export function indexRepoTickets(repo: RepoData): RepoTickets {
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
    for (const ref of pr.tickets ?? []) add(ref.key, ref.kind, pr.mergeCommit, ref.source, pr.mergedAt, pr.number, ref.closes);
  }
  for (const commit of repo.commits) {
    for (const ref of commit.tickets ?? []) add(ref.key, ref.kind, commit.oid, 'commit-message', commit.committedAt, prByCommit.get(commit.oid), ref.closes);
  }
  const changes = new Map<string, TicketChange[]>();
  // Lists are copied to their exact length instead of grown by push: a large organisation has ~10^5 of them.
  for (const perCommit of byCommit.values()) {
    for (const [key, change] of perCommit) {
      const list = changes.get(key);
      changes.set(key, list ? [...list, change] : [change]);
    }
  }
  for (const list of changes.values()) list.sort((a, b) => a.at.localeCompare(b.at) || a.commit.localeCompare(b.commit));
  return { kind, changes };
}
