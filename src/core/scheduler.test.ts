import { describe, expect, it } from 'vitest';
import { cronSchedule, everySchedule, parseDuration, runScheduler, type Clock, type RunOutcome } from './scheduler.js';

const MIN = 60_000;
const T0 = Date.parse('2026-11-24T12:07:00Z');

/** A clock that moves only when the scheduler sleeps or a run takes time. */
function fakeClock(start = T0) {
  let now = start;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  return { clock, advance: (ms: number) => (now += ms), at: () => now };
}

/** Runs the scheduler for `count` runs, each taking durations[i] (default 1 min) and ending with outcomes[i]. */
async function schedule(options: { every?: number; cron?: string; immediate?: boolean; count: number; durations?: number[]; outcomes?: (RunOutcome | Error)[]; jitterMs?: number }) {
  const { clock, advance } = fakeClock();
  const controller = new AbortController();
  const starts: string[] = [];
  let i = 0;
  await runScheduler({
    schedule: options.cron ? await cronSchedule(options.cron) : everySchedule(options.every ?? 30 * MIN, 'x'),
    immediate: options.immediate ?? true,
    jitterMs: options.jitterMs,
    random: () => 0.5,
    clock,
    signal: controller.signal,
    run: async () => {
      starts.push(new Date(clock.now()).toISOString().slice(11, 16));
      advance(options.durations?.[i] ?? MIN);
      const outcome = options.outcomes?.[i];
      if (++i >= options.count) controller.abort();
      if (outcome instanceof Error) throw outcome;
      return outcome ?? 'ok';
    },
  });
  return starts;
}

describe('scheduler', () => {
  it('runs at once, then on the interval, without drifting by the run time', async () => {
    expect(await schedule({ count: 4 })).toEqual(['12:07', '12:37', '13:07', '13:37']);
    expect(await schedule({ count: 2, immediate: false })).toEqual(['12:37', '13:07']);
  });

  it('lets a long run delay the next one and skips the slots it overran', async () => {
    expect(await schedule({ count: 3, durations: [75 * MIN, MIN, MIN] })).toEqual(['12:07', '13:37', '14:07']);
  });

  it('advances the schedule after a failed run, as after any other', async () => {
    expect(await schedule({ count: 3, outcomes: [new Error('boom'), 'failed', 'ok'] })).toEqual(['12:07', '12:37', '13:07']);
  });

  it('follows a cron expression, and adds jitter', async () => {
    expect(await schedule({ cron: '*/15 * * * *', immediate: false, count: 3 })).toEqual(['12:15', '12:30', '12:45']);
    expect(await schedule({ count: 2, jitterMs: 10 * MIN })).toEqual(['12:12', '12:42']);
  });

  it('stops while waiting when asked to', async () => {
    const { clock } = fakeClock();
    const controller = new AbortController();
    const slow: Clock = { now: clock.now, sleep: () => new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve())) };
    const done = runScheduler({ schedule: everySchedule(MIN, '1m'), immediate: false, clock: slow, signal: controller.signal, run: async () => 'ok' });
    controller.abort();
    expect(await done).toBe(0);
  });

  it('reads durations', () => {
    expect(parseDuration('30m')).toBe(30 * MIN);
    expect(parseDuration('1h30m')).toBe(90 * MIN);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2 h')).toBe(120 * MIN);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('0m')).toBeUndefined();
  });
});
