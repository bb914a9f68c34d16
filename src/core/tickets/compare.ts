/** The number a ticket key ends with, and what comes before it: `PAY-412` → [`PAY-`, 412]. */
const TAIL = /^(.*?)(\d+)$/;

const collator = new Intl.Collator('en', { numeric: true });

/**
 * PAY-9 before PAY-10, acme/api#9 before acme/api#10: text first, then the trailing number as a
 * number. Keys of that shape (every ticket key) compare without the collator, which costs about a
 * microsecond a call; anything else falls back to it.
 */
export function compareKeys(a: string, b: string): number {
  const x = TAIL.exec(a);
  const y = TAIL.exec(b);
  if (!x || !y || x[2].length > 15 || y[2].length > 15) return collator.compare(a, b);
  if (x[1] !== y[1]) return collator.compare(x[1], y[1]);
  return Number(x[2]) - Number(y[2]);
}

/** `keys` sorted by compareKeys, each key parsed once (a large organisation has ~10^5 tickets). */
export function sortKeys(keys: Iterable<string>): string[] {
  const parsed = [...keys].map((key) => {
    const m = TAIL.exec(key);
    return { key, text: m ? m[1] : key, n: m && m[2].length <= 15 ? Number(m[2]) : -1 };
  });
  const prefixOrder = new Map([...new Set(parsed.map((p) => p.text))].sort(collator.compare).map((t, i) => [t, i]));
  parsed.sort((a, b) => prefixOrder.get(a.text)! - prefixOrder.get(b.text)! || a.n - b.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parsed.map((p) => p.key);
}
