/**
 * Ticket references in free text: Jira-style keys (`PAY-412`) and GitHub issue references
 * (`#12`, `owner/repo#12`, `fixes #12`). One extraction for PR titles, branch names, PR bodies and
 * commit messages; each reference keeps where it was found and whether it stood where people put
 * ticket references (`reference`), which is what `keys.ts` learns project keys from. README.md in
 * this folder gives the rules.
 */
export type TicketSource = 'pr-title' | 'branch' | 'pr-body' | 'commit-message';

export interface TicketRef {
  /** `PAY-412`, or `owner/repo#12` for GitHub references. */
  key: string;
  kind: 'jira' | 'github';
  source: TicketSource;
  /** The text says the change closes it (`fixes #12`, `closes PAY-3`). */
  closes?: boolean;
  /**
   * A Jira-style key written where ticket references go: in a branch name, at the start of a PR
   * title or commit subject (`PAY-1 …`, `[PAY-1] …`, `fix(PAY-1): …`), in parentheses at the end of
   * one, or after a keyword (`fixes`, `refs`, `see`…). A prefix is learnt as a project key only
   * from such places.
   */
  reference?: boolean;
  /** Written in lower case (`ada/pay-12-retry`): counts only when its project key is known. */
  lower?: boolean;
}

export interface TicketOptions {
  /** Only these Jira project keys count, in any case (e.g. PAY, MY_PROJ); empty: keys are learnt (keys.ts). */
  jiraProjects?: readonly string[];
  /** Recognise GitHub issue references. */
  githubIssues?: boolean;
  /** Repository that a bare `#12` refers to. */
  repository?: string;
  /** URL hosts whose paths may hold keys (the Jira host); keys in URLs of other hosts are ignored. */
  ticketHosts?: readonly string[];
}

/**
 * Prefixes that look like keys but never are: standards, digests, vulnerability ids, and words that
 * carry version numbers (GPT-4, IE-11, ARM-64, X86-64), and pull / merge request numbers (PR-123).
 */
export const DECOY_PREFIXES: ReadonlySet<string> = new Set([
  'UTF', 'SHA', 'ISO', 'CVE', 'CWE', 'GHSA', 'RFC', 'AES', 'RSA', 'TLS', 'SSL', 'HTTP', 'MD', 'ECMA', 'IEEE', 'PEP', 'ES', 'IPV', 'X', 'UUID', 'FIPS', 'ANSI', 'COVID',
  'GPT', 'IE', 'ARM', 'X86', 'X64', 'PR', 'MR',
]);

/** Jira project keys: a letter, then letters, digits or underscores (Jira's own rule), 2–20 long. */
export const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]{1,19}$/;

