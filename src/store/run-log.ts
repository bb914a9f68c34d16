import { writeFileAtomic } from './atomic.js';
import { notADataFile } from './read-json.js';

/** One line of runs.jsonl: what one `snap run` did. */
export interface RunRecord {
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: 'ok' | 'partial' | 'failed';
  error?: { code: string; message: string; hint?: string };
  /** The snapshot file this run wrote; for a run that found nothing changed, the file of the snapshot it matched. */
  snapshot?: string;
  /** Set when nothing but timestamps changed: the id of the snapshot whose state this run found again (no file was written). */
  unchangedSince?: string;
  counts: { projects: number; environments: number; services: number; running: number; warnings: number };
  apiCalls: Record<string, number>;
  /** GitHub spending: points, rate limit left, waits. */
  github?: { points: number; remaining?: number; resetAt?: string; waits: { kind: string; at: string; waitMs: number }[]; fetched: number; unchanged: number; rebuilt: number; deepened?: number };
  /** Things worth knowing about this run: caches rebuilt, rate-limit waits, page-size changes. */
  notes?: string[];
  releases?: { added: number; updated?: number; unsettled?: number; total: number };
  /** Snapshot files deleted by the retention policy after this run. */
  retention?: { deleted: number };
}

export interface RunLog {
  records: RunRecord[];
  /** Lines that did not parse (e.g. a file edited by hand); they are dropped on the next append. */
  skippedLines: number;
}

export const RUN_LOG_MAX_ENTRIES = 10_000;

/** The most of the run log read (bytes): its newest 10,000 runs take a few MB; a larger file is read from its end. */
const RUN_LOG_MAX_READ_BYTES = 64 * 1048576;

/** The whole file, or its last `maxBytes` from the start of a line when it is larger. */
async function readTail(file: string, maxBytes: number): Promise<string> {
  const { open, stat } = await import('node:fs/promises');
  // Opening a named pipe would block until something writes to it: only a regular file is opened.
  const stats = await stat(file);
  if (!stats.isFile()) throw notADataFile(file, stats.isDirectory());
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= maxBytes) return await handle.readFile('utf8');
    const buffer = Buffer.alloc(maxBytes);
    await handle.read(buffer, 0, maxBytes, size - maxBytes);
    const text = buffer.toString('utf8');
    return text.slice(text.indexOf('\n') + 1);
  } finally {
    await handle.close();
  }
}

export async function readRunLog(file: string): Promise<RunLog> {
  let text: string;
  try {
    text = await readTail(file, RUN_LOG_MAX_READ_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skippedLines: 0 };
    throw error;
  }
  const records: RunRecord[] = [];
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as RunRecord;
      if (typeof record.id === 'string' && typeof record.durationMs === 'number') records.push(record);
      else skippedLines++;
    } catch {
      skippedLines++;
    }
  }
  return { records, skippedLines };
}

/**
 * Appends one record by rewriting the log atomically (bounded to the newest RUN_LOG_MAX_ENTRIES).
 * Call under the lock; pass the records already read under it to spare a second read.
 */
export async function appendRun(file: string, record: RunRecord, earlier?: readonly RunRecord[]): Promise<void> {
  const records = earlier ?? (await readRunLog(file)).records;
  const kept = [...records, record].slice(-RUN_LOG_MAX_ENTRIES);
  await writeFileAtomic(file, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Expected duration of the next run: the median of the last successful runs. */
export function estimateDuration(records: readonly RunRecord[], sample = 5): { etaMs: number; basedOnRuns: number } | undefined {
  const recent = records.filter((r) => r.outcome !== 'failed').slice(-sample).map((r) => r.durationMs).sort((a, b) => a - b);
  if (recent.length === 0) return undefined;
  const mid = Math.floor(recent.length / 2);
  const etaMs = recent.length % 2 ? recent[mid] : Math.round((recent[mid - 1] + recent[mid]) / 2);
  return { etaMs, basedOnRuns: recent.length };
}
