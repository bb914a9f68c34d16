import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { atomicityProblems, danglingReleaseRefs, DataDirChecker, deploymentsMissingFromReleases, overlappingRuns } from './invariants.js';
import { bugSigns, describeProc, mutateOrg, Random, runSnap, sleep, startOrg, startSnap, tail, Tally, type AreaResult, type SnapProcess } from './common.js';

/**
 * Area 2: rounds of 10 `snap run` processes started at once on one data directory. Without --wait,
 * whoever does not get the lock exits 4 with a message about the lock (several may succeed one after
 * another, never at the same time); with --wait they queue and all succeed; and in a third kind of
 * round the lock holder is SIGKILLed while the others wait, so one of them must take the dead
 * holder's lock over. Every round: no two runs recorded in the run log overlap in time, one run record
 * and one snapshot file per successful process, and the data directory passes the kill loop's checks.
 */
export interface ConcurrentOptions {
  rounds: number;
  processes: number;
  seed: number;
  log: (line: string) => void;
}

type RoundKind = 'no-wait' | 'wait' | 'wait, holder killed';
const KINDS: RoundKind[] = ['no-wait', 'wait', 'wait, holder killed'];
const LOCK_MESSAGE = /lock/i;

async function lockHolder(file: string, children: SnapProcess[], timeoutMs: number): Promise<SnapProcess | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const info = JSON.parse(await readFile(file, 'utf8')) as { pid?: number };
      const holder = children.find((c) => c.pid === info.pid);
      if (holder) return holder;
    } catch {
      // not there yet, or being written
    }
    await sleep(15);
  }
  return undefined;
}

export async function concurrentRuns(options: ConcurrentOptions): Promise<AreaResult> {
  const tally = new Tally('2', 'concurrent runs', options.log);
  const random = new Random(options.seed * 31 + 2);
  const org = await startOrg({ seed: options.seed + 1, size: 'S', prefix: 'concurrent' });
  const dataDir = path.join(org.dir, '.snap');
  const checker = new DataDirChecker(dataDir);
  let exampleMessage: string | undefined;
  try {
    const warm = await runSnap(['run', '--config', org.config], { cwd: org.dir, env: org.env(), timeoutMs: 60_000 });
    if (warm.code !== 0 && warm.code !== 3) {
      tally.record('warm-up run', [`a normal run failed:\n${describeProc(warm)}`]);
      return tally.result();
    }
    const corruptAtStart = (await checker.scan()).corrupt.length;
    for (let round = 1; round <= options.rounds; round++) {
      const kind = KINDS[(round - 1) % KINDS.length];
      const before = await checker.scan();
      mutateOrg(org, random, { rolloutChance: 1, pushChance: 0.5 });
      const args = ['run', '--config', org.config, ...(kind === 'no-wait' ? [] : ['--wait', '120'])];
      const children = Array.from({ length: options.processes }, () => startSnap(args, { cwd: org.dir, env: org.env(), timeoutMs: 180_000 }));
      let killed: SnapProcess | undefined;
      const problems: string[] = [];
      if (kind === 'wait, holder killed') {
        killed = await lockHolder(path.join(dataDir, 'lock'), children, 20_000);
        if (killed) {
          await sleep(random.int(0, 300));
          killed.kill('SIGKILL');
        } else problems.push('could not see which process held the lock (harness: no lock file naming one of the 10 within 20 s)');
      }
      const results = await Promise.all(children.map((c) => c.done));
      const after = await checker.scan();
      const survivors = results.filter((_, i) => children[i] !== killed);
      const ok = survivors.filter((r) => r.code === 0 || r.code === 3);
      const locked = survivors.filter((r) => r.code === 4);
      const other = survivors.filter((r) => r.code !== 0 && r.code !== 3 && r.code !== 4);
      for (const r of other) problems.push(`a process exited ${r.code}${r.timedOut ? ' (time limit)' : ''}:\n${describeProc(r)}`);
      if (kind !== 'no-wait') for (const r of locked) problems.push(`a process with --wait exited 4 instead of waiting:\n${describeProc(r)}`);
      if (ok.length === 0) problems.push(`no process took the lock (exit codes: ${survivors.map((r) => r.code).join(', ')})`);
      for (const r of locked) {
        if (!LOCK_MESSAGE.test(r.stderr)) problems.push(`exit 4 without a message about the lock:\n${describeProc(r)}`);
        exampleMessage ??= tail(r.stderr, 4);
      }
      for (const r of survivors) {
        const signs = bugSigns(r.stderr);
        if (signs.length) problems.push(`a process printed ${signs.join(', ')}:\n${describeProc(r)}`);
      }
      const beforeIds = new Set(before.runRecords.map((r) => r.id));
      const fresh = after.runRecords.filter((r) => !beforeIds.has(r.id));
      const freshFiles = [...after.snapshots.keys()].filter((f) => !before.snapshots.has(f));
      const extra = killed ? 1 : 0;
      if (fresh.length < ok.length || fresh.length > ok.length + extra) problems.push(`${ok.length} process(es) succeeded but the run log gained ${fresh.length} record(s)`);
      // A run that found nothing changed writes no snapshot file (its record says unchangedSince): each
      // other successful run wrote one, and the run log names it.
      const writing = fresh.filter((r) => !r.unchangedSince && r.snapshot);
      const named = new Set(writing.map((r) => path.basename(r.snapshot!)));
      if (freshFiles.length < writing.length || freshFiles.length > writing.length + extra) problems.push(`${writing.length} run record(s) name a new snapshot file but ${freshFiles.length} snapshot file(s) were written: ${freshFiles.join(', ')}`);
      const unnamed = freshFiles.filter((f) => !named.has(f));
      if (unnamed.length > extra) problems.push(`snapshot files no run record names: ${unnamed.join(', ')}`);
      problems.push(...overlappingRuns(after.runRecords).map((o) => `overlapping runs: ${o}`));
      problems.push(...atomicityProblems(after, corruptAtStart));
      if (after.temps.length) problems.push(`temp files left: ${after.temps.join(', ')}`);
      if (after.lockPresent) problems.push('the lock file is still there after every process ended');
      const dangling = danglingReleaseRefs(after);
      if (dangling.length) problems.push(`release events naming a missing snapshot: ${dangling.slice(0, 5).join('; ')}`);
      const missing = deploymentsMissingFromReleases(after);
      if (missing.length) problems.push(`deployments in snapshot files missing from releases.json: ${missing.slice(0, 5).join('; ')}`);
      const summary = `round ${round} (${kind}, ${options.processes} processes): ${ok.length} took the lock, ${locked.length} exited 4${killed ? ', the holder was SIGKILLed' : ''}${other.length ? `, ${other.length} other` : ''}; slowest ${Math.max(...results.map((r) => r.ms))} ms`;
      options.log(`  ${summary}`);
      if (kind === 'no-wait' && ok.length > 1 && problems.length === 0) tally.note(`${summary}: the successful runs took the lock one after another (no overlap in the run log)`);
      tally.record(`round ${round} (${kind})`, problems.length ? [summary, ...problems] : []);
    }
    if (exampleMessage) tally.note(`the message of a process refused the lock:\n${exampleMessage}`);
    return tally.result();
  } finally {
    await org.close();
  }
}
