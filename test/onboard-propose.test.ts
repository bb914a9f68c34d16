import { describe, expect, it } from 'vitest';
import { lineDiff } from '../src/ui/diff.js';
import { parseEnvFlag } from '../src/onboard/env-flag.js';
import { matchesGlob } from '../src/onboard/plan.js';
import { repo, workload } from './helpers/onboard.js';
import { environmentOf, proposeEnvironments } from '../src/onboard/propose/environments.js';
import { mapWorkloads, similarity, withoutEnvironment } from '../src/onboard/propose/mapping.js';
import { nameGroups, proposeProjects } from '../src/onboard/propose/projects.js';
import { proposeTickets } from '../src/onboard/propose/tickets.js';
import { proposeVersion } from '../src/onboard/propose/version.js';

describe('environment proposals', () => {
  it('reads environment kinds from names, and never takes non-prod for prod', () => {
    expect(['payments-dev', 'eu-development', 'qa', 'team-stg', 'uat-1', 'pre-prod', 'preprod-eu', 'prod', 'payments-production', 'live'].map(environmentOf)).toEqual([
      'dev',
      'dev',
      'qa',
      'staging',
      'uat',
      'preprod',
      'preprod',
      'prod',
      'prod',
      'prod',
    ]);
    expect(environmentOf('sandbox-nonprod')).toBeUndefined();
    expect(environmentOf('nonprod-staging')).toBe('staging');
    expect(environmentOf('payments')).toBeUndefined();
  });

  it('proposes environments in promotion order, from namespaces first and contexts second', () => {
    const scan = proposeEnvironments([
      workload('prod-eu', 'payments', 'api', 'x'),
      workload('nonprod', 'payments-staging', 'api', 'x'),
      workload('nonprod', 'payments-dev', 'api', 'x'),
      workload('nonprod', 'tools', 'grafana', 'x'),
    ]);
    expect(scan.proposals.map((p) => [p.name, p.targets])).toEqual([
      ['dev', [{ context: 'nonprod', namespaces: ['payments-dev'] }]],
      ['staging', [{ context: 'nonprod', namespaces: ['payments-staging'] }]],
      ['prod', [{ context: 'prod-eu', namespaces: ['payments'] }]],
    ]);
    expect(scan.unclassified).toEqual(['nonprod/tools']);
  });
});

describe('repository ↔ workload mapping', () => {
  const repos = [repo('payments-api'), repo('payments-worker'), repo('ledger')];

  it('says why, with a confidence for each signal; similar names alone are only offered', () => {
    const { mappings, unmatched, thirdParty } = mapWorkloads(repos, [
      workload('prod', 'payments', 'payments-api', 'ghcr.io/acme/payments-api:1.2.0'),
      workload('prod', 'payments', 'worker', 'registry.example.com/payments/worker:7', { labels: { 'app.kubernetes.io/name': 'payments-worker' } }),
      workload('prod', 'payments-prod', 'api-svc', 'registry.example.com/x/other:1'),
      workload('prod', 'finance', 'ledgr', 'registry.example.com/x/ledgr:3'),
      workload('prod', 'tools', 'grafana', 'grafana/grafana:10'),
    ]);
    expect(mappings.map((m) => [m.workload.name, m.repository, m.confidence, m.reason])).toEqual([
      // Two strong signals agree: 0.95 + 0.04.
      ['payments-api', 'acme/payments-api', 0.99, 'image ghcr.io/acme/payments-api, Deployment payments-api'],
      // The registry path and the label agree.
      ['worker', 'acme/payments-worker', 0.97, 'image registry.example.com/payments/worker, label app.kubernetes.io/name=payments-worker'],
      // The namespace and name say payments-api, the organisation's own image says otherwise: asked.
      ['api-svc', 'acme/payments-api', 0.52, 'namespace payments-prod and Deployment api-svc, though image registry.example.com/x/other is named like no repository'],
      // Only similar: 0.3 + 0.5 × 67%, capped below the 60% taken without asking.
      ['ledgr', 'acme/ledger', 0.55, 'name similarity 67%'],
    ]);
    expect(unmatched).toEqual([]);
    expect(thirdParty.map((t) => [t.workload.name, t.reason])).toEqual([['grafana', 'image docker.io/grafana/grafana is published by grafana, not acme']]);
  });

  it('leaves near ties for the user instead of guessing', () => {
    const { mappings } = mapWorkloads([repo('payments-api2'), repo('payments-api3')], [workload('prod', 'x', 'payments-api-v2', 'registry.acme.internal/y:1')]);
    expect(mappings[0].confidence).toBeLessThan(0.6);
    expect(mappings[0].reason).toMatch(/scores almost as high/);
  });

  it('compares names without environment words', () => {
    expect(withoutEnvironment('payments-api-prod')).toBe('payments-api');
    expect(withoutEnvironment('staging-payments-api')).toBe('payments-api');
    expect(similarity('payments-api', 'payments-api')).toBe(1);
    expect(similarity('ledger', 'grafana')).toBeLessThan(0.3);
  });
});

