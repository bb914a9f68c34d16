import { stringify } from 'yaml';
import type { KubeFaults } from '../faults.js';
import type { Fixture } from '../fixtures/types.js';
import { ClusterServer } from './server.js';

export interface KubernetesSandbox {
  clusters: Map<string, ClusterServer>;
  cluster(context: string): ClusterServer;
  /** A kubeconfig with one context per simulated cluster. */
  kubeconfig(): string;
  requests(context?: string): number;
  close(): Promise<void>;
}

export interface KubernetesSandboxOptions {
  latencyMs?: number;
  faults?: Record<string, KubeFaults>;
  continueTtlMs?: number;
}

export async function startKubernetesSandbox(fixture: Fixture, options: KubernetesSandboxOptions = {}): Promise<KubernetesSandbox> {
  const clusters = new Map<string, ClusterServer>();
  let seed = 1;
  try {
    for (const cluster of fixture.clusters) {
      const faults = { ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}), ...(options.faults?.[cluster.context] ?? {}) };
      const server = new ClusterServer(structuredClone(cluster), { token: `sandbox-token-${cluster.context}`, faults, continueTtlMs: options.continueTtlMs, seed: seed++ });
      await server.start();
      if (faults.unreachable) await server.setFaults(faults);
      clusters.set(cluster.context, server);
    }
  } catch (error) {
    // Nothing may keep listening (and the process alive) after a cluster failed to start.
    await Promise.all([...clusters.values()].map((c) => c.stop()));
    throw error;
  }
  return {
    clusters,
    cluster(context) {
      const found = clusters.get(context);
      if (!found) throw new Error(`no simulated cluster ${context}`);
      return found;
    },
    kubeconfig() {
      const list = [...clusters.values()];
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': list[0]?.context ?? '',
        clusters: list.map((c) => ({ name: c.context, cluster: { server: c.url, 'insecure-skip-tls-verify': true } })),
        users: list.map((c) => ({ name: `${c.context}-user`, user: { token: `sandbox-token-${c.context}` } })),
        contexts: list.map((c) => ({ name: c.context, context: { cluster: c.context, user: `${c.context}-user` } })),
      });
    },
    requests(context) {
      return context ? (clusters.get(context)?.counters.total ?? 0) : [...clusters.values()].reduce((sum, c) => sum + c.counters.total, 0);
    },
    async close() {
      await Promise.all([...clusters.values()].map((c) => c.stop()));
    },
  };
}
