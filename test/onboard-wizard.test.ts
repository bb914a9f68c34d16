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

  it('over an existing config: starts from it, shows the change before asking, keeps a rejected edit for the next one, and sums up the config written', async () => {
    t = await startTestSandbox();
    vi.stubEnv('KUBECONFIG', t.kubeconfig);
    const env = { GITHUB_TOKEN: t.sandbox.githubToken, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig, HOME: t.dir };
    // A config made before for the identity team, whose user renamed a service.
    const first = sink();
    expect(await runOnboard({ output: 'snap.config.yaml', yes: true, repos: 'identity-*', check: false }, { stdout: first.stream, stderr: sink().stream, cwd: t.dir, env } as never)).toBe(0);
    const file = path.join(t.dir, 'snap.config.yaml');
    const before = (await readFile(file, 'utf8')).replace('- name: identity-api\n', '- name: accounts-api\n        workload:\n          name: identity-api\n');
    await writeFile(file, before);
    // The editor: the first time it makes a typo; the second time it records what it was given, fixes the typo and drops a service.
    const editor = path.join(t.dir, 'edit.sh');
    const seen = path.join(t.dir, 'seen.yaml');
    await writeFile(
      editor,
      `#!/bin/sh\nif grep -q '^projects:' "$1"; then sed -i 's/^projects:/projectz:/' "$1"; else cp "$1" ${seen}; sed -i 's/^projectz:/projects:/' "$1"; sed -i '/- name: identity-web$/,/repository: acme\\/identity-web$/d' "$1"; fi\n`,
      { mode: 0o755 },
    );
    vi.stubEnv('VISUAL', editor);
    vi.stubEnv('EDITOR', editor);
    const out = sink();
    const err = sink();
    const done = runOnboard({ output: 'snap.config.yaml' }, { stdout: out.stream, stderr: err.stream, cwd: t.dir, env } as never, terminalPrompts());
    await until('Kube contexts to look in');
    screen.keypress('enter');
    // The existing config's five repositories start selected.
    await until('Repositories of acme (15 of 15 shown, 5 selected)');
    screen.keypress('enter');
    await until('Use these environments?');
    expect(err.text()).toMatch(/from .*snap\.config\.yaml/);
    screen.keypress('enter');
    await until('Jira projects whose keys count as tickets');
    screen.keypress('enter');
    await until('Also count GitHub issue references');
    screen.keypress('enter');
    await until(/Write .*snap\.config\.yaml\?/);
    // Nothing new was found: the file would not change, and that is said before asking.
    expect(err.text()).toMatch(/snap\.config\.yaml would not change\./);
    screen.keypress('down');
    screen.keypress('enter');
    await until('Edit the config');
    if (screen.getScreen().includes('Press <enter>')) screen.keypress('enter');
    await until('Edit it again (your text, with its problems marked at the top)');
    expect(err.text()).toMatch(/The edited config has problems:[\s\S]*projectz/);
    // Enter goes back to the rejected text (writing the last valid one would drop the user's other edits).
    screen.keypress('enter');
    await until('Edit the config');
    if (screen.getScreen().includes('Press <enter>')) screen.keypress('enter');
    await until(/\? Write .*snap\.config\.yaml\?/);
    screen.keypress('enter');
    expect(await done).toBe(0);
    // The second edit began from the rejected text, its problems as comments above it.
    expect(await readFile(seen, 'utf8')).toMatch(/^# ✖ snap did not take this text[^\n]*\n#   .*projectz/);
    // The accepted edit was tried against the clusters again, and the summary describes it: four services, not five.
    expect(err.text().match(/Trying the config/g)).toHaveLength(2);
    expect(out.text()).toMatch(/Wrote .*: 4 services in 1 project from 4 repositories/);
    const written = await readFile(file, 'utf8');
    expect(written).toContain('- name: accounts-api\n        workload:\n          name: identity-api\n');
    expect(written).not.toContain('identity-web');
  });
});

