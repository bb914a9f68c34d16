import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined | null;

/**
 * Asks V8 for a full garbage collection. Between the phases of a large run (sources read → snapshot
 * written) most of the heap is garbage; collecting it there keeps the heap from growing on into the
 * next phase, which bounds peak memory on large organisations (see `npm run bench`). A no-op when
 * the runtime refuses, and skipped while the heap is small.
 */
export function collectGarbage(minimumHeapBytes = 64 * 1024 * 1024): void {
  // A small run has little to gain and would only wait for the collector.
  if (process.memoryUsage().heapUsed < minimumHeapBytes) return;
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
