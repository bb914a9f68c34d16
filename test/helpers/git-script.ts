import { commitId, treeId } from './git-objects.js';

/**
 * Writes what builds a generated history (git-history-play.ts decides what to make). Every
 * commit's SHA is computed here as it is written (git-objects.ts), and two modes make the same
 * repository, commit for commit:
 *
 * - `fast`: one `git fast-import` stream for everything, reverts and cherry-picks written exactly
 *   as git writes them (message, author, committer, tree). One git process per history.
 * - `real`: a bash script: ordinary commits, merges and tags through `git fast-import` (one process
 *   per stretch of them), and real `git revert` (`-m 1` for merges) and `git cherry-pick -x` in a
 *   work tree. The script prints the SHAs git made (`@c <n> <sha>`).
 *
 * buildHistory checks the computed SHAs against git's (the marks fast-import exports, or what the
 * script prints), so a difference between the two modes, or a git that writes reverts otherwise,
 * fails the build instead of passing unnoticed.
 */
export type Mode = 'real' | 'fast';

/** What `git init -b main --template=` writes: the build then needs no `git init` process. */
export const EMPTY_REPOSITORY = {
  dirs: ['.git/objects/info', '.git/objects/pack', '.git/refs/heads', '.git/refs/tags'],
  files: {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n',
  },
};

export interface FileChange {
  path: string;
  content: string;
}

/** What a change does to a tree: files it adds (or modifies) and files it deletes. */
export interface Effect {
  add: FileChange[];
  del: FileChange[];
}

interface Meta {
  message: string;
  author: string;
  at: string;
  parents: number[];
  effect: Effect;
  files: Map<string, string>;
}

export interface CommitSpec {
  parent?: number;
  merge?: number;
  message: string;
  author: string;
  at: string;
  committedAt?: string;
  /** The committer, when not the author (a cherry-pick). */
  committer?: string;
  effect?: Partial<Effect>;
}

