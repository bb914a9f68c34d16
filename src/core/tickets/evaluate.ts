import type { Answer } from '../graph/ancestry.js';
import type { RepoView } from '../repo-book.js';

/** Where one change of a ticket stands in what one deployed commit contains. */
export interface ChangeState {
  state: 'in' | 'reverted' | 'missing' | 'unknown';
  /** The commit that brings it, when it is not the change itself: a cherry-pick of it. */
  via?: { commit: string; cherryPickOf?: string };
  reason?: string;
}

/**
 * Whether the deployed commit `tip` contains the change `commit` (or a cherry-pick of it), and
 * whether a revert it also contains undoes it — a revert of a revert puts it back. By ancestry
 * only: "missing" only when the ancestry is known; otherwise "unknown" with the reason.
 */
export function changeState(view: RepoView, tip: string, commit: string): ChangeState {
  // Plain changes (no cherry-pick, no revert) are answered straight away; the rest are kept.
  if (!view.tickets.picks.has(commit) && !view.tickets.revertedBy.has(commit)) return decide(view, tip, commit);
  let byTip = cache.get(view);
  if (!byTip) cache.set(view, (byTip = new Map()));
  let memo = byTip.get(tip);
  if (!memo) byTip.set(tip, (memo = new Map()));
  let state = memo.get(commit);
  if (!state) memo.set(commit, (state = decide(view, tip, commit)));
  return state;
}

/** Answers per view (a view is built once per run) and deployed commit, shared by tickets and drift. */
const cache = new WeakMap<RepoView, Map<string, Map<string, ChangeState>>>();

const MISSING: ChangeState = Object.freeze({ state: 'missing' });
const IN: ChangeState = Object.freeze({ state: 'in' });

function decide(view: RepoView, tip: string, commit: string): ChangeState {
  const { ancestry } = view;
  // The usual case, a change with no cherry-pick and no revert: one set lookup.
  if (!view.tickets.picks.has(commit) && !view.tickets.revertedBy.has(commit)) {
    const a = ancestry.tester(tip)(commit);
    return a === 'yes' ? IN : a === 'no' ? MISSING : { state: 'unknown', reason: ancestry.whyUnknown(tip) };
  }
  const candidates = view.tickets.picks.has(commit) ? [commit, ...picksOf(view, commit)] : [commit];
  const present: { commit: string; cherryPickOf?: string }[] = [];
  let unknown = false;
  for (const c of candidates) {
    const a = ancestry.contains(tip, c);
    if (a === 'yes') present.push(c === commit ? { commit: c } : { commit: c, cherryPickOf: commit });
    else if (a === 'unknown') unknown = true;
  }
  if (present.length === 0) return unknown ? { state: 'unknown', reason: ancestry.whyUnknown(tip) } : MISSING;
  let revertUnknown = false;
  for (const p of present) {
    const r = isReverted(view, tip, p.commit, 0);
    if (r === 'no') return p.cherryPickOf ? { state: 'in', via: p } : IN;
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
