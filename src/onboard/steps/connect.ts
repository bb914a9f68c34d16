import { usageError } from '../../errors.js';
import type { Prompts } from '../../ui/prompts.js';

/** Which GitHub owner: the flag, else the only organisation, else a question (or, without one, an error naming --owner). */
export async function chooseOwner(owners: { viewer: string; organizations: string[] }, flag: string | undefined, prompts: Prompts | undefined): Promise<string> {
  if (flag) return flag;
  if (owners.organizations.length === 1) return owners.organizations[0];
  if (owners.organizations.length === 0) return owners.viewer;
  if (!prompts) throw usageError(`the token sees several owners (${[owners.viewer, ...owners.organizations].join(', ')}); pass --owner`, `e.g. --owner ${owners.organizations[0]}`);
  return prompts.select({
    message: 'GitHub owner',
    choices: [...owners.organizations.map((o) => ({ name: o, value: o, description: 'organisation' })), { name: owners.viewer, value: owners.viewer, description: 'your own repositories' }],
  });
}

/** Which kube contexts: the flags (checked against the kubeconfig), else all, else a question with all checked. */
export async function chooseContexts(available: string[], flags: string[] | undefined, prompts: Prompts | undefined): Promise<string[]> {
  if (flags?.length) {
    const unknown = flags.filter((c) => !available.includes(c));
    if (unknown.length) throw usageError(`no context ${unknown.join(', ')} in the kubeconfig (it has ${available.join(', ') || 'none'})`, 'pass --context with one of those, or --kubeconfig');
    return flags;
  }
  if (!prompts || available.length <= 1) return available;
  return prompts.multiSelect({ message: 'Kube contexts to look in', items: available.map((c) => ({ value: c, name: c, checked: true })), required: true, filterHelp: 'type to filter' });
}
