import { stringify } from 'yaml';
import type { DiscoveredRepo, EnvironmentProposal, Mapping } from './types.js';
import { proposeVersion } from './propose/version.js';

export interface ConfigPlan {
  repos: DiscoveredRepo[];
  environments: EnvironmentProposal[];
  mappings: Mapping[];
  /** project name → repositories */
  projects: Map<string, string[]>;
  tickets: { jiraProjects: string[]; githubIssues: boolean };
  githubUrl?: string;
  kubeconfig?: string;
}

export interface BuiltConfig {
  raw: Record<string, unknown>;
  yaml: string;
  /** Things the user should look at: services missing in an environment, names that differ between environments. */
  notes: string[];
}

const DEFAULT_GITHUB = 'https://api.github.com';

/** The namespace list of one environment: "{project}-dev" when one pattern fits every project, else the namespaces themselves. */
function namespacesFor(env: EnvironmentProposal, byProject: Map<string, Set<string>>): string[] | undefined {
  const pairs = [...byProject].filter(([, ns]) => ns.size > 0);
  if (pairs.length === 0) return env.namespaces ?? undefined;
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

export function buildConfig(plan: ConfigPlan, now = new Date()): BuiltConfig {
  const notes: string[] = [];
  const inEnv = (m: Mapping, env: EnvironmentProposal) => m.workload.context === env.context && (!env.namespaces || env.namespaces.includes(m.workload.namespace));
  const projectOf = new Map<string, string>();
  for (const [project, repos] of plan.projects) for (const r of repos) projectOf.set(r, project);

  const environments = plan.environments.map((env) => {
    const byProject = new Map<string, Set<string>>();
    for (const m of plan.mappings.filter((x) => inEnv(x, env))) {
      const project = projectOf.get(m.repository);
      if (!project) continue;
      byProject.set(project, (byProject.get(project) ?? new Set()).add(m.workload.namespace));
    }
    const namespaces = namespacesFor(env, byProject);
    return { name: env.name, context: env.context, ...(namespaces ? { namespaces } : {}) };
  });

  const projects = [...plan.projects].map(([project, repositories]) => ({
    name: project,
    services: repositories.map((repository) => {
      const repo = plan.repos.find((r) => r.repository === repository);
      const name = repo?.name ?? repository.split('/')[1];
      const mine = plan.mappings.filter((m) => m.repository === repository && plan.environments.some((e) => inEnv(m, e)));
      const missing = plan.environments.filter((e) => !mine.some((m) => inEnv(m, e))).map((e) => e.name);
      if (missing.length) notes.push(`${project}/${name}: no workload found in ${missing.join(', ')}`);
      const names = [...new Set(mine.map((m) => m.workload.name))];
      const workload: Record<string, string> = {};
      if (names.length === 1 && names[0] !== name) workload.name = names[0];
      else if (names.length > 1) {
        const label = ['app.kubernetes.io/name', 'app'].find((key) => {
          const values = new Set(mine.map((m) => m.workload.labels[key]));
          return values.size === 1 && !values.has(undefined as unknown as string);
        });
        if (label) workload.selector = `${label}=${mine[0].workload.labels[label]}`;
        else {
          workload.name = names[0];
          notes.push(`${project}/${name}: the Deployment is named ${names.join(', ')} in different environments; using ${names[0]} (edit workload.name or set a selector)`);
        }
      }
      // The container holding the version: the one whose image is named like the repository.
      const containers = mine[0]?.workload.containers ?? [];
      const imageMatch = containers.find((c) => c.image.split(':')[0].split('/').pop() === name);
      if (containers.length > 1 && imageMatch && imageMatch.name !== name) workload.container = imageMatch.name;
      const version = proposeVersion(mine.map((m) => m.workload), workload.container);
      return {
        name,
        repository,
        ...(Object.keys(workload).length ? { workload } : {}),
        ...(version.from !== 'image-tag' ? { version: { from: version.from, key: version.key } } : {}),
      };
    }),
  }));

  const raw: Record<string, unknown> = {
    version: 1,
    ...(plan.githubUrl && plan.githubUrl !== DEFAULT_GITHUB ? { github: { url: plan.githubUrl } } : {}),
    ...(plan.kubeconfig ? { kubernetes: { kubeconfig: plan.kubeconfig } } : {}),
    tickets: { ...(plan.tickets.jiraProjects.length ? { jiraProjects: plan.tickets.jiraProjects } : {}), githubIssues: plan.tickets.githubIssues },
    environments,
    projects,
  };
  const header = `# snap configuration, written by \`snap onboard\` on ${now.toISOString().slice(0, 10)}.\n# Check it with \`snap config validate\`; every key is described in the README and schema/snap.config.schema.json.\n`;
  return { raw, yaml: `${header}${stringify(raw)}`, notes };
}
