import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from '../src/core/snapshot-schema.js';
import { betweenOf } from '../src/history/compare.js';

const v = (n: number) => String(n).padStart(40, 'b');
function step(from: number, to: number, commits: number, tickets: string[], rollback = false): DeploymentEvent {
  return {
    id: `${from}-${to}-${rollback}`,
    project: 'shop',
    environment: 'prod',
    service: 'api',
    workload: { context: 'prod', namespace: 'shop', name: 'api' },
    at: `2026-11-0${to}T00:00:00Z`,
    from: { commit: v(from) },
    to: { commit: v(to) },
    rollback,
    detectedBy: 'snapshot-diff',
    shipped: rollback ? { status: 'known', commits: 0, removed: { commits, tickets } } : { status: 'known', commits, commitList: [], pullRequests: [{ number: to, title: `PR ${to}` }], tickets },
  };
}

describe('what came in between two versions', () => {
  it('counts work that shipped, was rolled back and shipped again once', () => {
    const between = betweenOf([step(1, 2, 11, ['A-1']), step(2, 1, 11, ['A-1'], true), step(1, 3, 15, ['A-1', 'A-2'])], v(1));
    // 1 → 3 holds only the last step's 15 commits: the 11 of 1 → 2 were taken out by the rollback.
    expect(between).toMatchObject({ deployments: 3, commits: 15, tickets: ['A-1', 'A-2'], rollbacks: 1 });
    expect(between.pullRequests.map((p) => p.number)).toEqual([3]);
    expect(between.incomplete).toBeUndefined();
  });

  it('adds up forward steps, and says when a step leaves from a version it did not see', () => {
    expect(betweenOf([step(1, 2, 4, ['A-1']), step(2, 3, 5, ['A-2'])], v(1))).toMatchObject({ commits: 9, tickets: ['A-1', 'A-2'] });
    expect(betweenOf([step(7, 8, 4, [])], v(1)).incomplete).toMatch(/not seen/);
  });
});
