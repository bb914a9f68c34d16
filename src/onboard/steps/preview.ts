import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../config/load.js';
import { formatIssue, type ConfigIssue } from '../../config/types.js';
import type { SnapshotWarning } from '../../core/snapshot-schema.js';
import { lineDiff } from '../../ui/diff.js';
import type { Prompts } from '../../ui/prompts.js';

const CHECKED = /^(WORKLOAD_|CONTAINER_|VERSION_|REPOSITORY_|CLUSTER_|GITHUB_)/;

export interface LiveCheck {
  warnings: SnapshotWarning[];
  /** service × environment pairs found running with their commit */
  running: number;
  /** service × environment pairs in the config */
  services: number;
}

/**
 * Tries the config for real before it is saved: one snapshot taken in memory (caches in a temporary
 * folder), and every workload that is missing, ambiguous or whose version does not resolve listed.
 */
export async function checkLive(yaml: string, file: string, githubToken: string, env: NodeJS.ProcessEnv): Promise<LiveCheck> {
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

/** The first line of the comment block put above a rejected edit. */
const PROBLEMS_HEADER = '# ✖ snap did not take this text. Fix what is listed below, save and close the editor (these lines are ignored):';

/**
 * The user's text with the validation errors as comments at the top (an earlier block of them
 * replaced). Each problem names its line in the text as reopened (below the comments), not in a file
 * that is not written yet.
 */
export function withProblems(text: string, problems: readonly ConfigIssue[]): string {
  const shift = problems.length + 1;
  const lines = problems.map((p) => `#   ${p.line ? `line ${p.line + shift}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`.replace(/\n/g, ' '));
  return `${PROBLEMS_HEADER}\n${lines.join('\n')}\n${withoutProblems(text)}`;
}

/** The text without a comment block withProblems added. */
export function withoutProblems(text: string): string {
  if (!text.startsWith(PROBLEMS_HEADER)) return text;
  const lines = text.split('\n');
  let i = 1;
  while (i < lines.length && lines[i].startsWith('#   ')) i++;
  return lines.slice(i).join('\n');
}

export interface PreviewOptions {
  /** The file's text today, when it exists: the preview shows the change against it, before the decision. */
  before?: string;
  /** Tries an accepted edit against the clusters again and says what it found. */
  recheck?: (yaml: string) => Promise<void>;
}

/**
 * Shows the config (or, over an existing file, the diff against it) and lets the user write it,
 * edit it in $EDITOR, or stop without writing. An edit is validated; one that does not validate is
 * kept, with its problems as comments at the top, for the next edit (the last valid text is what
 * "Write" writes meanwhile); one that validates is tried against the clusters again (`recheck`).
 */
export async function previewConfig(yaml: string, file: string, prompts: Prompts, say: (text: string) => void, env: NodeJS.ProcessEnv, options: PreviewOptions = {}): Promise<string | undefined> {
  let text = yaml;
  let draft: string | undefined;
  for (;;) {
    if (options.before !== undefined) say(options.before === text ? `\n${file} would not change.` : `\nChanges to ${file}:\n${lineDiff(options.before, text)}`);
    else say(`\n${text}`);
    // After a rejected edit, Enter goes back to it: writing the last valid text would drop the user's other edits.
    const action = await prompts.select({
      message: `Write ${file}?`,
      choices: [
        { name: draft ? 'Write the last text that validated (your edit is not in it)' : 'Write it', value: 'write' },
        { name: draft ? 'Edit it again (your text, with its problems marked at the top)' : 'Edit it first (in $EDITOR)', value: 'edit' },
        { name: 'Stop without writing', value: 'stop' },
      ],
      ...(draft ? { default: 'edit' } : {}),
    });
    if (action === 'stop') return undefined;
    if (action === 'write') return text;
    const edited = withoutProblems(await prompts.editor({ message: 'Edit the config', default: draft ?? text, postfix: '.yaml' }));
    const check = parseConfig(edited, file, { env });
    if (check.errors.length) {
      // Lines as the text reopens, below the comment block: the numbers the user will see.
      const shift = check.errors.length + 1;
      say(`The edited config has problems:\n${check.errors.map((p) => `  ${p.line ? `line ${p.line + shift}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('\n')}\nIt was not taken; "Edit it again" reopens your text with these marked (the line numbers are those of the reopened text).`);
      draft = withProblems(edited, check.errors);
    } else {
      text = edited;
      draft = undefined;
      await options.recheck?.(text);
    }
  }
}
