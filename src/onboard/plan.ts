import type { GithubClient } from '../sources/github/client.js';
import { discoverGithub } from './discover/github.js';
import { discoverKubernetes, type ContextDiscovery } from './discover/kubernetes.js';
import { proposeEnvironments } from './propose/environments.js';
import { ACCEPT_AT, mapWorkloads } from './propose/mapping.js';
import { proposeProjects } from './propose/projects.js';
import { isMetaRepository } from './propose/services.js';
import { proposeTickets, type TicketProposal } from './propose/tickets.js';
import type { DiscoveredRepo, DiscoveredWorkload, EnvironmentProposal, Mapping, ThirdPartyWorkload } from './types.js';

export interface Discovery {
  owner: string;
  repos: DiscoveredRepo[];
  clusters: ContextDiscovery[];
  workloads: DiscoveredWorkload[];
}

export interface DiscoverOptions {
  client: GithubClient;
  owner: string;
  kubeconfig?: string;
  contexts: string[];
  /** Repositories found so far; or one context done, with its own count, how many contexts are done and the workloads in all of them. */
  onProgress?: (event: { what: 'repositories'; count: number } | { what: 'workloads'; context: string; count: number; done: number; of: number; total: number }) => void;
}

/** Repositories and workloads, side by side (GitHub and the clusters are read at the same time). */
export async function discover(options: DiscoverOptions): Promise<Discovery> {
  let total = 0;
  let done = 0;
  const [repos, clusters] = await Promise.all([
    discoverGithub(options.client, options.owner, (count) => options.onProgress?.({ what: 'repositories', count })),
    discoverKubernetes(options.kubeconfig, options.contexts, {
      onContext: (context, count) => {
        total += count;
        done++;
        options.onProgress?.({ what: 'workloads', context, count, done, of: options.contexts.length, total });
      },
    }),
  ]);
  return { owner: options.owner, repos, clusters, workloads: clusters.flatMap((c) => c.workloads) };
}

/** Shell-style globs (`payments-*`, `*-api`) against repository names. */
export { matchesGlob } from '../util/glob.js';

/** What the workloads say about the repositories, before any is selected: the mapping of every workload. */
export interface Survey {
  mappings: Mapping[];
  thirdParty: ThirdPartyWorkload[];
  unmatched: DiscoveredWorkload[];
  /** Repositories some workload runs or may run (a doubtful mapping's guess and its near ties): the "deployed" mark. */
  deployed: Set<string>;
}

/**
 * Maps every workload against every repository (archived ones and forks included, so a workload of
 * one is not pinned on a look-alike), lets `settle` improve the mappings (discover/commits.ts asks
 * GitHub which candidate holds the commit an image tag names), and marks the repositories that run
 * somewhere.
 */
export async function survey(discovery: Discovery, settle?: (mappings: Mapping[]) => Promise<Mapping[]>): Promise<Survey> {
  const mapped = mapWorkloads(discovery.repos, discovery.workloads, discovery.owner);
  const result = settle ? { ...mapped, mappings: await settle(mapped.mappings) } : mapped;
  // Marked deployed: what a workload surely runs, and what a doubtful one may run (its guess and those as likely).
  const deployed = new Set<string>();
  for (const m of result.mappings) {
    deployed.add(m.repository);
    if (m.confidence < ACCEPT_AT) for (const a of m.alternatives ?? []) if (a.confidence >= m.confidence - 0.05) deployed.add(a.repository);
  }
  return { ...result, deployed };
}

export interface Proposal {
  environments: EnvironmentProposal[];
  unclassified: string[];
  /** Mappings to the selected repositories (sure and doubtful). */
  mappings: Mapping[];
  thirdParty: ThirdPartyWorkload[];
  unmatched: DiscoveredWorkload[];
  /** Selected repositories that no workload runs (not even by a doubtful mapping): left out unless kept. */
  idle: DiscoveredRepo[];
  /** Selected repositories that hold no service (`.github`): never services. */
  meta: DiscoveredRepo[];
  projects: Map<string, string[]>;
  projectsBy: 'team' | 'prefix';
  tickets: TicketProposal;
}

/** Every proposal for the selected repositories, from one survey. */
export function propose(discovery: Discovery, found: Survey, selected: readonly DiscoveredRepo[]): Proposal {
  // Mapped against every repository found, then narrowed to the selected ones: a workload of an
  // unselected repository must not go to a selected one that merely has a similar name.
  const chosen = new Set(selected.map((r) => r.repository));
  // A doubtful workload is the selection's too when one of its near candidates is selected: it is asked.
  const mappings = found.mappings.filter((m) => chosen.has(m.repository) || (m.confidence < ACCEPT_AT && (m.alternatives ?? []).some((a) => chosen.has(a.repository) && a.confidence >= m.confidence - 0.05)));
  const mapped = new Set(mappings.map((m) => m.repository));
  const meta = selected.filter(isMetaRepository);
  const idle = selected.filter((r) => !isMetaRepository(r) && !mapped.has(r.repository));
  // Environments come from where the organisation's own workloads run (by mappings sure enough to be taken).
  const own = found.mappings.filter((m) => m.confidence >= ACCEPT_AT);
  const scan = proposeEnvironments((own.some((m) => chosen.has(m.repository)) ? own.filter((m) => chosen.has(m.repository)) : own).map((m) => m.workload));
  const { projects, by } = proposeProjects(selected.filter((r) => !isMetaRepository(r)));
  return { environments: scan.proposals, unclassified: scan.unclassified, mappings, thirdParty: found.thirdParty, unmatched: found.unmatched, idle, meta, projects, projectsBy: by, tickets: proposeTickets(selected) };
}
