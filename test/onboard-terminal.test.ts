import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SANDBOX_TOKEN, SNAP_BIN } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';
import { generateRealisticOrg } from '../src/sandbox/fixtures/realistic.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/**
 * `snap onboard` in a real pseudo-terminal (util-linux `script`), driven key by key: each key is sent
 * once the screen shows what it answers.
 */
function terminal(cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn('script', ['-qfec', `${process.execPath} ${SNAP_BIN} onboard`, '/dev/null'], {
    cwd,
    env: { ...process.env, ...env, TERM: 'xterm-256color', CI: '', NO_COLOR: '1', COLUMNS: '160', LINES: '50' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (d) => (screen += d));
  child.stderr.on('data', (d) => (screen += d));
  child.on('error', (e) => (screen += `spawn error ${e.message}`));
  let keys = 0;
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        // Lines wrap at the terminal's width: a pattern may match across a wrap.
        if (pattern.test(strip(screen)) || pattern.test(strip(screen).replace(/\n/g, ''))) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${pattern}; screen:\n${strip(screen).slice(-3000)}`));
        }
      }, 50);
    });
  return {
    child,
    screen: () => strip(screen),
    keys: () => keys,
    waitFor,
    async press(...sequence: string[]) {
      for (const key of sequence) {
        child.stdin.write(key);
        keys++;
        await new Promise((r) => setTimeout(r, 60));
      }
    },
    exit: () => closed,
  };
}

const ENTER = '\r';
const SPACE = ' ';

describe('snap onboard in a terminal', () => {
  it('filters the repository list by typing, selects a group, and writes a config snap run uses', { timeout: 60_000 }, async () => {
    t = await startTestSandbox();
    const term = terminal(t.dir, { GITHUB_TOKEN: SANDBOX_TOKEN, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig });
    await term.waitFor(/Kube contexts to look in/);
    await term.press(ENTER);
    await term.waitFor(/Repositories of acme \(15 of 15 shown/);
    await term.press('p', 'a', 'y');
    await term.waitFor(/\(5 of 15 shown, 0 selected\) filter: pay/);
    await term.press(SPACE);
    await term.waitFor(/payments-\* \(5\/5\)/);
    await term.press(ENTER);
    await term.waitFor(/Use these environments\?/);
    await term.press(ENTER);
    await term.waitFor(/Jira projects whose keys count as tickets/);
    await term.press(ENTER);
    await term.waitFor(/Also count GitHub issue references/);
    await term.press(ENTER);
    await term.waitFor(/Write .*snap\.config\.yaml\?/);
    await term.press(ENTER);
    expect(await term.exit()).toBe(0);
    expect(term.screen()).toMatch(/Wrote .*snap\.config\.yaml: 5 services in 1 project from 5 repositories, 3 environments/);
    console.log(`onboarding in a terminal: ${term.keys()} keystrokes from start to written config`);
    const config = parse(await readFile(path.join(t.dir, 'snap.config.yaml'), 'utf8'));
    expect(config.projects).toEqual([{ name: 'payments', services: expect.any(Array) }]);
    expect(config.projects[0].services).toHaveLength(5);
    const run = await runCli(['run'], { cwd: t.dir, env: { SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig } });
    expect(run.code).toBe(0);
  });

  it('onboards 30-odd services of a 200-repository organisation in at most 40 keystrokes, no editor, and snap run finds every workload', { timeout: 120_000 }, async () => {
    const { fixture } = generateRealisticOrg({ seed: 1, shape: 'per-env-clusters' });
    t = await startTestSandbox(fixture);
    // No editor at all: opening one would fail the run.
    const term = terminal(t.dir, { GITHUB_TOKEN: SANDBOX_TOKEN, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig, EDITOR: '/bin/false', VISUAL: '/bin/false' });
    await term.waitFor(/Kube contexts to look in/);
    await term.press(ENTER);
    // 198: GitHub's two .github repositories are never offered.
    await term.waitFor(/Repositories of acme \(\d+ of 198 shown/);
    await term.press(...'team:pay,team:che,team:sea');
    await term.waitFor(/filter: team:pay,team:che,team:sea/);
    await term.press('\x01', ENTER);
    await term.waitFor(/Use these environments\?/);
    expect(term.screen()).toMatch(/1\. dev +dev-cluster[\s\S]*2\. staging +stg-cluster[\s\S]*3\. prod +prd-cluster/);
    await term.press(ENTER);
    await term.waitFor(/Leave the third-party workloads out\?/);
    await term.press(ENTER);
    await term.waitFor(/Keep any of them as services anyway\?/);
    await term.press(ENTER);
    await term.waitFor(/Jira projects whose keys count as tickets/);
    await term.press(ENTER);
    await term.waitFor(/Also count GitHub issue references/);
    await term.press(ENTER);
    await term.waitFor(/Write .*snap\.config\.yaml\?/, 60_000);
    await term.press(ENTER);
    expect(await term.exit()).toBe(0);
    const wrote = /Wrote .*snap\.config\.yaml: (\d+) services in (\d+) projects from (\d+) repositories/.exec(term.screen());
    expect(wrote).not.toBeNull();
    console.log(`onboarding a 200-repository organisation in a terminal: ${term.keys()} keystrokes, ${wrote![1]} services in ${wrote![2]} projects from ${wrote![3]} repositories`);
    expect(Number(wrote![1])).toBeGreaterThanOrEqual(30);
    expect(term.keys()).toBeLessThanOrEqual(40);
    const run = await runCli(['run'], { cwd: t.dir, env: { SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig }, timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/WORKLOAD_NOT_FOUND/);
  });

  it('writes nothing when stopped with Ctrl-C', { timeout: 60_000 }, async () => {
    t = await startTestSandbox();
    const term = terminal(t.dir, { GITHUB_TOKEN: SANDBOX_TOKEN, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig });
    await term.waitFor(/Kube contexts to look in/);
    await term.press(ENTER);
    await term.waitFor(/Repositories of acme/);
    await term.press('p', SPACE, '\x03');
    expect(await term.exit()).toBe(130);
    expect(term.screen()).toMatch(/stopped; nothing was written/);
    expect(existsSync(path.join(t.dir, 'snap.config.yaml'))).toBe(false);
  });
});
