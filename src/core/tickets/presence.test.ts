import { describe, expect, it } from 'vitest';
import type { Project, TicketSettings } from '../../config/types.js';
import { toCommit, toPullRequest, type RawCommit, type RawPullRequest } from '../../sources/github/queries/fragments.js';
import type { RepoData } from '../../sources/github/types.js';
import { buildDrift } from '../drift.js';
import { RepoBook } from '../repo-book.js';
import type { Snapshot } from '../snapshot-schema.js';
import { ticketOptions } from './find.js';
import { buildTickets as build } from './presence.js';

const REPO = 'acme/pay';
const oid = (name: string) => Buffer.from(name).toString('hex').padEnd(40, '0').slice(0, 40);
let clock = Date.parse('2026-11-01T00:00:00Z');
// Commits and PRs as GitHub returns them; repoData() turns them into what snap keeps, through the collector's own converters.
const c = (name: string, parents: string[], message: string): RawCommit => ({
  oid: oid(name),
  parents: { nodes: parents.map((p) => ({ oid: oid(p) })) },
  committedDate: new Date((clock += 60_000)).toISOString(),
  author: { name: 'Ada', user: { login: 'ada' } },
  message,
});
const pr = (number: number, title: string, headRefName: string, body: string, mergeCommit: string): RawPullRequest => ({
  number,
  title,
  headRefName,
  body,
  mergeCommit: { oid: oid(mergeCommit) },
  mergedAt: '2026-11-02T00:00:00Z',
  updatedAt: '2026-11-02T00:00:00Z',
  author: { login: 'ada' },
});

// R ─ M1 (merge of F1, F2: PAY-1) ─ S (squash: PAY-2) ─ B1 ─ B2 (rebase merge: PAY-3) ─ D (PAY-4) ─ E (decoys)
//  └ F1 (PAY-5 in its message) ─ F2 ┘
const rawCommits = [
  c('R', [], 'Initial commit'),
  c('F1', ['R'], 'PAY-5 start the refund model'),
  c('F2', ['F1'], 'Refund endpoint (part 2)'),
  c('M1', ['R', 'F2'], 'Merge pull request #1 from acme/feature/PAY-1-refunds\n\nPAY-1 Refunds'),
  c('S', ['M1'], 'Add retries (#2)\n\nRefs PAY-2'),
  c('B1', ['S'], 'Fix rounding (step 1)'),
  c('B2', ['B1'], 'Fix rounding (step 2)'),
  c('D', ['B2'], 'PAY-4: tweak limits'),
  c('E', ['D'], 'Fix UTF-8 handling, SHA-256 sums, ISO-8601 dates and the CVE-2024-3094 patch'),
];
const rawPullRequests = [
  pr(1, 'PAY-1 Refunds', 'feature/PAY-1-refunds', 'Implements PAY-1. See https://example.com/browse/OPS-9', 'M1'),
  pr(2, 'Add retries', 'ada/pay-2', 'Fixes PAY-2', 'S'),
  pr(3, 'Fix rounding', 'bugfix/PAY-3-rounding', 'See the branch for the ticket.', 'B2'),
];
const settings: TicketSettings = { githubIssues: true, hosts: [] };

function repoData(ticketSettings: TicketSettings = settings, extra: RawCommit[] = []): RepoData {
  const options = ticketOptions(ticketSettings, REPO);
  const commits = [...rawCommits, ...extra].map((raw) => toCommit(raw, options));
  return {
    repository: REPO,
    defaultBranch: 'main',
    head: commits[commits.length - 1].oid,
    commits,
    pullRequests: rawPullRequests.map((raw) => toPullRequest(raw, options)),
    tags: [],
    fetchedAt: '2026-11-03T00:00:00Z',
  };
}
const data = repoData();

const config = (envs: string[]): Project[] => [
  {
    name: 'payments',
    environments: envs.map((name) => ({ name, context: 'ctx', namespaces: null, targets: [{ context: 'ctx', namespaces: null }] })),
    services: [{ name: 'api', repository: REPO, workload: { kind: 'Deployment', name: 'api' }, version: { from: 'image-tag' } }],
  },
];

function buildTickets(projects: Snapshot['projects'], _repos: string[], book: RepoBook) {
  return build(config(Object.keys(projects.payments.environments)), projects, book);
}

function projectsAt(deployed: Record<string, string>): Snapshot['projects'] {
  const environments: Snapshot['projects'][string]['environments'] = {};
  for (const [env, name] of Object.entries(deployed)) {
    environments[env] = {
      context: 'ctx',
      namespaces: null,
      services: { api: { repository: REPO, status: 'running', commit: { oid: oid(name), resolvedBy: 'sha-in-tag', detail: '' } } },
    };
  }
  return { payments: { environments } };
}

const where = (tickets: ReturnType<typeof buildTickets>) =>
  Object.fromEntries(Object.entries(tickets).map(([key, t]) => [key, t.environments.map((e) => `${e.environment}${e.status === 'in' ? '' : ` (${e.status})`}`)]));

