import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { atomicityProblems, danglingReleaseRefs, DataDirChecker, deploymentsMissingFromReleases, isLogged, newestSnapshot, type Scan } from './invariants.js';
import { bugSigns, describeProc, mutateOrg, Random, runSnap, sleep, startOrg, startSnap, Tally, type AreaResult, type Org, type ProcResult } from './common.js';

/**
 * Area 1: `snap run` SIGKILLed at random moments, over and over, on one data directory, while the
 * organisation changes between runs (rollouts, new commits). After each kill: every JSON file and
 * run-log line parses and nothing is set aside as corrupt. After the next run that is not killed
 * (README: "a run killed between those steps is completed by the next one"): it exits 0 or 3 (a lock
 * left by the killed process is taken over within a few seconds), no temp file is left, no lock is
 * left, every release event names a snapshot that exists, every deployment a snapshot file recorded
 * is in the release history, and the snapshot the killed run wrote is in the run log.
 */
export interface KillLoopOptions {
  kills: number;
  /** Share of kills followed at once by a completed run; the others come 2 or 3 in a row. */
  singleKillShare: number;
  seed: number;
  log: (line: string) => void;
}

interface KillCase {
  n: number;
  mode: 'uniform' | 'write-phase';
  delayMs: number;
  lastProgress: string;
  mutations: string[];
  immediate: string[];
  immediateDangling: string[];
  tempsAfterKill: string[];
  unloggedNewest?: string;
}

const STALE_LOCK_GRACE_MS = 5_000;
const RUN_TIMEOUT_MS = 60_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function lastProgressLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n').filter((l) => l.startsWith('{'));
  const last = lines.at(-1);
  if (!last) return stderr.trim() ? `(no JSON progress yet; stderr: ${stderr.trim().slice(-160)})` : '(nothing on stderr yet: still starting)';
  try {
    const e = JSON.parse(last) as { kind?: string; source?: string; call?: string; target?: string; warning?: { code?: string } };
    return [e.kind, e.source, e.target, e.call, e.warning?.code].filter(Boolean).join(' ');
  } catch {
    return last.slice(0, 160);
  }
}

/** A coarse phase from the JSON progress lines a killed run printed. */
function phaseOf(stderr: string): string {
  const events = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as { kind?: string; source?: string };
      } catch {
        return {};
      }
    });
  if (events.length === 0) return 'starting (no progress yet)';
  if (events.some((e) => e.kind === 'finish')) return 'after finish (exiting)';
  const done = events.filter((e) => e.kind === 'source-done').length;
  if (done >= 2) return 'both sources read (analysing, writing)';
  const last = events.filter((e) => e.kind === 'step').at(-1);
  return last?.source ? `reading ${last.source}` : 'started';
}

/** Runs `snap run` to completion, retrying while it exits 4 (a stale lock must be taken over within STALE_LOCK_GRACE_MS). */
async function completedRun(org: Org): Promise<{ result: ProcResult; lockedForMs: number; attempts: number }> {
  const first = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const start = Date.now();
    const result = await runSnap(['run', '--config', org.config], { cwd: org.dir, env: org.env(), timeoutMs: RUN_TIMEOUT_MS });
    if (result.code !== 4) return { result, lockedForMs: start - first, attempts };
    if (Date.now() - first > STALE_LOCK_GRACE_MS) return { result, lockedForMs: Date.now() - first, attempts };
    await sleep(250);
  }
}

