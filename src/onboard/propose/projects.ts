import type { DiscoveredRepo } from '../types.js';
import { normal } from './mapping.js';

/**
 * Services grouped into projects: by owning team when most repositories have exactly one
 * (`team-payments` → `payments`), otherwise by name prefix (`payments-api` → `payments`). Names are
 * written as the config wants them (lower case, letters, digits and "-").
 */
export function proposeProjects(repos: readonly DiscoveredRepo[]): { projects: Map<string, string[]>; by: 'team' | 'prefix' } {
  const withOneTeam = repos.filter((r) => r.teams.length === 1).length;
  const by = repos.length > 0 && withOneTeam / repos.length >= 0.8 ? 'team' : 'prefix';
  const projects = new Map<string, string[]>();
  for (const repo of repos) {
    const name = by === 'team' && repo.teams.length === 1 ? normal(repo.teams[0].replace(/^team-/, '')) || prefixOf(repo.name) : prefixOf(repo.name);
    projects.set(name, [...(projects.get(name) ?? []), repo.repository]);
  }
  return { projects: new Map([...projects].sort((a, b) => a[0].localeCompare(b[0]))), by };
}

/** The first word of a name, as a project name: `payments-api` and `payments_service` → payments, `PaymentsUI` → payments, `.github` → github. */
export function prefixOf(name: string): string {
  return normal(name).split('-')[0] || 'services';
}

/** Name groups for the selection list: repositories sharing a prefix (`payments-*`), largest first. */
export function nameGroups(names: readonly string[]): { pattern: string; names: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const name of names) groups.set(prefixOf(name), [...(groups.get(prefixOf(name)) ?? []), name]);
  return [...groups]
    .filter(([, list]) => list.length > 1)
    .map(([prefix, list]) => ({ pattern: `${prefix}-*`, names: list }))
    .sort((a, b) => b.names.length - a.names.length || a.pattern.localeCompare(b.pattern));
}
