import { stringify } from 'yaml';
import { chooseContainer } from '../sources/kubernetes/containers.js';
import { matchesLabelSelector, parseLabelSelector } from '../sources/kubernetes/label-selector.js';
import type { DiscoveredRepo, DiscoveredWorkload, EnvironmentProposal, EnvironmentTarget, Mapping } from './types.js';
import { mainContainer } from './propose/mapping.js';
import { serviceNameFor, type ServiceProposal } from './propose/services.js';
import { proposeVersion } from './propose/version.js';

export interface ConfigPlan {
  /** Every repository discovered (for names and folders). */
  repos: DiscoveredRepo[];
  environments: EnvironmentProposal[];
  /** The services to write, from accepted mappings. */
  services: ServiceProposal[];
  /** Repositories the user kept although no workload runs them: a service each, without a workload. */
  kept?: DiscoveredRepo[];
  /** project name → repositories */
  projects: Map<string, string[]>;
  tickets: { jiraProjects: string[]; githubIssues: boolean; hosts?: string[] };
  /** Every workload discovered: a proposed label selector must match only its own. */
  workloads?: DiscoveredWorkload[];
  githubUrl?: string;
  kubeconfig?: string;
  /** Path of the config's JSON Schema, as the config file should point at it (relative to the config's folder, or absolute). */
  schema?: string;
}

export interface BuiltConfig {
  raw: Record<string, unknown>;
  yaml: string;
  /** Things the user should look at: services missing in an environment, names that differ between environments. */
  notes: string[];
}

const DEFAULT_GITHUB = 'https://api.github.com';

/** Whether a namespace is one a target lists; "{project}" in a listed name stands for any project name. */
export function namespaceListed(namespaces: readonly string[] | null, namespace: string): boolean {
  if (!namespaces) return true;
  return namespaces.some((n) => (n.includes('{project}') ? new RegExp(`^${n.split('{project}').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9-]+')}$`).test(namespace) : n === namespace));
}

const inTarget = (w: DiscoveredWorkload, t: EnvironmentTarget) => w.context === t.context && namespaceListed(t.namespaces, w.namespace);
/** Whether a workload belongs to an environment: in one of its targets. */
export const inEnvironment = (w: DiscoveredWorkload, env: EnvironmentProposal) => env.targets.some((t) => inTarget(w, t));

/** A target's namespace list: "{project}-dev" when one pattern fits every project, else the namespaces themselves. */
function namespacesFor(target: EnvironmentTarget, byProject: Map<string, Set<string>>): string[] | undefined {
  const pairs = [...byProject].filter(([, ns]) => ns.size > 0);
  if (pairs.length === 0) return target.namespaces ?? undefined;
  if (pairs.every(([, ns]) => ns.size === 1)) {
    const [project, ns] = pairs[0];
    const only = [...ns][0];
    if (only.includes(project)) {
      const template = only.replace(project, '{project}');
      if (pairs.every(([p, set]) => [...set][0] === template.replace('{project}', p))) return [template];
    }
  }
  return [...new Set(pairs.flatMap(([, ns]) => [...ns]))].sort();
}

/**
 * How the service's workloads are found: nothing when every environment names it like the service;
 * `name` when one other name is used everywhere; a label selector shared by all of them and matching
 * no other workload in their namespaces; else the first name, with a note. `kind` when it is not a
 * Deployment; `container` when snap's own choice (chooseContainer) would not pick the application's.
 */
function workloadFor(service: { name: string; repository: string }, mine: Mapping[], all: readonly DiscoveredWorkload[], note: (text: string) => void): Record<string, string> {
  const workload: Record<string, string> = {};
  const kinds = [...new Set(mine.map((m) => m.workload.kind))];
  if (kinds.length === 1 && kinds[0] !== 'Deployment') workload.kind = kinds[0];
  const names = [...new Set(mine.map((m) => m.workload.name))];
  if (names.length === 1 && names[0] !== service.name) workload.name = names[0];
  else if (names.length > 1) {
    const places = new Set(mine.map((m) => `${m.workload.context}/${m.workload.namespace}`));
    const neighbours = all.filter((w) => places.has(`${w.context}/${w.namespace}`) && !mine.some((m) => m.workload === w));
    const selector = ['app.kubernetes.io/name', 'app', 'k8s-app', 'app.kubernetes.io/instance']
      .map((key) => {
        const values = new Set(mine.map((m) => m.workload.labels[key]));
        return values.size === 1 && !values.has(undefined as unknown as string) ? `${key}=${mine[0].workload.labels[key]}` : undefined;
      })
      .find((s) => s && !neighbours.some((w) => matchesLabelSelector(parseLabelSelector(s!), w.labels)));
    if (selector) workload.selector = selector;
    else {
      workload.name = names[0];
      note(`the workload is named ${names.join(', ')} in different environments, and no label names all of them alone; using ${names[0]} (set workload.selector)`);
    }
  }
  const main = mainContainer(mine[0].workload);
  const app = mine[0].workload.containers.filter((c) => !c.init);
  if (main && app.length > 1) {
    const chosen = chooseContainer(app, { name: service.name, repository: service.repository, workload: {} }, '').container;
    if (chosen?.name !== main.name) workload.container = main.name;
  }
  return workload;
}

