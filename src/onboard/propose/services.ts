import type { DiscoveredRepo, Mapping } from '../types.js';
import { mainContainer, normal, withoutEnvironment } from './mapping.js';
import { parseImageReference } from './images.js';

/**
 * Services from accepted mappings: every workload built from a repository is a service, named after
 * the workload without environment words (`payments-api-prd` → `payments-api`), so a repository that
 * builds several workloads (the monorepo `platform` → auth, gateway, …; `billing-v2` → web and worker;
 * an api and its canary) gives several services. Workloads of one repository with the same image,
 * named differently but never in the same cluster, are one service named differently per
 * environment.
 */
export interface ServiceProposal {
  /** The service's name: a Kubernetes object name, so it is valid in the config and as a default workload name. */
  name: string;
  /** owner/name */
  repository: string;
  /** Its workloads, one per environment target (or per namespace). */
  mappings: Mapping[];
  /** Folders of the repository this service is built from, when the repository builds several and has one named like it. */
  paths?: string[];
}

const imagePath = (m: Mapping) => {
  const main = mainContainer(m.workload);
  const ref = main ? parseImageReference(main.image) : undefined;
  return ref ? `${ref.registry}/${ref.path}` : '';
};

/** Folders named like a service, in the layouts monorepos use: `services/auth`, `apps/auth`, `cmd/auth`, `packages/auth`, or `auth` at the root. */
function pathsFor(service: string, repo: DiscoveredRepo | undefined): string[] | undefined {
  if (!repo?.folders?.length) return undefined;
  const prefix = normal(repo.name);
  const wanted = new Set([service, service.startsWith(`${prefix}-`) ? service.slice(prefix.length + 1) : service]);
  const found = repo.folders.filter((f) => wanted.has(normal(f.slice(f.lastIndexOf('/') + 1))));
  // The deepest match only (services/auth, not a root folder auth as well), and only one.
  if (found.length === 0) return undefined;
  const depth = Math.max(...found.map((f) => f.split('/').length));
  const deepest = found.filter((f) => f.split('/').length === depth);
  return deepest.length === 1 ? deepest : undefined;
}

/** One service per (repository, workload name without environment words), merged as described above; `repos` gives the folders for `paths`. */
export function proposeServices(mappings: readonly Mapping[], repos: readonly DiscoveredRepo[]): ServiceProposal[] {
  const groups = new Map<string, Mapping[]>();
  for (const m of mappings) {
    const key = `${m.repository}\n${withoutEnvironment(m.workload.name) || normal(m.workload.name)}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  // Merge groups of a repository that run the same image in disjoint namespaces: one service named differently per environment.
  const list = [...groups].map(([key, members]) => ({ repository: key.split('\n')[0], base: key.split('\n')[1], members }));
  const merged: typeof list = [];
  for (const group of list.sort((a, b) => b.members.length - a.members.length || a.base.localeCompare(b.base))) {
    const image = imagePath(group.members[0]);
    // Renamed between environments, not two deployments: never both in one cluster.
    const contexts = new Set(group.members.map((m) => m.workload.context));
    const into = merged.find(
      (g) => g.repository === group.repository && image && group.members.every((m) => imagePath(m) === image) && g.members.every((m) => imagePath(m) === image && !contexts.has(m.workload.context)),
    );
    if (into) into.members.push(...group.members);
    else merged.push({ ...group, members: [...group.members] });
  }
  const byRepo = new Map<string, number>();
  for (const g of merged) byRepo.set(g.repository, (byRepo.get(g.repository) ?? 0) + 1);
  return merged
    .map((g) => {
      const repo = repos.find((r) => r.repository === g.repository);
      const paths = (byRepo.get(g.repository) ?? 0) > 1 ? pathsFor(g.base, repo) : undefined;
      return { name: g.base, repository: g.repository, mappings: g.members, ...(paths ? { paths } : {}) };
    })
    .sort((a, b) => a.repository.localeCompare(b.repository) || a.name.localeCompare(b.name));
}

/** Repositories that hold no service code: GitHub's special `.github` repository and other names starting with a dot. */
export const isMetaRepository = (repo: Pick<DiscoveredRepo, 'name'>) => repo.name.startsWith('.');

/**
 * A service name for a repository kept without a workload: lower case, letters, digits and "-"
 * (`PaymentsUI` → `payments-ui`, `payments_service` → `payments-service`), valid as a Kubernetes name.
 */
export function serviceNameFor(repoName: string): string {
  return normal(repoName).slice(0, 63).replace(/-+$/, '') || 'service';
}
