import { cp, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSnapshotFile } from '../../store/snapshots.js';
import { pushCommits } from '../../sandbox/fixtures/generate.js';
import type { KubeFaults } from '../../sandbox/faults.js';
import type { GithubFaults } from '../../sandbox/github/server.js';
import { atomicityProblems, DataDirChecker } from './invariants.js';
import { bugSigns, describeProc, Random, runSnap, startOrg, Tally, type AreaResult, type Org } from './common.js';

/**
 * Area 3: each fault the sandbox can show, for one run. The run's exit code is the one the README
 * documents for it (0 when snap is said to retry or wait it out, 3 when a source stays unreadable),
 * never 70; stderr has no stack trace and no "internal error" / "a bug in snap"; a partial snapshot
 * names what failed in a warning; the run ends within 60 s (`hang` too, by snap's own timeouts); the
 * data directory is sound; and once the fault is gone the next run is ok again.
 */
export interface FaultMatrixOptions {
  seed: number;
  /** A subset, warm runs only, no recovery run after each; `hang` with kubernetes.requestTimeoutSeconds 5. */
  quick: boolean;
  log: (line: string) => void;
}

type ConfigName = 'base' | 'small-pages' | 'github-unreachable' | 'short-timeout';

interface FaultCase {
  name: string;
  /** The source a partial snapshot must name in a warning: a context, or "github". */
  source: string;
  /** Another word the warnings must contain (the repository of a repository error). */
  alsoNames?: string;
  expect: number[];
  /** Why that exit code: the README's words. */
  basis: string;
  config?: ConfigName;
  env?: Record<string, string | undefined>;
  kube?: { context: string; faults: () => KubeFaults };
  github?: () => GithubFaults;
  /** Exit codes allowed for the run after the fault is gone (default 0). */
  recovery?: number[];
  /** A warning must name `alsoNames` whatever the exit code. */
  warnAlways?: boolean;
  /** In the --quick subset. */
  quick?: boolean;
}

const BOUND_MS = 60_000;
const LIMIT_MS = 90_000;

