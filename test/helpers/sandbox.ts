import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfigOrThrow } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { silentProgress } from '../../src/core/progress.js';
import { runSnapshot } from '../../src/core/run.js';
import type { Snapshot } from '../../src/core/snapshot-schema.js';
import { generateFixture, PRESETS, type GenerateOptions } from '../../src/sandbox/fixtures/generate.js';
import type { Fixture } from '../../src/sandbox/fixtures/types.js';
import { configForFixture, startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export const FIXED_NOW = new Date('2026-11-20T12:00:00Z');

const loaded = Date.now();
/**
 * A clock a day after the demo fixture was made, moving with real time: runs against the
 * demo fixture see the same history window on any date.
 */
export const testClock = (): Date => new Date(FIXED_NOW.getTime() + 86_400_000 + (Date.now() - loaded));

export function demoFixture(overrides: Partial<GenerateOptions> = {}): Fixture {
  return generateFixture({ seed: 42, now: FIXED_NOW, ...PRESETS.demo, ...overrides });
}

export interface TestSandbox {
  sandbox: Sandbox;
  dir: string;
  kubeconfig: string;
  /** Writes snap.config.yaml for the fixture (plus extra top-level keys) and returns its path. */
  writeConfig(extra?: Record<string, unknown>, mutate?: (raw: any) => void): Promise<string>;
  /** Writes and loads the config. */
  config(extra?: Record<string, unknown>, mutate?: (raw: any) => void): Promise<Config>;
  close(): Promise<void>;
}

export async function startTestSandbox(fixture: Fixture = demoFixture(), options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox(fixture, options);
  const dir = await mkdtemp(path.join(tmpdir(), 'snap-test-'));
  const kubeconfig = await sandbox.writeKubeconfig(dir);
  const writeConfig = async (extra: Record<string, unknown> = {}, mutate?: (raw: any) => void) => {
    const raw = configForFixture(fixture, 'kubeconfig.yaml', extra, sandbox.githubUrl);
    mutate?.(raw);
    const file = path.join(dir, 'snap.config.yaml');
    await writeFile(file, stringify(raw));
    return file;
  };
  return {
    sandbox,
    dir,
    kubeconfig,
    writeConfig,
    async config(extra, mutate) {
      const file = await writeConfig(extra, mutate);
      return (await loadConfigOrThrow(file, { env: {} })).config;
    },
    async close() {
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A test sandbox, one snapshot of it taken (no data directory written), and a temporary directory: for tests that build histories from that snapshot. */
export async function sandboxSnapshot(prefix: string): Promise<{ t: TestSandbox; base: Snapshot; dir: string }> {
  const t = await startTestSandbox();
  const base = (await runSnapshot(await t.config(), { progress: silentProgress, githubToken: t.sandbox.githubToken })).snapshot;
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { t, base, dir };
}
