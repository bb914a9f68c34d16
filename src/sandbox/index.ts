import { writeFile } from 'node:fs/promises';
import { makeDirectory } from '../util/make-dir.js';
import path from 'node:path';
import type { KubeFaults } from './faults.js';
import type { Fixture } from './fixtures/types.js';
import { GithubServer, githubSchema, type GithubFaults } from './github/server.js';
import { startKubernetesSandbox, type KubernetesSandbox } from './kubernetes/index.js';

export interface SandboxOptions {
  /** Latency added to every Kubernetes request. */
  kubeLatencyMs?: number;
  /** Latency added to every GitHub request. */
  githubLatencyMs?: number;
  kubeFaults?: Record<string, KubeFaults>;
  githubFaults?: GithubFaults;
  continueTtlMs?: number;
}

export interface Sandbox {
  fixture: Fixture;
  kubernetes: KubernetesSandbox;
  github: GithubServer;
  githubToken: string;
  /** API base URL for `github.url` in a config (GraphQL at <url>/graphql). */
  githubUrl: string;
  /** Writes the kubeconfig into `dir` and returns its path. */
  writeKubeconfig(dir: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the simulated GitHub and one simulated API server per cluster of the fixture. */
export async function startSandbox(fixture: Fixture, options: SandboxOptions = {}): Promise<Sandbox> {
  const kubernetes = await startKubernetesSandbox(fixture, { latencyMs: options.kubeLatencyMs, faults: options.kubeFaults, continueTtlMs: options.continueTtlMs });
  const githubToken = 'sandbox-github-token';
  const github = new GithubServer(fixture, await githubSchema(), githubToken, { latencyMs: options.githubLatencyMs, ...options.githubFaults });
  try {
    await github.start();
  } catch (error) {
    await kubernetes.close();
    throw error;
  }
  return {
    fixture,
    kubernetes,
    github,
    githubToken,
    get githubUrl() {
      return github.url.replace(/\/graphql$/, '');
    },
    async writeKubeconfig(dir) {
      await makeDirectory(dir);
      const file = path.join(dir, 'kubeconfig.yaml');
      await writeFile(file, kubernetes.kubeconfig(), { mode: 0o600 });
      return file;
    },
    async close() {
      await Promise.all([kubernetes.close(), github.stop()]);
    },
  };
}

/** The workload kind a repository's service runs as in every environment, when it is not a Deployment. */
function kindOf(fixture: Fixture, repository: string): string | undefined {
  const kinds = new Set(fixture.clusters.flatMap((c) => c.deployments.filter((d) => (d.repository ?? `${fixture.owner}/${d.name}`) === repository).map((d) => d.kind ?? 'Deployment')));
  const [only] = kinds;
  return kinds.size === 1 && only !== 'Deployment' ? only : undefined;
}

/** The snap config (as an object, ready for YAML) that fits a fixture organisation, with its history window when it has one. */
export function configForFixture(fixture: Fixture, kubeconfig: string, extra: Record<string, unknown> = {}, githubUrl?: string) {
  return {
    version: 1,
    ...(githubUrl ? { github: { url: githubUrl } } : {}),
    ...(fixture.history ? { history: { days: fixture.history.days } } : {}),
    environments: fixture.environments.map((e) => (e.targets ? { name: e.name, targets: e.targets } : { name: e.name, context: e.context, namespaces: e.namespaces })),
    projects: fixture.projects.map((p) => ({
      name: p.name,
      services: p.services.map((s) => {
        const kind = kindOf(fixture, s.repository);
        return { name: s.name, repository: s.repository, ...(kind ? { workload: { kind } } : {}), ...(s.version ? { version: s.version } : {}) };
      }),
    })),
    ...extra,
    kubernetes: { kubeconfig, ...(extra.kubernetes as object | undefined) },
  };
}
