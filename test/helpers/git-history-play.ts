import type { Op, RevRef } from './git-history-ops.js';
import { ScriptWriter, type CommitSpec, type Effect, type FileChange, type Mode } from './git-script.js';

/**
 * Plays operations: keeps the model of the repository (branch tips, main's first-parent chain,
 * which changes are in effect, what each release branch has picked) to decide what each operation
 * does or whether it is skipped, has git-script.ts write the commands, and records the truth as it
 * goes. Every commit adds files of its own, so reverts and cherry-picks never conflict.
 */
interface Change {
  /** The commits of the change: a merge and its branch commits, a squash commit, a revert commit… */
  commits: number[];
  effect: Effect;
  pr?: { number: number; title: string; branch: string };
}

export interface PlayResult {
  /** The fast-import stream (fast mode) or the bash script (real mode). */
  script: string;
  /** Every commit's SHA, computed before git makes it. */
  shas: Map<number, string>;
  /** Ops that played (the others were skipped: a missing reference, or nothing left to do). */
  applied: Set<number>;
  resolve(shas: Map<number, string>): Resolved;
}

export interface Resolved {
  head: string;
  carriers: Record<string, string[]>;
  reverts: Record<string, string[]>;
  cherryPicks: Record<string, string>;
  deploy: { env: string; rev: string; previous: string[]; sha: string; previousShas: string[] }[];
  pullRequests: { number: number; title?: string; headRefName?: string; body?: string; mergeCommit?: string }[];
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function playOps(ops: readonly Op[], repoName: string, mode: Mode = 'fast', options: { owner?: string; reapply?: boolean } = {}): PlayResult {
  const p = new Player(repoName, options.owner ?? 'acme', new ScriptWriter(mode, options.reapply));
  for (const op of ops) if (p.play(op)) p.applied.add(op.id);
  const script = p.git.finish();
  return { script, shas: p.git.shas, applied: p.applied, resolve: (shas) => p.resolve(ops, shas) };
}

class Player {
  applied = new Set<number>();
  private tips = new Map<string, number>();
  private mainChain: number[] = [];
  private opCommit = new Map<number, number>();
  private opTag = new Map<number, string>();
  private opMainIndex = new Map<number, number>();
  private changes = new Map<number, Change>();
  private active = new Map<number, boolean>();
  private revertOf = new Map<number, number>();
  private releases = new Map<number, { branch: string; base: number; picked: Set<number> }>();
  private carriers = new Map<string, number[]>();
  private reverts = new Map<number, number[]>();
  private picks = new Map<number, number>();
  private prs: { number: number; title?: string; headRefName?: string; body?: string; mergeCommit?: number }[] = [];

  constructor(
    private readonly repo: string,
    private readonly owner: string,
    readonly git: ScriptWriter,
  ) {}

  private carry(key: string | undefined, commit: number): void {
    if (key) this.carriers.set(key, [...(this.carriers.get(key) ?? []), commit]);
  }

  private onBranch(branch: string, c: Omit<CommitSpec, 'parent'>): number {
    const id = this.git.commit(`refs/heads/${branch}`, { ...c, parent: this.tips.get(branch) });
    this.tips.set(branch, id);
    if (branch === 'main') this.mainChain.push(id);
    return id;
  }

  private file(dir: string, title: string, id: number, n = 0): FileChange {
    return { path: `${dir}/${slug(title).slice(0, 40)}-${id}-${n}.txt`, content: `${title}\nchange ${id}.${n}\n` };
  }

  private record(op: number, commit: number, change: Change): void {
    this.opCommit.set(op, commit);
    this.opMainIndex.set(op, this.mainChain.length - 1);
    this.changes.set(op, change);
    this.active.set(op, true);
  }

