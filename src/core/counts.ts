import type { Snapshot } from './snapshot-schema.js';

/** A snapshot's size at a glance: projects, project environments, services (per environment) and those running, warnings. */
export function snapshotCounts(snapshot: Snapshot): { projects: number; environments: number; services: number; running: number; warnings: number } {
  let environments = 0;
  let services = 0;
  let running = 0;
  for (const project of Object.values(snapshot.projects)) {
    for (const env of Object.values(project.environments)) {
      environments++;
      for (const service of Object.values(env.services)) {
        services++;
        if (service.status === 'running') running++;
      }
    }
  }
  return { projects: Object.keys(snapshot.projects).length, environments, services, running, warnings: snapshot.warnings.length };
}
