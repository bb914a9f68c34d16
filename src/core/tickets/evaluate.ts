import type { Answer } from '../graph/ancestry.js';
import type { RepoView } from '../repo-book.js';

/** Where one change of a ticket stands in what one deployed commit contains. */
export interface ChangeState {
  state: 'in' | 'reverted' | 'missing' | 'unknown';
  /** The commit that brings it: the change itself, or a cherry-pick of it. */
  via?: { commit: string; cherryPickOf?: string };
  reason?: string;
}

/**
 * Whether the deployed commit `tip` contains the change `commit` (or a cherry-pick of it), and
 * whether a revert it also contains undoes it — a revert of a revert puts it back. By ancestry
 * only: "missing" only when the ancestry is known; otherwise "unknown" with the reason.
 */
export function changeState(view: RepoView, tip: string, commit: string): ChangeState {
  const { ancestry } = view;
  const candidates = [commit, ...picksOf(view, commit)];
  const present: { commit: string; cherryPickOf?: string }[] = [];
  let unknown = false;
  for (const c of candidates) {
    const a = ancestry.contains(tip, c);
    if (a === 'yes') present.push(c === commit ? { commit: c } : { commit: c, cherryPickOf: commit });
    else if (a === 'unknown') unknown = true;
  }
  if (present.length === 0) return unknown ? { state: 'unknown', reason: ancestry.whyUnknown(tip) } : { state: 'missing' };
  let revertUnknown = false;
  for (const p of present) {
    const r = isReverted(view, tip, p.commit, 0);
    if (r === 'no') return { state: 'in', via: p };
    if (r === 'unknown') revertUnknown = true;
  }
  if (revertUnknown) return { state: 'unknown', reason: ancestry.whyUnknown(tip) };
  return { state: 'reverted', via: present[0] };
}

/** Cherry-picks of `commit`, and picks of those. */
function picksOf(view: RepoView, commit: string): string[] {
  const out: string[] = [];
  const stack = [...(view.tickets.picks.get(commit) ?? [])];
  while (stack.length) {
    const c = stack.pop()!;
    if (out.includes(c) || c === commit) continue;
    out.push(c);
    stack.push(...(view.tickets.picks.get(c) ?? []));
  }
  return out;
}

/** Whether `tip` contains a revert of `commit` that is not itself reverted there. */
function isReverted(view: RepoView, tip: string, commit: string, depth: number): Answer {
  if (depth > 8) return 'unknown';
  let unknown = false;
  for (const revert of view.tickets.revertedBy.get(commit) ?? []) {
    const a = view.ancestry.contains(tip, revert);
    if (a === 'unknown') unknown = true;
    if (a !== 'yes') continue;
    const undone = isReverted(view, tip, revert, depth + 1);
    if (undone === 'no') return 'yes';
    if (undone === 'unknown') unknown = true;
  }
  return unknown ? 'unknown' : 'no';
}
