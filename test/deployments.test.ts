import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deploymentId } from '../src/core/deployments.js';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import type { Snapshot } from '../src/core/snapshot-schema.js';
import { sha256 } from '../src/sandbox/fixtures/random.js';
import type { Fixture } from '../src/sandbox/fixtures/types.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function run(extra: Record<string, unknown> = {}) {
  return runSnapshot(await t!.config(extra), { progress: silentProgress, githubToken: t!.sandbox.githubToken });
}

const releases = async () => JSON.parse(await readFile(path.join(t!.dir, '.snap', 'releases.json'), 'utf8')).events as Snapshot['deployments'] & object[];

/** The commit each fixture revision was built from, found through its digest (the generator hashes the commit into it). */
function truth(fixture: Fixture): Map<string, string> {
  const byDigest = new Map<string, string>();
  for (const repo of fixture.repositories) for (const c of repo.commits) byDigest.set(`sha256:${sha256(`${fixture.owner}/${repo.name}:${c.oid}`)}`, c.oid);
  return byDigest;
}

describe('deployments and the release history', () => {
  it('bootstraps from ReplicaSets, then detects a rollout and a rollback, with stable ids and no duplicates', async () => {
    t = await startTestSandbox();
    const { fixture } = t.sandbox;
    const first = await run();
    const revisions = fixture.clusters.flatMap((c) => c.deployments.map((d) => d.revisions.length)).reduce((a, b) => a + b, 0);
    const boot = first.snapshot.deployments!;
    expect(boot).toHaveLength(revisions);
    expect(boot.every((e) => e.detectedBy === 'replicaset-history')).toBe(true);
    expect(new Set(boot.map((e) => e.id)).size).toBe(revisions);
    expect(await releases()).toHaveLength(revisions);

    // Each bootstrapped event carries the rollout time and the commit of its revision.
    const commits = truth(fixture);
    const d = fixture.clusters.find((c) => c.context === 'sandbox-prod')!.deployments.find((x) => x.name === 'payments-api')!;
    const events = boot.filter((e) => e.service === 'payments-api' && e.environment === 'prod');
    expect(events.map((e) => e.at)).toEqual(d.revisions.map((r) => r.createdAt));
    expect(events.map((e) => e.to.commit)).toEqual(d.revisions.map((r) => commits.get(r.digest)));
    expect(events[0].from).toBeUndefined();
    expect(events[1].from?.version).toBe(d.revisions[0].tag);

    // Roll staging forward to what dev runs.
    const dev = first.snapshot.projects.payments.environments.dev.services['payments-api'];
    const staging = first.snapshot.projects.payments.environments.staging.services['payments-api'];
    const cluster = t.sandbox.kubernetes.cluster('sandbox-nonprod').store;
    cluster.rollout('payments-staging', 'payments-api', { tag: dev.container!.tag!, digest: dev.container!.digest });
    const second = await run();
    const forward = second.snapshot.deployments!;
    const stagingNow = second.snapshot.projects.payments.environments.staging.services['payments-api'];
    expect(forward).toEqual([
      {
        id: deploymentId({ context: 'sandbox-nonprod', namespace: 'payments-staging', name: 'payments-api' }, stagingNow.rollout!.revision, stagingNow.container!.image),
        project: 'payments',
        environment: 'staging',
        service: 'payments-api',
        workload: { context: 'sandbox-nonprod', namespace: 'payments-staging', name: 'payments-api' },
        revision: staging.rollout!.revision! + 1,
        at: stagingNow.rollout!.at,
        from: { image: staging.container!.image, version: staging.version!.value, digest: staging.container!.digest, commit: staging.commit!.oid },
        to: { image: dev.container!.image, version: dev.version!.value, digest: dev.container!.digest, commit: dev.commit!.oid },
        rollback: false,
        detectedBy: 'snapshot-diff',
        shipped: expect.objectContaining({ status: 'known', commits: expect.any(Number), tickets: expect.any(Array) }),
      },
    ]);
    const ticketsIn = (s: Snapshot, env: string) => Object.entries(s.tickets!).filter(([, tk]) => tk.changes.some((c) => c.repository === 'acme/payments-api') && tk.environments.some((e) => e.project === 'payments' && e.environment === env && e.status === 'in')).map(([k]) => k);
    const gained = ticketsIn(second.snapshot, 'staging').filter((k) => !ticketsIn(first.snapshot, 'staging').includes(k));
    expect(gained.length).toBeGreaterThan(0);

    // Roll back: the old version is an ancestor of the new one, and ran before.
    cluster.rollout('payments-staging', 'payments-api', { tag: staging.container!.tag!, digest: staging.container!.digest });
    const third = await run();
    expect(third.snapshot.deployments).toEqual([expect.objectContaining({ rollback: true, rollbackReason: expect.stringMatching(/is an ancestor of the previous/), to: expect.objectContaining({ commit: staging.commit!.oid }) })]);
    // The tickets the rollout brought are gone from staging again.
    expect(ticketsIn(third.snapshot, 'staging')).toEqual(ticketsIn(first.snapshot, 'staging'));
    expect(await releases()).toHaveLength(revisions + 2);

    // Nothing changed: no events, nothing appended.
    const quiet = await run();
    expect(quiet.snapshot.deployments).toEqual([]);
    expect(quiet.record.releases).toEqual({ added: 0, updated: 0, unsettled: 0, total: revisions + 2 });

    // Without a previous snapshot the ReplicaSets are read again: the same rollouts get the same ids.
    await rm(path.join(t.dir, '.snap', 'latest.json'));
    const again = await run();
    expect(again.snapshot.deployments!.every((e) => e.detectedBy === 'replicaset-history')).toBe(true);
    expect(again.record.releases).toEqual({ added: 0, updated: 0, unsettled: 0, total: revisions + 2 });
    const ids = (await releases()).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every deployed version to the commit it was built from, looking up commits older than the window', async () => {
    t = await startTestSandbox();
    const commits = truth(t.sandbox.fixture);
    const result = await run({ history: { days: 10 } });
    expect(result.snapshot.warnings.filter((w) => w.code === 'VERSION_UNRESOLVED')).toEqual([]);
    expect(result.snapshot.sources.github!.lookups).toBeGreaterThan(0);
    const by = new Set<string>();
    let checked = 0;
    for (const cluster of t.sandbox.fixture.clusters) {
      for (const d of cluster.deployments) {
        const env = t.sandbox.fixture.environments.find((e) => e.context === cluster.context && (e.namespaces[0] === '{project}' || d.namespace.endsWith(`-${e.name}`)))!;
        const project = d.labels['app.kubernetes.io/part-of'];
        const state = result.snapshot.projects[project].environments[env.name].services[d.name];
        expect(state.commit?.oid, `${project}/${env.name}/${d.name}`).toBe(commits.get(d.revisions.at(-1)!.digest));
        by.add(state.commit!.resolvedBy);
        checked++;
      }
    }
    expect(checked).toBe(45);
    // The demo organisation uses every form: SHA in the tag, git tags and an annotation.
    expect([...by].sort()).toEqual(['annotation', 'git-tag', 'sha-in-tag']);

    // The looked-up commits are cached: the next run asks GitHub for nothing but the state query.
    const warm = await run({ history: { days: 10 } });
    expect(warm.snapshot.sources.github).toMatchObject({ requests: 1, lookups: 0 });
    expect(warm.snapshot.warnings.filter((w) => w.code === 'VERSION_UNRESOLVED')).toEqual([]);
  });
});
