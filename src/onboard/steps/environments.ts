import { parse, stringify } from 'yaml';
import { parseEnvFlag } from '../env-flag.js';
import type { Prompts } from '../../ui/prompts.js';
import type { EnvironmentProposal } from '../types.js';

/** Environments: --env flags, else the proposals, confirmed or edited (rename, reorder, change) as YAML. */
export async function chooseEnvironments(proposals: EnvironmentProposal[], flags: string[] | undefined, prompts: Prompts | undefined, say: (text: string) => void): Promise<EnvironmentProposal[]> {
  if (flags?.length) return flags.map((f) => ({ ...parseEnvFlag(f), reason: 'from --env' }));
  if (!prompts) return proposals;
  let current = proposals;
  for (;;) {
    say(`Environments, in promotion order:\n${current.map((e, i) => `  ${i + 1}. ${e.name.padEnd(10)} ${e.context}${e.namespaces ? ` / ${e.namespaces.join(', ')}` : ''}  (${e.reason})`).join('\n')}`);
    const action = await prompts.select({
      message: 'Use these environments?',
      choices: [
        { name: 'Yes', value: 'yes' },
        { name: 'Edit them (rename, reorder, change contexts or namespaces)', value: 'edit' },
      ],
    });
    if (action === 'yes') return current;
    const text = await prompts.editor({
      message: 'Edit the environments',
      default: stringify(current.map((e) => ({ name: e.name, context: e.context, ...(e.namespaces ? { namespaces: e.namespaces } : {}) }))),
      postfix: '.yaml',
    });
    try {
      const edited = parse(text) as { name?: unknown; context?: unknown; namespaces?: unknown }[];
      if (!Array.isArray(edited) || edited.some((e) => typeof e?.name !== 'string' || typeof e?.context !== 'string')) throw new Error('each entry needs a name and a context');
      current = edited.map((e) => ({ name: e.name as string, context: e.context as string, namespaces: Array.isArray(e.namespaces) ? (e.namespaces as string[]) : null, reason: 'edited' }));
    } catch (error) {
      say(`That did not read as a list of environments: ${(error as Error).message}. Try again.`);
    }
  }
}
