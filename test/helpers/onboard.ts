import type { DiscoveredRepo, DiscoveredWorkload } from '../../src/onboard/types.js';

/** A repository of `acme` as discovery reports it: not archived, no fork, no topics, teams or PRs unless given. */
export const repo = (name: string, extra: Partial<DiscoveredRepo> = {}): DiscoveredRepo => ({ repository: `acme/${name}`, name, archived: false, fork: false, topics: [], teams: [], recentPullRequests: [], ...extra });

/** A Deployment as discovery reports it, with one container `app` running `image`. */
export const workload = (context: string, namespace: string, name: string, image: string, extra: Partial<DiscoveredWorkload> = {}): DiscoveredWorkload => ({
  context,
  namespace,
  kind: 'Deployment',
  name,
  labels: {},
  annotations: {},
  containers: [{ name: 'app', image }],
  replicas: 1,
  ...extra,
});
