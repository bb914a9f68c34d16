import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { mapLimit } from '../src/util/pool.js';
import { buildHistory, type BuiltHistory } from './helpers/git-history.js';
import { formatTally, judgeBatch, prepare, shapeOf, shrink, tally, transitions, type Answer, type Prepared } from './helpers/oracle.js';

/**
 * The oracle: random realistic histories made with git (test/helpers/git-history.ts), snap's
 * answers (drift, rollback, ticket status) against git's own (test/helpers/git-answers.ts).
 * ORACLE_HISTORIES: how many (default 300, about two minutes on two cores); ORACLE_BATCH: how many share
 * a sandbox and a pair of snap runs; ORACLE_SEED: the first seed; ORACLE_SHRINK_SECONDS: how long
 * to spend shrinking the disagreements found, one per shape, the most frequent first (0: none).
 */
const HISTORIES = Number(process.env.ORACLE_HISTORIES ?? 300);
const FIRST_SEED = Number(process.env.ORACLE_SEED ?? 1);
const SHRINK_SECONDS = Number(process.env.ORACLE_SHRINK_SECONDS ?? 60);
const BATCH = Number(process.env.ORACLE_BATCH ?? 20);

/** Builds the histories, asks git and converts them, a few at a time. */
function prepareBatch(seeds: number[], root: string): Promise<Prepared[]> {
  return mapLimit(seeds, 3, async (seed) => prepare(await buildHistory(seed, undefined, { parent: root, mode: seed % 25 === 0 ? 'real' : 'fast' })));
}

it(`snap answers drift, rollback and ticket questions as git does (${HISTORIES} histories)`, async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'snap-oracle-'));
  const started = Date.now();
  const seeds = Array.from({ length: HISTORIES }, (_, i) => FIRST_SEED + i);
  const batches = Array.from({ length: Math.ceil(seeds.length / BATCH) }, (_, i) => seeds.slice(i * BATCH, (i + 1) * BATCH));
  const answers: Answer[] = [];
  const histories = new Map<number, BuiltHistory>();
  try {
    // Git work for the next batch runs while snap runs on this one.
    let next = prepareBatch(batches[0], root);
    let snapMs = 0;
    let waitMs = 0;
    for (let b = 0; b < batches.length; b++) {
      const w = Date.now();
      const batch = await next;
      waitMs += Date.now() - w;
      if (b + 1 < batches.length) next = prepareBatch(batches[b + 1], root);
      batch.forEach((p) => histories.set(p.history.seed, p.history));
      const t = Date.now();
      answers.push(...(await judgeBatch(batch)));
      snapMs += Date.now() - t;
    }
    const figures = tally(histories.size, answers);
    console.log(`${formatTally(figures)} in ${((Date.now() - started) / 1000).toFixed(1)} s (${(snapMs / 1000).toFixed(1)} s running snap, ${(waitMs / 1000).toFixed(1)} s waiting for git)`);

    const disagreements = answers.filter((a) => a.verdict === 'disagree');
    if (disagreements.length === 0) return;
    // Shrink one disagreement of each shape, the most frequent first, within the time allowed.
    const deadline = Date.now() + SHRINK_SECONDS * 1000;
    const order = transitions(answers).map((t) => t.replace(/ ×\d+$/, ''));
    const firsts = order.map((shape) => disagreements.find((a) => shapeOf(a) === shape)!);
    const reports: string[] = [];
    for (const first of firsts) {
      const shape = shapeOf(first);
      if (Date.now() > deadline) {
        reports.push(`${shape}: seed ${first.seed}, not shrunk (out of time): ${describe(first)}`);
        continue;
      }
      const h = histories.get(first.seed)!;
      const small = await shrink(first.seed, h.ops, shape, deadline);
      reports.push(
        [
          `${shape}: seed ${first.seed}, ${small.ops.length} of ${h.ops.length} ops after ${small.checks} checks`,
          ...small.answers.slice(0, 3).map((a) => `  ${describe(a)}`),
          `  ops: buildHistory(${first.seed}, ${JSON.stringify(small.ops)})`,
        ].join('\n'),
      );
    }
    expect.fail(`${disagreements.length} disagreements with git (${formatTally(figures)})\n\ngit → snap: ${transitions(answers).join(', ')}\n\n${reports.join('\n\n')}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}, 900_000);

function describe(a: Answer): string {
  return `${a.question.id}: git says "${a.question.expected}", snap says "${a.snap}"`;
}
