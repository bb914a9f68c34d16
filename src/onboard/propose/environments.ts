import type { DiscoveredWorkload, EnvironmentProposal } from '../types.js';

/**
 * Environments from namespace and context names. A name is split into whole tokens
 * (`bank-integration-prd` → bank, integration, prd); a token names an environment kind, in promotion
 * order. Only a token at the end a context's namespaces share counts (`*-dev`, `*-stg`, `*-prd`, or
 * `dev-*`): `integration` in the middle of `bank-integration-prd` is a team's word, not an
 * environment. A context's namespaces decide only when they follow such a pattern; otherwise the
 * context's name does (one cluster per environment). `nonprod` / `np` never mean prod.
 */
export const ENVIRONMENT_KINDS: { name: string; tokens: string[] }[] = [
  { name: 'dev', tokens: ['dev', 'development', 'develop'] },
  { name: 'test', tokens: ['test', 'tst', 'testing', 'int', 'integration'] },
  { name: 'qa', tokens: ['qa'] },
  { name: 'staging', tokens: ['staging', 'stage', 'stg'] },
  { name: 'uat', tokens: ['uat'] },
  { name: 'preprod', tokens: ['preprod', 'pprod', 'preproduction'] },
  { name: 'prod', tokens: ['prod', 'production', 'prd', 'live'] },
];

/** Lower-case tokens of a name: `gke_acme-prod_europe-west1_prod-eu` → gke, acme, prod, europe, west1, prod, eu. */
export const nameTokens = (name: string) => name.toLowerCase().split(/[-_.:/\s]+/).filter(Boolean);

const kindOfToken = (token: string) => ENVIRONMENT_KINDS.find((k) => k.tokens.includes(token))?.name;

/** The environment kind a whole name points at, if any (any token counts; `pre-prod` and `nonprod` read as one). */
export function environmentOf(name: string): string | undefined {
  const parts = nameTokens(name);
  const joined = parts.map((p, i) => (i + 1 < parts.length ? `${p}-${parts[i + 1]}` : '')).filter(Boolean);
  if (joined.includes('pre-prod') || parts.some((p) => ENVIRONMENT_KINDS[5].tokens.includes(p))) return 'preprod';
  if (joined.includes('non-prod') || parts.includes('nonprod') || parts.includes('np')) {
    // A non-prod name may still name its environment: "nonprod-staging".
    return ENVIRONMENT_KINDS.slice(0, 5).find((k) => parts.some((p) => k.tokens.includes(p)))?.name;
  }
  return ENVIRONMENT_KINDS.find((k) => parts.some((p) => k.tokens.includes(p)))?.name;
}

/** The environment kind named by a name's first or last token only: `payments-prd` → prod, `bank-integration-api` → none. */
export function environmentAt(name: string, end: 'first' | 'last'): string | undefined {
  const parts = nameTokens(name);
  if (parts.length === 0) return undefined;
  if (end === 'last' && parts.length >= 2 && parts.at(-2) === 'pre' && parts.at(-1) === 'prod') return 'preprod';
  if (end === 'first' && parts.length >= 2 && parts[0] === 'pre' && parts[1] === 'prod') return 'preprod';
  if (end === 'last' && parts.length >= 2 && parts.at(-2) === 'non' && parts.at(-1) === 'prod') return undefined;
  return kindOfToken(end === 'first' ? parts[0] : parts[parts.length - 1]);
}

export const environmentRank = (name: string) => {
  const i = ENVIRONMENT_KINDS.findIndex((k) => k.name === name);
  return i < 0 ? ENVIRONMENT_KINDS.length : i;
};

export interface EnvironmentScan {
  proposals: EnvironmentProposal[];
  /** context/namespace pairs with workloads that name no environment. */
  unclassified: string[];
  /** The environment of each context/namespace pair that has one. */
  of: Map<string, string>;
}

interface ContextPattern {
  /** The end of namespace names that carries the environment, when the context's namespaces share one. */
  end?: 'first' | 'last';
  /** Namespaces whose name says the environment at that end. */
  named: string[];
  /** The environment the context's own name says. */
  contextEnv?: string;
}