export async function killLoop(options: KillLoopOptions): Promise<AreaResult> {
  const tally = new Tally('1', 'kill -9 loop', options.log);
  const random = new Random(options.seed * 7919 + 1);
  const org = await startOrg({ seed: options.seed, size: 'S', extra: { retention: { keep: 20 } }, prefix: 'kill' });
  const dataDir = path.join(org.dir, '.snap');
  const checker = new DataDirChecker(dataDir);
  try {
    // Warm up, then calibrate: how long a normal run takes, and how long from the moment both sources
    // are read (the second `source-done`) to its exit: the window in which it writes.
    for (let i = 0; i < 2; i++) {
      const warm = await runSnap(['run', '--config', org.config], { cwd: org.dir, env: org.env(), timeoutMs: RUN_TIMEOUT_MS });
      if (warm.code !== 0 && warm.code !== 3) {
        tally.record('warm-up run', [`a normal run failed before any kill:\n${describeProc(warm)}`]);
        return tally.result();
      }
    }
    const totals: number[] = [];
    const tails: number[] = [];
    for (let i = 0; i < 3; i++) {
      mutateOrg(org, random, { rolloutChance: 1, pushChance: 1 });
      const p = startSnap(['run', '--config', org.config, '--log-format', 'json'], { cwd: org.dir, env: org.env(), timeoutMs: RUN_TIMEOUT_MS });
      let sourcesDone = 0;
      let readAt = -1;
      p.onStderrLine((line, at) => {
        if (line.includes('"kind":"source-done"') && ++sourcesDone === 2) readAt = at;
      });
      const r = await p.done;
      totals.push(r.ms);
      if (readAt >= 0) tails.push(r.ms - readAt);
    }
    const fullMs = median(totals);
    const tailMs = Math.max(20, median(tails));
    tally.note(`calibration: a normal run takes ${fullMs} ms (process start to exit, median of 3); ${tailMs} ms from both sources read to exit (the write window); kills: 60% uniform over 0–${Math.round(fullMs * 1.1)} ms, 40% uniform over that write window`);

    let kills = 0;
    let attempts = 0;
    let finishedFirst = 0;
    let bursts = 0;
    let slowestLockMs = 0;
    // Where the kills landed (the last progress line before each), and what they left for the next run.
    const landed = new Map<string, number>();
    const left = { temps: 0, unloggedSnapshot: 0, danglingUntilRepaired: 0 };
    const repairs = new Map<string, number>();
    const corruptAtStart = (await checker.scan()).corrupt.length;
    while (kills < options.kills && attempts < options.kills * 3) {
      const burstSize = random.next() < options.singleKillShare ? 1 : random.next() < 0.5 ? 2 : 3;
      const burst: KillCase[] = [];
      for (let b = 0; b < burstSize && kills < options.kills; b++) {
        attempts++;
        const mutations = mutateOrg(org, random);
        const mode = random.next() < 0.6 ? 'uniform' : 'write-phase';
        const p = startSnap(['run', '--config', org.config, '--log-format', 'json'], { cwd: org.dir, env: org.env(), timeoutMs: RUN_TIMEOUT_MS });
        let delayMs: number;
        let timer: NodeJS.Timeout | undefined;
        if (mode === 'uniform') {
          delayMs = Math.round(random.next() * fullMs * 1.1);
          timer = setTimeout(() => p.kill('SIGKILL'), delayMs);
        } else {
          delayMs = Math.round(random.next() * tailMs);
          let sourcesDone = 0;
          p.onStderrLine((line) => {
            if (line.includes('"kind":"source-done"') && ++sourcesDone === 2) timer = setTimeout(() => p.kill('SIGKILL'), delayMs);
          });
        }
        const r = await p.done;
        if (timer) clearTimeout(timer);
        if (r.signal !== 'SIGKILL' || r.timedOut) {
          // The run finished before its kill: an ordinary completed run. It must still be 0 or 3.
          finishedFirst++;
          if (r.code !== 0 && r.code !== 3) tally.record(`run #${attempts} (finished before its kill)`, [`an un-killed run exited ${r.code}:\n${describeProc(r)}`]);
          continue;
        }
        kills++;
        const scan = await checker.scan();
        const newest = newestSnapshot(scan);
        const phase = phaseOf(r.stderr);
        landed.set(phase, (landed.get(phase) ?? 0) + 1);
        if (scan.temps.length) left.temps++;
        if (newest && !isLogged(scan, newest)) left.unloggedSnapshot++;
        if (danglingReleaseRefs(scan).length) left.danglingUntilRepaired++;
        burst.push({
          n: kills,
          mode,
          delayMs,
          lastProgress: lastProgressLine(r.stderr),
          mutations,
          immediate: atomicityProblems(scan, corruptAtStart),
          immediateDangling: danglingReleaseRefs(scan),
          tempsAfterKill: scan.temps,
          unloggedNewest: newest && !isLogged(scan, newest) ? newest : undefined,
        });
      }
      if (burst.length === 0) continue;
      bursts++;
      const before: Scan = await checker.scan();
      const unloggedBefore = newestSnapshot(before);
      const { result: next, lockedForMs, attempts: tries } = await completedRun(org);
      slowestLockMs = Math.max(slowestLockMs, lockedForMs);
      if (next.code === 0 || next.code === 3) {
        const warnings = await readFile(path.join(dataDir, 'latest.json'), 'utf8')
          .then((t) => (JSON.parse(t) as { warnings?: { code: string }[] }).warnings ?? [])
          .catch(() => []);
        for (const w of warnings) if (['STALE_LOCK_RECOVERED', 'TEMP_FILES_REMOVED', 'UNLOGGED_RUN_RECOVERED', 'CORRUPT_FILE', 'RUN_LOG_LINES_SKIPPED'].includes(w.code)) repairs.set(w.code, (repairs.get(w.code) ?? 0) + 1);
      }
      const after = await checker.scan();
      const afterProblems: string[] = [];
      if (next.code !== 0 && next.code !== 3) afterProblems.push(`the next run did not complete (exit ${next.code}${next.code === 4 ? `, still locked after ${lockedForMs} ms and ${tries} attempts` : ''}):\n${describeProc(next)}`);
      const signs = bugSigns(next.stderr);
      if (signs.length) afterProblems.push(`the next run printed ${signs.join(', ')}:\n${describeProc(next)}`);
      afterProblems.push(...atomicityProblems(after, corruptAtStart).map((p) => `after the next run: ${p}`));
      if (after.temps.length) afterProblems.push(`temp files still there after the next completed run: ${after.temps.join(', ')}`);
      if (after.lockPresent) afterProblems.push('the lock file is still there after the next completed run');
      const dangling = danglingReleaseRefs(after);
      if (dangling.length) afterProblems.push(`release events naming a snapshot that does not exist after the next completed run (${dangling.length}): ${dangling.slice(0, 5).join('; ')}`);
      const missing = deploymentsMissingFromReleases(after);
      if (missing.length) afterProblems.push(`deployments recorded in snapshot files but missing from releases.json after the next completed run (${missing.length}): ${missing.slice(0, 5).join('; ')}`);
      if (unloggedBefore && !isLogged(before, unloggedBefore) && after.snapshots.has(unloggedBefore) && !isLogged(after, unloggedBefore)) {
        afterProblems.push(`the killed run's snapshot ${unloggedBefore} is still not in the run log after the next completed run (README: completed by the next one)`);
      }
      const multi = burst.length > 1 ? ` (one of ${burst.length} kills in a row before a completed run)` : '';
      for (const k of burst) {
        const problems = [...k.immediate.map((p) => `right after the kill: ${p}`), ...afterProblems];
        const context = `kill #${k.n} ${k.mode} after ${k.delayMs} ms${k.mode === 'write-phase' ? ' past both sources read' : ''}${multi}; last progress before the kill: ${k.lastProgress}; changes before it: ${k.mutations.join(', ') || 'none'}${k.tempsAfterKill.length ? `; temp files left by the kill: ${k.tempsAfterKill.join(', ')}` : ''}${k.immediateDangling.length ? `; right after the kill ${k.immediateDangling.length} release event(s) named a missing snapshot (repair expected from the next run)` : ''}`;
        tally.record(`kill #${k.n}`, problems.length ? [context, ...problems] : []);
      }
      if (kills % 25 === 0 || kills === options.kills) options.log(`  ${kills}/${options.kills} kills, ${tally.tried - tally.held} not held`);
    }
    tally.note(`${kills} kills delivered in ${bursts} bursts (1–3 kills in a row, then a completed run; ${Math.round(options.singleKillShare * 100)}% single kills); ${finishedFirst} run(s) finished before their kill (not counted); slowest takeover of a dead run's lock: ${slowestLockMs} ms; retention.keep 20`);
    tally.note(`where the kills landed (last progress line before the kill): ${[...landed].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    tally.note(`what kills left: temp files after ${left.temps} kill(s); a snapshot file not yet in the run log after ${left.unloggedSnapshot}; a release event naming a snapshot not yet there after ${left.danglingUntilRepaired}`);
    tally.note(`what the next completed runs reported: ${[...repairs].map(([k, v]) => `${k} ×${v}`).join(', ') || 'nothing'}`);
    const final = await checker.scan();
    tally.note(`data directory at the end: ${final.snapshots.size} snapshot files, ${final.runRecords.length} run records, ${final.releases?.length ?? 0} release events, ${final.corrupt.length} file(s) in corrupt/`);
    return tally.result();
  } finally {
    await org.close();
  }
}
