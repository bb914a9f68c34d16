import { Random } from '../../src/sandbox/fixtures/random.js';

/**
 * The operations a generated history is made of (git-history-play.ts plays them; git-history.ts builds the result with git).
 * Every operation has a stable `id`; references between operations (a revert's target, a hotfix's
 * cherry-picks, a deployed revision) use ids, so an operation can be dropped (shrinking) and the
 * rest still plays: an operation whose reference is gone, or that no longer makes sense (a second
 * revert of the same change), is skipped.
 */
export type Op =
  /** Plain commits on main, evenly spread between two times (old history). */
  | { id: number; kind: 'bulk'; from: string; to: string; subjects: { subject: string; key?: string }[] }
  /** A commit pushed to main directly. */
  | { id: number; kind: 'commit'; at: string; subject: string; key?: string; author: string }
  /** A commit on main whose committer date is wrong (years early). */
  | { id: number; kind: 'bad-date'; at: string; committedAt: string; subject: string; key?: string; author: string }
  /** A pull request merged with a merge commit; the branch leaves main `base` first-parent steps back. */
  | { id: number; kind: 'merge-pr'; at: string; number: number; branch: string; title: string; key?: string; base: number; commits: { subject: string; key?: string }[]; author: string }
  /** A pull request squash-merged: one commit "Title (#N)" (or "(#N)."). */
  | { id: number; kind: 'squash-pr'; at: string; number: number; title: string; dot: boolean; key?: string; body: string; author: string }
  /** A pull request rebase-merged: its commits replayed onto main; the key is in the branch name only. */
  | { id: number; kind: 'rebase-pr'; at: string; number: number; branch: string; title: string; key?: string; commits: string[]; author: string }
  | { id: number; kind: 'tag'; at: string; name: string; annotated: boolean }
  /** A release branch cut from a tag op. */
  | { id: number; kind: 'release'; at: string; branch: string; from: number }
  /** Hotfixes on a release branch: `git cherry-pick -x` of main changes (ops), maybe a commit of its own, maybe a tag. */
  | { id: number; kind: 'hotfix'; at: string; release: number; picks: number[]; own?: { subject: string; key?: string }; tag?: string; author: string }
  /** `git revert` of an earlier change on main (a merge with -m 1); with `pr`, on a branch merged as GitHub's revert PR. */
  | { id: number; kind: 'revert'; at: string; target: number; pr?: number; author: string }
  /** What an environment runs, and ran before (oldest first). */
  | { id: number; kind: 'deploy'; env: string; rev: RevRef; previous: RevRef[] };

/** A revision named by the history: main's head `back` first-parent steps back, or what an op made (its tag, if it made one). */
export type RevRef = { main: number } | { op: number };

/** An op before it has an id (Omit on each member of the union). */
type NewOp = Op extends infer T ? (T extends Op ? Omit<T, 'id'> : never) : never;

export const HISTORY_NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const PREFIXES = ['LANG', 'SHOP', 'PAY', 'CORE', 'WEB', 'OPS', 'CAT'];
const PEOPLE = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances'];
const VERBS = ['Fix', 'Add', 'Handle', 'Refactor', 'Speed up', 'Document', 'Remove', 'Harden'];
const THINGS = ['cart totals', 'refund endpoint', 'retry logic', 'StringUtils.abbreviate', 'null check in parser', 'UTF-8 handling', 'SHA-256 checksums', 'ISO-8601 dates', 'pagination', 'cache keys', 'auth middleware', 'health checks', 'CVE-2024-3094 patch', 'StopWatch.formatSplitTime', 'CharRange.contains'];
const DEPS = ['lodash', 'commons-parent', 'actions/checkout', 'junit-jupiter', 'zod', 'codeql-action'];

const iso = (t: number) => new Date(t).toISOString();
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

class Names {
  private tags = { major: 1, minor: 0 };
  private pr = 0;
  readonly prefix: string;
  private readonly pool: number[];
  constructor(private readonly random: Random) {
    this.prefix = random.pick(PREFIXES);
    const size = random.int(12, 30);
    this.pool = Array.from({ length: size }, () => random.int(1, 2500));
  }
  key(): string {
    return `${this.prefix}-${this.random.pick(this.pool)}`;
  }
  maybeKey(p: number): string | undefined {
    return this.random.chance(p) ? this.key() : undefined;
  }
  title(): string {
    return `${this.random.pick(VERBS)} ${this.random.pick(THINGS)}`;
  }
  author(): string {
    return this.random.pick(PEOPLE);
  }
  prNumber(): number {
    this.pr += this.random.int(1, 4);
    return this.pr;
  }
  nextTag(): string {
    const name = `v${this.tags.major}.${this.tags.minor}.0`;
    if (this.random.chance(0.1)) {
      this.tags.major++;
      this.tags.minor = 0;
    } else this.tags.minor++;
    return name;
  }
  bump(): string {
    const v = this.random.int(1, 40);
    return `Bump ${this.random.pick(DEPS)} from ${v}.${this.random.int(0, 9)} to ${v + 1}.0`;
  }
  /** A direct commit's subject, in the shapes real repositories use. */
  subject(key: string | undefined): string {
    const title = this.title();
    if (!key) {
      const r = this.random.next();
      if (r < 0.3) return this.bump();
      return r < 0.5 ? `chore: ${title.toLowerCase()}` : title;
    }
    return this.random.pick([`${key}: ${title}`, `[${key}] ${title}`, `${title}. Fixes ${key}`, `${key} ${title}`]);
  }
}

