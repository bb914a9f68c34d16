import { screen } from '@inquirer/testing/vitest';
import { describe, expect, it } from 'vitest';
import { filterChoices, scriptedPrompts, terminalPrompts, type Choice } from './prompts.js';

// Best first, as the onboarding's repository question offers them.
const repos: Choice<string>[] = ['acme/search  52%', 'acme/search-api  50%', 'acme/payments-api', 'acme/ledger', 'acme/Ledger-UI'].map((name) => ({ name, value: name.split(' ')[0] }));

/** Waits for screen updates until the text shows (@inquirer/search loads its choices asynchronously). */
async function until(text: string | RegExp): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const now = screen.getScreen();
    if (typeof text === 'string' ? now.includes(text) : text.test(now)) return now;
    await screen.next();
  }
  throw new Error(`never showed ${text}: ${screen.getScreen()}`);
}

describe('filterChoices', () => {
  it('keeps the choices holding every typed word, case-insensitive, in their order', () => {
    const names = (term: string | undefined) => filterChoices(repos, term).map((c) => c.value);
    expect(names(undefined)).toEqual(['acme/search', 'acme/search-api', 'acme/payments-api', 'acme/ledger', 'acme/Ledger-UI']);
    expect(names('  ')).toHaveLength(5);
    expect(names('API')).toEqual(['acme/search-api', 'acme/payments-api']);
    expect(names('ledger ui')).toEqual(['acme/Ledger-UI']);
    expect(names('ui ledger')).toEqual(['acme/Ledger-UI']);
    expect(names('nothing')).toEqual([]);
  });
});

describe('the search prompt on a terminal, through @inquirer/testing', () => {
  it('starts on the first (best) choice, narrows as the user types, and Enter picks the highlighted one', async () => {
    const answer = terminalPrompts().search({ message: 'srch runs which repository?', source: (term) => filterChoices(repos, term) });
    const first = await until('acme/Ledger-UI');
    expect(first).toMatch(/❯ acme\/search {2}52%/);
    screen.type('ledger');
    const narrowed = await until(/srch runs which repository\? ledger\n❯ acme\/ledger\n {2}acme\/Ledger-UI\n/);
    expect(narrowed).not.toContain('acme/search');
    screen.keypress('down');
    screen.keypress('enter');
    await expect(answer).resolves.toBe('acme/Ledger-UI');
  });

  it('starts on the default when it is offered, and takes a typed name', async () => {
    const prompts = terminalPrompts();
    const onDefault = prompts.search({ message: 'Which?', source: (term) => filterChoices(repos, term), default: 'acme/payments-api' });
    expect(await until('acme/Ledger-UI')).toContain('❯ acme/payments-api');
    screen.keypress('enter');
    await expect(onDefault).resolves.toBe('acme/payments-api');

    const typed = prompts.search({ message: 'Which else?', source: (term) => filterChoices(repos, term), default: 'acme/elsewhere' });
    expect(await until('acme/Ledger-UI')).toMatch(/❯ acme\/search {2}52%/);
    screen.type('payments-api');
    await until(/Which else\? payments-api\n❯ acme\/payments-api\n/);
    screen.keypress('enter');
    await expect(typed).resolves.toBe('acme/payments-api');
  });
});

describe('scriptedPrompts.search', () => {
  it('records the message and shows an answering function the choices offered before typing', async () => {
    let offered: unknown;
    const prompts = scriptedPrompts([(message: string, choices: Choice<string>[]) => ((offered = [message, choices.map((c) => c.value)]), choices[1].value), 'acme/ledger']);
    await expect(prompts.search({ message: 'First?', source: (term) => filterChoices(repos, term) })).resolves.toBe('acme/search-api');
    expect(offered).toEqual(['First?', ['acme/search', 'acme/search-api', 'acme/payments-api', 'acme/ledger', 'acme/Ledger-UI']]);
    await expect(prompts.search({ message: 'Second?', source: async () => repos })).resolves.toBe('acme/ledger');
    expect(prompts.asked).toEqual(['First?', 'Second?']);
  });
});
