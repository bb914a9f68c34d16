import { describe, expect, it } from 'vitest';
import { scriptedPrompts } from '../../ui/prompts.js';
import type { DiscoveredRepo, DiscoveredWorkload, EnvironmentProposal, Mapping } from '../types.js';
import { chooseContexts, chooseOwner } from './connect.js';
import { chooseEnvironments } from './environments.js';
import { reviewMappings } from './mappings.js';
import { previewConfig } from './preview.js';
import { selectRepositories } from './select-repos.js';
import { chooseTickets } from './tickets.js';

const repo = (name: string, extra: Partial<DiscoveredRepo> = {}): DiscoveredRepo => ({ repository: `acme/${name}`, name, archived: false, fork: false, topics: [], teams: [], recentPullRequests: [], ...extra });
const w = (name: string): DiscoveredWorkload => ({ context: 'prod', namespace: 'payments', name, labels: {}, annotations: {}, containers: [], replicas: 1 });
const quiet = () => undefined;

describe('onboarding steps', () => {
  it('owner: the flag, the only organisation, or a question; several owners without a terminal name --owner', async () => {
    expect(await chooseOwner({ viewer: 'ada', organizations: ['acme', 'globex'] }, 'globex', undefined)).toBe('globex');
    expect(await chooseOwner({ viewer: 'ada', organizations: ['acme'] }, undefined, undefined)).toBe('acme');
    expect(await chooseOwner({ viewer: 'ada', organizations: [] }, undefined, undefined)).toBe('ada');
    const prompts = scriptedPrompts(['globex']);
    expect(await chooseOwner({ viewer: 'ada', organizations: ['acme', 'globex'] }, undefined, prompts)).toBe('globex');
    expect(prompts.asked).toEqual(['GitHub owner']);
    await expect(chooseOwner({ viewer: 'ada', organizations: ['acme', 'globex'] }, undefined, undefined)).rejects.toThrow(/several owners \(ada, acme, globex\); pass --owner/);
  });

  it('contexts: flags are checked against the kubeconfig; otherwise all, or the ones picked', async () => {
    await expect(chooseContexts(['a', 'b'], ['c'], undefined)).rejects.toThrow(/no context c in the kubeconfig \(it has a, b\)/);
    expect(await chooseContexts(['a', 'b'], undefined, undefined)).toEqual(['a', 'b']);
    expect(await chooseContexts(['a', 'b'], undefined, scriptedPrompts([['b']]))).toEqual(['b']);
  });

  it('repositories: globs without a terminal (archived and forks left out), the filterable list with one', async () => {
    const repos = [repo('payments-api', { language: 'Go', teams: ['team-pay'] }), repo('payments-web'), repo('old', { archived: true }), repo('fork', { fork: true })];
    expect((await selectRepositories(repos, { repos: 'payments-*' }, undefined)).map((r) => r.name)).toEqual(['payments-api', 'payments-web']);
    expect((await selectRepositories(repos, {}, undefined)).map((r) => r.name)).toEqual(['payments-api', 'payments-web']);
    await expect(selectRepositories(repos, { repos: 'nope-*' }, undefined)).rejects.toThrow(/no repository matches nope-\*/);
    let offered: unknown;
    const chosen = await selectRepositories(repos, {}, { ...scriptedPrompts([]), multiSelect: async (o) => ((offered = o), [repos[1]]) as never });
    expect(chosen).toEqual([repos[1]]);
    const items = (offered as { items: { name: string; group?: string; facets: { archived?: boolean; lang?: string } }[] }).items;
    expect(items.map((i) => [i.name, i.group])).toEqual([
      ['payments-api', 'payments-*'],
      ['payments-web', 'payments-*'],
      ['old', undefined],
      ['fork', undefined],
    ]);
    expect(items[0].facets.lang).toBe('Go');
    expect(items[2].facets.archived).toBe(true);
  });

  it('environments: --env flags, accepted proposals, or an edit (a bad edit is asked again)', async () => {
    const proposals: EnvironmentProposal[] = [{ name: 'dev', context: 'np', namespaces: ['x-dev'], reason: 'r' }];
    expect(await chooseEnvironments(proposals, ['prod=prod-eu/{project}'], undefined, quiet)).toEqual([{ name: 'prod', context: 'prod-eu', namespaces: ['{project}'], reason: 'from --env' }]);
    expect(await chooseEnvironments(proposals, undefined, scriptedPrompts(['yes']), quiet)).toBe(proposals);
    const said: string[] = [];
    const edited = await chooseEnvironments(proposals, undefined, scriptedPrompts(['edit', 'not: [a list', 'edit', '- name: qa\n  context: np\n- name: live\n  context: prod\n', 'yes']), (t) => said.push(t));
    expect(edited).toEqual([
      { name: 'qa', context: 'np', namespaces: null, reason: 'edited' },
      { name: 'live', context: 'prod', namespaces: null, reason: 'edited' },
    ]);
    expect(said.some((t) => /did not read as a list of environments/.test(t))).toBe(true);
  });

  it('mappings: sure ones are taken; for doubtful ones the user picks the guess, another repository, or none (skipped without a terminal)', async () => {
    const mappings: Mapping[] = [
      { repository: 'acme/payments-api', workload: w('payments-api'), confidence: 0.99, reason: 'image' },
      { repository: 'acme/ledger', workload: w('ledgr'), confidence: 0.55, reason: 'name similarity 50%' },
      { repository: 'acme/search', workload: w('srch'), confidence: 0.52, reason: 'name similarity 45%' },
    ];
    expect((await reviewMappings(mappings, undefined, quiet)).map((m) => m.workload.name)).toEqual(['payments-api']);
    mappings[2].alternatives = [{ repository: 'acme/search-api', confidence: 0.5 }];
    const prompts = scriptedPrompts(['acme/ledger', 'acme/search-api']);
    const kept = await reviewMappings(mappings, prompts, quiet);
    expect(kept.map((m) => [m.workload.name, m.repository, m.confidence])).toEqual([
      ['ledgr', 'acme/ledger', 1],
      ['payments-api', 'acme/payments-api', 0.99],
      ['srch', 'acme/search-api', 1],
    ]);
    expect(prompts.asked).toEqual([
      'prod/payments/ledgr runs which repository? (best guess acme/ledger, 55%: name similarity 50%)',
      'prod/payments/srch runs which repository? (best guess acme/search, 52%: name similarity 45%)',
    ]);
    expect((await reviewMappings(mappings, scriptedPrompts(['', '']), quiet)).map((m) => m.workload.name)).toEqual(['payments-api']);
  });

  it('tickets: --jira, or the proposed keys picked from a list', async () => {
    const proposal = { jiraProjects: [{ key: 'PAY', count: 9 }, { key: 'OPS', count: 2 }], githubIssues: true };
    expect(await chooseTickets(proposal, { jira: 'pay, chk' }, undefined)).toEqual({ jiraProjects: ['PAY', 'CHK'], githubIssues: true });
    expect(await chooseTickets(proposal, { githubIssues: false }, undefined)).toEqual({ jiraProjects: ['PAY', 'OPS'], githubIssues: false });
    expect(await chooseTickets(proposal, {}, scriptedPrompts([['PAY'], false]))).toEqual({ jiraProjects: ['PAY'], githubIssues: false });
  });

  it('preview: write, stop, or edit (an edit that does not validate is not taken)', async () => {
    const yaml = 'version: 1\nenvironments: [{ name: prod, context: prod }]\nprojects: [{ name: p, services: [{ name: api, repository: acme/api }] }]\n';
    expect(await previewConfig(yaml, '/tmp/x.yaml', scriptedPrompts(['write']), quiet, {})).toBe(yaml);
    expect(await previewConfig(yaml, '/tmp/x.yaml', scriptedPrompts(['stop']), quiet, {})).toBeUndefined();
    const said: string[] = [];
    const better = yaml.replace('name: api', 'name: api2');
    const result = await previewConfig(yaml, '/tmp/x.yaml', scriptedPrompts(['edit', 'version: 1\nprojectz: []\n', 'edit', better, 'write']), (t) => said.push(t), {});
    expect(result).toBe(better);
    expect(said.join('\n')).toMatch(/The edited config has problems:[\s\S]*projectz[\s\S]*It was not taken/);
  });
});
