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
  /** Every workload discovered: what a service's lookup must not find besides its own. */
  workloads?: DiscoveredWorkload[];
  githubUrl?: string;
  kubeconfig?: string;
  /** Path of the config's JSON Schema, as the config file should point at it. */
  schema?: string;
}

export interface BuiltConfig {
  raw: Record<string, unknown>;
  yaml: string;
  /** Things the user should look at: names that differ between environments, services kept without a workload. */
  notes: string[];
  /** Services left out because snap run could not tell their workloads from others', and second copies left out of a service, with why. */
  dropped: { service: string; repository: string; reason: string }[];
  /** A project's environments with only its own namespaces (for a project added to an existing config). */
  environmentsOf: (project: string) => unknown[] | undefined;
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

/** How a service finds its workload, as `snap run` reads it (config `workload`). */
type Lookup = { kind?: string; name?: string; selector?: string; container?: string };

/**
 * What a lookup finds in one cluster among the listed namespaces, as snap run looks (workload-state.ts):
 * of its kind, or Deployments first and failing those another kind; by name (and selector), or by
 * selector alone. A selector is matched against the workload's own labels.
 */
function lookupFinds(lookup: Lookup, serviceName: string, context: string, namespaces: readonly string[] | null, all: readonly DiscoveredWorkload[]): DiscoveredWorkload[] {
  const name = lookup.name ?? (lookup.selector ? undefined : serviceName);
  const selector = lookup.selector ? parseLabelSelector(lookup.selector) : undefined;
  const found = all.filter(
    (w) =>
      w.context === context &&
      namespaceListed(namespaces, w.namespace) &&
      (!lookup.kind || w.kind === lookup.kind) &&
      (name === undefined || w.name === name) &&
      (!selector || matchesLabelSelector(selector, w.objectLabels ?? w.labels)),
  );
  if (lookup.kind) return found;
  const deployments = found.filter((w) => w.kind === 'Deployment');
  return deployments.length ? deployments : found;
}

/** Label keys a distinguishing selector is made of, most telling first. */
const SELECTOR_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/part-of', 'app.kubernetes.io/component', 'app', 'k8s-app', 'service', 'team', 'tier'];

/** The service's label-value pairs (own labels) that every one of its workloads carries: selector candidates, telling keys first. */
function sharedLabels(mine: readonly Mapping[]): string[] {
  const first = mine[0].workload.objectLabels ?? mine[0].workload.labels;
  const keys = Object.keys(first).filter((k) => mine.every((m) => (m.workload.objectLabels ?? m.workload.labels)[k] === first[k]) && /^[A-Za-z0-9._/-]+$/.test(first[k]));
  keys.sort((a, b) => (SELECTOR_KEYS.indexOf(a) + 1 || 99) - (SELECTOR_KEYS.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return keys.map((k) => `${k}=${first[k]}`);
}

/**
 * How the service's workloads are found: nothing when every environment names it like the service;
 * `name` when one other name is used everywhere; a label selector shared by all of them otherwise.
 * `kind` when it is not a Deployment; `container` when snap's own choice (chooseContainer) would not
 * pick the application's. Undefined when the names differ and no label names them all.
 */
function lookupFor(service: { name: string; repository: string }, mine: Mapping[]): Lookup | undefined {
  const lookup: Lookup = {};
  const kinds = [...new Set(mine.map((m) => m.workload.kind))];
  if (kinds.length === 1 && kinds[0] !== 'Deployment') lookup.kind = kinds[0];
  const names = [...new Set(mine.map((m) => m.workload.name))];
  if (names.length === 1 && names[0] !== service.name) lookup.name = names[0];
  else if (names.length > 1) {
    const selector = sharedLabels(mine)[0];
    if (!selector) return undefined;
    lookup.selector = selector;
  }
  const main = mainContainer(mine[0].workload);
  const app = mine[0].workload.containers.filter((c) => !c.init);
  if (main && app.length > 1) {
    const chosen = chooseContainer(app, { name: service.name, repository: service.repository, workload: {} }, '').container;
    if (chosen?.name !== main.name) lookup.container = main.name;
  }
  return lookup;
}

type RawTarget = { context: string; namespaces?: string[] };
type RawEnvironment = { name: string; context?: string; namespaces?: string[]; targets?: RawTarget[] };
const targetsOf = (e: RawEnvironment): RawTarget[] => e.targets ?? [{ context: e.context!, ...(e.namespaces ? { namespaces: e.namespaces } : {}) }];
const rawEnvironment = (name: string, targets: RawTarget[]): RawEnvironment => (targets.length === 1 ? { name, ...targets[0] } : { name, targets });

interface Planned {
  project: string;
  name: string;
  repository: string;
  mappings: Mapping[];
  paths?: string[];
}

/**
 * The config file from the accepted proposals, its YAML (with a schema line for editors), notes for
 * the user, and the services it had to leave out. Every service's lookup is checked the way snap run
 * will read it: when it would also find another workload (a `worker` of another team in another
 * namespace of the same list), the environments are written per project with each project's own
 * namespaces, and failing that a label selector only its workloads carry is added; a service whose
 * workloads cannot be told apart is left out rather than written wrong.
 */
export function buildConfig(plan: ConfigPlan, now = new Date()): BuiltConfig {
  const notes: string[] = [];
  const dropped: BuiltConfig['dropped'] = [];
  const projectOf = new Map<string, string>();
  for (const [project, repos] of plan.projects) for (const r of repos) projectOf.set(r, project);
  const all = plan.workloads ?? plan.services.flatMap((s) => s.mappings.map((m) => m.workload));

  // Services with unique names per project, and only the workloads in the environments.
  const planned: Planned[] = [];
  for (const [project, repositories] of plan.projects) {
    const taken = new Set<string>();
    const unique = (name: string, repository: string) => {
      let candidate = name;
      const repoName = serviceNameFor(repository.split('/')[1]);
      if (taken.has(candidate) && !candidate.startsWith(`${repoName}-`)) candidate = `${repoName}-${name}`.slice(0, 63).replace(/-+$/, '');
      for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
      taken.add(candidate);
      return candidate;
    };
    for (const repository of repositories) {
      const mine = plan.services.filter((s) => s.repository === repository);
      if (mine.length === 0 && plan.kept?.some((r) => r.repository === repository)) {
        planned.push({ project, name: unique(serviceNameFor(repository.split('/')[1]), repository), repository, mappings: [] });
        continue;
      }
      for (const s of mine) {
        const where = s.mappings.filter((m) => plan.environments.some((e) => inEnvironment(m.workload, e)));
        if (where.length) planned.push({ project, name: unique(s.name, repository), repository, mappings: where, ...(s.paths ? { paths: s.paths } : {}) });
      }
    }
  }

  // A second copy of a service in one cluster (`sandbox-ken/identity-api` beside `accounts/identity-api`):
  // the one in a namespace where other services of its project run is the service; the others are left out.
  for (const s of planned) {
    const byContext = new Map<string, Mapping[]>();
    for (const m of s.mappings) byContext.set(m.workload.context, [...(byContext.get(m.workload.context) ?? []), m]);
    for (const [context, list] of byContext) {
      if (list.length < 2) continue;
      const siblings = new Set(planned.filter((x) => x !== s && x.project === s.project).flatMap((x) => x.mappings.filter((m) => m.workload.context === context).map((m) => m.workload.namespace)));
      const home = list.filter((m) => siblings.has(m.workload.namespace));
      if (home.length !== 1) continue;
      for (const m of list.filter((x) => x !== home[0])) dropped.push({ service: `${s.project}/${s.name}`, repository: s.repository, reason: `a second copy in ${context}/${m.workload.namespace}/${m.workload.name} is left out (the project's services run in ${home[0].workload.namespace})` });
      s.mappings = s.mappings.filter((m) => m.workload.context !== context || m === home[0]);
    }
  }

  // Namespaces per target: for all projects at once, or per project.
  const namespacesOf = (target: EnvironmentTarget, only?: string) => {
    const byProject = new Map<string, Set<string>>();
    for (const s of planned) {
      if (only && s.project !== only) continue;
      for (const m of s.mappings) if (inTarget(m.workload, target)) byProject.set(s.project, (byProject.get(s.project) ?? new Set()).add(m.workload.namespace));
    }
    return namespacesFor(target, byProject);
  };
  const shared = plan.environments.map((env) => rawEnvironment(env.name, env.targets.map((t) => ({ context: t.context, ...(namespacesOf(t) ? { namespaces: namespacesOf(t) } : {}) }))));
  const perProject = new Map(
    [...plan.projects.keys()].map((project) => [
      project,
      plan.environments.map((env, i) =>
        rawEnvironment(
          env.name,
          env.targets.map((t, j) => {
            const own = namespacesOf(t, project);
            const fallback = targetsOf(shared[i])[j].namespaces;
            const namespaces = own ?? fallback;
            return { context: t.context, ...(namespaces ? { namespaces: namespaces.map((n) => n.replaceAll('{project}', project)) } : {}) };
          }),
        ),
      ),
    ]),
  );

  /** The workloads a service's lookup finds besides its own, under a layout of environments. */
  const strangers = (s: Planned, lookup: Lookup, envs: RawEnvironment[]) => {
    const out: DiscoveredWorkload[] = [];
    for (const env of envs) {
      for (const t of targetsOf(env)) {
        const namespaces = t.namespaces?.map((n) => n.replaceAll('{project}', s.project)) ?? null;
        if (!s.mappings.some((m) => m.workload.context === t.context && namespaceListed(namespaces, m.workload.namespace))) continue;
        const found = lookupFinds(lookup, s.name, t.context, namespaces, all);
        for (const w of found) if (!s.mappings.some((m) => m.workload === w)) out.push(w);
        // Two of its own in one cluster (a developer's copy beside it) are as ambiguous as a stranger.
        const own = found.filter((w) => s.mappings.some((m) => m.workload === w));
        if (own.length > 1) out.push(...own.slice(1));
      }
    }
    return out;
  };
  const lookups = new Map(planned.filter((s) => s.mappings.length).map((s) => [s, lookupFor(s, s.mappings)]));
  // Services whose lookup finds another workload too, under a layout; per-project namespaces when they tell more apart.
  const colliding = (envsFor: (s: Planned) => RawEnvironment[]) => planned.filter((s) => lookups.get(s) && strangers(s, lookups.get(s)!, envsFor(s)).length > 0).length;
  const inShared = colliding(() => shared);
  const byProject = inShared > 0 && colliding((s) => perProject.get(s.project)!) < inShared;
  const envsFor = (s: Planned) => (byProject ? perProject.get(s.project)! : shared);

  const projects = [...plan.projects.keys()]
    .map((project) => {
      const services = planned
        .filter((s) => s.project === project)
        .flatMap((s) => {
          if (s.mappings.length === 0) {
            notes.push(`${project}/${s.name}: kept without a workload; snap will report it as not found until one runs`);
            return [{ name: s.name, repository: s.repository }];
          }
          let lookup = lookups.get(s);
          if (!lookup) {
            const names = [...new Set(s.mappings.map((m) => m.workload.name))];
            dropped.push({ service: `${project}/${s.name}`, repository: s.repository, reason: `left out: its workload is named ${names.join(', ')} in different environments and no label names all of them` });
            return [];
          }
          // Another workload found as well: a label only this service's workloads carry.
          const others = strangers(s, lookup, envsFor(s));
          if (others.length) {
            const selector = sharedLabels(s.mappings).find((candidate) => !strangers(s, { ...lookup!, name: lookup!.name ?? s.name, selector: candidate }, envsFor(s)).length);
            if (!selector) {
              dropped.push({ service: `${project}/${s.name}`, repository: s.repository, reason: `left out: ${[...new Set(others.map((w) => `${w.namespace}/${w.name}`))].slice(0, 3).join(', ')} would be found as well, and no label tells them apart (give them a telling label, e.g. app.kubernetes.io/instance, then run snap onboard again)` });
              return [];
            }
            lookup = { ...lookup, name: lookup.name ?? s.name, selector };
          }
          // Where it runs, when not everywhere: environments, and in one on several clusters, the contexts.
          const placed = plan.environments.map((env) => {
            const contexts = env.targets.filter((t) => s.mappings.some((m) => inTarget(m.workload, t))).map((t) => t.context);
            return { name: env.name, contexts, all: contexts.length === env.targets.length };
          });
          const present = placed.filter((p) => p.contexts.length);
          const environments = present.length === plan.environments.length && present.every((p) => p.all) ? undefined : present.map((p) => (p.all ? p.name : { name: p.name, contexts: p.contexts }));
          const version = proposeVersion(
            s.mappings.map((m) => m.workload),
            lookup.container,
          );
          const workload = Object.fromEntries(Object.entries(lookup).filter(([, v]) => v !== undefined));
          return [
            {
              name: s.name,
              repository: s.repository,
              ...(Object.keys(workload).length ? { workload } : {}),
              ...(version.from !== 'image-tag' ? { version: { from: version.from, key: version.key } } : {}),
              ...(s.paths ? { paths: s.paths } : {}),
              ...(environments ? { environments } : {}),
            },
          ];
        });
      return { name: project, ...(byProject ? { environments: perProject.get(project) } : {}), services };
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
    ...(byProject ? {} : { environments: shared }),
    projects,
  };
  if (byProject) notes.push('workloads of the same name run in several projects\' namespaces, so each project lists its own namespaces (projects[].environments)');
  const header = [
    ...(plan.schema ? [`# yaml-language-server: $schema=${plan.schema}`] : []),
    `# snap configuration, written by \`snap onboard\` on ${now.toISOString().slice(0, 10)}.`,
    '# Check it with `snap config validate`; every key is described in the README and in the JSON Schema above.',
  ].join('\n');
  return { raw, yaml: `${header}\n${stringify(raw)}`, notes, dropped, environmentsOf: (project) => perProject.get(project) };
}
