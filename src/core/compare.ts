import type { Snapshot } from './snapshot-schema.js';

export interface VersionChange {
  project: string;
  environment: string;
  service: string;
  from?: string;
  to?: string;
  rolloutAt?: string;
}

const versionOf = (s: Snapshot, p: string, e: string, svc: string) => {
  const state = s.projects[p]?.environments[e]?.services[svc];
  return state?.status === 'running' ? (state.version?.value ?? state.container?.digest) : undefined;
};

/** Services whose running version differs between two snapshots (unknown states are not changes). */
export function versionChanges(before: Snapshot, after: Snapshot): VersionChange[] {
  const changes: VersionChange[] = [];
  for (const [project, p] of Object.entries(after.projects)) {
    for (const [environment, e] of Object.entries(p.environments)) {
      for (const [service, state] of Object.entries(e.services)) {
        const previous = before.projects[project]?.environments[environment]?.services[service];
        if (state.status === 'unknown' || !previous || previous.status === 'unknown') continue;
        const from = versionOf(before, project, environment, service);
        const to = versionOf(after, project, environment, service);
        if (from !== to) changes.push({ project, environment, service, from, to, rolloutAt: state.rollout?.at });
      }
    }
  }
  return changes;
}