/** The config file from the accepted proposals, its YAML (with a schema line for editors), and notes for the user. */
export function buildConfig(plan: ConfigPlan, now = new Date()): BuiltConfig {
  const notes: string[] = [];
  const projectOf = new Map<string, string>();
  for (const [project, repos] of plan.projects) for (const r of repos) projectOf.set(r, project);
  const all = plan.workloads ?? plan.services.flatMap((s) => s.mappings.map((m) => m.workload));

  const environments = plan.environments.map((env) => {
    const targets = env.targets.map((target) => {
      const byProject = new Map<string, Set<string>>();
      for (const s of plan.services) {
        const project = projectOf.get(s.repository);
        if (!project) continue;
        for (const m of s.mappings) if (inTarget(m.workload, target)) byProject.set(project, (byProject.get(project) ?? new Set()).add(m.workload.namespace));
      }
      const namespaces = namespacesFor(target, byProject);
      return { context: target.context, ...(namespaces ? { namespaces } : {}) };
    });
    return targets.length === 1 ? { name: env.name, ...targets[0] } : { name: env.name, targets };
  });

  const projects = [...plan.projects]
    .map(([project, repositories]) => {
      const taken = new Set<string>();
      const unique = (name: string, repository: string) => {
        let candidate = name;
        const repoName = serviceNameFor(repository.split('/')[1]);
        if (taken.has(candidate) && !candidate.startsWith(`${repoName}-`)) candidate = `${repoName}-${name}`.slice(0, 63).replace(/-+$/, '');
        for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
        taken.add(candidate);
        return candidate;
      };
      const services = repositories.flatMap((repository) => {
        const mine = plan.services.filter((s) => s.repository === repository);
        const kept = mine.length === 0 && plan.kept?.some((r) => r.repository === repository);
        if (kept) {
          const name = unique(serviceNameFor(repository.split('/')[1]), repository);
          notes.push(`${project}/${name}: kept without a workload; snap will report it as not found until one runs`);
          return [{ name, repository }];
        }
        return mine.map((s) => {
          const name = unique(s.name, repository);
          const inEnvs = s.mappings.filter((m) => plan.environments.some((e) => inEnvironment(m.workload, e)));
          const where = inEnvs.length ? inEnvs : s.mappings;
          // Where it runs, when not everywhere: snap then looks for it only there.
          const present = plan.environments.filter((e) => where.some((m) => inEnvironment(m.workload, e))).map((e) => e.name);
          const only = present.length && present.length < plan.environments.length ? present : undefined;
          const workload = workloadFor({ name, repository }, where, all, (text) => notes.push(`${project}/${name}: ${text}`));
          const version = proposeVersion(
            where.map((m) => m.workload),
            workload.container,
          );
          return {
            name,
            repository,
            ...(Object.keys(workload).length ? { workload } : {}),
            ...(version.from !== 'image-tag' ? { version: { from: version.from, key: version.key } } : {}),
            ...(s.paths ? { paths: s.paths } : {}),
            ...(only ? { environments: only } : {}),
          };
        });
      });
      return { name: project, services };
    })
    .filter((p) => p.services.length > 0);

  const raw: Record<string, unknown> = {
    version: 1,
    ...(plan.githubUrl && plan.githubUrl !== DEFAULT_GITHUB ? { github: { url: plan.githubUrl } } : {}),
    ...(plan.kubeconfig ? { kubernetes: { kubeconfig: plan.kubeconfig } } : {}),
    tickets: {
      ...(plan.tickets.jiraProjects.length ? { jiraProjects: plan.tickets.jiraProjects } : {}),
      githubIssues: plan.tickets.githubIssues,
      ...(plan.tickets.hosts?.length ? { hosts: plan.tickets.hosts } : {}),
    },
    environments,
    projects,
  };
  const header = [
    ...(plan.schema ? [`# yaml-language-server: $schema=${plan.schema}`] : []),
    `# snap configuration, written by \`snap onboard\` on ${now.toISOString().slice(0, 10)}.`,
    '# Check it with `snap config validate`; every key is described in the README and in the JSON Schema above.',
  ].join('\n');
  return { raw, yaml: `${header}\n${stringify(raw)}`, notes };
}



