import type { GithubClient } from '../sources/github/client.js';
import { discoverGithub } from './discover/github.js';
import { discoverKubernetes, type ContextDiscovery } from './discover/kubernetes.js';
import { proposeEnvironments } from './propose/environments.js';
import { ACCEPT_AT, mapWorkloads } from './propose/mapping.js';
import { proposeProjects } from './propose/projects.js';
import { proposeTickets } from './propose/tickets.js';
import type { DiscoveredRepo, DiscoveredWorkload, EnvironmentProposal, Mapping } from './types.js';

export interface Discovery {
  repos: DiscoveredRepo[];
  clusters: ContextDiscovery[];
  workloads: DiscoveredWorkload[];
}

export interface DiscoverOptions {
  client: GithubClient;
  owner: string;
  kubeconfig?: string;
  contexts: string[];
  onProgress?: (what: 'repositories' | 'workloads', count: number, detail?: string) => void;
}

/** Repositories and workloads, side by side (GitHub and the clusters are read at the same time). */
export async function discover(options: DiscoverOptions): Promise<Discovery> {
  let workloadCount = 0;
  const [repos, clusters] = await Promise.all([
    discoverGithub(options.client, options.owner, (n) => options.onProgress?.('repositories', n)),
    discoverKubernetes(options.kubeconfig, options.contexts, {
      onContext: (context, n) => {
        workloadCount += n;
        options.onProgress?.('workloads', workloadCount, context);
      },
    }),
  ]);
  return { repos, clusters, workloads: clusters.flatMap((c) => c.workloads) };
}

/** Shell-style globs (`payments-*`, `*-api`) against repository names. */
export function matchesGlob(name: string, glob: string): boolean {
  const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

export interface Proposal {
  environments: EnvironmentProposal[];
  unclassified: string[];
  mappings: Mapping[];
  unmatched: DiscoveredWorkload[];
  projects: Map<string, string[]>;
  projectsBy: 'team' | 'prefix';
  tickets: { jiraProjects: { key: string; count: number }[]; githubIssues: boolean };
}

/** Every proposal from one discovery, for the selected repositories. */
export function propose(discovery: Discovery, selected: readonly DiscoveredRepo[]): Proposal {
  // Mapped against every repository found, then narrowed to the selected ones: a workload of an
  // unselected repository must not go to a selected one that merely has a similar name.
  const chosen = new Set(selected.map((r) => r.repository));
  const all = mapWorkloads(discovery.repos, discovery.workloads);
  const mappings = all.mappings.filter((m) => chosen.has(m.repository));
  const unmatched = all.unmatched;
  // Environments come from where the selected repositories run (by mappings sure enough to be taken).
  const scan = proposeEnvironments(mappings.filter((m) => m.confidence >= ACCEPT_AT).map((m) => m.workload));
  const { projects, by } = proposeProjects(selected);
  return { environments: scan.proposals, unclassified: scan.unclassified, mappings, unmatched, projects, projectsBy: by, tickets: proposeTickets(selected) };
}
