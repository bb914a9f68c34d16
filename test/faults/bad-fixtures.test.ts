import { describe, expect, it } from 'vitest';
import { fixtureSchema, type Fixture } from '../../src/sandbox/fixtures/types.js';
import { oid, tinyOrg } from '../helpers/tiny-org.js';

/**
 * Internally inconsistent fixtures: refused on load with the JSON path and what is wrong, never
 * served (a duplicated cluster used to leave `snap demo` hanging after "finished").
 */
const base = (): Fixture =>
  tinyOrg({
    now: '2026-11-20T12:00:00.000Z',
    repos: [{ name: 'shop', commits: [{ id: 'c1', message: 'one', at: '-2d' }, { id: 'c2', message: 'two', at: '-1d' }], tags: { 'v1.0.0': 'c2' } }],
    envs: ['dev'],
    deploy: { dev: { shop: 'c2' } },
  });

const pr = (number: number, extra: Partial<Fixture['repositories'][number]['pullRequests'][number]> = {}): Fixture['repositories'][number]['pullRequests'][number] => ({
  number,
  title: `change ${number}`,
  body: '',
  headRefName: `b${number}`,
  state: 'MERGED',
  mergedAt: '2026-11-19T00:00:00.000Z',
  mergeCommit: oid('shop', 'c2'),
  author: 'dev',
  ...extra,
});

const CASES: [string, (f: Fixture) => void, RegExp][] = [
  ['a cluster listed twice', (f) => f.clusters.push(structuredClone(f.clusters[0])), /clusters\.1\.context: cluster "tiny" is listed twice/],
  ['a parent that is no commit', (f) => (f.repositories[0].commits[1].parents = [oid('shop', 'ghost')]), /commits\.1\.parents: commit \w+ names parent \w+, which is not an earlier commit of shop/],
  ['a cycle', (f) => (f.repositories[0].commits[0].parents = [f.repositories[0].commits[1].oid]), /commits\.0\.parents: .*\(unknown, or a cycle\)/],
  ['a tag on no commit', (f) => (f.repositories[0].tags[0].oid = oid('shop', 'ghost')), /tags\.0\.oid: tag v1\.0\.0 names \w+, not a commit of shop/],
  ['a service naming a missing repository', (f) => (f.projects[0].services[0].repository = 'acme/nope'), /services\.0\.repository: service "shop" names repository acme\/nope, which the fixture does not have/],
  ['an environment naming a missing context', (f) => (f.environments[0].context = 'elsewhere'), /environments\.0: environment "dev" names context "elsewhere", which no cluster has/],
  ['a repository listed twice', (f) => f.repositories.push(structuredClone(f.repositories[0])), /repositories\.1\.name: repository "shop" is listed twice/],
  ['a merge commit that is no commit', (f) => (f.repositories[0].pullRequests = [pr(1, { mergeCommit: oid('shop', 'ghost') })]), /pullRequests\.0\.mergeCommit: pull request #1 names merge commit \w+, not a commit of shop/],
  ['a pull request number twice', (f) => (f.repositories[0].pullRequests = [pr(1), pr(1)]), /pullRequests\.1\.number: pull request #1 of shop is listed twice/],
  ['a merged pull request with no merge time', (f) => (f.repositories[0].pullRequests = [pr(1, { mergedAt: undefined })]), /pullRequests\.0\.mergedAt: pull request #1 is MERGED without mergedAt/],
  ['a workload in a namespace the cluster lacks', (f) => (f.clusters[0].deployments[0].namespace = 'nowhere'), /deployments\.0\.namespace: Deployment shop is in namespace "nowhere", which cluster "tiny" does not list/],
  ['a workload twice', (f) => f.clusters[0].deployments.push(structuredClone(f.clusters[0].deployments[0])), /deployments\.1\.name: Deployment dev\/shop is listed twice/],
  ['a namespace twice', (f) => f.clusters[0].namespaces.push(f.clusters[0].namespaces[0]), /namespaces\.1: namespace "dev" is listed twice/],
  ['a project twice', (f) => f.projects.push(structuredClone(f.projects[0])), /projects\.1\.name: project "shop" is listed twice/],
  ['an environment twice', (f) => f.environments.push(structuredClone(f.environments[0])), /environments\.1\.name: environment "dev" is listed twice/],
  ['a service twice', (f) => f.projects[0].services.push(structuredClone(f.projects[0].services[0])), /services\.1\.name: service "shop" of project shop is listed twice/],
  ['a tag twice', (f) => f.repositories[0].tags.push(structuredClone(f.repositories[0].tags[0])), /tags\.1\.name: tag v1\.0\.0 of shop is listed twice/],
];

describe('bad fixtures', () => {
  it('the base fixture is fine', () => {
    expect(fixtureSchema.safeParse(base()).success).toBe(true);
  });
  it.each(CASES)('%s is refused with its path', (_name, spoil, expected) => {
    const fixture = base();
    spoil(fixture);
    const result = fixtureSchema.safeParse(fixture);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')).toMatch(expected);
  });
});
