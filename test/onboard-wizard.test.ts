import { screen, wrapPrompt } from '@inquirer/testing/vitest';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runOnboard } from '../src/commands/onboard.js';
import { terminalPrompts } from '../src/ui/prompts.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

// snap's own filterable list is an @inquirer/core prompt too: route it through the test screen.
vi.mock('../src/ui/multi-select.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/ui/multi-select.js')>();
  return { ...actual, multiSelect: wrapPrompt(actual.multiSelect) };
});

let t: TestSandbox | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await t?.close();
  t = undefined;
});

/** Waits for screen updates until the text shows (a finished prompt renders once more before the next one). */
async function until(text: string | RegExp) {
  for (let i = 0; i < 20; i++) {
    const now = screen.getScreen();
    if (typeof text === 'string' ? now.includes(text) : text.test(now)) return;
    await screen.next();
  }
  throw new Error(`never showed ${text}: ${screen.getScreen()}`);
}

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) }) as Writable & { isTTY?: boolean };
  return { stream, text: () => text };
}

describe('the onboarding wizard, driven through @inquirer/testing', () => {
  it('goes from nothing to a validated config against the sandbox, with an edited environment list', async () => {
    t = await startTestSandbox();
    // The kubeconfig library reads KUBECONFIG from the process environment.
    vi.stubEnv('KUBECONFIG', t.kubeconfig);
    const editor = path.join(t.dir, 'edit.sh');
    await writeFile(editor, "#!/bin/sh\nsed -i 's/name: dev$/name: integration/' \"$1\"\n", { mode: 0o755 });
    vi.stubEnv('VISUAL', editor);
    vi.stubEnv('EDITOR', editor);
    const out = sink();
    const err = sink();
    const io = { stdout: out.stream, stderr: err.stream, cwd: t.dir, env: { GITHUB_TOKEN: t.sandbox.githubToken, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig, HOME: t.dir } };
    const done = runOnboard({ output: 'snap.config.yaml' }, io as never, terminalPrompts());

    await until('Kube contexts to look in (2 of 2 shown, 2 selected)');
    screen.keypress('enter');

    await until('Repositories of acme (15 of 15 shown, 0 selected)');
    screen.type('team:identity');
    expect(screen.getScreen()).toContain('(5 of 15 shown, 0 selected) filter: team:identity');
    screen.keypress({ name: 'a', ctrl: true });
    screen.keypress('enter');

    await until('Use these environments?');
    screen.keypress('down');
    screen.keypress('enter');

    // $EDITOR is a script that renames dev to integration, as a user would in their editor.
    await until('Edit the environments');
    if (screen.getScreen().includes('Press <enter>')) screen.keypress('enter');

    await until('Use these environments?');
    screen.keypress('enter');

    await until('Jira projects whose keys count as tickets');
    expect(screen.getScreen()).toContain('DNT');
    screen.keypress('enter');

    await until('Also count GitHub issue references');
    screen.type('y');
    screen.keypress('enter');

    await until(/Write .*snap\.config\.yaml\?/);
    screen.keypress('enter');

    expect(await done).toBe(0);
    expect(err.text()).toMatch(/15 of 15 service × environment pairs found with their commit/);
    const config = parse(await readFile(path.join(t.dir, 'snap.config.yaml'), 'utf8'));
    expect(config.projects).toEqual([{ name: 'identity', services: expect.any(Array) }]);
    expect(config.tickets).toEqual({ jiraProjects: ['DNT'], githubIssues: true });
    expect(config.environments.map((e: { name: string }) => e.name)).toEqual(['integration', 'staging', 'prod']);
    expect(err.text()).toMatch(/1\. integration +sandbox-nonprod/);
    expect(out.text()).toMatch(/Wrote .*: 5 services in 1 project from 5 repositories, 3 environments/);
  });
});
