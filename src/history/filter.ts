import { distance } from 'fastest-levenshtein';
import type { Snapshot } from '../core/snapshot-schema.js';
import { usageError } from '../errors.js';

/** The filters every read command takes: `--project`, `--env`, `--service` (each a name, or several separated by commas). */
export interface Filters {
  project?: string;
  env?: string;
  service?: string;
}

/** The known names closest to `name` (edit distance, then prefix), at most `max`: for "did you mean" hints. */
export function nearest(name: string, known: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  return [...new Set(known)]
    .map((k) => ({ k, d: k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()) ? 0.5 : distance(lower, k.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.ceil(name.length / 3)))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((x) => x.k);
}

const split = (value: string | undefined, option?: string) => {
  if (value === undefined) return undefined;
  const names = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (names.length === 0) throw usageError(`${option ?? 'a filter'} needs a name${value.trim() ? ` (got "${value}")` : ' (it was empty)'}`, `e.g. ${option ?? '--env'} ${option === '--project' ? 'payments' : option === '--service' ? 'payments-api' : 'prod'}, or several separated by commas`);
  return names;
};

/**
 * Checks that the filters, together, select something the config has: some project with one of the
 * environments and one of the services named. Throws a usage error (exit 2) saying which combination
 * is empty and where the names are (`checkout-api is a service of checkout`).
 */
export function checkSelection(projects: readonly { name: string; environments: readonly { name: string }[]; services: readonly { name: string }[] }[], filters: Filters): void {
  const p = checkNames('--project', filters.project, [...new Set(projects.map((x) => x.name))]) && split(filters.project, '--project');
  const e = checkNames('--env', filters.env, [...new Set(projects.flatMap((x) => x.environments.map((y) => y.name)))]) && split(filters.env, '--env');
  const s = checkNames('--service', filters.service, [...new Set(projects.flatMap((x) => x.services.map((y) => y.name)))]) && split(filters.service, '--service');
  if (!p && !e && !s) return;
  const ok = projects.some((x) => (!p || p.includes(x.name)) && (!e || x.environments.some((y) => e.includes(y.name))) && (!s || x.services.some((y) => s.includes(y.name))));
  if (ok) return;
  const given = [p && `--project ${filters.project}`, e && `--env ${filters.env}`, s && `--service ${filters.service}`].filter(Boolean).join(' ');
  const of = (has: (x: (typeof projects)[number]) => boolean) => [...new Set(projects.filter(has).map((x) => x.name))].join(', ') || 'no project';
  const where = [...(s ?? []).map((name) => `${name} is a service of ${of((x) => x.services.some((y) => y.name === name))}`), ...(e ?? []).map((name) => `${name} is an environment of ${of((x) => x.environments.some((y) => y.name === name))}`)];
  throw usageError(`nothing matches ${given}: no project has them together`, where.join('; ') || undefined);
}

/**
 * Checks that each name of a filter is one of `known`; throws a usage error (exit 2) naming the
 * unknown one, the nearest known names and the full list.
 */
export function checkNames(option: string, value: string | undefined, known: readonly string[]): Set<string> | undefined {
  const names = split(value, option);
  if (!names) return undefined;
  for (const name of names) {
    if (known.includes(name)) continue;
    const near = nearest(name, known);
    const what = { '--project': 'project', '--env': 'environment', '--service': 'service' }[option] ?? option.slice(2);
    throw usageError(`${option} ${name}: no such ${what}${near.length ? `; did you mean ${near.join(', ')}?` : ''}`, `known: ${known.join(', ') || 'none'}`);
  }
  return new Set(names);
}

/** The names a snapshot has: projects, environments and services (each once, in config order). */
export function namesIn(snapshot: Pick<Snapshot, 'projects'>): { projects: string[]; environments: string[]; services: string[] } {
  const projects = Object.keys(snapshot.projects);
  const environments = [...new Set(projects.flatMap((p) => Object.keys(snapshot.projects[p].environments)))];
  const services = [...new Set(projects.flatMap((p) => Object.values(snapshot.projects[p].environments).flatMap((e) => Object.keys(e.services))))];
  return { projects, environments, services };
}

/**
 * What runs where, cut down to the filters: the projects, their environments and services left, and
 * `keep(project, environment)` for whatever else is placed in an environment (tickets, drift).
 * Throws a usage error for a name the snapshot does not have.
 */
export function filterProjects(snapshot: Pick<Snapshot, 'projects'>, filters: Filters): { projects: Snapshot['projects']; keep: (project: string, environment: string) => boolean; services?: Set<string>; filtered: boolean } {
  const names = namesIn(snapshot);
  const projects = checkNames('--project', filters.project, names.projects);
  const envs = checkNames('--env', filters.env, names.environments);
  const services = checkNames('--service', filters.service, names.services);
  if (!projects && !envs && !services) return { projects: snapshot.projects, keep: () => true, filtered: false };
  const out: Snapshot['projects'] = {};
  for (const [name, project] of Object.entries(snapshot.projects)) {
    if (projects && !projects.has(name)) continue;
    const environments: typeof project.environments = {};
    for (const [env, state] of Object.entries(project.environments)) {
      if (envs && !envs.has(env)) continue;
      environments[env] = services ? { ...state, services: Object.fromEntries(Object.entries(state.services).filter(([s]) => services.has(s))) } : state;
    }
    if (services && Object.values(environments).every((e) => Object.keys(e.services).length === 0)) continue;
    out[name] = { ...project, environments };
  }
  return { projects: out, keep: (project, environment) => project in out && environment in out[project].environments, ...(services ? { services } : {}), filtered: true };
}

/**
 * The snapshot cut down to the filters: projects, their environments and services, and the tickets
 * whose presence is in what is left. Throws a usage error for a name the snapshot does not have.
 */
export function filterSnapshot(snapshot: Snapshot, filters: Filters): Snapshot {
  const { projects: out, keep, services, filtered } = filterProjects(snapshot, filters);
  if (!filtered) return snapshot;
  const tickets = snapshot.tickets
    ? Object.fromEntries(
        Object.entries(snapshot.tickets)
          .map(([key, t]) => [key, { ...t, environments: t.environments.filter((e) => keep(e.project, e.environment)) }] as const)
          .filter(([, t]) => t.environments.length > 0),
      )
    : undefined;
  const drift = snapshot.drift ? Object.fromEntries(Object.entries(snapshot.drift).filter(([p]) => p in out).map(([p, pairs]) => [p, pairs.filter((x) => keep(p, x.from) && keep(p, x.to))])) : undefined;
  // Warnings about what is left, and those about no project in particular (a source, the store).
  const warnings = snapshot.warnings.filter((w) => {
    const { project, environment, service } = w.scope;
    if (project && !(project in out)) return false;
    if (project && environment && !keep(project, environment)) return false;
    return !(service && services && !services.has(service));
  });
  return { ...snapshot, projects: out, warnings, ...(tickets ? { tickets } : {}), ...(drift ? { drift } : {}), deployments: snapshot.deployments?.filter((d) => keep(d.project, d.environment) && (!services || services.has(d.service))) };
}
