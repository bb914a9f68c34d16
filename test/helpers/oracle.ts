import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSnapshot } from '../../src/core/run.js';
import type { Snapshot } from '../../src/core/snapshot-schema.js';
import { fixtureFromGit } from '../../src/sandbox/fixtures/from-git.js';
import type { Fixture } from '../../src/sandbox/fixtures/types.js';
import { gitOracle, type GitOracle, type Question, type QuestionKind } from './git-answers.js';
import { buildHistory, HISTORY_NOW, type BuiltHistory, type Op } from './git-history.js';
import { startTestSandbox } from './sandbox.js';

/**
 * The oracle: histories built with real git are converted to one fixture, snap runs on it twice in
 * the sandbox (the `previous` revisions deployed, then each environment rolled out to its current
 * revision), and every answer of the second snapshot is compared with git's.
 */
export type Verdict = 'agree' | 'unknown' | 'disagree';

export interface Answer {
  seed: number;
  question: Question;
  snap: string;
  verdict: Verdict;
}

const CONTEXT = 'git-oracle';
const ENVS = ['dev', 'staging', 'prod'];

/**
 * snap's answer to a question, from the snapshot. Tickets: schemaVersion 2 has one entry per
 * project and environment with `status`; schemaVersion 1 had one per service with `complete`
 * (true read as `in`, false as `partial`), read too while the engine is being rewritten.
 */
export function snapAnswers(snapshot: Snapshot, project: string): (q: Question) => string {
  return (q) => {
    if (q.kind === 'drift') {
      const [from, to] = q.id.slice('drift '.length).split('→');
      const service = snapshot.drift?.[project]?.find((p) => p.from === from && p.to === to)?.services[0];
      if (!service) return 'no drift pair';
      return service.status === 'unknown' ? 'unknown' : `${service.status} ahead ${service.ahead.commits} behind ${service.behind.commits}`;
    }
    if (q.kind === 'rollback') {
      const env = q.id.slice('rollback '.length);
      const event = (snapshot.deployments ?? []).filter((d) => d.project === project && d.environment === env).pop();
      if (!event) return 'no deployment';
      return event.rollback === 'unknown' ? 'unknown' : String(event.rollback);
    }
    if (q.kind === 'shipped') {
      const env = q.id.slice('shipped '.length);
      const event = (snapshot.deployments ?? []).filter((d) => d.project === project && d.environment === env).pop();
      if (!event) return 'no deployment';
      if (event.shipped?.status !== 'known') return 'unknown';
      return `shipped ${event.shipped.commits} removed ${event.shipped.removed?.commits ?? 0}`;
    }
    const [, key, env] = q.id.split(' ');
    const entries = (snapshot.tickets?.[key]?.environments ?? []).filter((e) => e.project === project && e.environment === env) as { status?: string; complete?: boolean }[];
    if (entries.length === 0) return 'absent';
    if (entries[0].status) return entries[0].status;
    return entries.every((e) => e.complete) ? 'in' : 'partial';
  };
}

/**
 * Ticket questions for one history. snap's status of a ticket is judged over the carriers it lists
 * (it cannot know carriers older than the history it reads), with git's ancestry; and what it lists
 * is judged too: every carrier in the head's window must be among them ("carriers complete"), and
 * each must be a real carrier ("carriers real"). Cherry-picks snap lists stand in for their originals.
 */
