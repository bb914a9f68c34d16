import type { DiscoveredWorkload, EnvironmentProposal } from '../types.js';

/**
 * Environments from namespace and context names. Names are split into tokens (`payments-staging`,
 * `eu.prod-1`); a token names an environment kind, in promotion order. The namespace decides first
 * (a shared non-prod cluster holds dev and staging), then the context (one cluster per environment).
 * `nonprod` / `np` tokens say "not prod", never "prod".
 */
export const ENVIRONMENT_KINDS: { name: string; tokens: string[] }[] = [
  { name: 'dev', tokens: ['dev', 'development', 'develop'] },
  { name: 'test', tokens: ['test', 'tst', 'testing', 'int', 'integration'] },
  { name: 'qa', tokens: ['qa'] },
  { name: 'staging', tokens: ['staging', 'stage', 'stg'] },
  { name: 'uat', tokens: ['uat'] },
  { name: 'preprod', tokens: ['preprod', 'pre-prod', 'pprod', 'preproduction'] },
  { name: 'prod', tokens: ['prod', 'production', 'prd', 'live'] },
];

const tokens = (name: string) => name.toLowerCase().split(/[-_.:/\s]+/).filter(Boolean);

/** The environment kind a name points at, if any. */
export function environmentOf(name: string): string | undefined {
  const parts = tokens(name);
  const joined = parts.map((p, i) => (i + 1 < parts.length ? `${p}-${parts[i + 1]}` : '')).filter(Boolean);
  if (joined.includes('pre-prod') || parts.some((p) => ENVIRONMENT_KINDS[5].tokens.includes(p))) return 'preprod';
  if (joined.includes('non-prod') || parts.includes('nonprod') || parts.includes('np')) {
    // A non-prod name may still name its environment: "nonprod-staging".
    return ENVIRONMENT_KINDS.slice(0, 5).find((k) => parts.some((p) => k.tokens.includes(p)))?.name;
  }
  return ENVIRONMENT_KINDS.find((k) => parts.some((p) => k.tokens.includes(p)))?.name;
}

export const environmentRank = (name: string) => {
  const i = ENVIRONMENT_KINDS.findIndex((k) => k.name === name);
  return i < 0 ? ENVIRONMENT_KINDS.length : i;
};

export interface EnvironmentScan {
  proposals: EnvironmentProposal[];
  /** context/namespace pairs with workloads that name no environment. */
  unclassified: string[];
}

export function proposeEnvironments(workloads: readonly DiscoveredWorkload[]): EnvironmentScan {
  const byEnv = new Map<string, Map<string, { namespaces: Set<string>; count: number; via: 'namespace' | 'context' }>>();
  const unclassified = new Set<string>();
  for (const w of workloads) {
    const fromNamespace = environmentOf(w.namespace);
    const env = fromNamespace ?? environmentOf(w.context);
    if (!env) {
      unclassified.add(`${w.context}/${w.namespace}`);
      continue;
    }
    const contexts = byEnv.get(env) ?? new Map();
    byEnv.set(env, contexts);
    const entry = contexts.get(w.context) ?? { namespaces: new Set<string>(), count: 0, via: fromNamespace ? 'namespace' : 'context' };
    entry.namespaces.add(w.namespace);
    entry.count++;
    contexts.set(w.context, entry);
  }
  const proposals: EnvironmentProposal[] = [];
  for (const [env, contexts] of byEnv) {
    // One context per environment: the one running most of its workloads.
    const [context, entry] = [...contexts].sort((a, b) => b[1].count - a[1].count)[0];
    const others = [...contexts.keys()].filter((c) => c !== context);
    proposals.push({
      name: env,
      context,
      namespaces: [...entry.namespaces].sort(),
      reason: `${entry.via === 'namespace' ? 'namespace' : 'context'} names in ${context} say "${env}"${others.length ? ` (also seen in ${others.join(', ')})` : ''}`,
    });
  }
  proposals.sort((a, b) => environmentRank(a.name) - environmentRank(b.name));
  return { proposals, unclassified: [...unclassified].sort() };
}
