import type { MultiSelectConfig } from './multi-select.js';

/** One entry of a `select` or `search` list: `name` is what the user sees and what typing matches. */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/**
 * Every question snap asks goes through this seam: the terminal implementation uses @inquirer, tests
 * pass scripted answers. Prompt libraries are loaded only when a question is asked.
 */
export interface Prompts {
  select<T>(options: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  multiSelect<T>(options: MultiSelectConfig<T>): Promise<T[]>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
  editor(options: { message: string; default: string; postfix?: string }): Promise<string>;
  /**
   * One choice from a list that narrows as the user types: `source` gives the choices for the typed
   * term (undefined before anything is typed), best first. The highlight starts on `default` when it
   * is offered, else on the first choice; Enter picks the highlighted one, Tab copies its name into
   * the term.
   */
  search<T>(options: { message: string; source: (term: string | undefined) => Choice<T>[] | Promise<Choice<T>[]>; pageSize?: number; default?: T }): Promise<T>;
}

/** Choices narrowed by a typed term: those whose name contains every word of the term (case-insensitive), in the given (best-first) order; empty term: all of them. */
export function filterChoices<T>(choices: readonly Choice<T>[], term: string | undefined): Choice<T>[] {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return choices.filter((c) => words.every((w) => c.name.toLowerCase().includes(w)));
}

/** The prompts of an interactive terminal (stdin and stdout), each library imported on first use. */
export function terminalPrompts(): Prompts {
  return {
    async select(options) {
      const { select } = await import('@inquirer/prompts');
      return select({ ...options, pageSize: 12 });
    },
    async multiSelect(options) {
      const { multiSelect } = await import('./multi-select.js');
      return multiSelect(options) as Promise<never>;
    },
    async confirm(options) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm(options);
    },
    async editor(options) {
      const { editor } = await import('@inquirer/prompts');
      return editor({ ...options, waitForUserInput: false });
    },
    async search(options) {
      const { search } = await import('@inquirer/prompts');
      // @inquirer/search looks for the key `default`, so it is only passed when there is one.
      return search<unknown>({
        message: options.message,
        source: async (term) => options.source(term),
        pageSize: options.pageSize ?? 12,
        ...(options.default === undefined ? {} : { default: options.default }),
      }) as Promise<never>;
    },
  };
}

/**
 * Answers from a list, in order; each question asked is recorded. For tests of single steps. An
 * answer may be a function of the message (and, for `search` and `multiSelect`, of what is offered).
 */
export function scriptedPrompts(answers: unknown[]): Prompts & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string, offered?: unknown) => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`no scripted answer for "${message}"`);
    const answer = answers.shift();
    return typeof answer === 'function' ? (answer as (m: string, offered?: unknown) => unknown)(message, offered) : answer;
  };
  return {
    asked,
    select: async (o) => next(o.message) as never,
    multiSelect: async (o) => next(o.message, o.items) as never,
    confirm: async (o) => next(o.message) as boolean,
    editor: async (o) => next(o.message) as string,
    search: async (o) => next(o.message, await o.source(undefined)) as never,
  };
}

/** Ctrl-C inside a prompt: @inquirer rejects with ExitPromptError. */
export function isPromptAbort(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ExitPromptError' || (error as { name?: string })?.name === 'AbortPromptError';
}