export function ticketQuestions(snapshot: Snapshot, repository: string, oracle: GitOracle): Question[] {
  const listed = new Map<string, string[]>();
  for (const [key, t] of Object.entries(snapshot.tickets ?? {})) {
    const own = t.changes.filter((c) => c.repository === repository && !c.cherryPickOf).map((c) => c.commit);
    if (own.length) listed.set(key, own);
  }
  const keys = [...new Set([...oracle.windowTickets.keys(), ...listed.keys()])].sort();
  const out: Question[] = [];
  for (const key of keys) {
    const truth = oracle.carriers(key) ?? [];
    const snapCarriers = listed.get(key) ?? [];
    const missed = (oracle.windowTickets.get(key) ?? []).filter((c) => !snapCarriers.includes(c));
    out.push({ kind: 'ticket', id: `ticket ${key} carriers-complete`, expected: 'complete', snap: missed.length ? `missing ${missed.map((c) => c.slice(0, 7)).join(',')}` : 'complete' });
    const unreal = snapCarriers.filter((c) => !truth.includes(c));
    out.push({ kind: 'ticket', id: `ticket ${key} carriers-real`, expected: 'real', snap: unreal.length ? `not carriers ${unreal.map((c) => c.slice(0, 7)).join(',')}` : 'real' });
    const known = snapCarriers.filter((c) => truth.includes(c));
    for (const env of ENVS) out.push({ kind: 'ticket', id: `ticket ${key} ${env}`, expected: known.length ? oracle.status(key, env, known) : 'absent' });
  }
  return out;
}

/** One organisation from several converted histories: one cluster, a namespace per environment, a project per history. */
export function mergeFixtures(fixtures: readonly Fixture[]): Fixture {
  return {
    version: 1,
    owner: fixtures[0].owner,
    now: new Date(Math.max(...fixtures.map((f) => Date.parse(f.now)))).toISOString(),
    history: { days: 60 },
    repositories: fixtures.flatMap((f) => f.repositories),
    clusters: [{ context: CONTEXT, namespaces: ENVS, deployments: fixtures.flatMap((f) => f.clusters.flatMap((c) => c.deployments)) }],
    environments: ENVS.map((name) => ({ name, context: CONTEXT, namespaces: [name] })),
    projects: fixtures.flatMap((f) => f.projects),
  };
}

/** Every history is converted for the same moment, so an answer does not depend on the batch it is judged in. */
export function convert(h: BuiltHistory): Promise<Fixture> {
  return fixtureFromGit(h.dir, { deploy: h.deploy.map(({ env, rev, previous }) => ({ env, rev, previous })), version: h.version, pullRequests: h.pullRequests, now: new Date(HISTORY_NOW) });
}

/** What the git side knows of a history: its questions with git's answers, and its fixture. */
export interface Prepared {
  history: BuiltHistory;
  oracle: GitOracle;
  fixture: Fixture;
}

export async function prepare(h: BuiltHistory): Promise<Prepared> {
  const [oracle, fixture] = await Promise.all([gitOracle(h), convert(h)]);
  return { history: h, oracle, fixture };
}

/** Runs snap twice over the histories (one sandbox) and judges every answer of the second snapshot. */
export async function judgeBatch(batch: readonly Prepared[]): Promise<Answer[]> {
  const histories = batch.map((p) => p.history);
  // Deployments are changed below (the current revision is rolled out later): work on copies.
  const fixture = structuredClone(mergeFixtures(batch.map((p) => p.fixture)));
  // The first snapshot sees what ran before; the current revisions are rolled out between the runs.
  const rollouts = fixture.clusters[0].deployments.map((d) => ({ namespace: d.namespace, name: d.name, revision: d.revisions.pop()! }));
  const jiraProjects = [...new Set(histories.flatMap((h) => Object.keys(h.truth.carriers).map((k) => k.split('-')[0])))].sort();
  const t = await startTestSandbox(fixture);
  try {
    const config = await t.config({ tickets: { ...(jiraProjects.length ? { jiraProjects } : {}), githubIssues: false } });
    const started = Date.now();
    const now = () => new Date(Date.parse(fixture.now) + (Date.now() - started));
    const run = () => runSnapshot(config, { progress: () => undefined, githubToken: t.sandbox.githubToken, now });
    await run();
    const store = t.sandbox.kubernetes.cluster(CONTEXT).store;
    for (const r of rollouts) store.rollout(r.namespace, r.name, { tag: r.revision.tag, digest: r.revision.digest, createdAt: now().toISOString() });
    const { snapshot } = await run();
    return batch.flatMap(({ history: h, oracle }) => {
      const answer = snapAnswers(snapshot, h.name);
      const judge = (question: Question): Answer => {
        const snap = question.snap ?? answer(question);
        return { seed: h.seed, question, snap, verdict: snap === question.expected ? 'agree' : snap === 'unknown' ? 'unknown' : 'disagree' };
      };
      return [...oracle.questions, ...ticketQuestions(snapshot, `${fixture.owner}/${h.name}`, oracle)].map(judge);
    });
  } finally {
    await t.close();
  }
}