function cases(org: Org, quick: boolean): FaultCase[] {
  const prodEnv = org.fixture.environments.find((e) => e.name === 'prod')!;
  const prod = prodEnv.context;
  const nonprod = org.fixture.environments.find((e) => e.context !== prod)!.context;
  const repo = `${org.fixture.owner}/${org.fixture.repositories[1].name}`;
  const k = (context: string, faults: KubeFaults) => ({ context, faults: () => structuredClone(faults) });
  const retried = 'README: snap "retries a 429 or 5xx answer twice with back-off"';
  const partialK = 'README: "A cluster ... that cannot be read makes a partial snapshot" (exit 3)';
  const partialG = 'README: "A cluster or GitHub that cannot be read makes a partial snapshot" (exit 3)';
  const waits = 'README: rate limits "pause every request for as long as GitHub says"';
  const gh5xx = 'src/sources/github/client.ts: 5xx and non-answers are retried 3 times with back-off';
  return [
    { name: `kubernetes ${prod}: latencyMs 1500`, quick: true, source: prod, expect: [0], basis: 'slower than usual, within kubernetes.requestTimeoutSeconds (20 s)', kube: k(prod, { latencyMs: 1500 }) },
    { name: `kubernetes ${prod}: unreachable`, quick: true, source: prod, expect: [3], basis: partialK, kube: k(prod, { unreachable: true }) },
    { name: `kubernetes ${nonprod}: unreachable`, source: nonprod, expect: [3], basis: partialK, kube: k(nonprod, { unreachable: true }) },
    { name: `kubernetes ${prod}: unauthorized`, quick: true, source: prod, expect: [3], basis: partialK, kube: k(prod, { unauthorized: true }) },
    { name: `kubernetes ${prod}: forbidden all`, source: prod, expect: [3], basis: partialK, kube: k(prod, { forbidden: 'all' }) },
    { name: `kubernetes ${prod}: forbidden cluster-scope`, quick: true, source: prod, expect: [0], basis: 'README: listScope auto is "cluster-wide, falling back to namespaces when forbidden"', kube: k(prod, { forbidden: 'cluster-scope' }) },
    { name: `kubernetes ${prod}: errorRate 0.3`, source: prod, expect: [0, 3], basis: `${retried}; a list whose retries all fail makes it partial`, kube: k(prod, { errorRate: 0.3 }) },
    { name: `kubernetes ${prod}: errorRate 1`, quick: true, source: prod, expect: [3], basis: partialK, kube: k(prod, { errorRate: 1 }) },
    { name: `kubernetes ${prod}: failNext 2`, quick: true, source: prod, expect: [0], basis: retried, kube: k(prod, { failNext: 2 }) },
    { name: `kubernetes ${prod}: failNext 1000`, source: prod, expect: [3], basis: partialK, kube: k(prod, { failNext: 1000 }) },
    {
      name: `kubernetes ${prod}: hang${quick ? ' (requestTimeoutSeconds 5)' : ''}`,
      source: prod,
      expect: [3],
      basis: `${partialK}; bounded by kubernetes.requestTimeoutSeconds (${quick ? 5 : 20} s)`,
      config: quick ? 'short-timeout' : 'base',
      kube: k(prod, { hang: true }),
      quick: true,
    },
    { name: `kubernetes ${prod}: expireContinueTokens 1 (pageSize 5)`, quick: true, source: prod, expect: [0], basis: 'README: snap "restarts a list whose continue token expired (410)"', config: 'small-pages', kube: k(prod, { expireContinueTokens: 1 }) },
    { name: `kubernetes ${prod}: expireContinueTokens 1000 (pageSize 5)`, source: prod, expect: [0, 3], basis: 'restarted lists; if they never complete, partial', config: 'small-pages', kube: k(prod, { expireContinueTokens: 1000 }) },
    { name: 'github: latencyMs 1000', source: 'github', expect: [0], basis: 'slower than usual, within github.requestTimeoutSeconds (30 s)', github: () => ({ latencyMs: 1000 }) },
    { name: 'github: rateLimit primary ×2 (retry after 1 s)', source: 'github', expect: [0], basis: waits, github: () => ({ rateLimit: { kind: 'primary', times: 2, retryAfterSeconds: 1 } }) },
    { name: 'github: rateLimit secondary ×2 (retry-after 1)', quick: true, source: 'github', expect: [0], basis: waits, github: () => ({ rateLimit: { kind: 'secondary', times: 2, retryAfterSeconds: 1 } }) },
    { name: 'github: rateLimit secondary 429 ×2', source: 'github', expect: [0], basis: waits, github: () => ({ rateLimit: { kind: 'secondary', times: 2, retryAfterSeconds: 1, status: 429 } }) },
    { name: 'github: rateLimit graphql RATE_LIMITED ×2', source: 'github', expect: [0], basis: waits, github: () => ({ rateLimit: { kind: 'graphql', times: 2, retryAfterSeconds: 1 } }) },
    {
      name: 'github: rateLimit primary, reset in 1 h', quick: true,
      source: 'github',
      expect: [3],
      basis: 'README: "A wait beyond github.maxWaitSeconds stops the GitHub part with GITHUB_RATE_LIMITED; the snapshot is still written, partial"',
      github: () => ({ rateLimit: { kind: 'primary', times: 1, retryAfterSeconds: 3600 } }),
      recovery: [0, 3],
    },
    { name: 'github: badGateway ×2', quick: true, source: 'github', expect: [0], basis: gh5xx, github: () => ({ badGateway: 2 }) },
    { name: 'github: badGateway always', source: 'github', expect: [3], basis: partialG, github: () => ({ badGateway: 100_000 }) },
    { name: 'github: garbled html ×2', source: 'github', expect: [0], basis: gh5xx, github: () => ({ garbled: { kind: 'html', times: 2 } }) },
    { name: 'github: garbled html always', source: 'github', expect: [3], basis: partialG, github: () => ({ garbled: { kind: 'html', times: 100_000 } }) },
    { name: 'github: garbled truncated ×2', source: 'github', expect: [0], basis: gh5xx, github: () => ({ garbled: { kind: 'truncated', times: 2 } }) },
    { name: 'github: garbled truncated always', quick: true, source: 'github', expect: [3], basis: partialG, github: () => ({ garbled: { kind: 'truncated', times: 100_000 } }) },
    {
      name: `github: repositoryError ${repo} ×1 (INTERNAL)`,
      source: 'github',
      alsoNames: repo,
      expect: [0, 3],
      basis: 'client.ts: "one repository\'s INTERNAL error ... handled alone"; partial if it stays unread',
      github: () => ({ repositoryError: { repository: repo, times: 1 } }),
    },
    { name: `github: repositoryError ${repo} always (INTERNAL)`, quick: true, source: 'github', alsoNames: repo, expect: [3], basis: `${partialG}; "never ... leaves silent gaps"`, github: () => ({ repositoryError: { repository: repo, times: 100_000 } }) },
    {
      name: `github: repositoryError ${repo} always (NOT_FOUND)`,
      source: 'github',
      alsoNames: repo,
      warnAlways: true,
      expect: [0, 3],
      basis: 'docs/snapshot-format.md: REPOSITORY_NOT_FOUND, an error-severity warning ("GitHub has no such repository, or the token cannot see it"); README: never "silent gaps"',
      github: () => ({ repositoryError: { repository: repo, times: 100_000, type: 'NOT_FOUND' } }),
    },
    { name: 'github: bad token (401)', quick: true, source: 'github', expect: [3], basis: partialG, env: { GITHUB_TOKEN: 'ghp_not-the-right-token-0000000000' } },
    { name: 'github: no token', source: 'github', expect: [3], basis: '`snap run --help`: "Without one the snapshot has Kubernetes state only and is partial (exit 3)"', env: { GITHUB_TOKEN: undefined } },
    { name: 'github: unreachable (github.url on a closed port)', source: 'github', expect: [3], basis: partialG, config: 'github-unreachable' },
  ];
}

