import { describe, expect, it } from 'vitest';
import { mapWorkloads } from '../src/onboard/propose/mapping.js';
import type { DiscoveredRepo, DiscoveredWorkload } from '../src/onboard/types.js';
import { generateFixture, PRESETS } from '../src/sandbox/fixtures/generate.js';
import type { Fixture } from '../src/sandbox/fixtures/types.js';

/** What discovery would find in a generated organisation, and the right answer for each workload. */
function discovered(fixture: Fixture) {
  const repos: DiscoveredRepo[] = fixture.repositories.map((r) => ({ repository: `${fixture.owner}/${r.name}`, name: r.name, archived: false, fork: false, topics: r.topics ?? [], teams: r.team ? [r.team] : [], recentPullRequests: [] }));
  const workloads: (DiscoveredWorkload & { truth: string })[] = fixture.clusters.flatMap((c) =>
    c.deployments.map((d) => ({
      context: c.context,
      namespace: d.namespace,
      kind: 'Deployment' as const,
      name: d.name,
      labels: d.labels,
      annotations: d.revisions.at(-1)!.annotations ?? {},
      containers: [{ name: d.container, image: `${d.image}:${d.revisions.at(-1)!.tag}` }],
      replicas: d.replicas,
      truth: d.repository ?? `${fixture.owner}/${d.name}`,
    })),
  );
  return { repos, workloads };
}

/** Share of workloads mapped automatically (confidence ≥ 60%) to the right repository. */
function accuracy(naming: 'consistent' | 'mixed' | 'messy', seed: number) {
  const fixture = generateFixture({ seed, now: new Date('2026-11-20T12:00:00Z'), ...PRESETS.L, changesPerRepo: 3, naming });
  const { repos, workloads } = discovered(fixture);
  const { mappings } = mapWorkloads(repos, workloads);
  const truth = new Map(workloads.map((w) => [`${w.context}/${w.namespace}/${w.name}`, w.truth]));
  const accepted = mappings.filter((m) => m.confidence >= 0.6);
  const right = accepted.filter((m) => truth.get(`${m.workload.context}/${m.workload.namespace}/${m.workload.name}`) === m.repository).length;
  return { total: workloads.length, right, wrong: accepted.length - right, share: right / workloads.length };
}

describe('automatic repository ↔ workload mapping', () => {
  it.each([
    ['consistent', 0.95],
    ['mixed', 0.95],
    ['messy', 0.7],
  ] as const)('maps %s naming correctly (3,000 workloads, 1,000 repositories)', (naming, target) => {
    const result = accuracy(naming, 11);
    console.log(`mapping accuracy, ${naming} naming: ${result.right}/${result.total} = ${(result.share * 100).toFixed(1)}% correct, ${result.wrong} wrong accepted`);
    expect(result.share).toBeGreaterThanOrEqual(target);
    // A wrong mapping accepted without review is worse than one left for the user.
    expect(result.wrong / result.total).toBeLessThan(0.01);
  });
});
