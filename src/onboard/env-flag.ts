import { usageError } from '../errors.js';

/** `--env dev=nonprod/payments-dev` → an environment; the namespace may hold "{project}" or be left out. */
export function parseEnvFlag(value: string): { name: string; context: string; namespaces: string[] | null } {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([^/\s]+)(?:\/(.+))?$/.exec(value.trim());
  if (!match) throw usageError(`--env takes name=context or name=context/namespace, not "${value}"`, 'e.g. --env dev=nonprod/{project}-dev --env prod=prod-cluster');
  const namespaces = match[3] ? match[3].split(',') : null;
  // A namespace Kubernetes could never have (RFC 1123 label; "{project}" stands for the project name).
  const bad = namespaces?.find((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n.replaceAll('{project}', 'p')) || n.replaceAll('{project}', 'p').length > 63);
  if (bad !== undefined) throw usageError(`--env ${match[1]}: "${bad}" is not a Kubernetes namespace name`, 'lower-case letters, digits and "-", at most 63 characters; "{project}" stands for the project name, e.g. --env dev=nonprod/{project}-dev');
  return { name: match[1], context: match[2], namespaces };
}