  play(op: Op): boolean {
    switch (op.kind) {
      case 'bulk': {
        const from = Date.parse(op.from);
        const to = Math.max(from, Date.parse(op.to));
        op.subjects.forEach((s, i) => {
          const at = new Date(from + ((to - from) * i) / Math.max(1, op.subjects.length - 1) + i * 1000).toISOString();
          this.carry(s.key, this.onBranch('main', { message: `${s.subject}\n`, author: 'ada', at, effect: { add: [this.file('old', s.subject, op.id, i)] } }));
        });
        return op.subjects.length > 0;
      }
      case 'commit':
      case 'bad-date': {
        const add = [this.file('src', op.subject, op.id)];
        const id = this.onBranch('main', { message: `${op.subject}\n`, author: op.author, at: op.at, committedAt: op.kind === 'bad-date' ? op.committedAt : undefined, effect: { add } });
        this.carry(op.key, id);
        this.record(op.id, id, { commits: [id], effect: { add, del: [] } });
        return true;
      }
      case 'merge-pr':
        return this.mergePr(op);
      case 'squash-pr': {
        const add = [this.file('src', op.title, op.id)];
        const message = `${op.title} (#${op.number})${op.dot ? '.' : ''}\n${op.body ? `\n${op.body}\n` : ''}`;
        const id = this.onBranch('main', { message, author: op.author, at: op.at, effect: { add } });
        this.carry(op.key, id);
        this.record(op.id, id, { commits: [id], effect: { add, del: [] }, pr: { number: op.number, title: op.title, branch: `pr-${op.number}` } });
        return true;
      }
      case 'rebase-pr': {
        let last = 0;
        let add: FileChange[] = [];
        op.commits.forEach((subject, i) => {
          add = [this.file('src', subject, op.id, i)];
          last = this.onBranch('main', { message: `${subject}\n`, author: op.author, at: new Date(Date.parse(op.at) + i * 1000).toISOString(), effect: { add } });
        });
        this.carry(op.key, last);
        // A rebase merge leaves no trace of the PR in git: the converter is told about it.
        this.prs.push({ number: op.number, title: op.title, headRefName: op.branch, body: '', mergeCommit: last });
        this.record(op.id, last, { commits: [last], effect: { add, del: [] }, pr: { number: op.number, title: op.title, branch: op.branch } });
        return true;
      }
      case 'tag': {
        const tip = this.tips.get('main');
        if (tip === undefined) return false;
        this.git.tag(op.name, tip, 'ada', op.at, op.annotated ? `Release ${op.name}\n` : undefined);
        this.opCommit.set(op.id, tip);
        this.opTag.set(op.id, op.name);
        this.opMainIndex.set(op.id, this.mainChain.length - 1);
        return true;
      }
      case 'release': {
        const at = this.opCommit.get(op.from);
        if (at === undefined || this.opTag.get(op.from) === undefined || [...this.releases.values()].some((r) => r.branch === op.branch)) return false;
        this.git.branch(op.branch, at);
        this.tips.set(op.branch, at);
        this.releases.set(op.id, { branch: op.branch, base: this.opMainIndex.get(op.from)!, picked: new Set() });
        this.opCommit.set(op.id, at);
        return true;
      }
      case 'hotfix':
        return this.hotfix(op);
      case 'revert':
        return this.revert(op);
      case 'deploy':
        return true;
    }
  }

  private mergePr(op: Extract<Op, { kind: 'merge-pr' }>): boolean {
    const base = this.mainChain[Math.max(0, this.mainChain.length - 1 - op.base)];
    if (base === undefined) return false;
    const files = new Map<string, FileChange>();
    let tip = base;
    const branchCommits: number[] = [];
    op.commits.forEach((c, i) => {
      // Later commits of a branch sometimes change what its first commit added.
      const f = i > 0 && i % 2 === 0 ? { ...[...files.values()][0], content: `${c.subject}\n` } : this.file('src', c.subject, op.id, i);
      files.set(f.path, f);
      const at = new Date(Date.parse(op.at) - (op.commits.length - i) * 1_200_000).toISOString();
      tip = this.git.commit(`refs/work/pr-${op.number}`, { parent: tip, message: `${c.subject}\n`, author: op.author, at, effect: { add: [f] } });
      branchCommits.push(tip);
      this.carry(c.key, tip);
    });
    const add = [...files.values()];
    const message = `Merge pull request #${op.number} from ${this.owner}/${op.branch}\n\n${op.title}\n`;
    const merge = this.onBranch('main', { merge: tip, message, author: op.author, at: op.at, effect: { add } });
    this.carry(op.key, merge);
    this.record(op.id, merge, { commits: [merge, ...branchCommits], effect: { add, del: [] }, pr: { number: op.number, title: op.title, branch: op.branch } });
    return true;
  }

