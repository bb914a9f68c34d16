import { extractTickets } from '../../core/tickets/extract.js';
import type { DiscoveredRepo } from '../types.js';

/**
 * Jira project keys seen in recent PR titles and branch names, with how often, and whether GitHub
 * issue references (`#12`) appear at all.
 */
export function proposeTickets(repos: readonly DiscoveredRepo[], minimum = 2): { jiraProjects: { key: string; count: number }[]; githubIssues: boolean } {
  const counts = new Map<string, number>();
  let githubRefs = 0;
  for (const repo of repos) {
    for (const pr of repo.recentPullRequests) {
      const refs = [...extractTickets(pr.title, 'pr-title', { githubIssues: true, repository: repo.repository }), ...extractTickets(pr.headRefName, 'branch')];
      for (const ref of refs) {
        if (ref.kind === 'github') githubRefs++;
        else {
          const project = ref.key.slice(0, ref.key.lastIndexOf('-'));
          counts.set(project, (counts.get(project) ?? 0) + 1);
        }
      }
    }
  }
  const jiraProjects = [...counts]
    .filter(([, count]) => count >= minimum)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return { jiraProjects, githubIssues: githubRefs > 0 || jiraProjects.length === 0 };
}