/** A seeded list of operations modelled on real repositories (see docs in git-history.ts). */
export function generateOps(seed: number): Op[] {
  const random = new Random(seed * 7919 + 17);
  const names = new Names(random);
  const ops: Op[] = [];
  let id = 0;
  const push = (op: NewOp) => {
    ops.push({ ...op, id: ++id } as Op);
    return id;
  };

  const start = HISTORY_NOW - random.int(365, 1095) * DAY;
  const oldEnd = HISTORY_NOW - random.int(150, 300) * DAY;
  const recentStart = HISTORY_NOW - random.int(35, 75) * DAY;
  const end = HISTORY_NOW - random.int(2, 20) * 3_600_000;
  const bulk = (from: number, to: number, n: number) =>
    push({ kind: 'bulk', from: iso(from), to: iso(to), subjects: Array.from({ length: n }, () => ({ subject: '', key: names.maybeKey(0.35) })).map((s) => ({ ...s, subject: names.subject(s.key) })) });

  const tags: { op: number; old: boolean }[] = [];
  const releases: { op: number; tagOp: number; picked: Set<number>; at: number; hotfixTags: number }[] = [];
  const pickable: { op: number; at: number }[] = [];
  const revertable: number[] = [];
  let badDate = false;

  const phase = (from: number, to: number, count: number, old: boolean) => {
    const times = Array.from({ length: count }, () => from + random.next() * (to - from)).sort((a, b) => a - b);
    for (const [i, t] of times.entries()) {
      const at = iso(t);
      const r = random.next();
      const author = names.author();
      if (old && r < 0.2) {
        // A stretch of plain commits, ending before the next operation.
        bulk(t, Math.max(t + 60_000, Math.min(t + random.int(5, 40) * DAY, (times[i + 1] ?? to) - 3_600_000)), random.int(3, 15));
      } else if (r < 0.4) {
        const key = names.maybeKey(0.6);
        const op = push({ kind: 'commit', at, subject: names.subject(key), key, author });
        pickable.push({ op, at: t });
        revertable.push(op);
      } else if (r < 0.55) {
        const key = names.maybeKey(0.75);
        const dependabot = !key && random.chance(0.3);
        const title = dependabot ? names.bump() : names.title();
        const branch = dependabot ? `dependabot/npm_and_yarn/${slug(title)}` : `${random.pick(['feature', 'bugfix', 'feat'])}/${key ? `${key}-` : ''}${slug(title)}`;
        const commits = Array.from({ length: random.int(1, 3) }, (_, i) => {
          const k = key && random.chance(0.3) ? key : undefined;
          return { subject: `${k ? `${k} ` : ''}${title} (part ${i + 1})`, ...(k ? { key: k } : {}) };
        });
        const prTitle = key && random.chance(0.7) ? `${key} ${title}` : title;
        revertable.push(push({ kind: 'merge-pr', at, number: names.prNumber(), branch, title: prTitle, key, base: random.chance(0.4) ? random.int(1, 3) : 0, commits, author }));
      } else if (r < 0.7) {
        const key = names.maybeKey(0.7);
        const title = key ? random.pick([`[${key}] ${names.title()}`, `${key}: ${names.title()}`]) : names.title();
        const body = random.chance(0.5) ? `* ${title}\n\n* Address review comments` : '';
        const op = push({ kind: 'squash-pr', at, number: names.prNumber(), title, dot: random.chance(0.4), key, body, author });
        pickable.push({ op, at: t });
        revertable.push(op);
      } else if (r < 0.76) {
        const key = names.maybeKey(0.8);
        const title = names.title();
        const commits = Array.from({ length: random.int(1, 2) }, (_, i) => `${title}${i ? ' (follow-up)' : ''}`);
        revertable.push(push({ kind: 'rebase-pr', at, number: names.prNumber(), branch: `bugfix/${key ? `${key}-` : ''}${slug(title)}`, title, key, commits, author }));
      } else if (r < 0.84) {
        tags.push({ op: push({ kind: 'tag', at, name: names.nextTag(), annotated: random.chance(0.7) }), old });
      } else if (r < 0.88 && tags.length && releases.length < 3) {
        const tag = tags[tags.length - 1];
        const tagOp = ops.find((o) => o.id === tag.op) as Extract<Op, { kind: 'tag' }>;
        if (!releases.some((x) => x.tagOp === tag.op)) {
          const branch = `rel/${tagOp.name.replace(/^v/, '').replace(/\.0$/, '')}`;
          releases.push({ op: push({ kind: 'release', at, branch, from: tag.op }), tagOp: tag.op, picked: new Set(), at: t, hotfixTags: 0 });
        }
      } else if (r < 0.94 && releases.length) {
        const release = random.pick(releases);
        const candidates = pickable.filter((p) => p.at > release.at && !release.picked.has(p.op));
        const picks = candidates.length ? [random.pick(candidates).op] : [];
        if (candidates.length > 1 && random.chance(0.3)) picks.push(random.pick(candidates.filter((c) => c.op !== picks[0])).op);
        picks.sort((a, b) => a - b);
        // Backport a revert of something already picked into this release, sometimes.
        const revertOfPicked = ops.find((o) => o.kind === 'revert' && !o.pr && release.picked.has(o.target) && !release.picked.has(o.id));
        if (revertOfPicked && random.chance(0.5)) picks.push(revertOfPicked.id);
        picks.forEach((p) => release.picked.add(p));
        const key = names.maybeKey(0.5);
        const own = random.chance(0.3) ? { subject: names.subject(key), ...(key ? { key } : {}) } : undefined;
        const relOp = ops.find((o) => o.id === release.op) as Extract<Op, { kind: 'release' }>;
        const tag = random.chance(0.7) ? `v${relOp.branch.slice(4)}.${++release.hotfixTags}` : undefined;
        if (picks.length || own) push({ kind: 'hotfix', at, release: release.op, picks, ...(own ? { own } : {}), ...(tag ? { tag } : {}), author });
      } else if (r < 0.985 && revertable.length) {
        const target = random.pick(revertable.slice(-12));
        const pr = !old && random.chance(0.3) ? names.prNumber() : undefined;
        const op = push({ kind: 'revert', at, target, ...(pr ? { pr } : {}), author });
        revertable.push(op);
        // A revert of the revert, sometimes ("Reapply").
        if (random.chance(0.2)) revertable.push(push({ kind: 'revert', at: iso(t + 3_600_000), target: op, author }));
      } else if (!old && !badDate) {
        badDate = true;
        const key = names.maybeKey(0.7);
        push({ kind: 'bad-date', at, committedAt: iso(t - random.int(600, 800) * DAY), subject: names.subject(key), key, author });
      } else {
        const key = names.maybeKey(0.5);
        push({ kind: 'commit', at, subject: names.subject(key), key, author });
      }
    }
  };

  bulk(start, start + random.int(10, 60) * DAY, random.int(3, 12));
  phase(start + 61 * DAY, oldEnd, random.int(8, 22), true);
  phase(recentStart, end, random.int(12, 32), false);
  deployOps(random, tags, releases.map((r) => r.op), ops).forEach((d) => push(d));
  return ops;
}

