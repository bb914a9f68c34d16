import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { badCommandLines } from './fault-campaign/bad-cli.js';
import { childEnv, describeProc, freezeSnap, indent, ROOT, runSnap, type AreaResult } from './fault-campaign/common.js';
import { concurrentRuns } from './fault-campaign/concurrent.js';
import { faultMatrix } from './fault-campaign/fault-matrix.js';
import { killLoop } from './fault-campaign/kill-loop.js';
import { secrets } from './fault-campaign/secrets.js';

/**
 * The fault campaign: how often snap holds under faults, per area, as "tried / held".
 *
 *   1 kill -9 loop       `snap run` SIGKILLed at random moments; the data directory stays sound and the next run completes it
 *   2 concurrent runs    10 `snap run` at once on one data directory: one lock holder at a time, exit 4 for the others (or --wait)
 *   3 fault matrix       every simulated Kubernetes and GitHub fault for one run: documented exit code, no stack trace, bounded time
 *   4 bad command lines  exit 2 (or the documented code) naming the problem, no stack trace, within 5 s
 *   5 secrets            no token, password or webhook secret in any output or file snap writes
 *
 * node dist/bench/fault-campaign.js [--quick] [--out bench/fault-campaign.json] [--seed 1] [--areas 1,3] [--kills 200] [--rounds 10]
 * Prints a table and every case that did not hold; writes the whole result as JSON; exits 1 when a case did not hold.
 */
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/fault-campaign.json' },
    seed: { type: 'string', default: '1' },
    areas: { type: 'string', default: '1,2,3,4,5' },
    kills: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** The campaign; returns the exit code (0 all held, 1 a case did not hold, 2 bad options or a build that does not start). */
