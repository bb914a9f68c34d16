import type { MultiSelectConfig } from './multi-select.js';

/**
 * Every question snap asks goes through this seam: the terminal implementation uses @inquirer, tests
 * pass scripted answers. Prompt libraries are loaded only when a question is asked.
 */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompts {
  select<T>(options: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  multiSelect<T>(options: MultiSelectConfig<T>): Promise<T[]>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
  editor(options: { message: string; default: string; postfix?: string }): Promise<string>;
}

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
  };
}

/** Answers from a list, in order; each question asked is recorded. For tests of single steps. */
export function scriptedPrompts(answers: unknown[]): Prompts & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string) => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`no scripted answer for "${message}"`);
    const answer = answers.shift();
    return typeof answer === 'function' ? (answer as (m: string) => unknown)(message) : answer;
  };
  return {
    asked,
    select: async (o) => next(o.message) as never,
    multiSelect: async (o) => next(o.message) as never,
    confirm: async (o) => next(o.message) as boolean,
    editor: async (o) => next(o.message) as string,
  };
}

/** Ctrl-C inside a prompt: @inquirer rejects with ExitPromptError. */
export function isPromptAbort(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ExitPromptError' || (error as { name?: string })?.name === 'AbortPromptError';
}