  private hotfix(op: Extract<Op, { kind: 'hotfix' }>): boolean {
    const release = this.releases.get(op.release);
    if (!release) return false;
    let made = false;
    for (const pick of op.picks) {
      const change = this.changes.get(pick);
      const target = this.revertOf.get(pick);
      // A change made on main after the release was cut, or the revert of one picked already.
      const ok = change && change.commits.length === 1 && !release.picked.has(pick) && (target === undefined ? this.opMainIndex.get(pick)! > release.base : release.picked.has(target));
      if (!ok) continue;
      const original = change.commits[0];
      const id = this.git.cherryPick(release.branch, this.tips.get(release.branch)!, original, op.author, op.at);
      this.tips.set(release.branch, id);
      this.picks.set(id, original);
      release.picked.add(pick);
      made = true;
    }
    if (op.own) {
      const id = this.onBranch(release.branch, { message: `${op.own.subject}\n`, author: op.author, at: op.at, effect: { add: [this.file('hotfix', op.own.subject, op.id)] } });
      this.carry(op.own.key, id);
      made = true;
    }
    if (!made) return false;
    const tip = this.tips.get(release.branch)!;
    if (op.tag) {
      this.git.tag(op.tag, tip, op.author, op.at, `Hotfix ${op.tag}\n`);
      this.opTag.set(op.id, op.tag);
    }
    this.opCommit.set(op.id, tip);
    return true;
  }

  private revert(op: Extract<Op, { kind: 'revert' }>): boolean {
    const change = this.changes.get(op.target);
    if (!change || !this.active.get(op.target)) return false;
    const inverse: Effect = { add: change.effect.del, del: change.effect.add };
    const tip = this.tips.get('main')!;
    let revert: number;
    let vehicle: number;
    if (op.pr) {
      // GitHub's revert button: the revert on a branch of its own, merged by a pull request.
      revert = this.git.revert('detached', tip, change.commits[0], inverse, op.author, op.at);
      // GitHub's names when the target is a PR ("revert-12-feature/x"); a revert of a direct commit is named after it.
      const subject = this.git.subjectOf(change.commits[0]);
      const title = `Revert "${change.pr?.title ?? subject}"`;
      const branch = change.pr ? `revert-${change.pr.number}-${change.pr.branch}` : `revert-${slug(subject).slice(0, 30)}`;
      const message = `Merge pull request #${op.pr} from ${this.owner}/${branch}\n\n${title}\n`;
      vehicle = this.onBranch('main', { merge: revert, message, author: op.author, at: new Date(Date.parse(op.at) + 60_000).toISOString(), effect: inverse });
      this.prs.push({ number: op.pr, body: change.pr ? `Reverts ${this.owner}/${this.repo}#${change.pr.number}` : '' });
    } else {
      revert = this.git.revert('main', tip, change.commits[0], inverse, op.author, op.at);
      this.tips.set('main', revert);
      this.mainChain.push(revert);
      vehicle = revert;
    }
    this.reverts.set(revert, change.commits);
    this.active.set(op.target, false);
    const undone = this.revertOf.get(op.target);
    if (undone !== undefined) this.active.set(undone, true);
    this.revertOf.set(op.id, op.target);
    this.record(op.id, vehicle, { commits: [revert], effect: inverse });
    return true;
  }

  resolve(ops: readonly Op[], shas: Map<number, string>): Resolved {
    const sha = (id: number) => shas.get(id)!;
    const chain = this.mainChain.map(sha);
    const head = chain[chain.length - 1];
    const rev = (r: RevRef): { rev: string; sha: string } => {
      if ('main' in r) {
        const s = chain[Math.max(0, chain.length - 1 - r.main)];
        return { rev: s, sha: s };
      }
      const commit = this.applied.has(r.op) ? this.opCommit.get(r.op) : undefined;
      if (commit === undefined) return { rev: head, sha: head };
      return { rev: this.opTag.get(r.op) ?? sha(commit), sha: sha(commit) };
    };
    const deploy = ops.flatMap((op) => {
      if (op.kind !== 'deploy') return [];
      const current = rev(op.rev);
      // What ran before is another commit: when the reference lands on the same one, the newest other on main.
      const other = [...chain].reverse().find((s) => s !== current.sha);
      const previous = op.previous.map(rev).map((p) => (p.sha !== current.sha || !other ? p : { rev: other, sha: other }));
      return [{ env: op.env, rev: current.rev, sha: current.sha, previous: previous.map((p) => p.rev), previousShas: previous.map((p) => p.sha) }];
    });
    const bySha = <T, U>(m: Map<number, T>, f: (v: T) => U): Record<string, U> => Object.fromEntries([...m].map(([k, v]) => [sha(k), f(v)]));
    return {
      head,
      carriers: Object.fromEntries([...this.carriers].map(([k, ids]) => [k, [...new Set(ids.map(sha))]])),
      reverts: bySha(this.reverts, (ids) => ids.map(sha)),
      cherryPicks: bySha(this.picks, sha),
      deploy,
      pullRequests: this.prs.map(({ mergeCommit, ...p }) => ({ ...p, ...(mergeCommit !== undefined ? { mergeCommit: sha(mergeCommit) } : {}) })),
    };
  }
}
