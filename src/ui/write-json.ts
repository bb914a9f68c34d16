import { jsonChunks } from '../store/json-chunks.js';

interface Sink {
  write(chunk: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes a (possibly very large) value as JSON to a stream in ~1 MB pieces, waiting for the stream
 * to drain, so `snap run --json` on a large organisation never holds a second copy of the snapshot.
 * Small values are pretty-printed; large ones are written compact (pipe through `jq .` to read).
 */
export async function writeJson(out: Sink, value: unknown, prettyUpTo = 1 << 20): Promise<void> {
  const chunks = jsonChunks(value, 4);
  let pending: string[] = [];
  let length = 0;
  let total = 0;
  for (let next = chunks.next(); ; next = chunks.next()) {
    if (next.done) {
      // Small enough to read as it is.
      out.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    pending.push(next.value);
    length += next.value.length;
    total += next.value.length;
    if (total > prettyUpTo) break;
  }
  const flush = async () => {
    if (!pending.length) return;
    const ok = out.write(pending.join(''));
    pending = [];
    length = 0;
    if (!ok && out.once) await new Promise<void>((resolve) => out.once!('drain', resolve));
  };
  for (const chunk of chunks) {
    pending.push(chunk);
    length += chunk.length;
    if (length >= 1 << 20) await flush();
  }
  pending.push('\n');
  await flush();
}
