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
    expect(names('lang:go, lang:kotlin, deployed:no')).toEqual(['payments-web', 'payments-worker', 'search-web']);
    expect(names('deployed:n')).toEqual(names('deployed:no'));
    expect(names('PAYMENTS-W*')).toEqual(['payments-web', 'payments-worker']);
    expect(names('*r*, team:search')).toEqual(['search-api', 'search-web']);
    expect(names('payments-')).toEqual(['payments-api', 'payments-web', 'payments-worker']);
    expect(names('payments-w')).toEqual(['payments-web', 'payments-worker']);
    expect(names('payments-?')).toEqual([]);
    // A key typed without its value yet narrows nothing.
    expect(names('lang:')).toHaveLength(5);
    expect(names('search, deployed:')).toEqual(['search-api', 'search-web']);
  });

  it('matches a glob equal to a group label even where the glob would not match the name', () => {
    const grouped = [...items, { value: 'payments_service', name: 'payments_service', group: 'payments-*' }];
    const names = (filter: string) => grouped.filter((i) => passesFilter(i, filter)).map((i) => i.name);
    expect(names('payments-*')).toEqual(['payments-api', 'payments-web', 'payments-worker', 'payments_service']);
    expect(names('payments-a*')).toEqual(['payments-api']);
  });

  it('hides archived items and forks from globs and words unless asked for', () => {
    const names = (filter: string) => items.filter((i) => passesFilter(i, filter)).map((i) => i.name);
    expect(names('*')).toHaveLength(5);
    expect(names('old-*, fork-*')).toEqual([]);
    expect(names('old-*, fork-*, archived:yes')).toEqual(['old-tool']);
    expect(names('old-*, fork-*, archived:yes, fork:yes')).toEqual(['old-tool', 'fork-of-x']);
    expect(names('archived:yes, fork:yes')).toHaveLength(7);
  });

  it('takes a typed glob, shows the deployed mark in plain text, and keeps the selection across filters', async () => {
    const marked = items.map((i) => ({ ...i, facets: { ...i.facets, deployed: i.name.endsWith('-api') } }));
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items: marked });
    events.type('*-api');
    expect(getScreen()).toContain('(2 of 7 shown, 0 selected) filter: *-api');
    expect(getScreen()).toContain('deployed:yes|no (every key, any of its values)');
    expect(getScreen()).toContain('ctrl+u/esc clear filter');
    // Each alone in its group: no group line, so not indented under one.
    expect(getScreen()).toMatch(/❯ ◯ payments-api ● deployed\n {2}◯ search-api ● deployed\n/);
    events.keypress({ name: 'a', ctrl: true });
    events.keypress({ name: 'u', ctrl: true });
    events.type('payments-*');
    expect(getScreen()).toContain('(3 of 7 shown, 2 selected) filter: payments-*');
    expect(getScreen()).toContain('▾ payments-* (1/3)');
    expect(getScreen()).toMatch(/◯ payments-web\n/);
    events.keypress('escape');
    events.type('deployed:no');
    expect(getScreen()).toContain('(3 of 7 shown, 2 selected) filter: deployed:no');
    expect(getScreen()).not.toContain('● deployed');
    events.keypress('enter');
    await expect(answer).resolves.toEqual(['payments-api', 'search-api']);
  });

  it('starts from a filter with items pre-checked, shown and hidden, and ctrl+a works on what the filter shows', async () => {
    const checked = items.map((i) => ({ ...i, checked: i.name === 'payments-web' || i.name === 'search-web' }));
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items: checked, filter: 'lang:kotlin' });
    expect(getScreen()).toContain('(2 of 7 shown, 2 selected) filter: lang:kotlin');
    expect(getScreen()).toContain('▾ search-* (1/2)');
    expect(getScreen()).toMatch(/◯ search-api\n.*◉ search-web\n/);
    events.keypress({ name: 'a', ctrl: true });
    expect(getScreen()).toContain('(2 of 7 shown, 3 selected)');
    events.keypress({ name: 'a', ctrl: true }); // all shown selected: clears them, payments-web stays
    expect(getScreen()).toContain('(2 of 7 shown, 1 selected)');
    events.keypress({ name: 'a', ctrl: true });
    events.keypress('enter');
    await expect(answer).resolves.toEqual(['payments-web', 'search-api', 'search-web']);
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

  it('takes a space typed after a comma as part of the filter, not as a selection', async () => {
    const { answer, events, getScreen } = await render(multiSelect, { message: 'Repositories', items });
    events.type('search,');
    events.keypress('space');
    events.type('worker');
    expect(getScreen()).toContain('(3 of 7 shown, 0 selected) filter: search, worker');
    events.keypress('space');
    expect(getScreen()).toContain('1 selected');
    events.keypress('enter');
    await expect(answer).resolves.toHaveLength(1);
  });
});