async function main(): Promise<number> {
  if (values.help) {
    process.stdout.write(
      [
        'node dist/bench/fault-campaign.js [options]',
        '  --quick          a short campaign, under 2 minutes: 40 kills, 3 concurrent rounds, a subset of the fault matrix (warm runs),',
        '                   about 50 bad command lines, the main secrets commands; the kill loop runs beside the other areas',
        '  --out <file>     where the JSON result goes (default bench/fault-campaign.json, relative to the project)',
        '  --seed <n>       seed of the organisations and of every random choice (default 1)',
        '  --areas <list>   which areas to run, e.g. 1,3 (default 1,2,3,4,5)',
        '  --kills <n>      kills in area 1 (default 200, --quick 40)',
        '  --rounds <n>     rounds in area 2 (default 10, --quick 3)',
        '',
      ].join('\n'),
    );
    return 0;
  }

  /** A whole-number option, or undefined (said on stderr) when it is not one. */
  const number = (text: string | undefined, fallback: number, name: string): number | undefined => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (Number.isInteger(n) && n >= 0) return n;
    process.stderr.write(`fault-campaign: --${name} takes a whole number, not "${text}"\n`);
    return undefined;
  };

  const quick = values.quick ?? false;
  const seed = number(values.seed, 1, 'seed');
  const kills = number(values.kills, quick ? 40 : 200, 'kills');
  const rounds = number(values.rounds, quick ? 3 : 10, 'rounds');
  if (seed === undefined || kills === undefined || rounds === undefined) return 2;
  const areas = new Set((values.areas ?? '').split(',').map((a) => a.trim()));
  const out = path.resolve(ROOT, values.out ?? 'bench/fault-campaign.json');
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const started = Date.now();
  const results: AreaResult[] = [];
  const run = async (area: string, title: string, fn: (log: (line: string) => void) => Promise<AreaResult>) => {
    if (!areas.has(area)) return;
    // In --quick the areas run in two lanes at once: each line says which area it is from.
    const say = quick ? (line: string) => log(line.replace(/^(\s*)/, `$1[${area}] `)) : log;
    log(`\n== ${area}. ${title}`);
    const t0 = Date.now();
    try {
      results.push(await fn(say));
    } catch (error) {
      // The harness itself failed: say so as a case that did not hold, with the stack (this is not snap's).
      results.push({ area, title, tried: 1, held: 0, failures: [{ case: 'harness', detail: `the campaign's own code failed: ${(error as Error)?.stack ?? String(error)}` }], notes: [], cases: [], durationMs: Date.now() - t0 });
    }
    const r = results.find((x) => x.area === area)!;
    log(`== ${area}. ${title}: ${r.held}/${r.tried} held in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  log(`snap fault campaign${quick ? ' (quick)' : ''}: seed ${seed}, Node ${process.version}`);
  // The build under test: a private copy, so a rebuild of dist/ during the campaign cannot change it.
  const frozen = await mkdtemp(path.join(tmpdir(), 'snap-faults-build-'));
  await freezeSnap(frozen);
  for (const args of [['--version'], ['config', 'schema']]) {
    const check = await runSnap(args, { cwd: frozen, env: childEnv(), timeoutMs: 30_000 });
    if (check.code !== 0) {
      process.stderr.write(`fault-campaign: the build under test does not start (run npm run build first):\n${describeProc(check)}\n`);
      await rm(frozen, { recursive: true, force: true });
      return 2;
    }
  }
  log(`snap under test: a copy of ${path.join(ROOT, 'dist')} in ${frozen}`);
  const laneA = async () => {
    await run('1', `kill -9 loop (${kills} kills)`, (say) => killLoop({ kills, seed, singleKillShare: quick ? 0.5 : 0.7, log: say }));
  };
  const laneB = async () => {
    await run('2', `concurrent runs (${rounds} rounds of 10)`, (say) => concurrentRuns({ rounds, processes: 10, seed, log: say }));
    await run('3', 'fault matrix', (say) => faultMatrix({ seed, quick, log: say }));
    await run('4', 'bad command lines', (say) => badCommandLines({ seed, quick, log: say }));
    await run('5', 'secrets', (say) => secrets({ seed, quick, log: say }));
  };
  // Full: one area at a time (cleanest timings). Quick: the kill loop beside the other four, to stay under two minutes.
  if (quick) await Promise.all([laneA(), laneB()]);
  else {
    await laneA();
    await laneB();
  }
  results.sort((x, y) => x.area.localeCompare(y.area));

  await rm(frozen, { recursive: true, force: true });
  const durationMs = Date.now() - started;
  const pad = (s: string | number, n: number, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));
  const lines = [
    '',
    `snap fault campaign${quick ? ' (quick)' : ''}, seed ${seed}: ${(durationMs / 1000).toFixed(0)} s`,
    '',
    `${pad('area', 24)} ${pad('tried', 6, true)} ${pad('held', 6, true)} ${pad('not held', 9, true)} ${pad('time', 7, true)}`,
    ...results.map((r) => `${pad(`${r.area} ${r.title}`, 24)} ${pad(r.tried, 6, true)} ${pad(r.held, 6, true)} ${pad(r.tried - r.held, 9, true)} ${pad(`${(r.durationMs / 1000).toFixed(0)} s`, 7, true)}`),
    `${pad('total', 24)} ${pad(results.reduce((n, r) => n + r.tried, 0), 6, true)} ${pad(results.reduce((n, r) => n + r.held, 0), 6, true)} ${pad(results.reduce((n, r) => n + r.tried - r.held, 0), 9, true)}`,
  ];
  const failures = results.flatMap((r) => r.failures.map((f) => ({ area: `${r.area} ${r.title}`, ...f })));
  if (failures.length) {
    lines.push('', 'Did not hold:');
    for (const f of failures) lines.push('', `[${f.area}] ${f.case}`, indent(f.detail, 2));
  }
  const notes = results.flatMap((r) => r.notes.map((n) => `[${r.area} ${r.title}] ${n}`));
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
  process.stdout.write(`${lines.join('\n')}\n`);

  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ tool: 'snap fault campaign', node: process.version, quick, seed, startedAt: new Date(started).toISOString(), durationMs, areas: results }, null, 2)}\n`);
  log(`\nwritten ${path.relative(process.cwd(), out) || out}`);
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
