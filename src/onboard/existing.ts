import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
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
  environments: EnvironmentProposal[];
}

type RawService = { name: string; repository: string } & Record<string, unknown>;
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
  return { existing: { file, text, raw, repositories: new Set(projects.flatMap((p) => p.services.map((s) => s.repository))), environments } };
}

/**
 * The new config on top of the existing one: the existing file's keys, environments and services
 * stay as written (with the user's edits); services found now and not in it are added to their
 * project; services of repositories the user deselected (`dropped`) go. Ticket keys and hosts are
 * the union. Returns the merged data and what was kept and added, for the summary.
 */
export function mergeWithExisting(existing: ExistingConfig, fresh: Record<string, unknown>, dropped: ReadonlySet<string>): { raw: Record<string, unknown>; kept: number; added: string[]; removed: string[] } {
  const raw: Record<string, unknown> = { ...fresh, ...existing.raw };
  const before = structuredClone((existing.raw.projects ?? []) as RawProject[]);
  const removed: string[] = [];
  const projects = before
    .map((p) => ({
      ...p,
      services: p.services.filter((s) => {
        const drop = dropped.has(s.repository);
        if (drop) removed.push(`${p.name}/${s.name}`);
        return !drop;
      }),
    }))
    .filter((p) => p.services.length > 0);
  // The same service: the same repository, and the same name or the same workload (a service the user renamed).
  const workloadOf = (s: RawService) => {
    const w = (s.workload ?? {}) as { name?: string; selector?: string };
    return w.selector ?? w.name ?? s.name;
  };
  const has = (s: RawService) => projects.some((p) => p.services.some((x) => x.repository === s.repository && (x.name === s.name || workloadOf(x) === workloadOf(s))));
  const added: string[] = [];
  for (const project of (fresh.projects ?? []) as RawProject[]) {
    for (const service of project.services) {
      if (has(service)) continue;
      // Into the project that already holds this repository's services, else the proposed one.
      const home = projects.find((p) => p.services.some((x) => x.repository === service.repository)) ?? projects.find((p) => p.name === project.name);
      let name = service.name;
      for (let i = 2; home?.services.some((x) => x.name === name); i++) name = `${service.name}-${i}`;
      if (home) home.services.push({ ...service, name });
      else projects.push({ name: project.name, services: [{ ...service, name }] });
      added.push(`${home?.name ?? project.name}/${name}`);
    }
  }
  raw.projects = projects;
  const oldTickets = (existing.raw.tickets ?? {}) as { jiraProjects?: string[]; hosts?: string[]; githubIssues?: boolean };
  const newTickets = (fresh.tickets ?? {}) as { jiraProjects?: string[]; hosts?: string[]; githubIssues?: boolean };
  const union = (a?: string[], b?: string[]) => [...new Set([...(a ?? []), ...(b ?? [])])];
  const jiraProjects = union(oldTickets.jiraProjects, newTickets.jiraProjects);
  const hosts = union(oldTickets.hosts, newTickets.hosts);
  raw.tickets = { ...newTickets, ...oldTickets, ...(jiraProjects.length ? { jiraProjects } : {}), ...(hosts.length ? { hosts } : {}) };
  const kept = projects.reduce((n, p) => n + p.services.length, 0) - added.length;
  return { raw, kept, added, removed };
}