const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const who = (author: string) => `${author} <${author}@example.com>`;
const ident = (author: string, at: string) => `${who(author)} ${sec(at)} +0000`;
/** Inside an unquoted heredoc (real mode) only `\`, `$` and backquotes are special. */
const escape = (text: string) => text.replace(/[\\$`]/g, (c) => `\\${c}`);

export class ScriptWriter {
  /** fast: the fast-import stream; real: the bash script. */
  private readonly out: string[] = [];
  private segment: string[] = [];
  private next = 1;
  private readonly meta = new Map<number, Meta>();
  /** Every commit's SHA, as computed. */
  readonly shas = new Map<number, string>();
  /** Commits made by real git commands (real mode): no fast-import mark, the script has their SHA in C. */
  private readonly real = new Set<number>();
  private touched = new Set<string>();
  private worktree: string | undefined;

  /**
   * @param reapply git 2.43 and later write a revert of `Revert "X"` as `Reapply "X"` (older ones as
   *   `Revert "Revert "X""`); see gitWritesReapply.
   */
  constructor(
    readonly mode: Mode,
    private readonly reapply = false,
  ) {
    if (mode === 'real') this.out.push('set -euo pipefail', 'declare -a C');
  }

  private ref(id: number): string {
    return this.real.has(id) ? `\${C[${id}]}` : `:${id}`;
  }

  private data(text: string): string[] {
    return [`data ${Buffer.byteLength(text)}`, this.mode === 'real' ? escape(text) : text];
  }

  /** Records a commit and its computed SHA; `files` is its whole tree. */
  private remember(c: CommitSpec & { effect: Effect }, id: number): void {
    const parents = [c.parent, c.merge].filter((p): p is number => p !== undefined);
    const files = new Map(c.parent !== undefined ? this.meta.get(c.parent)!.files : []);
    for (const f of c.effect.add) files.set(f.path, f.content);
    for (const f of c.effect.del) files.delete(f.path);
    this.meta.set(id, { message: c.message, author: c.author, at: c.at, parents, effect: c.effect, files });
    const committer = ident(c.committer ?? c.author, c.committedAt ?? c.at);
    this.shas.set(id, commitId({ tree: treeId(files), parents: parents.map((p) => this.shas.get(p)!), author: ident(c.author, c.at), committer, message: c.message }));
  }

  /** A commit on `ref` (a full ref name) through fast-import; returns its number. */
  commit(ref: string, c: CommitSpec): number {
    const id = this.next++;
    const effect = { add: c.effect?.add ?? [], del: c.effect?.del ?? [] };
    this.remember({ ...c, effect }, id);
    this.segment.push(`commit ${ref}`, `mark :${id}`, `author ${ident(c.author, c.at)}`, `committer ${ident(c.committer ?? c.author, c.committedAt ?? c.at)}`, ...this.data(c.message));
    if (c.parent !== undefined) this.segment.push(`from ${this.ref(c.parent)}`);
    if (c.merge !== undefined) this.segment.push(`merge ${this.ref(c.merge)}`);
    for (const f of effect.add) this.segment.push(`M 100644 inline ${f.path}`, ...this.data(f.content));
    for (const f of effect.del) this.segment.push(`D ${f.path}`);
    this.touched.add(ref.replace(/^refs\/heads\//, ''));
    return id;
  }

  tag(name: string, target: number, tagger: string, at: string, message?: string): void {
    if (message === undefined) this.segment.push(`reset refs/tags/${name}`, `from ${this.ref(target)}`);
    else this.segment.push(`tag ${name}`, `from ${this.ref(target)}`, `tagger ${ident(tagger, at)}`, ...this.data(message));
  }

  branch(name: string, target: number): void {
    this.segment.push(`reset refs/heads/${name}`, `from ${this.ref(target)}`);
  }

  /**
   * `git revert` of `target` (-m 1 for a merge) on top of `parent`, the tip of `branch` (or of main,
   * on a detached HEAD). `effect` is what undoing the target does to the tree.
   */
  revert(branch: string | 'detached', parent: number, target: number, effect: Effect, author: string, at: string): number {
    const t = this.meta.get(target)!;
    const merge = t.parents.length > 1;
    // git's sequencer (do_pick_commit): the subject is the first line; a merge also names the mainline parent.
    const subject = t.message.split('\n')[0];
    const inner = subject.startsWith('Revert "') ? subject.slice('Revert "'.length) : undefined;
    const title = this.reapply && inner !== undefined && !inner.startsWith('Revert "') ? `Reapply "${inner}` : `Revert "${subject}"`;
    const message = `${title}\n\nThis reverts commit ${this.shas.get(target)}${merge ? `, reversing\nchanges made to ${this.shas.get(t.parents[0])}` : ''}.\n`;
    const spec = { parent, message, author, at, effect };
    if (this.mode === 'real') return this.realGit(branch, `git revert --no-edit ${merge ? '-m 1 ' : ''}\${C[${target}]}`, spec);
    return this.commit(branch === 'detached' ? 'refs/work/revert' : `refs/heads/${branch}`, spec);
  }

  subjectOf(id: number): string {
    return this.meta.get(id)!.message.split('\n')[0];
  }

  /** `git cherry-pick -x` of `original` onto `parent`, the tip of `branch`. */
  cherryPick(branch: string, parent: number, original: number, author: string, at: string): number {
    const o = this.meta.get(original)!;
    // The author (and date) of the original stay, the picker commits; no trailer block in our messages, so a blank line first.
    const spec = { parent, message: `${o.message}\n(cherry picked from commit ${this.shas.get(original)})\n`, author: o.author, at: o.at, committer: author, committedAt: at, effect: o.effect };
    if (this.mode === 'real') return this.realGit(branch, `git cherry-pick -x \${C[${original}]}`, spec);
    return this.commit(`refs/heads/${branch}`, spec);
  }

  private send(): void {
    if (this.segment.length === 0) return;
    if (this.mode === 'fast') this.out.push(...this.segment);
    else {
      this.out.push('git fast-import --quiet --force --import-marks-if-exists=.git/fi-marks --export-marks=.git/fi-marks <<__FI__', ...this.segment, '__FI__', 'while read -r m s; do C[${m#:}]=$s; done < .git/fi-marks');
      if (this.worktree && this.touched.has(this.worktree)) this.worktree = undefined;
      this.touched.clear();
    }
    this.segment = [];
  }

  private realGit(branch: string | 'detached', command: string, spec: CommitSpec & { effect: Effect }): number {
    this.send();
    if (this.worktree !== branch) this.out.push(branch === 'detached' ? 'git checkout -q -f --detach main' : `git checkout -q -f ${branch}`);
    // A detached HEAD is left behind at once: main moves on without it.
    this.worktree = branch === 'detached' ? undefined : branch;
    const id = this.next++;
    this.remember(spec, id);
    this.real.add(id);
    const committer = spec.committer ?? spec.author;
    const env = `GIT_AUTHOR_NAME=${committer} GIT_AUTHOR_EMAIL=${committer}@example.com GIT_COMMITTER_NAME=${committer} GIT_COMMITTER_EMAIL=${committer}@example.com GIT_AUTHOR_DATE='${sec(spec.committedAt ?? spec.at)} +0000' GIT_COMMITTER_DATE='${sec(spec.committedAt ?? spec.at)} +0000'`;
    this.out.push(`${env} ${command} >/dev/null`, `read -r 'C[${id}]' < .git/${branch === 'detached' ? 'HEAD' : `refs/heads/${branch}`}`);
    return id;
  }

  /** The fast-import stream (fast) or the bash script (real). */
  finish(): string {
    this.send();
    if (this.mode === 'real') this.out.push('while read -r m s; do C[${m#:}]=$s; done < .git/fi-marks', `echo 'ref: refs/heads/main' > .git/HEAD`, 'for k in "${!C[@]}"; do echo "@c $k ${C[$k]}"; done');
    return `${this.out.join('\n')}\n`;
  }
}