interface SnapshotLite {
  outcome?: string;
  warnings?: { code?: string; scope?: Record<string, string>; message?: string }[];
}

async function newestRun(dataDir: string): Promise<{ record?: { snapshot?: string; outcome?: string }; snapshot?: SnapshotLite }> {
  try {
    const lines = (await readFile(path.join(dataDir, 'runs.jsonl'), 'utf8')).trim().split('\n');
    const record = JSON.parse(lines.at(-1)!) as { snapshot?: string; outcome?: string };
    const snapshot = record.snapshot ? ((await readSnapshotFile(path.join(dataDir, 'snapshots', path.basename(record.snapshot)))) as SnapshotLite) : undefined;
    return { record, snapshot };
  } catch {
    return {};
  }
}

export async function faultMatrix(options: FaultMatrixOptions): Promise<AreaResult> {
  const tally = new Tally('3', 'fault matrix', options.log);
  const random = new Random(options.seed * 131 + 3);
  const org = await startOrg({ seed: options.seed + 2, size: 'S', prefix: 'faults' });
  const configs: Record<ConfigName, string> = {
    base: org.config,
    'small-pages': await org.writeConfig('small-pages.yaml', { kubernetes: { pageSize: 5 } }),
    'short-timeout': await org.writeConfig('short-timeout.yaml', { kubernetes: { requestTimeoutSeconds: 5 } }),
    'github-unreachable': await org.writeConfig('github-unreachable.yaml', {}, (raw) => (raw.github = { url: 'http://127.0.0.1:1' })),
  };
  const template = path.join(org.dir, 'template');
  try {
    for (let i = 0; i < 2; i++) {
      const warm = await runSnap(['run', '--config', org.config, '--data-dir', template], { cwd: org.dir, env: org.env(), timeoutMs: LIMIT_MS });
      if (warm.code !== 0) {
        tally.record('warm-up run', [`a run without faults did not exit 0:\n${describeProc(warm)}`]);
        return tally.result();
      }
    }
    // Warm: a copy of a data directory two runs old. Cold (GitHub faults only, not --quick): an empty
    // one, where a run sends many more GitHub queries (whole histories, older history) for a fault to meet.
    const modes: ('warm' | 'cold')[] = options.quick ? ['warm'] : ['warm', 'cold'];
    const all = cases(org, options.quick).filter((c) => !options.quick || c.quick);
    let n = 0;
    for (const mode of modes) {
      for (const c of all.filter((x) => mode === 'warm' || x.source === 'github')) {
        n++;
        const name = `${c.name} [${mode}]`;
        const dataDir = path.join(org.dir, 'cases', `${n}`);
        await mkdir(path.dirname(dataDir), { recursive: true });
        if (mode === 'warm') await cp(template, dataDir, { recursive: true });
        // New work on GitHub (so the run queries it), the repository of a repository error among it.
        for (const r of [org.fixture.repositories[1], random.pick(org.fixture.repositories)]) pushCommits(org.fixture, r.name, random.int(1, 3));
        if (c.kube) await org.sandbox.kubernetes.cluster(c.kube.context).setFaults(c.kube.faults());
        if (c.github) org.sandbox.github.faults = c.github();
        const config = configs[c.config ?? 'base'];
        let result;
        try {
          result = await runSnap(['run', '--config', config, '--data-dir', dataDir], { cwd: org.dir, env: org.env(c.env ?? {}), timeoutMs: LIMIT_MS });
        } finally {
          if (c.kube) await org.sandbox.kubernetes.cluster(c.kube.context).setFaults({});
          if (c.github) org.sandbox.github.faults = {};
        }
        const problems: string[] = [];
        const basis = `expected exit ${c.expect.join(' or ')} (${c.basis})`;
        if (result.code === 70) problems.push(`exit 70 (internal error) — ${basis}`);
        else if (result.code === null || !c.expect.includes(result.code)) problems.push(`exit ${result.code ?? result.signal} — ${basis}`);
        if (result.ms > BOUND_MS) problems.push(`took ${(result.ms / 1000).toFixed(1)} s, over the ${BOUND_MS / 1000} s bound`);
        const signs = bugSigns(result.stderr);
        if (signs.length) problems.push(`stderr has ${signs.join(', ')}`);
        const { record, snapshot } = await newestRun(dataDir);
        const warnings = snapshot?.warnings ?? [];
        const named = warnings.filter((w) => JSON.stringify(w).includes(c.source) || (c.source === 'github' && (/^GITHUB/.test(w.code ?? '') || /github/i.test(w.scope?.source ?? ''))));
        if (result.code === 3) {
          if (!snapshot) problems.push('exit 3 but the run log names no snapshot file that can be read');
          else {
            if (snapshot.outcome !== 'partial') problems.push(`exit 3 but the snapshot's outcome is ${snapshot.outcome}`);
            if (named.length === 0) problems.push(`the partial snapshot has no warning naming ${c.source}; its warnings: ${warnings.map((w) => w.code).join(', ') || 'none'}`);
            if (c.alsoNames && !warnings.some((w) => JSON.stringify(w).includes(c.alsoNames!))) problems.push(`no warning names ${c.alsoNames}; warnings: ${warnings.map((w) => `${w.code}: ${w.message?.slice(0, 100)}`).join(' | ') || 'none'}`);
          }
        }
        if (c.warnAlways && result.code !== 3 && c.alsoNames && !warnings.some((w) => JSON.stringify(w).includes(c.alsoNames!))) {
          problems.push(`no warning names ${c.alsoNames} (the repository that could not be read); warnings: ${warnings.map((w) => `${w.code} ${JSON.stringify(w.scope)}: ${w.message?.slice(0, 120)}`).join(' | ') || 'none'}`);
        }
        if (result.code === 0 && record?.outcome && record.outcome !== 'ok') problems.push(`exit 0 but the run log says ${record.outcome}`);
        const scan = await new DataDirChecker(dataDir).scan();
        problems.push(...atomicityProblems(scan, 0));
        if (scan.temps.length) problems.push(`temp files left: ${scan.temps.join(', ')}`);
        if (scan.lockPresent) problems.push('the lock file is left behind');
        // The fault is gone: the next run is ok again (not in --quick).
        const again = options.quick ? undefined : await runSnap(['run', '--config', configs.base, '--data-dir', dataDir], { cwd: org.dir, env: org.env(), timeoutMs: LIMIT_MS });
        const recovery = c.recovery ?? [0];
        if (again && (again.code === null || !recovery.includes(again.code))) problems.push(`after the fault was cleared the next run exited ${again.code ?? again.signal} (expected ${recovery.join(' or ')}):\n${describeProc(again)}`);
        const codes = [...new Set(warnings.map((w) => w.code))].join(', ');
        const summary = `exit ${result.code ?? result.signal} in ${(result.ms / 1000).toFixed(1)} s${codes ? `; warnings: ${codes}` : ''}${named.length ? `; e.g. "${named[0].message?.slice(0, 140)}"` : ''}${again ? `; next run exit ${again.code}` : ''}`;
        options.log(`  ${name}: ${summary}`);
        tally.record(name, problems.length ? [...problems, describeProc(result)] : [], summary);
      }
    }
    return tally.result();
  } finally {
    await org.close();
  }
}