describe('other proposals', () => {
  it('groups by team when most repositories have one, else by name prefix', () => {
    expect(proposeProjects([repo('a-api', { teams: ['team-pay'] }), repo('b-web', { teams: ['team-pay'] })])).toEqual({ projects: new Map([['pay', ['acme/a-api', 'acme/b-web']]]), by: 'team' });
    expect(proposeProjects([repo('payments-api'), repo('payments-web'), repo('ledger')])).toEqual({
      projects: new Map([
        ['ledger', ['acme/ledger']],
        ['payments', ['acme/payments-api', 'acme/payments-web']],
      ]),
      by: 'prefix',
    });
    expect(nameGroups(['payments-api', 'payments-web', 'ledger', 'search-api', 'search-web', 'search-ui'])).toEqual([
      { pattern: 'search-*', names: ['search-api', 'search-web', 'search-ui'] },
      { pattern: 'payments-*', names: ['payments-api', 'payments-web'] },
    ]);
  });

  it('proposes Jira keys seen twice or once where references go, with counts, and skips decoys', () => {
    const prs = [
      { title: 'PAY-1 Refunds', headRefName: 'feature/PAY-1' },
      { title: 'Fix UTF-8 and CVE-2024-3094', headRefName: 'fix/utf' },
      { title: 'OPS-7 rotate keys', headRefName: 'ops/OPS-7' },
      { title: 'PAY-9 retries (#12)', headRefName: 'x' },
      { title: 'CHK-1 once', headRefName: 'y' },
    ];
    expect(proposeTickets([repo('a', { recentPullRequests: prs })])).toEqual({
      jiraProjects: [
        { key: 'PAY', count: 3 },
        { key: 'OPS', count: 2 },
        // Seen once, but where ticket references go (the start of a title).
        { key: 'CHK', count: 1 },
      ],
      githubIssues: true,
      hosts: [],
    });
  });

  it('proposes the version source from what the tags look like', () => {
    expect(proposeVersion([workload('c', 'n', 'a', 'x/a:1.4.2-3f9c2ab'), workload('c', 'n', 'a', 'x/a:v1.5.0')])).toMatchObject({ from: 'image-tag' });
    const sha = '3f9c2ab0c1d2e3f405162738495a6b7c8d9e0f1a';
    expect(proposeVersion([workload('c', 'n', 'a', 'x/a:build-1042', { annotations: { 'example.com/git-sha': sha } })])).toMatchObject({ from: 'annotation', key: 'example.com/git-sha' });
    expect(proposeVersion([workload('c', 'n', 'a', 'x/a:latest')])).toMatchObject({ from: 'image-tag' });
  });

  it('reads --env flags, globs and diffs', () => {
    expect(parseEnvFlag('dev=nonprod/{project}-dev')).toEqual({ name: 'dev', context: 'nonprod', namespaces: ['{project}-dev'] });
    expect(parseEnvFlag('prod=prod-eu')).toEqual({ name: 'prod', context: 'prod-eu', namespaces: null });
    expect(() => parseEnvFlag('prod')).toThrow(/name=context/);
    // An EKS context holds "/" itself: read whole when the kubeconfig has it.
    const eks = 'arn:aws:eks:us-east-1:123456789012:cluster/prod-us';
    expect(parseEnvFlag(`prod=${eks}/{project}`, [eks, 'dev'])).toEqual({ name: 'prod', context: eks, namespaces: ['{project}'] });
    expect(parseEnvFlag(`prod=${eks}`, [eks])).toEqual({ name: 'prod', context: eks, namespaces: null });
    expect(matchesGlob('payments-api', 'payments-*')).toBe(true);
    expect(matchesGlob('payments-api', '*-web')).toBe(false);
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toBe('  a\n+ B\n- b\n  c');
  });
});

describe('proposals for a selection', () => {
  it('does not give a selected repository the workloads of a similar unselected one', async () => {
    const { propose } = await import('../src/onboard/plan.js');
    const repos = [repo('payments-scheduler'), repo('identity-scheduler')];
    const workloads = [workload('prod', 'payments-prod', 'payments-scheduler', 'ghcr.io/acme/payments-scheduler:1'), workload('prod', 'identity-prod', 'identity-scheduler', 'ghcr.io/acme/identity-scheduler:1')];
    const { survey } = await import('../src/onboard/plan.js');
    const discovery = { owner: 'acme', repos, clusters: [], workloads };
    const proposal = propose(discovery, await survey(discovery), [repos[0]]);
    expect(proposal.mappings.map((m) => m.workload.name)).toEqual(['payments-scheduler']);
    expect(proposal.environments).toEqual([expect.objectContaining({ name: 'prod', targets: [{ context: 'prod', namespaces: ['payments-prod'] }] })]);
  });
});
