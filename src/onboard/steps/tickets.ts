import { usageError } from '../../errors.js';
import type { Prompts } from '../../ui/prompts.js';
import type { TicketProposal } from '../propose/tickets.js';

/**
 * Jira keys (proposed from recent PRs, with counts) and GitHub issue references: flags, else a
 * question. The tracker hosts seen carrying keys in PR links become `tickets.hosts` as proposed.
 */
export async function chooseTickets(
  proposal: TicketProposal,
  flags: { jira?: string; githubIssues?: boolean },
  prompts: Prompts | undefined,
): Promise<{ jiraProjects: string[]; githubIssues: boolean; hosts: string[] }> {
  const fromFlag = flags.jira?.split(',').map((k) => k.trim().toUpperCase()).filter(Boolean);
  // The same rule as tickets.jiraProjects in the config: a bad key is the user's to fix (exit 2), not a bug.
  const bad = fromFlag?.find((k) => !/^[A-Z][A-Z0-9_]{1,19}$/.test(k));
  if (bad !== undefined) throw usageError(`--jira "${bad}" is not a Jira project key`, 'a key is a letter, then letters, digits or underscores (2 to 20 characters), e.g. --jira PAY,MY_PROJ');
  const githubIssues = flags.githubIssues === false ? false : proposal.githubIssues;
  const hosts = proposal.hosts.map((h) => h.host);
  if (fromFlag || !prompts) return { jiraProjects: fromFlag ?? proposal.jiraProjects.map((j) => j.key), githubIssues, hosts };
  const jiraProjects = proposal.jiraProjects.length
    ? await prompts.multiSelect({
        message: 'Jira projects whose keys count as tickets',
        items: proposal.jiraProjects.map((j) => ({ value: j.key, name: j.key, hint: `${j.count} in recent PR titles and branches`, checked: true })),
        filterHelp: 'type to filter',
      })
    : [];
  const issues = await prompts.confirm({ message: 'Also count GitHub issue references (#123, fixes #12)?', default: proposal.githubIssues });
  return { jiraProjects, githubIssues: issues, hosts };
}
