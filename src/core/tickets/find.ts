import type { TicketSettings } from '../../config/types.js';
import { extractTickets, type TicketOptions, type TicketRef } from './extract.js';

/** The extraction options for one repository's texts. */
export function ticketOptions(settings: TicketSettings, repository: string): TicketOptions {
  return { jiraProjects: settings.jiraProjects, githubIssues: settings.githubIssues, ticketHosts: settings.hosts, repository };
}

/** References in a commit message. */
export function commitTickets(message: string, options: TicketOptions): TicketRef[] | undefined {
  const refs = extractTickets(message, 'commit-message', options);
  return refs.length ? refs : undefined;
}

/** References in a pull request's title, branch name and body; its own number is never one of them. */
export function pullRequestTickets(pr: { number: number; title: string; headRefName: string; body: string }, options: TicketOptions): TicketRef[] | undefined {
  const own = options.repository ? `${options.repository}#${pr.number}` : undefined;
  const refs = [...extractTickets(pr.title, 'pr-title', options), ...extractTickets(pr.headRefName, 'branch', options), ...extractTickets(pr.body, 'pr-body', options)].filter(
    (r) => !(r.kind === 'github' && r.key === own),
  );
  return refs.length ? refs : undefined;
}