describe('the wizard\'s answers, followed through (scripted answers by question)', () => {
  /** Prompts that answer each question by the first pattern its message matches; any other question fails the test. */
  function answering(rules: [RegExp, (offered: any) => unknown][]) {
    const asked: string[] = [];
    const answer = (message: string, offered?: unknown) => {
      asked.push(message);
      const rule = rules.find(([re]) => re.test(message));
      if (!rule) throw new Error(`unexpected question: ${message}`);
      return rule[1](offered) as never;
    };
    return {
      asked,
      prompts: {
        select: async (o: { message: string; choices: unknown[] }) => answer(o.message, o.choices),
        multiSelect: async (o: { message: string; items: unknown[] }) => answer(o.message, o.items),
        confirm: async (o: { message: string }) => answer(o.message),
        editor: async (o: { message: string }) => answer(o.message),
        search: async (o: { message: string; source: (t: string | undefined) => unknown }) => answer(o.message, await o.source(undefined)),
      } as never,
    };
  }

  it('a repository chosen for a workload outside the selection is written, and a re-run does not ask again', async () => {
    const { generateRealisticOrg } = await import('../src/sandbox/fixtures/realistic.js');
    t = await startTestSandbox(generateRealisticOrg({ seed: 1, shape: 'per-env-clusters' }).fixture);
    vi.stubEnv('KUBECONFIG', t.kubeconfig);
    const env = { GITHUB_TOKEN: t.sandbox.githubToken, SNAP_GITHUB_URL: t.sandbox.githubUrl, KUBECONFIG: t.kubeconfig, HOME: t.dir };
    const rules: [RegExp, (offered: any) => unknown][] = [
      [/^Kube contexts/, (items: { value: string }[]) => items.map((i) => i.value)],
      // Only crm-sync is selected; the sync workload is then said to run erp-sync, which is not.
      // (Again over the config, its repositories start checked and stay so.)
      [/^Repositories of acme/, (items: { value: { name: string }; checked?: boolean }[]) => items.filter((i) => i.checked || i.value.name === 'crm-sync').map((i) => i.value)],
      [/^Use these environments/, () => 'yes'],
      [/sync .*runs which repository\?/, () => 'acme/erp-sync'],
      [/^Leave (these|the third-party) workloads out/, () => 'yes'],
      [/^Keep any of them/, () => []],
      [/^Jira projects/, () => []],
      [/^Also count GitHub issue references/, () => false],
      [/^Write /, () => 'write'],
    ];
    const first = answering(rules);
    expect(await runOnboard({ output: 'snap.config.yaml', check: false }, { stdout: sink().stream, stderr: sink().stream, cwd: t.dir, env } as never, first.prompts)).toBe(0);
    expect(first.asked.some((q) => /sync .*runs which repository/.test(q))).toBe(true);
    const config = parse(await readFile(path.join(t.dir, 'snap.config.yaml'), 'utf8'));
    const services = config.projects.flatMap((p: { services: { name: string; repository: string }[] }) => p.services);
    expect(services).toContainEqual(expect.objectContaining({ name: 'sync', repository: 'acme/erp-sync' }));
    // Again over that config: sync is answered by it, so not asked.
    const again = answering(rules);
    expect(await runOnboard({ output: 'snap.config.yaml', check: false }, { stdout: sink().stream, stderr: sink().stream, cwd: t.dir, env } as never, again.prompts)).toBe(0);
    expect(again.asked.filter((q) => /runs which repository/.test(q))).toEqual([]);
    const after = parse(await readFile(path.join(t.dir, 'snap.config.yaml'), 'utf8'));
    expect(after.projects.flatMap((p: { services: { name: string; repository: string }[] }) => p.services)).toContainEqual(expect.objectContaining({ name: 'sync', repository: 'acme/erp-sync' }));
  });
});
