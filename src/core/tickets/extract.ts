/**
 * Ticket references in free text: Jira-style keys (`PAY-412`) and GitHub issue references
 * (`#12`, `owner/repo#12`, `fixes #12`). One extraction for PR titles, branch names, PR bodies and
 * commit messages; each reference keeps where it was found.
 */
export type TicketSource = 'pr-title' | 'branch' | 'pr-body' | 'commit-message';

export interface TicketRef {
  /** `PAY-412`, or `owner/repo#12` for GitHub references. */
  key: string;
  kind: 'jira' | 'github';
  source: TicketSource;
  /** The text says the change closes it (`fixes #12`, `closes PAY-3`). */
  closes?: boolean;
}

export interface TicketOptions {
  /** Only these Jira project keys count (e.g. PAY, CHK); empty: any key that is not a known decoy. */
  jiraProjects?: readonly string[];
  /** Recognise GitHub issue references. */
  githubIssues?: boolean;
  /** Repository that a bare `#12` refers to. */
  repository?: string;
  /** URL hosts whose paths may hold keys (the Jira host); keys in URLs of other hosts are ignored. */
  ticketHosts?: readonly string[];
}

/** Prefixes of standards and identifiers that look like keys but never are. */
const DECOY_PREFIXES = new Set(['UTF', 'SHA', 'ISO', 'CVE', 'CWE', 'GHSA', 'RFC', 'AES', 'RSA', 'TLS', 'SSL', 'HTTP', 'MD', 'ECMA', 'IEEE', 'PEP', 'ES', 'IPV', 'X', 'UUID', 'FIPS', 'ANSI', 'COVID']);
const JIRA = /(?<![A-Za-z0-9_.-])([A-Z][A-Z0-9]{1,9})-([1-9]\d{0,6})(?![A-Za-z0-9]|-\d)/g;
const JIRA_ANY_CASE = /(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9]{1,9})-([1-9]\d{0,6})(?![A-Za-z0-9]|-\d)/g;
const GITHUB = /(?<![\w/&#-])(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?#([1-9]\d{0,6})\b/g;
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s*$/i;
const URL = /\bhttps?:\/\/([^\s/)>\]]+)[^\s)>\]]*/gi;
/** GitHub's squash-merge subject ends with the PR number: `Add refunds (#12)`. That is the PR, not a ticket. */
const SQUASH_SUFFIX = /\s\(#\d+\)\s*$/m;
/** GitHub's merge-commit subject names the PR and its branch; the PR's own references cover both. */
const MERGE_SUBJECT = /^Merge pull request #\d+ from \S+/;

function stripForeignUrls(text: string, hosts: readonly string[]): string {
  return text.replace(URL, (url, host: string) => (hosts.some((h) => host.toLowerCase() === h.toLowerCase()) ? url : ' '.repeat(url.length)));
}

export function extractTickets(text: string, source: TicketSource, options: TicketOptions = {}): TicketRef[] {
  const found = new Map<string, TicketRef>();
  const add = (ref: TicketRef) => {
    const seen = found.get(ref.key);
    if (!seen) found.set(ref.key, ref);
    else if (ref.closes) seen.closes = true;
  };
  let clean = stripForeignUrls(text, options.ticketHosts ?? []);
  if (source === 'commit-message') clean = clean.replace(SQUASH_SUFFIX, '').replace(MERGE_SUBJECT, '');
  const projects = options.jiraProjects?.map((p) => p.toUpperCase());

  // Branch names are often lower case (`pay-412-refunds`); accept that only for configured projects.
  const jira = source === 'branch' && projects?.length ? JIRA_ANY_CASE : JIRA;
  for (const match of clean.matchAll(jira)) {
    const project = match[1].toUpperCase();
    if (projects?.length ? !projects.includes(project) : DECOY_PREFIXES.has(project.replace(/\d+$/, ''))) continue;
    const closes = CLOSING.test(clean.slice(0, match.index));
    add({ key: `${project}-${match[2]}`, kind: 'jira', source, ...(closes ? { closes } : {}) });
  }
  if (options.githubIssues) {
    for (const match of clean.matchAll(GITHUB)) {
      const repository = match[1] ?? options.repository;
      if (!repository) continue;
      const closes = CLOSING.test(clean.slice(0, match.index));
      add({ key: `${repository}#${match[2]}`, kind: 'github', source, ...(closes ? { closes } : {}) });
    }
  }
  return [...found.values()];
}
