import { usageError } from '../../errors.js';
import { parse, stringify } from 'yaml';
import { parseEnvFlag } from '../env-flag.js';
import type { Prompts } from '../../ui/prompts.js';
import type { EnvironmentProposal } from '../types.js';

/** Environments: --env flags, else the proposals, confirmed or edited (rename, reorder, change) as YAML. */
export async function chooseEnvironments(proposals: EnvironmentProposal[], flags: string[] | undefined, prompts: Prompts | undefined, say: (text: string) => void): Promise<EnvironmentProposal[]> {
  if (flags?.length) {
    const envs = flags.map((f) => ({ ...parseEnvFlag(f), reason: 'from --env' }));
    const twice = envs.find((e, i) => envs.findIndex((x) => x.name === e.name) !== i);
    if (twice) {
      throw usageError(
        `--env names environment "${twice.name}" twice`,
        `give each --env its own environment; an environment on several clusters (prod-eu and prod-us) is written as "targets:" in the config (see the README, Configuration): onboard one cluster, then add the other under targets`,
      );
    }
    return envs;
  }
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