/** Builds, asks git and judges one history on its own (for shrinking). */
export async function judgeOne(seed: number, ops: Op[]): Promise<Answer[]> {
  const root = await mkdtemp(path.join(tmpdir(), 'snap-oracle-shrink-'));
  try {
    return await judgeBatch([await prepare(await buildHistory(seed, ops, { parent: root }))]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Drops operations while a disagreement of the same shape (see shapeOf) persists: first
 * runs of them, halving, then one at a time. Deploy operations stay (every history deploys dev,
 * staging and prod). Stops at `deadline` with what it has.
 */
export async function shrink(seed: number, ops: Op[], shape: string, deadline: number): Promise<{ ops: Op[]; answers: Answer[]; checks: number }> {
  let current = ops;
  let answers = (await judgeOne(seed, current)).filter((a) => a.verdict === 'disagree' && shapeOf(a) === shape);
  let checks = 1;
  for (let size = Math.ceil(current.length / 2); size >= 1 && Date.now() < deadline; ) {
    let dropped = false;
    for (let start = 0; start < current.length && Date.now() < deadline; ) {
      const chunk: Op[] = current.slice(start, start + size).filter((o) => o.kind !== 'deploy');
      if (chunk.length === 0) {
        start += size;
        continue;
      }
      const candidate = current.filter((o) => !chunk.includes(o));
      const result = (await judgeOne(seed, candidate).catch(() => [])).filter((a) => a.verdict === 'disagree' && shapeOf(a) === shape);
      checks++;
      if (result.length > 0) {
        current = candidate;
        answers = result;
        dropped = true;
      } else start += size;
    }
    if (!dropped) size = size === 1 ? 0 : Math.ceil(size / 2);
  }
  return { ops: current, answers, checks };
}

export interface Tally {
  histories: number;
  questions: number;
  byKind: Record<QuestionKind, Record<Verdict, number>>;
}

export function tally(histories: number, answers: readonly Answer[]): Tally {
  const byKind = Object.fromEntries((['drift', 'rollback', 'shipped', 'ticket'] as const).map((k) => [k, { agree: 0, unknown: 0, disagree: 0 }])) as Tally['byKind'];
  for (const a of answers) byKind[a.question.kind][a.verdict]++;
  return { histories, questions: answers.length, byKind };
}

/**
 * The kind of a disagreement, which a shrunk history must still show: the question's kind and
 * both answers without the details ("ticket in → absent", "drift ahead → diverged",
 * "drift ahead → ahead (counts)").
 */
export function shapeOf(a: Answer): string {
  const word = (s: string) => (a.question.kind === 'drift' || a.question.kind === 'shipped' ? s.split(' ')[0] : s);
  const [expected, snap] = [word(a.question.expected), word(a.snap)];
  return `${a.question.kind} ${expected} → ${snap}${expected === snap ? ' (counts)' : ''}`;
}

/** How the disagreements go, most frequent first: "ticket in → absent ×412". */
export function transitions(answers: readonly Answer[]): string[] {
  const counts = new Map<string, number>();
  for (const a of answers) if (a.verdict === 'disagree') counts.set(shapeOf(a), (counts.get(shapeOf(a)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`);
}

export function formatTally(t: Tally): string {
  const sum = (v: Verdict) => Object.values(t.byKind).reduce((n, k) => n + k[v], 0);
  const kinds = Object.entries(t.byKind).map(([k, v]) => `${k} ${v.agree}/${v.unknown}/${v.disagree}`).join(', ');
  return `oracle: ${t.histories} histories, ${t.questions} questions, ${sum('agree')} agreements, ${sum('unknown')} unknowns, ${sum('disagree')} disagreements (agree/unknown/disagree: ${kinds})`;
}

