import { describe, expect, it } from 'vitest';
import { jsonChunks } from './json-chunks.js';

describe('jsonChunks', () => {
  it('joins to exactly what JSON.stringify writes, at any depth', () => {
    const value = {
      a: 1,
      skip: undefined,
      s: 'quote " and \\n newline',
      list: [1, undefined, { x: [null, true, 'y'] }, () => 1],
      nested: { deep: { deeper: { deepest: [1, 2, { k: 'v' }] } }, empty: {}, none: [] },
      at: new Date('2026-11-24T00:00:00Z'),
      n: null,
    };
    for (const depth of [0, 1, 2, 3, 6]) expect([...jsonChunks(value, depth)].join('')).toBe(JSON.stringify(value));
    expect([...jsonChunks([], 3)].join('')).toBe('[]');
    expect([...jsonChunks('x', 3)].join('')).toBe('"x"');
  });

  it('splits large members into separate chunks', () => {
    const tickets = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`PAY-${i}`, { kind: 'jira', environments: ['prod'] }]));
    const chunks = [...jsonChunks({ tickets }, 2)];
    expect(chunks.length).toBeGreaterThan(1000);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(100);
  });
});