/**
 * How one context's namespaces name environments: the end (first or last token) most of its
 * environment-naming namespaces use. When the context's own name says nothing (a shared cluster),
 * that pattern decides. When it names an environment, the pattern overrides it only when at least
 * two namespaces and half of them follow it; otherwise the context's name decides for every
 * namespace in it (`integration` in a prod cluster is a team's namespace).
 */
function patternOf(context: string, namespaces: readonly string[]): ContextPattern {
  const contextEnv = environmentOf(context);
  const byEnd = (end: 'first' | 'last') => namespaces.filter((n) => environmentAt(n, end));
  const last = byEnd('last');
  const first = byEnd('first');
  const [end, named] = last.length >= first.length ? (['last', last] as const) : (['first', first] as const);
  if (named.length === 0) return { contextEnv, named: [] };
  const kinds = new Set(named.map((n) => environmentAt(n, end)));
  // A cluster named for one environment keeps it unless its namespaces really split it (dev and staging namespaces in "nonprod-1").
  if (contextEnv && (named.length < 2 || named.length < namespaces.length / 2 || (kinds.size === 1 && kinds.has(contextEnv)))) return { contextEnv, named: [] };
  return { end, named, contextEnv };
}

/**
 * Environments, in promotion order, from where the organisation's own workloads run. An environment
 * found in several contexts (two prod regions) gets one target per context, when that context holds
 * at least 2 of its workloads. Each proposal's reason says which names decided it.
 */
export function proposeEnvironments(workloads: readonly DiscoveredWorkload[]): EnvironmentScan {
  const namespacesByContext = new Map<string, Set<string>>();
  for (const w of workloads) namespacesByContext.set(w.context, (namespacesByContext.get(w.context) ?? new Set()).add(w.namespace));
  const patterns = new Map([...namespacesByContext].map(([context, ns]) => [context, patternOf(context, [...ns])]));

  const of = new Map<string, string>();
  const byEnv = new Map<string, Map<string, { namespaces: Set<string>; count: number; via: 'namespace' | 'context' }>>();
  const unclassified = new Set<string>();
  for (const w of workloads) {
    const pattern = patterns.get(w.context)!;
    const fromNamespace = pattern.end ? environmentAt(w.namespace, pattern.end) : undefined;
    const env = fromNamespace ?? pattern.contextEnv;
    const key = `${w.context}/${w.namespace}`;
    if (!env) {
      unclassified.add(key);
      continue;
    }
    of.set(key, env);
    const contexts = byEnv.get(env) ?? new Map();
    byEnv.set(env, contexts);
    const entry = contexts.get(w.context) ?? { namespaces: new Set<string>(), count: 0, via: fromNamespace ? 'namespace' : 'context' };
    entry.namespaces.add(w.namespace);
    entry.count++;
    contexts.set(w.context, entry);
  }
  const proposals: EnvironmentProposal[] = [];
  for (const [env, contexts] of byEnv) {
    const ranked = [...contexts].sort((a, b) => b[1].count - a[1].count);
    const kept = ranked.filter(([, e], i) => i === 0 || e.count >= 2);
    const dropped = ranked.filter((r) => !kept.includes(r));
    const reasons = kept.map(([context, entry]) => {
      const pattern = patterns.get(context)!;
      if (entry.via === 'context') return `context ${context} says "${env}"`;
      const examples = [...entry.namespaces].sort().slice(0, 2).join(', ');
      return `namespaces in ${context} ${pattern.end === 'last' ? 'end' : 'start'} with an environment word (${examples}${entry.namespaces.size > 2 ? ', …' : ''})`;
    });
    for (const [context, entry] of dropped) for (const ns of entry.namespaces) unclassified.add(`${context}/${ns}`);
    proposals.push({
      name: env,
      targets: kept.map(([context, entry]) => ({ context, namespaces: [...entry.namespaces].sort() })),
      reason: `${reasons.join('; ')}${dropped.length ? ` (left out: ${dropped.map(([c, e]) => `${c} with ${e.count} workload`).join(', ')})` : ''}`,
    });
  }
  proposals.sort((a, b) => environmentRank(a.name) - environmentRank(b.name));
  return { proposals, unclassified: [...unclassified].sort(), of };
}
