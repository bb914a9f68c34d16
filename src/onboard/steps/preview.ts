import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../config/load.js';
import { formatIssue } from '../../config/types.js';
import type { SnapshotWarning } from '../../core/snapshot-schema.js';
import type { Prompts } from '../../ui/prompts.js';

const CHECKED = /^(WORKLOAD_|CONTAINER_|VERSION_|REPOSITORY_|CLUSTER_|GITHUB_)/;

/**
 * Tries the config for real before it is saved: one snapshot taken in memory (caches in a temporary
 * folder), and every workload that is missing, ambiguous or whose version does not resolve listed.
 */
export async function checkLive(yaml: string, file: string, githubToken: string, env: NodeJS.ProcessEnv): Promise<{ warnings: SnapshotWarning[]; running: number; services: number }> {
  const parsed = parseConfig(yaml, file, { env });
  if (!parsed.config) return { warnings: parsed.errors.map((e) => ({ code: 'CONFIG_ERROR', severity: 'error', scope: { source: 'config' }, message: formatIssue(e) })), running: 0, services: 0 };
  const { takeSnapshot } = await import('../../core/take-snapshot.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'snap-onboard-check-'));
  try {
    const { snapshot } = await takeSnapshot(parsed.config, { progress: () => undefined, githubToken, cacheDir: path.join(dir, 'cache'), corruptDir: path.join(dir, 'corrupt') });
    const states = Object.values(snapshot.projects).flatMap((p) => Object.values(p.environments).flatMap((e) => Object.values(e.services)));
    return { warnings: snapshot.warnings.filter((w) => CHECKED.test(w.code)), running: states.filter((s) => s.status === 'running' && s.commit).length, services: states.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Shows the YAML and lets the user write it, edit it in $EDITOR (validated again) or stop without writing. */
export async function previewConfig(yaml: string, file: string, prompts: Prompts, say: (text: string) => void, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let text = yaml;
  for (;;) {
    say(`\n${text}`);
    const action = await prompts.select({
      message: `Write ${file}?`,
      choices: [
        { name: 'Write it', value: 'write' },
        { name: 'Edit it first (in $EDITOR)', value: 'edit' },
        { name: 'Stop without writing', value: 'stop' },
      ],
    });
    if (action === 'stop') return undefined;
    if (action === 'write') return text;
    const edited = await prompts.editor({ message: 'Edit the config', default: text, postfix: '.yaml' });
    const check = parseConfig(edited, file, { env });
    if (check.errors.length) say(`The edited config has problems:\n${check.errors.map((e) => `  ${formatIssue(e)}`).join('\n')}\nIt was not taken; edit again or write the previous one.`);
    else text = edited;
  }
}
