import { parse, stringify } from 'yaml';
import { parseEnvFlag } from '../env-flag.js';
import type { Prompts } from '../../ui/prompts.js';
import type { EnvironmentProposal, EnvironmentTarget } from '../types.js';

/** One environment as the user reads and edits it: context and namespaces, or targets when there are several clusters. */
export function environmentYaml(envs: readonly EnvironmentProposal[]): string {
  return stringify(envs.map((e) => (e.targets.length === 1 ? { name: e.name, context: e.targets[0].context, ...(e.targets[0].namespaces ? { namespaces: e.targets[0].namespaces } : {}) } : { name: e.name, targets: e.targets.map((t) => ({ context: t.context, ...(t.namespaces ? { namespaces: t.namespaces } : {}) })) })));
}

/** The comment above the list in the editor: what it is and how it is read. */
const EDIT_HELP = `# The environments, in promotion order (dev before prod). Rename, reorder, remove, or change their
# context (a kube context of your kubeconfig) and namespaces (leave namespaces out to read them all).
# An environment on several clusters: "targets:" with a context (and namespaces) each. Lines starting
# with # are ignored. Save and close the editor to go on.
`;

/** Reads the edited list back; throws an Error naming what is wrong (a context the kubeconfig lacks too). */
function readEnvironments(text: string, contexts?: readonly string[]): EnvironmentProposal[] {
  const edited = parse(text) as { name?: unknown; context?: unknown; namespaces?: unknown; targets?: unknown }[];
  if (!Array.isArray(edited)) throw new Error('expected a list of environments');
  const target = (t: { context?: unknown; namespaces?: unknown }): EnvironmentTarget => {
    if (typeof t?.context !== 'string') throw new Error('each environment (or target) needs a context');
    if (contexts && !contexts.includes(t.context)) throw new Error(`context "${t.context}" is not in the kubeconfig (its contexts: ${contexts.join(', ')})`);
    return { context: t.context, namespaces: Array.isArray(t.namespaces) ? (t.namespaces as string[]) : null };
  };
  if (edited.length === 0) throw new Error('the list is empty: snap needs at least one environment');
  const names = new Set<string>();
  return edited.map((e) => {
    if (typeof e?.name !== 'string') throw new Error('each environment needs a name');
    if (names.has(e.name)) throw new Error(`environment "${e.name}" is listed twice (several clusters go under one name as targets)`);
    names.add(e.name);
    const targets = Array.isArray(e.targets) ? (e.targets as { context?: unknown; namespaces?: unknown }[]).map(target) : [target(e)];
    return { name: e.name, targets, reason: 'edited' };
  });
}

/** `  1. prod       gke_…_prod-eu / payments-prd, …; arn:…/prod-us / …  (reason)` */
export function describeEnvironments(envs: readonly EnvironmentProposal[]): string {
  return envs.map((e, i) => `  ${i + 1}. ${e.name.padEnd(10)} ${e.targets.map((t) => `${t.context}${t.namespaces ? ` / ${t.namespaces.slice(0, 4).join(', ')}${t.namespaces.length > 4 ? `, … (${t.namespaces.length})` : ''}` : ''}`).join('; ')}  (${e.reason})`).join('\n');
}

/**
 * Environments: --env flags (the same name twice makes two targets: two prod regions), else the
 * proposals, confirmed or edited (rename, reorder, change) as YAML.
 */
export async function chooseEnvironments(proposals: EnvironmentProposal[], flags: string[] | undefined, prompts: Prompts | undefined, say: (text: string) => void, contexts?: readonly string[]): Promise<EnvironmentProposal[]> {
  if (flags?.length) {
    const envs: EnvironmentProposal[] = [];
    for (const flag of flags) {
      const { name, context, namespaces } = parseEnvFlag(flag, contexts);
      const seen = envs.find((e) => e.name === name);
      if (seen) seen.targets.push({ context, namespaces });
      else envs.push({ name, targets: [{ context, namespaces }], reason: 'from --env' });
    }
    return envs;
  }
  if (!prompts) return proposals;
  let current = proposals;
  // A rejected edit: the user's text, reopened with the problem above it.
  let draft: string | undefined;
  for (;;) {
    if (!draft) say(`Environments, in promotion order:\n${describeEnvironments(current)}`);
    const action = draft
      ? 'edit'
      : await prompts.select({
          message: 'Use these environments?',
          choices: [
            { name: 'Yes', value: 'yes' },
            { name: 'Edit them (rename, reorder, change contexts or namespaces)', value: 'edit' },
          ],
        });
    if (action === 'yes') return current;
    const opened = draft ?? `${EDIT_HELP}${environmentYaml(current)}`;
    const text = await prompts.editor({ message: 'Edit the environments', default: opened, postfix: '.yaml' });
    // Saved unchanged, or emptied: the user gives up the edit; back to the list (an editor that does not wait would otherwise loop).
    if (text.trim() === '' || text === opened) {
      say(text.trim() === '' ? 'The edit was emptied: back to the environments as they were.' : 'Nothing was changed: back to the environments as they were.');
      draft = undefined;
      continue;
    }
    try {
      current = readEnvironments(text, contexts);
      draft = undefined;
    } catch (error) {
      say(`That did not read as a list of environments: ${(error as Error).message}. It opens again with the problem at the top.`);
      draft = `# ✖ ${(error as Error).message}\n${text.replace(/^# ✖ .*\n/, '')}`;
    }
  }
}
