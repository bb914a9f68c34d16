import { readFile } from 'node:fs/promises';
import { parse, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseConfig } from '../config/load.js';
import type { EnvironmentProposal } from './types.js';

/**
 * A config `snap onboard` runs over again: what it chose before is where the new run starts. Its
 * repositories are preselected, its environments proposed as they are, its services kept with the
 * user's edits, and only what is new is added (a service is never dropped silently).
 */
export interface ExistingConfig {
  file: string;
  text: string;
  /** The file as YAML data (only read when it validates). */
  raw: Record<string, unknown>;
  /** owner/name of every service's repository. */
  repositories: Set<string>;
  /** The workload names its services look for (`workload.name`, else the service name, when no selector). */
  lookups: string[];
  environments: EnvironmentProposal[];
}

export type RawService = { name: string; repository: string } & Record<string, unknown>;

/**
 * Where services found now run, for a merge: `covered` says whether a project's environments (as the
 * file has them) read a service's workloads; `ownEnvironments` gives a new project its own list when the
 * file's shared one does not.
 */
export interface Placement {
  covered?: (project: string, environments: readonly unknown[], service: RawService) => boolean;
  ownEnvironments?: (project: string) => unknown[] | undefined;
}
type RawProject = { name: string; services: RawService[] } & Record<string, unknown>;
type RawEnvironment = { name: string; context?: string; namespaces?: string[]; targets?: { context: string; namespaces?: string[] }[] };

/** Reads the config at `file` if it exists and validates; undefined when it does not exist. Throws nothing: an invalid file is reported by `problem`. */
export async function readExisting(file: string): Promise<{ existing?: ExistingConfig; problem?: string }> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  const parsed = parseConfig(text, file, { env: {} });
  if (!parsed.config) return { problem: `${file} exists but does not validate, so this run starts from nothing (it is kept as a .bak copy when written over)` };
  const raw = (parse(text) ?? {}) as Record<string, unknown>;
  const projects = (raw.projects ?? []) as RawProject[];
  const environments = ((raw.environments ?? []) as RawEnvironment[]).map((e) => ({
    name: e.name,
    targets: e.targets ? e.targets.map((t) => ({ context: t.context, namespaces: t.namespaces ?? null })) : [{ context: e.context ?? '', namespaces: e.namespaces ?? null }],
    reason: `from ${file}`,
  }));
  const names = projects.flatMap((p) => p.services.filter((s) => !(s.workload as { selector?: string } | undefined)?.selector).map((s) => (s.workload as { name?: string } | undefined)?.name ?? s.name));
  return { existing: { file, text, raw, repositories: new Set(projects.flatMap((p) => p.services.map((s) => s.repository))), lookups: names, environments } };
}

/**
 * The new config on top of the existing one, edited in place in the file's YAML (its comments, key
 * order and layout kept): the existing file's keys, environments and services stay as written (with
 * the user's edits); services found now and not in it are added to their project; services of
 * repositories the user deselected (`dropped`) go. Ticket keys and hosts are the union. `finds` says
 * whether a service of the file finds a workload now: one that does not, beside a service added for
 * the same repository, is named in `notes` (a rename by hand without `workload.name`). Returns the text,
 * its data, and what was kept, added and removed, for the summary.
 */
