import { rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { onInterrupt } from '../util/cleanup.js';
import { writeFileAtomic } from './atomic.js';
import { isAlive } from './lock.js';
import { readRegularFile } from '../util/read-file.js';

/**
 * `scheduler.json` in the data directory: a running `snap schedule run` says when its next run is, so
 * `snap status` can show it. Removed when the scheduler stops; ignored when its process is gone.
 */
export interface SchedulerState {
  pid: number;
  host: string;
  schedule: string;
  next: string;
  startedAt: string;
}

export const schedulerFile = (dataDir: string) => path.join(dataDir, 'scheduler.json');

export async function writeSchedulerState(dataDir: string, state: Omit<SchedulerState, 'pid' | 'host'>): Promise<void> {
  await writeFileAtomic(schedulerFile(dataDir), JSON.stringify({ pid: process.pid, host: hostname(), ...state } satisfies SchedulerState));
}

/** Removes the file now and if the process is interrupted; returns the function that removes it. */
export function clearSchedulerStateOnExit(dataDir: string): () => Promise<void> {
  const forget = onInterrupt(() => rmSync(schedulerFile(dataDir), { force: true }));
  return async () => {
    forget();
    await rm(schedulerFile(dataDir), { force: true });
  };
}

/** The scheduler's state, if one is running (on this host: its process must be alive). */
export async function readSchedulerState(dataDir: string): Promise<SchedulerState | undefined> {
  try {
    const state = JSON.parse(await readRegularFile(schedulerFile(dataDir), 1048576)) as SchedulerState;
    if (typeof state.next !== 'string' || typeof state.pid !== 'number') return undefined;
    if (state.host === hostname() && !isAlive(state.pid)) return undefined;
    return state;
  } catch {
    return undefined;
  }
}
