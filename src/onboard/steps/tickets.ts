import type { Prompts } from '../../ui/prompts.js';

/** Jira keys (proposed from recent PRs, with counts) and GitHub issue references: flags, else a question. */
export async function chooseTickets(
  proposal: { jiraProjects: { key: string; count: number }[]; githubIssues: boolean },
  flags: { jira?: string; githubIssues?: boolean },
  prompts: Prompts | undefined,
): Promise<{ jiraProjects: string[]; githubIssues: boolean }> {
  const fromFlag = flags.jira?.split(',').map((k) => k.trim().toUpperCase()).filter(Boolean);
  const githubIssues = flags.githubIssues === false ? false : proposal.githubIssues;
  if (fromFlag || !prompts) return { jiraProjects: fromFlag ?? proposal.jiraProjects.map((j) => j.key), githubIssues };
  const jiraProjects = proposal.jiraProjects.length
    ? await prompts.multiSelect({
        message: 'Jira projects whose keys count as tickets',
        items: proposal.jiraProjects.map((j) => ({ value: j.key, name: j.key, hint: `${j.count} in recent PR titles and branches`, checked: true })),
        filterHelp: 'type to filter',
      })
    : [];
  const issues = await prompts.confirm({ message: 'Also count GitHub issue references (#123, fixes #12)?', default: proposal.githubIssues });
  return { jiraProjects, githubIssues: issues };
}
