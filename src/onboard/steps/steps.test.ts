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
const w = (name: string, context = 'prod', namespace = 'payments', image = `registry.acme.internal/${name}:1`): DiscoveredWorkload => ({ context, namespace, kind: 'Deployment', name, labels: {}, annotations: {}, containers: [{ name, image }], replicas: 1 });
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

  it('environments: --env flags (one name twice: two targets), accepted proposals, or an edit (a bad edit is asked again)', async () => {
    const proposals: EnvironmentProposal[] = [{ name: 'dev', targets: [{ context: 'np', namespaces: ['x-dev'] }], reason: 'r' }];
    expect(await chooseEnvironments(proposals, ['prod=prod-eu/{project}'], undefined, quiet)).toEqual([{ name: 'prod', targets: [{ context: 'prod-eu', namespaces: ['{project}'] }], reason: 'from --env' }]);
    expect(await chooseEnvironments(proposals, ['dev=np', 'prod=prod-eu/{project}', 'prod=prod-us/{project}'], undefined, quiet)).toEqual([
      { name: 'dev', targets: [{ context: 'np', namespaces: null }], reason: 'from --env' },
      { name: 'prod', targets: [{ context: 'prod-eu', namespaces: ['{project}'] }, { context: 'prod-us', namespaces: ['{project}'] }], reason: 'from --env' },
    ]);
    expect(await chooseEnvironments(proposals, undefined, scriptedPrompts(['yes']), quiet)).toBe(proposals);
    const said: string[] = [];
    const opened: string[] = [];
    const scripted = scriptedPrompts(['edit', 'not: [a list', '- name: qa\n  context: npp\n', '- name: qa\n  context: np\n- name: live\n  targets:\n    - context: prod-eu\n    - context: prod-us\n      namespaces: [shop]\n', 'yes']);
    const prompts = { ...scripted, editor: async (o: { message: string; default: string }) => (opened.push(o.default), scripted.editor(o)) };
    const edited = await chooseEnvironments(proposals, undefined, prompts, (t) => said.push(t), ['np', 'prod-eu', 'prod-us']);
    expect(edited).toEqual([
      { name: 'qa', targets: [{ context: 'np', namespaces: null }], reason: 'edited' },
      { name: 'live', targets: [{ context: 'prod-eu', namespaces: null }, { context: 'prod-us', namespaces: ['shop'] }], reason: 'edited' },
    ]);
    expect(said.some((t) => /did not read as a list of environments/.test(t))).toBe(true);
    // The editor opens with a word on what the list is; a mistake reopens the user's text with the problem above it.
    expect(opened[0]).toMatch(/^# The environments, in promotion order/);
    expect(opened[2]).toBe('# ✖ context "npp" is not in the kubeconfig (its contexts: np, prod-eu, prod-us)\n- name: qa\n  context: npp\n');
    // Saved unchanged (an editor that does not wait) or emptied: back to the list, not round again.
    const back = scriptedPrompts(['edit', (_m: string) => '', 'yes']);
    const unchanged: string[] = [];
    expect(await chooseEnvironments(proposals, undefined, back, (t) => unchanged.push(t), ['np'])).toBe(proposals);
    expect(unchanged.join('\n')).toMatch(/The edit was emptied: back to the environments as they were/);
  });

  it('mappings: sure ones are taken; a doubtful workload name is asked once for all its environments, in a list of every repository, best first', async () => {
    const repos = [repo('payments-api'), repo('ledger'), repo('search'), repo('search-api'), repo('old-ledger', { archived: true }), repo('zeta')];
    const mappings: Mapping[] = [
      { repository: 'acme/payments-api', workload: w('payments-api'), confidence: 0.99, reason: 'image' },
      { repository: 'acme/ledger', workload: w('ledgr', 'dev', 'payments-dev', 'registry.acme.internal/ledgr:1'), confidence: 0.55, reason: 'name similarity 50%' },
      { repository: 'acme/ledger', workload: w('ledgr', 'prod', 'payments-prd', 'registry.acme.internal/ledgr:2'), confidence: 0.55, reason: 'name similarity 50%' },
      { repository: 'acme/search', workload: w('srch'), confidence: 0.52, reason: 'name similarity 45%', alternatives: [{ repository: 'acme/search-api', confidence: 0.5 }] },
    ];
    const none = await reviewMappings(mappings, [], repos, undefined, quiet);
    expect(none.accepted.map((m) => m.workload.name)).toEqual(['payments-api']);
    expect(none.skipped.map((m) => m.workload.name)).toEqual(['ledgr', 'ledgr', 'srch']);

    const offered: string[][] = [];
    const pick = (value: string) => (_message: string, choices: { name: string; value: string }[]) => (offered.push(choices.map((c) => c.name)), value);
    const prompts = scriptedPrompts([pick('acme/ledger'), pick('acme/search-api')]);
    const kept = await reviewMappings(mappings, [], repos, prompts, quiet);
    expect(kept.accepted.map((m) => [m.workload.context, m.workload.name, m.repository, m.confidence])).toEqual([
      ['prod', 'payments-api', 'acme/payments-api', 0.99],
      ['dev', 'ledgr', 'acme/ledger', 1],
      ['prod', 'ledgr', 'acme/ledger', 1],
      ['prod', 'srch', 'acme/search-api', 1],
    ]);
    // One question per workload name (ledgr in dev and prod), not per environment.
    expect(prompts.asked).toEqual([
      'Deployment ledgr (image registry.acme.internal/ledgr:1; in dev/payments-dev, prod/payments-prd) runs which repository? best guess acme/ledger, 55%: name similarity 50%',
      'Deployment srch (image registry.acme.internal/srch:1; in prod/payments) runs which repository? best guess acme/search, 52%: name similarity 45%',
    ]);
    // The guess first, then what else scored, then every other repository (archived ones left out), and "leave it out".
    expect(offered[1]).toEqual(['acme/search  52%', 'acme/search-api  50%', 'acme/payments-api', 'acme/ledger', 'acme/zeta', 'none of these: leave it out']);
    expect((await reviewMappings(mappings, [], repos, scriptedPrompts(['\u0000skip', '\u0000skip']), quiet)).accepted.map((m) => m.workload.name)).toEqual(['payments-api']);
  });

  it('mappings: workloads of your own images named like no repository are said, and can be claimed like third-party ones', async () => {
    const repos = [repo('keycloak-theme'), repo('identity-api')];
    const own = w('keycloak', 'prod', 'identity', 'docker.io/globex/keycloak:24.0.1');
    const said: string[] = [];
    const none = await reviewMappings([], [], repos, undefined, (t) => said.push(t), [own]);
    expect(none.accepted).toEqual([]);
    expect(said.join('\n')).toMatch(/Your own images, named like no repository, left out \(1\): keycloak/);
    const prompts = scriptedPrompts(['choose', (_m: string, items: { value: unknown }[]) => items.map((i) => i.value), 'acme/keycloak-theme']);
    const claimed = await reviewMappings([], [], repos, prompts, quiet, [own]);
    expect(claimed.accepted.map((m) => [m.workload.name, m.repository])).toEqual([['keycloak', 'acme/keycloak-theme']]);
    expect(prompts.asked[0]).toBe('Leave these workloads out?');
  });

  it('mappings: the list narrows as the user types, and takes a repository typed in full', async () => {
    const { repositoryChoices } = await import('./mappings.js');
    const repos = [repo('ledger'), repo('ledger-ui'), repo('old-ledger', { archived: true }), repo('search')];
    const guess: Mapping = { repository: 'acme/search', workload: w('ldgr'), confidence: 0.5, reason: 'r' };
    expect(repositoryChoices(guess, repos, 'ledg').map((c) => c.value)).toEqual(['acme/ledger', 'acme/ledger-ui', '\u0000skip']);
    // Typed in full, it comes first even when a better-scored name contains it.
    const ranked: Mapping = { ...guess, repository: 'acme/ledger-ui', alternatives: [{ repository: 'acme/ledger', confidence: 0.4 }] };
    expect(repositoryChoices(ranked, repos, 'ledger').map((c) => c.value)).toEqual(['acme/ledger', 'acme/ledger-ui', '\u0000skip']);
    // An archived repository only when typed in full.
    expect(repositoryChoices(guess, repos, 'old-ledger').map((c) => c.value)).toEqual(['acme/old-ledger', '\u0000skip']);
    expect(repositoryChoices(guess, repos, 'other-org/ledger').map((c) => c.value)).toEqual(['other-org/ledger', '\u0000skip']);
  });

  it('tickets: --jira, or the proposed keys picked from a list', async () => {
    const proposal = { jiraProjects: [{ key: 'PAY', count: 9 }, { key: 'OPS', count: 2 }], githubIssues: true, hosts: [{ host: 'acme.atlassian.net', count: 3 }] };
    expect(await chooseTickets(proposal, { jira: 'pay, chk' }, undefined)).toEqual({ jiraProjects: ['PAY', 'CHK'], githubIssues: true, hosts: ['acme.atlassian.net'] });
    expect(await chooseTickets(proposal, { githubIssues: false }, undefined)).toEqual({ jiraProjects: ['PAY', 'OPS'], githubIssues: false, hosts: ['acme.atlassian.net'] });
    expect(await chooseTickets(proposal, {}, scriptedPrompts([['PAY'], false]))).toEqual({ jiraProjects: ['PAY'], githubIssues: false, hosts: ['acme.atlassian.net'] });
  });

  it('preview: write, stop, or edit; a rejected edit reopens as the user wrote it, with its problems at the top; an accepted one is tried again', async () => {
    const yaml = 'version: 1\nenvironments: [{ name: prod, context: prod }]\nprojects: [{ name: p, services: [{ name: api, repository: acme/api }] }]\n';
    expect(await previewConfig(yaml, '/tmp/x.yaml', scriptedPrompts(['write']), quiet, {})).toBe(yaml);
    expect(await previewConfig(yaml, '/tmp/x.yaml', scriptedPrompts(['stop']), quiet, {})).toBeUndefined();
    const said: string[] = [];
    const typo = yaml.replace('projects:', 'projectz:');
    const better = yaml.replace('name: api', 'name: api2');
    const reopened: string[] = [];
    const rechecked: string[] = [];
    const prompts = scriptedPrompts(['edit', typo, 'edit', better, 'write']);
    // Record what the editor was opened with.
    const withDefaults = { ...prompts, editor: async (o: { message: string; default: string }) => (reopened.push(o.default), prompts.editor(o)) };
    const result = await previewConfig(yaml, '/tmp/x.yaml', withDefaults, (t) => said.push(t), {}, { recheck: async (text) => void rechecked.push(text) });
    expect(result).toBe(better);
    expect(said.join('\n')).toMatch(/The edited config has problems:[\s\S]*projectz[\s\S]*It was not taken/);
    // The second edit starts from the rejected text, its problems as comments above it.
    expect(reopened[1]).toMatch(/^# ✖ snap did not take this text[^\n]*\n#   .*projectz.*\n/);
    expect(reopened[1].endsWith(typo)).toBe(true);
    expect(rechecked).toEqual([better]);
  });

  it('preview over an existing file: the change is shown before the decision', async () => {
    const before = 'version: 1\nenvironments: [{ name: prod, context: prod }]\nprojects: [{ name: p, services: [{ name: api, repository: acme/api }] }]\n';
    const after = before.replace('{ name: api, repository: acme/api }', '{ name: api, repository: acme/api }, { name: web, repository: acme/web }');
    const said: string[] = [];
    const prompts = scriptedPrompts([(message: string) => (said.push(`asked: ${message}`), 'write')]);
    expect(await previewConfig(after, '/tmp/x.yaml', prompts, (t) => said.push(t), {}, { before })).toBe(after);
    expect(said[0]).toMatch(/Changes to \/tmp\/x\.yaml:\n[\s\S]*\+ .*name: web/);
    expect(said[1]).toBe('asked: Write /tmp/x.yaml?');
  });
});
