import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchesLabelSelector, parseLabelSelector } from '../src/sources/kubernetes/label-selector.js';
import { generateRealisticOrg, type RealisticShape, type WorkloadTruth } from '../src/sandbox/fixtures/realistic.js';
import { runCli } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

/**
 * `snap onboard --yes` on organisations modelled on real ones (src/sandbox/fixtures/realistic.ts,
 * written apart from the mapper, its true answers kept apart), scored against those answers: every
 * workload of the organisation is looked up in the written config the way `snap run` finds a
 * service's workload (its environment's targets, then workload.name or the service name, or the
 * selector, and the kind), and the service's repository compared with the truth.
 */
interface Score {
  firstParty: number;
  correct: number;
  wrongAccepted: number;
  leftForReview: number;
  missed: number;
  thirdParty: number;
  thirdPartyMapped: number;
  environments: string;
}

interface RawService {
  name: string;
  repository: string;
  workload?: { name?: string; selector?: string; kind?: string };
}
interface RawEnvironment {
  name: string;
  context?: string;
  namespaces?: string[];
  targets?: { context: string; namespaces?: string[] }[];
}

/** The services of the config that would read this workload. */
function servicesReading(config: { environments: RawEnvironment[]; projects: { name: string; services: RawService[] }[] }, w: WorkloadTruth): RawService[] {
  const out: RawService[] = [];
  for (const project of config.projects) {
    const inEnv = config.environments.some((e) =>
      (e.targets ?? [{ context: e.context!, namespaces: e.namespaces }]).some((t) => t.context === w.context && (!t.namespaces || t.namespaces.map((n) => n.replaceAll('{project}', project.name)).includes(w.namespace))),
    );
    if (!inEnv) continue;
    for (const s of project.services) {
      const kind = s.workload?.kind;
      if (kind && kind !== w.kind) continue;
      if (!kind && w.kind !== 'Deployment' && s.workload?.name === undefined && s.workload?.selector === undefined && s.name !== w.name) continue;
      if (s.workload?.selector) {
        if (matchesLabelSelector(parseLabelSelector(s.workload.selector), w.labels)) out.push(s);
      } else if ((s.workload?.name ?? s.name) === w.name) out.push(s);
    }
  }
  return out;
}

