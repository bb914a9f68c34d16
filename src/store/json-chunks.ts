/**
 * Compact JSON of `value`, as a sequence of strings equal to JSON.stringify(value) when joined.
 * Objects and arrays are split into their members down to `depth` levels, so a snapshot of tens of
 * megabytes is written member by member instead of first becoming one huge string.
 */
export function* jsonChunks(value: unknown, depth = 2): Generator<string> {
  if (depth <= 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const text = JSON.stringify(value);
    yield text === undefined ? 'null' : text;
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      const item = value[i];
      yield* jsonChunks(item === undefined || typeof item === 'function' ? null : item, depth - 1);
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    yield* jsonChunks(member, depth - 1);
  }
  yield '}';
}