export function mergeWithExisting(
  existing: ExistingConfig,
  fresh: Record<string, unknown>,
  dropped: ReadonlySet<string>,
  finds: (service: RawService) => boolean = () => true,
  placement: Placement = {},
): { text: string; raw: Record<string, unknown>; kept: number; added: string[]; removed: string[]; notes: string[] } {
  const doc = parseDocument(existing.text);
  const removed: string[] = [];
  const projectsNode = doc.get('projects') as YAMLSeq<YAMLMap>;
  for (let pi = projectsNode.items.length - 1; pi >= 0; pi--) {
    const project = projectsNode.items[pi];
    const services = project.get('services') as YAMLSeq<YAMLMap>;
    for (let si = services.items.length - 1; si >= 0; si--) {
      const service = services.items[si];
      if (dropped.has(String(service.get('repository')))) {
        removed.unshift(`${project.get('name')}/${service.get('name')}`);
        services.items.splice(si, 1);
      }
    }
    if (services.items.length === 0) projectsNode.items.splice(pi, 1);
  }
  // The document as data, read again only after it is changed (not for every service compared).
  let data = doc.toJS() as { projects?: RawProject[]; environments?: unknown[] };
  const changed = () => (data = doc.toJS());
  const projects = () => data.projects ?? [];
  // The same service: the same repository, and the same name or the same workload (a service the user renamed).
  const workloadOf = (s: RawService) => {
    const w = (s.workload ?? {}) as { name?: string; selector?: string };
    return w.selector ?? w.name ?? s.name;
  };
  const has = (s: RawService) => projects().some((p) => p.services.some((x) => x.repository === s.repository && (x.name === s.name || workloadOf(x) === workloadOf(s))));
  const added: string[] = [];
  const notes: string[] = [];
  const covers = (wider: unknown, narrower: unknown) => {
    // Environments as name → contexts (undefined: every context); `undefined` as a whole: everywhere.
    if (wider === undefined) return true;
    if (narrower === undefined) return false;
    const map = (list: unknown) => new Map((list as (string | { name: string; contexts?: string[] })[]).map((e) => (typeof e === 'string' ? [e, undefined] : [e.name, e.contexts])));
    const w = map(wider);
    return [...map(narrower)].every(([name, contexts]) => w.has(name) && (w.get(name) === undefined || (contexts !== undefined && contexts.every((c) => w.get(name)!.includes(c)))));
  };
  for (const project of (fresh.projects ?? []) as RawProject[]) {
    for (const service of project.services) {
      if (has(service)) {
        // Kept as written, but where it runs now may be wider than the file says (a second region): widened, and said.
        projects().forEach((p, pi) =>
          p.services.forEach((x, si) => {
            if (x.repository !== service.repository || (x.name !== service.name && workloadOf(x) !== workloadOf(service))) return;
            if (x.environments === undefined || covers(x.environments, service.environments) || !covers(service.environments, x.environments)) return;
            const path = ['projects', pi, 'services', si, 'environments'];
            if (service.environments === undefined) doc.deleteIn(path);
            else doc.setIn(path, doc.createNode(service.environments));
            changed();
            notes.push(`${p.name}/${x.name} runs in more places than the file said; its environments now follow them`);
          }),
        );
        continue;
      }
      // Into the project that already holds this repository's services, else the proposed one.
      const list = projects();
      const homeIndex = list.findIndex((p) => p.services.some((x) => x.repository === service.repository));
      const index = homeIndex >= 0 ? homeIndex : list.findIndex((p) => p.name === project.name);
      const home = index >= 0 ? list[index] : undefined;
      let name = service.name;
      for (let i = 2; home?.services.some((x) => x.name === name); i++) name = `${service.name}-${i}`;
      const lost = home?.services.filter((x) => x.repository === service.repository && !finds(x)) ?? [];
      for (const x of lost) notes.push(`${home!.name}/${x.name} (${x.repository}) finds no workload now, and ${name} was added for the same repository: if ${x.name} is ${name} renamed, set its workload.name and delete ${name}`);
      // Only where the file's environments read its workloads: else a new project gets its own, and a
      // service of a project whose namespaces miss it is named, not written to find nothing.
      const sharedEnvs = data.environments ?? [];
      if (home) {
        const envs = ((home as { environments?: unknown[] }).environments ?? sharedEnvs) as unknown[];
        if (placement.covered && !placement.covered(home.name, envs, service)) {
          notes.push(`${service.name} (${service.repository}) was not added to ${home.name}: it runs in namespaces its environments do not read; add them, or move the file aside and run snap onboard again`);
          continue;
        }
        (projectsNode.items[index].get('services') as YAMLSeq).add(doc.createNode({ ...service, name }));
        changed();
      } else {
        const own = placement.covered && !placement.covered(project.name, sharedEnvs, service) ? placement.ownEnvironments?.(project.name) : undefined;
        if (own) notes.push(`${project.name} is new and runs in namespaces the file's environments do not read: it lists its own (projects[].environments)`);
        projectsNode.add(doc.createNode({ name: project.name, ...(own ? { environments: own } : {}), services: [{ ...service, name }] }));
        changed();
      }
      added.push(`${home?.name ?? project.name}/${name}`);
    }
  }
  const oldTickets = (existing.raw.tickets ?? {}) as { jiraProjects?: string[]; hosts?: string[] };
  const newTickets = (fresh.tickets ?? {}) as { jiraProjects?: string[]; hosts?: string[] };
  for (const key of ['jiraProjects', 'hosts'] as const) {
    const union = [...new Set([...(oldTickets[key] ?? []), ...(newTickets[key] ?? [])])];
    if (union.length > (oldTickets[key]?.length ?? 0)) doc.setIn(['tickets', key], doc.createNode(union));
  }
  const raw = doc.toJS() as Record<string, unknown>;
  const kept = projects().reduce((n, p) => n + p.services.length, 0) - added.length;
  return { text: doc.toString(), raw, kept, added, removed, notes };
}
