import { usageError } from '../errors.js';

/** `--env dev=nonprod/payments-dev` → an environment; the namespace may hold "{project}" or be left out. */
export function parseEnvFlag(value: string): { name: string; context: string; namespaces: string[] | null } {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([^/\s]+)(?:\/(.+))?$/.exec(value.trim());
  if (!match) throw usageError(`--env takes name=context or name=context/namespace, not "${value}"`, 'e.g. --env dev=nonprod/{project}-dev --env prod=prod-cluster');
  return { name: match[1], context: match[2], namespaces: match[3] ? match[3].split(',') : null };
}
