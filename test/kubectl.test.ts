import { spawnAsync } from './helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

// The real kubectl against the simulated API server (.ci/run installs Debian's kubernetes-client).
const kubectl = (args: string[], kubeconfig: string) => spawnAsync('kubectl', args, { KUBECONFIG: kubeconfig, HOME: process.env.HOME ?? '/tmp' });

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => t?.close());

describe('kubectl against the sandbox', () => {
  it('lists deployments, replicasets and pods in all namespaces with real columns', async () => {
    const { code, stdout, stderr } = await kubectl(['--context', 'sandbox-prod', 'get', 'deploy,rs,pods', '-A', '-o', 'wide'], t.kubeconfig);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    expect(stdout).toMatch(/payments-prod\s+deployment\.apps\/payments-api\s+\d+\/\d+/);
    expect(stdout).toMatch(/NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(stdout).toMatch(/replicaset\.apps\/payments-api-[a-z0-9]{10}\s+/);
    expect(stdout).toMatch(/NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(stdout).toMatch(/pod\/payments-api-[a-z0-9]{10}-[a-z0-9]{5}\s+\d\/1\s+(Running|CrashLoopBackOff|ImagePullBackOff)/);
    const deployments = t.sandbox.fixture.clusters.find((c) => c.context === 'sandbox-prod')!.deployments.length;
    expect(lines.filter((l) => l.includes('deployment.apps/'))).toHaveLength(deployments);
  });

  it('pages with --chunk-size, filters with -l and reads one namespace', async () => {
    const before = t.sandbox.kubernetes.cluster('sandbox-nonprod').counters.byRoute['list pods'] ?? 0;
    const paged = await kubectl(['--context', 'sandbox-nonprod', 'get', 'pods', '-n', 'payments-dev', '--chunk-size=2', '-o', 'name'], t.kubeconfig);
    expect(paged.code).toBe(0);
    const names = paged.stdout.trim().split('\n');
    const expected = t.sandbox.fixture.clusters[0].deployments.filter((d) => d.namespace === 'payments-dev').reduce((n, d) => n + d.replicas, 0);
    expect(names).toHaveLength(expected);
    expect(t.sandbox.kubernetes.cluster('sandbox-nonprod').counters.byRoute['list pods'] - before).toBe(Math.ceil(expected / 2));

    const filtered = await kubectl(['--context', 'sandbox-nonprod', 'get', 'deploy', '-A', '-l', 'app.kubernetes.io/part-of=identity', '-o', 'name'], t.kubeconfig);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(10); // 5 services × dev and staging
    expect(filtered.stdout).not.toContain('payments');
  });
});
