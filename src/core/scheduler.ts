/**
 * The foreground scheduler's loop, with the clock passed in (tests use a fake one). The first run is
 * immediate unless told otherwise; after a run the next slot is the first one after both the planned
 * time and the end of the run, so a slow run delays the next one and missed slots are skipped (no
 * burst of catch-up runs), and a failed run advances the schedule like any other (no tight retry loop).
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface Schedule {
  describe: string;
  /** The first slot strictly after `after` (ms since the epoch). */
  next(after: number): number;
}

export type RunOutcome = 'ok' | 'partial' | 'failed' | 'locked';

export type SchedulerEvent =
  | { kind: 'waiting'; until: number }
  | { kind: 'run-start'; at: number }
  | { kind: 'run-end'; outcome: RunOutcome; durationMs: number; error?: string };

export interface SchedulerOptions {
  schedule: Schedule;
  immediate: boolean;
  jitterMs?: number;
  run: () => Promise<RunOutcome>;
  clock: Clock;
  signal: AbortSignal;
  onEvent?: (event: SchedulerEvent) => void;
  random?: () => number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "1h30m", "90s", "2h" → milliseconds; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const compact = text.toLowerCase().replace(/\s+/g, '');
  const parts = [...compact.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== compact) return undefined;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
  return ms > 0 ? ms : undefined;
}

export function everySchedule(ms: number, text: string): Schedule {
  return { describe: `every ${text}`, next: (after) => after + ms };
}

/** A cron schedule; throws when the expression does not parse, or matches no date (`0 0 30 2 *`). */
export async function cronSchedule(expression: string): Promise<Schedule> {
  const { Cron } = await import('croner');
  // Five fields, as cron, systemd's translation, Kubernetes and GitHub Actions read them: croner also
  // takes a sixth (seconds), which a crontab would run as the start of the command.
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5) throw new Error(`it has ${fields} field${fields === 1 ? '' : 's'}, not 5`);
  const cron = new Cron(expression, { paused: true });
  // "0 0 30 2 *" (the 30th of February) parses, and never fires.
  if (!cron.nextRun()) throw new Error('it never fires (no date matches it)');
  return {
    describe: `cron "${expression}"`,
    next: (after) => {
      const next = cron.nextRun(new Date(after));
      if (!next) throw new Error(`the cron expression "${expression}" has no next run`);
      return next.getTime();
    },
  };
}

/** The longest delay setTimeout takes (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => Date.now(),
  // Long waits (`--every 30d`) in steps setTimeout can take: a longer delay would fire at once, and the
  // scheduler would run back to back.
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const until = Date.now() + ms;
      let timer = setTimeout(step, Math.min(ms, MAX_TIMER_MS));
      function step() {
        const left = until - Date.now();
        if (left > 0) timer = setTimeout(step, Math.min(left, MAX_TIMER_MS));
        else done();
      }
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** Runs until `signal` aborts; returns how many runs were started. */
export async function runScheduler(options: SchedulerOptions): Promise<number> {
  const { schedule, clock, signal } = options;
  const random = options.random ?? Math.random;
  let planned = options.immediate ? clock.now() : schedule.next(clock.now());
  let runs = 0;
  while (!signal.aborted) {
    const at = planned + (options.jitterMs ? Math.floor(random() * options.jitterMs) : 0);
    options.onEvent?.({ kind: 'waiting', until: at });
    const wait = at - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    if (signal.aborted) break;
    const started = clock.now();
    options.onEvent?.({ kind: 'run-start', at: started });
    runs++;
    let outcome: RunOutcome;
    let error: string | undefined;
    try {
      outcome = await options.run();
    } catch (e) {
      outcome = 'failed';
      error = (e as Error).message;
    }
    options.onEvent?.({ kind: 'run-end', outcome, durationMs: clock.now() - started, ...(error ? { error } : {}) });
    planned = schedule.next(planned);
    while (planned <= clock.now()) planned = schedule.next(planned);
  }
  return runs;
}