describe('tickets by git ancestry', () => {
  it('finds tickets through merge commits, squash merges, rebases and branch commits, and skips decoys', () => {
    const tickets = buildTickets(projectsAt({ dev: 'E', staging: 'B1', prod: 'M1' }), [REPO], new RepoBook(new Map([[REPO, data]])));
    expect(Object.keys(tickets)).toEqual(['PAY-1', 'PAY-2', 'PAY-3', 'PAY-4', 'PAY-5']);
    expect(where(tickets)).toEqual({
      'PAY-1': ['dev', 'staging', 'prod'],
      'PAY-2': ['dev', 'staging'],
      // The rebase merge's PR lands with its last commit; staging has only the first.
      'PAY-3': ['dev'],
      'PAY-4': ['dev'],
      // A commit on a merged branch is in every environment that has the merge.
      'PAY-5': ['dev', 'staging', 'prod'],
    });
    expect(tickets['PAY-1'].changes).toEqual([{ repository: REPO, commit: oid('M1'), pr: 1, sources: ['pr-title', 'branch', 'pr-body', 'commit-message'], at: '2026-11-02T00:00:00.000Z' }]);
    expect(tickets['PAY-2'].changes[0]).toMatchObject({ commit: oid('S'), pr: 2, sources: ['pr-body', 'commit-message'], closes: true });
    expect(tickets['PAY-3'].changes[0]).toMatchObject({ commit: oid('B2'), pr: 3, sources: ['branch'] });
    expect(tickets['PAY-1'].environments.find((e) => e.environment === 'prod')).toEqual({ project: 'payments', environment: 'prod', status: 'in' });
  });

  it('a rollback to an older commit removes presence; deploying the branch tip alone does not add the PR', () => {
    const book = new RepoBook(new Map([[REPO, data]]));
    expect(where(buildTickets(projectsAt({ prod: 'S' }), [REPO], book))).toMatchObject({ 'PAY-1': ['prod'], 'PAY-2': ['prod'], 'PAY-5': ['prod'] });
    const rolledBack = where(buildTickets(projectsAt({ prod: 'R' }), [REPO], book));
    expect(Object.values(rolledBack).flat()).toEqual([]);
    // F2 is the tip of PR #1's branch: PAY-5 (its own commit) is there, PAY-1 (the merged PR) is not.
    expect(where(buildTickets(projectsAt({ prod: 'F2' }), [REPO], book))).toMatchObject({ 'PAY-1': [], 'PAY-5': ['prod'] });
  });

  it('marks a ticket partly deployed when only some of its changes are there', () => {
    const twice = repoData(settings, [c('G', ['E'], 'PAY-1 follow-up')]);
    const tickets = buildTickets(projectsAt({ dev: 'G', prod: 'E' }), [REPO], new RepoBook(new Map([[REPO, twice]])));
    expect(where(tickets)['PAY-1']).toEqual(['dev', 'prod (partial)']);
    expect(tickets['PAY-1'].environments[1].parts).toEqual([{ repository: REPO, service: 'api', status: 'partial', via: [{ commit: oid('M1') }] }]);
  });

  it('restricts keys to the configured Jira projects', () => {
    const tickets = buildTickets(projectsAt({ dev: 'E' }), [REPO], new RepoBook(new Map([[REPO, repoData({ ...settings, jiraProjects: ['PAY'] })]])));
    // With the project known, the lower-case key in the squash branch name counts too.
    expect(tickets['PAY-2'].changes[0].sources).toEqual(['branch', 'pr-body', 'commit-message']);
  });
});

describe('drift between environments', () => {
  const project: Project = {
    name: 'payments',
    environments: ['dev', 'staging', 'prod'].map((name) => ({ name, context: 'ctx', namespaces: null, targets: [{ context: 'ctx', namespaces: null }] })),
    services: [{ name: 'api', repository: REPO, workload: { kind: 'Deployment', name: 'api' }, version: { from: 'image-tag' } }],
  };
  const book = new RepoBook(new Map([[REPO, data]]));

  it('lists what a promotion ships, and what the later environment has that the earlier lacks', () => {
    const drift = buildDrift([project], projectsAt({ dev: 'E', staging: 'B1', prod: 'M1' }), book).payments;
    expect(drift.map((p) => [p.from, p.to, p.ahead, p.behind])).toEqual([
      ['dev', 'staging', { commits: 3, pullRequests: 1, tickets: ['PAY-3', 'PAY-4'] }, { commits: 0, pullRequests: 0, tickets: [] }],
      ['staging', 'prod', { commits: 2, pullRequests: 1, tickets: ['PAY-2'] }, { commits: 0, pullRequests: 0, tickets: [] }],
      // Environments further apart are compared too (snap diff dev prod): here the two steps add up.
      ['dev', 'prod', { commits: 5, pullRequests: 2, tickets: ['PAY-2', 'PAY-3', 'PAY-4'] }, { commits: 0, pullRequests: 0, tickets: [] }],
    ]);
    expect(drift.map((p) => p.span)).toEqual([undefined, undefined, 2]);
    expect(drift[0].services[0]).toMatchObject({ status: 'ahead', ahead: { commits: 3, pullRequests: [3], tickets: ['PAY-3', 'PAY-4'] } });
  });

  it('shows the reverse when the later environment is ahead, and unknown when a commit is missing', () => {
    const projects = projectsAt({ dev: 'M1', staging: 'S', prod: 'S' });
    const drift = buildDrift([project], projects, book).payments;
    expect(drift[0]).toMatchObject({ ahead: { commits: 0 }, behind: { commits: 1, pullRequests: 1, tickets: ['PAY-2'] } });
    expect(drift[0].services[0].status).toBe('behind');
    expect(drift[1].services[0].status).toBe('same');
    delete projects.payments.environments.prod.services.api.commit;
    expect(buildDrift([project], projects, book).payments[1].services[0]).toMatchObject({ status: 'unknown', reason: 'prod: its version did not resolve to a commit' });
  });
});
