import type { TicketKeys } from '../snapshot-schema.js';
import { compareKeys } from './compare.js';
import type { RepoData } from '../../sources/github/types.js';
import type { TicketRef } from './extract.js';

/** One reference as found, with a few words saying where (for the report). */
export interface FoundRef {
  ref: TicketRef;
  /** e.g. `branch feature/PAY-412-refunds in acme/payments-api` (built only when it is reported). */
  where: () => string;
}

/**
 * Which Jira-style prefixes are ticket keys. Configured (`tickets.jiraProjects`): exactly those.
 * Otherwise learnt over every configured repository: a prefix is a project key when one of its keys
 * stands where ticket references go (a branch name, the start of a PR title or commit subject, after
 * `fixes` / `refs` / `see`…, see extract.ts); everything else that looks like a key (`GPT-4` in a
 * sentence, `JDK-8193396` in a comment) is noise. The decision, with evidence, is part of the snapshot.
 */
export class TicketKeyPolicy {
  private readonly accepted = new Map<string, { keys: Set<string>; evidence: string }>();
  private readonly seen = new Map<string, { keys: Set<string>; example: string }>();

  constructor(private readonly configured?: readonly string[]) {
    for (const p of configured ?? []) this.accepted.set(p.toUpperCase(), { keys: new Set(), evidence: 'tickets.jiraProjects' });
  }

  /** Takes every reference found, before any is used. */
  learn(found: Iterable<FoundRef>): void {
    for (const { ref, where } of found) this.take(ref, (_r, w: () => string) => w(), where);
  }

  /** Every reference of a repository's commits and PRs (what snap keeps of them). */
  learnRepo(repo: RepoData): void {
    const short = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);
    const inPr = (ref: TicketRef, pr: RepoData['pullRequests'][number]) =>
      `${ref.source === 'branch' ? 'branch' : ref.source === 'pr-title' ? 'PR title' : 'PR body of'} "${short(ref.source === 'branch' ? pr.headRefName : pr.title)}" in ${repo.repository}`;
    const inCommit = (_ref: TicketRef, c: RepoData['commits'][number]) => `commit ${c.oid.slice(0, 7)} "${short(c.headline)}" in ${repo.repository}`;
    for (const pr of repo.pullRequests) for (const ref of pr.tickets ?? []) this.take(ref, inPr, pr);
    for (const c of repo.commits) if (c.tickets) for (const ref of c.tickets) this.take(ref, inCommit, c);
  }

  /** One reference; `where(ref, at)` says where it was found, and is asked only when that is reported. */
  take<T>(ref: TicketRef, where: (ref: TicketRef, at: T) => string, at: T): void {
    if (ref.kind !== 'jira') return;
    const prefix = ref.key.slice(0, ref.key.lastIndexOf('-'));
    let entry = this.seen.get(prefix);
    if (!entry) this.seen.set(prefix, (entry = { keys: new Set<string>(), example: where(ref, at) }));
    entry.keys.add(ref.key);
    if (this.configured?.length) return;
    if (ref.reference && !ref.lower) {
      const accepted = this.accepted.get(prefix);
      if (!accepted) this.accepted.set(prefix, { keys: new Set([ref.key]), evidence: where(ref, at) });
      else accepted.keys.add(ref.key);
    }
  }

  /** Whether a reference counts as a ticket. GitHub references always do (they are enabled or not at extraction). */
  accepts(ref: TicketRef): boolean {
    return ref.kind === 'github' || this.accepted.has(ref.key.slice(0, ref.key.lastIndexOf('-')));
  }

  report(): TicketKeys {
    const keys = (prefix: string) => this.seen.get(prefix)?.keys.size ?? 0;
    return {
      mode: this.configured?.length ? 'configured' : 'learned',
      accepted: [...this.accepted].map(([prefix, a]) => ({ prefix, keys: keys(prefix), evidence: a.evidence })).sort((a, b) => b.keys - a.keys || compareKeys(a.prefix, b.prefix)),
      ignored: [...this.seen]
        .filter(([prefix]) => !this.accepted.has(prefix))
        .map(([prefix, s]) => ({ prefix, keys: s.keys.size, example: s.example }))
        .sort((a, b) => b.keys - a.keys || compareKeys(a.prefix, b.prefix)),
    };
  }
}