const KEY = /(?<![A-Za-z0-9_.\-/#])([A-Za-z][A-Za-z0-9_]{1,19})-([1-9]\d{0,6})(?![A-Za-z0-9_]|-\d|\.\d)/g;
const KEY_IN_BRANCH = /(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_]{1,19})-([1-9]\d{0,6})(?![0-9]|[A-Za-z0-9_]*\.\d)/g;
const GITHUB = /(?<![\w/&#-])(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?#([1-9]\d{0,6})\b/g;
const CLOSING = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s*$/i;
const REFERRING = /\b(?:close[sd]?|fix(?:e[sd]|ing)?|resolve[sd]?|refs?|references?|see|relates?\s+to|related\s+to|part\s+of|towards|addresse?s?|implements|jira|issue|ticket|browse)\s*:?\s*#?$/i;
const URL = /\bhttps?:\/\/([^\s/)>\]]+)[^\s)>\]]*/gi;
/** GitHub's squash-merge subject ends with the PR number, `Add refunds (#12)`, often with a full stop: that is the PR, not a ticket. */
const OWN_PR = /\s\(#(\d+)\)[\s.]*$/;
/**
 * `(#12)` closing a line of a commit message — a squash subject, a subject wrapped onto a second
 * line, a changelog entry naming the PR it records — names a pull request, not a ticket.
 */
const PR_AT_LINE_END = /(?:^|\s)\(#(\d+)\)[.,;]?\s*$/gm;
/**
 * GitHub's merge-commit subject names the PR and its branch: the PR number is the commit's own, and
 * the branch name is read as a branch (it is all there is when the PR itself is too old to be read).
 */
const MERGE_SUBJECT = /^Merge (?:pull request #\d+ from [^/\s]+\/(\S+)|branch '([^']+)')[^\n]*/;
/** Start of a title or subject: optional conventional-commit type, then the key, maybe bracketed. */
const LEADING = /^\s*(?:[a-z]+(?:\([^)]*\))?!?:\s*|[a-z]+\()?[[(]?$/i;

/** Blanks URLs out, except on the ticket hosts, whose path segments stay as words (`…/browse/PAY-7` → ` browse PAY-7`). */
function stripForeignUrls(text: string, hosts: readonly string[]): string {
  return text.replace(URL, (url, host: string) => (hosts.some((h) => host.toLowerCase() === h.toLowerCase()) ? url.replace(/[/?#=&]/g, ' ') : ' '.repeat(url.length)));
}

/** The PR number a commit subject ends with (`Fix x (#12).`), if any: the commit is that PR. */
export function ownPullRequest(subject: string): number | undefined {
  const m = OWN_PR.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** Whether the key at `index` of `text` stands where ticket references go (see TicketRef.reference). */
function inReferencePosition(text: string, index: number, length: number, source: TicketSource): boolean {
  if (source === 'branch') return true;
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index);
  const firstLine = lineStart === 0;
  if ((source === 'pr-title' || (source === 'commit-message' && firstLine)) && LEADING.test(before)) return true;
  if (REFERRING.test(before)) return true;
  const lineEnd = text.indexOf('\n', index);
  const after = text.slice(index + length, lineEnd < 0 ? undefined : lineEnd);
  return (source === 'pr-title' || firstLine) && /\($/.test(before) && /^\)[\s.]*$/.test(after);
}

/**
 * References in one text. Without configured project keys every key-like word that is not a decoy
 * is returned, marked with `reference` / `lower`; keys.ts decides which prefixes count.
 */
export function extractTickets(text: string, source: TicketSource, options: TicketOptions = {}): TicketRef[] {
  const found = new Map<string, TicketRef>();
  const add = (ref: TicketRef) => {
    const seen = found.get(ref.key);
    if (!seen) found.set(ref.key, ref);
    else {
      if (ref.closes) seen.closes = true;
      if (ref.reference) seen.reference = true;
      if (!ref.lower) delete seen.lower;
    }
  };
  let clean = stripForeignUrls(text, options.ticketHosts ?? []);
  let own: number | undefined;
  let mergedBranch: string | undefined;
  const prMentions = new Set<number>();
  if (source === 'commit-message') for (const m of clean.matchAll(PR_AT_LINE_END)) prMentions.add(Number(m[1]));
  if (source === 'commit-message') {
    const end = clean.indexOf('\n');
    const subject = end < 0 ? clean : clean.slice(0, end);
    own = ownPullRequest(subject);
    clean = clean.replace(MERGE_SUBJECT, (m, pr?: string, branch?: string) => {
      mergedBranch = pr ?? branch;
      return ' '.repeat(m.length);
    });
  }
  const projects = options.jiraProjects?.length ? new Set(options.jiraProjects.map((p) => p.toUpperCase())) : undefined;
  for (const match of clean.matchAll(source === 'branch' ? KEY_IN_BRANCH : KEY)) {
    const written = match[1];
    const project = written.toUpperCase();
    const lower = written !== project;
    if (projects) {
      if (!projects.has(project)) continue;
    } else {
      if (DECOY_PREFIXES.has(project.replace(/\d+$/, '')) || DECOY_PREFIXES.has(project)) continue;
      // Lower-case words with numbers (`node-18`, `fix-2`) are ticket keys only in branch names, and only once learnt.
      if (lower && (source !== 'branch' || written !== written.toLowerCase())) continue;
    }
    const closes = CLOSING.test(clean.slice(0, match.index));
    const reference = (projects !== undefined || !lower) && inReferencePosition(clean, match.index!, match[0].length, source);
    // A configured key needs no learning: its case does not matter.
    const candidate = lower && !projects;
    add({ key: `${project}-${match[2]}`, kind: 'jira', source, ...(closes ? { closes } : {}), ...(reference ? { reference } : {}), ...(candidate ? { lower: true } : {}) });
  }
  if (mergedBranch) for (const ref of extractTickets(mergedBranch, 'branch', options)) if (ref.kind === 'jira') add({ ...ref, source });
  if (options.githubIssues) {
    for (const match of clean.matchAll(GITHUB)) {
      const repository = match[1] ?? options.repository;
      if (!repository) continue;
      // The commit's own PR number, wherever the message repeats it, is not a ticket.
      const sameRepo = !match[1] || match[1] === options.repository;
      if (sameRepo && ((own !== undefined && Number(match[2]) === own) || prMentions.has(Number(match[2])))) continue;
      const closes = CLOSING.test(clean.slice(0, match.index));
      add({ key: `${repository}#${match[2]}`, kind: 'github', source, ...(closes ? { closes } : {}) });
    }
  }
  return [...found.values()];
}
