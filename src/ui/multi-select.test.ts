import { render } from '@inquirer/testing';
import { describe, expect, it } from 'vitest';
import { multiSelect, passesFilter, type MultiSelectItem } from './multi-select.js';

const items: MultiSelectItem<string>[] = [
  ...['api', 'web', 'worker'].map((s) => ({ value: `payments-${s}`, name: `payments-${s}`, group: 'payments-*', facets: { lang: 'Go', teams: ['team-payments'], pushedDaysAgo: 3 } })),
  ...['api', 'web'].map((s) => ({ value: `search-${s}`, name: `search-${s}`, group: 'search-*', facets: { lang: 'Kotlin', teams: ['team-search'], pushedDaysAgo: 90 } })),
  { value: 'old-tool', name: 'old-tool', facets: { archived: true } },
  { value: 'fork-of-x', name: 'fork-of-x', facets: { fork: true } },
];

describe('filterable multi-select', () => {
  it('filters by typing, selects a group and single items, and answers with the selection', async () => {
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items });
    expect(getScreen()).toContain('(5 of 7 shown, 0 selected)');
    expect(getScreen()).not.toContain('old-tool');
    events.type('pay');
    expect(getScreen()).toContain('(3 of 7 shown, 0 selected) filter: pay');
    expect(getScreen()).toContain('▾ payments-* (0/3)');
    events.keypress('space'); // the group line: all three
    expect(getScreen()).toContain('▾ payments-* (3/3)');
    events.keypress('down');
    events.keypress('space'); // payments-api off again
    for (let i = 0; i < 3; i++) events.keypress('backspace');
    events.type('lang:kotlin');
    expect(getScreen()).toContain('(2 of 7 shown, 2 selected)');
    events.keypress({ name: 'a', ctrl: true });
    events.keypress('enter');
    await expect(answer).resolves.toEqual(['payments-web', 'payments-worker', 'search-api', 'search-web']);
    expect(getScreen()).toContain('4 selected');
  });

  it('handles a thousand items', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ value: i, name: `repo-${i}`, group: `g${i % 20}-*` }));
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items: many });
    events.type('repo-99');
    expect(getScreen()).toContain('(11 of 1000 shown');
    events.keypress({ name: 'a', ctrl: true });
    events.keypress('enter');
    await expect(answer).resolves.toHaveLength(11);
  });

  it('requires a selection when asked to', async () => {
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items, required: true });
    events.keypress('enter');
    expect(getScreen()).toContain('select at least one');
    events.keypress('space');
    events.keypress('enter');
    await expect(answer).resolves.toEqual(['payments-api', 'payments-web', 'payments-worker']);
  });

  it('has facet filters for language, team, topic, activity, archived and forks', () => {
    const names = (filter: string) => items.filter((i) => passesFilter(i, filter)).map((i) => i.name);
    expect(names('team:search')).toEqual(['search-api', 'search-web']);
    expect(names('active:30')).toEqual(['payments-api', 'payments-web', 'payments-worker']);
    expect(names('archived:yes,old')).toEqual(['old-tool']);
    expect(names('fork:yes,fork')).toEqual(['fork-of-x']);
    expect(names('lang:go,worker')).toEqual(['payments-worker']);
  });

  it('ORs words and globs, ANDs facet keys with them, and filters on deployed', () => {
    const marked = items.map((i) => ({ ...i, facets: { ...i.facets, deployed: i.name.endsWith('-api') } }));
    const names = (filter: string) => marked.filter((i) => passesFilter(i, filter)).map((i) => i.name);
    expect(names('search, worker')).toEqual(['payments-worker', 'search-api', 'search-web']);
    expect(names('payments-*')).toEqual(['payments-api', 'payments-web', 'payments-worker']);
    expect(names('*-api, search-w?b')).toEqual(['payments-api', 'search-api', 'search-web']);
    expect(names('deployed:yes')).toEqual(['payments-api', 'search-api']);
    expect(names('deployed:no, payments')).toEqual(['payments-web', 'payments-worker']);
    expect(names('deployed:yes, payments-*, search-*')).toEqual(['payments-api', 'search-api']);
    expect(names('lang:go, lang:kotlin, web')).toEqual(['payments-web', 'search-web']);
  });

  it('marks deployed items, clears the filter with ctrl+u or Esc, and starts from a filter and checked items', async () => {
    const marked = items.map((i) => ({ ...i, facets: { ...i.facets, deployed: i.name === 'search-api' }, checked: i.name === 'payments-web' }));
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items: marked, filter: 'search' });
    expect(getScreen()).toContain('(2 of 7 shown, 1 selected) filter: search');
    expect(getScreen()).toMatch(/search-api ● deployed/);
    expect(getScreen()).not.toMatch(/search-web ● deployed/);
    events.keypress({ name: 'u', ctrl: true });
    expect(getScreen()).toMatch(/\(5 of 7 shown, 1 selected\) filter: *\n/);
    events.type('worker');
    expect(getScreen()).toContain('(1 of 7 shown, 1 selected) filter: worker');
    events.keypress('escape');
    expect(getScreen()).toContain('(5 of 7 shown, 1 selected)');
    events.keypress('enter');
    await expect(answer).resolves.toEqual(['payments-web']);
  });
});
