import { usageError } from '../errors.js';

/**
 * `--env dev=nonprod/payments-dev` → an environment; the namespace may hold "{project}" or be left out.
 * A context that holds "/" itself (EKS: `arn:aws:eks:…:cluster/prod-us`) is read whole when it is one
 * of `contexts` (the kubeconfig's), the longest first. Throws a usage error (exit 2) naming the fix.
 */
export function parseEnvFlag(value: string, contexts: readonly string[] = []): { name: string; context: string; namespaces: string[] | null } {
  const trimmed = value.trim();
  const eq = trimmed.indexOf('=');
  const rest = eq > 0 ? trimmed.slice(eq + 1) : '';
  const known = [...contexts].sort((a, b) => b.length - a.length).find((c) => c.includes('/') && (rest === c || rest.startsWith(`${c}/`)));
  // A namespace holds no "/": with several, the context is all but the last part (an EKS context mistyped).
  const slashes = rest.split('/').length - 1;
  const split = known ? known.length : slashes > 1 ? rest.lastIndexOf('/') : -1;
  const match =
    split >= 0
      ? /^([A-Za-z0-9][A-Za-z0-9._-]*)=$/.exec(trimmed.slice(0, eq + 1)) && ([trimmed, trimmed.slice(0, eq), rest.slice(0, split), rest.length > split ? rest.slice(split + 1) || undefined : undefined] as const)
      : /^([A-Za-z0-9][A-Za-z0-9._-]*)=([^/\s]+)(?:\/(.+))?$/.exec(trimmed);
  if (!match) throw usageError(`--env takes name=context or name=context/namespace, not "${value}"`, 'e.g. --env dev=nonprod/{project}-dev --env prod=prod-cluster');
  const namespaces = match[3] ? match[3].split(',') : null;
  // A namespace Kubernetes could never have (RFC 1123 label; "{project}" stands for the project name).
  const bad = namespaces?.find((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n.replaceAll('{project}', 'p')) || n.replaceAll('{project}', 'p').length > 63);
  if (bad !== undefined) throw usageError(`--env ${match[1]}: "${bad}" is not a Kubernetes namespace name`, 'lower-case letters, digits and "-", at most 63 characters; "{project}" stands for the project name, e.g. --env dev=nonprod/{project}-dev');
  return { name: match[1], context: match[2], namespaces };
}