async function score(shape: RealisticShape, seed: number): Promise<Score> {
  const { fixture, truth } = generateRealisticOrg({ seed, shape });
  const t: TestSandbox = await startTestSandbox(fixture);
  try {
    const result = await runCli(['onboard', '--yes', '--dry-run', '--json', '--no-check'], { cwd: t.dir, env: { SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig }, timeoutMs: 60_000 });
    expect(result.stderr).not.toMatch(/bug in snap/);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { config: Parameters<typeof servicesReading>[0]; skipped: { workload: string }[] };
    const skipped = new Set(out.skipped.map((s) => s.workload));
    // The labels of each workload, as the cluster serves them (the truth lists names only).
    const labels = new Map(fixture.clusters.flatMap((c) => c.deployments.map((d) => [`${c.context}/${d.namespace}/${d.kind ?? 'Deployment'}/${d.name}`, d.labels] as const)));
    const s: Score = { firstParty: 0, correct: 0, wrongAccepted: 0, leftForReview: 0, missed: 0, thirdParty: 0, thirdPartyMapped: 0, environments: out.config.environments.map((e) => `${e.name}=${(e.targets ?? [e]).map((x) => x.context).join('+')}`).join(', ') };
    const wrong: string[] = [];
    const missed: string[] = [];
    const review: string[] = [];
    const thirdMapped: string[] = [];
    for (const w of truth.workloads) {
      const withLabels = { ...w, labels: labels.get(`${w.context}/${w.namespace}/${w.kind}/${w.name}`) ?? {} };
      const readers = servicesReading(out.config, withLabels as WorkloadTruth & { labels: Record<string, string> });
      const id = `${w.context}/${w.namespace}/${w.name}`;
      if (w.repository === null) {
        s.thirdParty++;
        if (readers.length) (s.thirdPartyMapped++, thirdMapped.push(`${id} → ${readers[0].repository}`));
        continue;
      }
      s.firstParty++;
      if (readers.length && readers.every((r) => r.repository === w.repository)) s.correct++;
      else if (readers.length) (s.wrongAccepted++, wrong.push(`${id} → ${readers.map((r) => r.repository).join(', ')} (truth ${w.repository})`));
      else if (skipped.has(id)) (s.leftForReview++, review.push(`${id} (${w.repository}${w.ambiguous ? ', ambiguous' : ''})`));
      else (s.missed++, missed.push(`${id} (${w.repository})`));
    }
    // The monorepo's services each point at their own folder, one its commits touch.
    const platform = out.config.projects.flatMap((p) => p.services).filter((x) => x.repository === 'acme/platform') as (RawService & { paths?: string[] })[];
    const files = new Set(fixture.repositories.find((r) => r.name === 'platform')!.commits.flatMap((c) => c.files ?? []));
    expect(platform.length).toBe(new Set(truth.workloads.filter((w) => w.repository === 'acme/platform').map((w) => w.service)).size);
    for (const service of platform) {
      expect(service.paths).toHaveLength(1);
      expect([...files].some((f) => f.startsWith(`${service.paths![0]}/`))).toBe(true);
    }
    // The environments, against the true ones: names in order, and each one's clusters.
    expect(out.config.environments.map((e) => [e.name, (e.targets ?? [{ context: e.context! }]).map((x) => x.context).sort()])).toEqual(truth.environments.map((e) => [e.name, e.targets.map((x) => x.context).sort()]));
    // The config written, then snap run with it: every workload found where the config says it runs, none taken for another.
    const write = await runCli(['onboard', '--yes', '--no-check'], { cwd: t.dir, env: { SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig }, timeoutMs: 60_000 });
    expect(write.code).toBe(0);
    const run = await runCli(['run', '--json'], { cwd: t.dir, env: { SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig }, timeoutMs: 90_000 });
    const snapshot = JSON.parse(run.stdout) as { warnings?: { code: string; message: string }[]; snapshot?: { warnings: { code: string; message: string }[] } };
    const warnings = (snapshot.warnings ?? snapshot.snapshot?.warnings ?? []).filter((w) => /^WORKLOAD_(NOT_FOUND|AMBIGUOUS)$/.test(w.code));
    expect(warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([]);
    if (process.env.SNAP_REALISTIC_VERBOSE || wrong.length || thirdMapped.length || missed.length)
      console.log(`${shape}/${seed}:\n  wrong: ${wrong.join('\n    ')}\n  third-party mapped: ${thirdMapped.join('\n    ')}\n  missed: ${missed.slice(0, 40).join('\n    ')}\n  left for review: ${review.join('\n    ')}`);
    return s;
  } finally {
    await t.close();
  }
}

const results: string[] = [];
afterAll(() => console.log(`onboarding accuracy on realistic organisations:\n${results.join('\n')}`));

/** SNAP_REALISTIC_SEEDS=4,5,6 scores more organisations (each shape with each seed). */
const seeds = process.env.SNAP_REALISTIC_SEEDS?.split(',').map(Number);
const cases: [RealisticShape, number][] = seeds
  ? seeds.flatMap((seed) => (['per-env-clusters', 'env-namespaces', 'cloud-regions'] as const).map((shape) => [shape, seed] as [RealisticShape, number]))
  : [
      ['per-env-clusters', 1],
      ['env-namespaces', 2],
      ['cloud-regions', 3],
    ];

describe('snap onboard --yes on realistic organisations', () => {
  it.each(cases)('%s (seed %i): at least 97 in 100 right, no wrong mapping accepted, nothing third-party mapped', { timeout: 120_000 }, async (shape, seed) => {
    const s = await score(shape, seed);
    const share = s.correct / s.firstParty;
    results.push(
      `  ${shape.padEnd(17)} ${s.correct}/${s.firstParty} right (${(share * 100).toFixed(1)}%), ${s.wrongAccepted} wrong accepted, ${s.leftForReview} left for review, ${s.missed} missed; ${s.thirdPartyMapped}/${s.thirdParty} third-party mapped; environments ${s.environments}`,
    );
    expect(s.wrongAccepted).toBe(0);
    expect(s.thirdPartyMapped).toBe(0);
    expect(share).toBeGreaterThanOrEqual(0.97);
  });
});