/** dev near main's head; staging a recent commit or tag; prod an old tag, a release tag, or what staging runs; previous sometimes newer (a rollback). */
function deployOps(random: Random, tags: { op: number; old: boolean }[], releases: number[], ops: Op[]): NewOp[] {
  const hotfixes = ops.filter((o) => o.kind === 'hotfix' && releases.includes(o.release)).map((o) => o.id);
  const recentTags = tags.filter((t) => !t.old).map((t) => t.op);
  const oldTags = tags.filter((t) => t.old).map((t) => t.op);
  const dev: RevRef = random.chance(0.7) ? { main: 0 } : { main: random.int(1, 3) };
  const staging: RevRef = random.chance(0.15) ? dev : recentTags.length && random.chance(0.4) ? { op: random.pick(recentTags) } : { main: random.int(0, 12) };
  const r = random.next();
  const prod: RevRef =
    r < 0.3 && oldTags.length ? { op: random.pick(oldTags) } : r < 0.55 && hotfixes.length ? { op: random.pick(hotfixes) } : r < 0.75 ? staging : recentTags.length && r < 0.85 ? { op: random.pick(recentTags) } : { main: random.int(5, 20) };
  const previous = (current: RevRef): RevRef[] => {
    const back = 'main' in current ? current.main : random.int(2, 10);
    if (random.chance(0.3)) return [{ main: Math.max(0, back - random.int(1, 4)) }];
    const older = [...oldTags, ...recentTags].filter((t) => !('op' in current) || t < current.op);
    if (older.length && random.chance(0.4)) return [{ op: random.pick(older) }];
    return [{ main: back + random.int(1, 6) }];
  };
  return (
    [
      ['dev', dev],
      ['staging', staging],
      ['prod', prod],
    ] as const
  ).map(([env, rev]) => ({ kind: 'deploy' as const, env, rev, previous: previous(rev) }));
}
