const UNIT_MS = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * A length of time written as a number and a unit — 90m, 90min, 12h, 30d, 2w (case-insensitive) — in
 * ms; undefined when the text is not one or is not above zero.
 */
export function spanMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (!m || Number(m[1]) <= 0) return undefined;
  return Number(m[1]) * UNIT_MS[m[2].toLowerCase() as keyof typeof UNIT_MS];
}
