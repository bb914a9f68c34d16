import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../store/atomic.js';
import { lineDiff } from '../../ui/diff.js';

/**
 * Writes the config atomically; an existing, different file is kept as a .bak copy and shown as a
 * diff (unless `quiet`: the wizard showed it before the decision).
 */
export async function writeConfig(output: string, yaml: string, say: (text: string) => void, now = new Date(), options: { quiet?: boolean } = {}): Promise<{ backup?: string }> {
  await checkOutput(output);
  let backup: string | undefined;
  if (existsSync(output)) {
    const before = await readFile(output, 'utf8');
    if (before !== yaml) {
      if (!options.quiet) say(`Changes to ${output}\n${lineDiff(before, yaml)}`);
      backup = `${output}.${now.toISOString().replaceAll(':', '-')}.bak`;
      await copyFile(output, backup);
    }
  }
  await writeFileAtomic(output, yaml, { followLinks: true, hint: 'pass --output a file in a folder you can write' });
  return backup ? { backup } : {};
}

/**
 * Refuses an --output that exists and is not a regular file (a folder, /dev/full, a pipe): throws a
 * usage error (exit 2) naming it. Called before the wizard asks anything, and again before writing.
 */
export async function checkOutput(output: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const { usageError } = await import('../../errors.js');
  const stats = await stat(output).catch(() => undefined);
  if (stats && !stats.isFile()) throw usageError(`--output ${output} is ${stats.isDirectory() ? 'a folder' : 'not a regular file'}`, 'name the config file to write, e.g. --output snap.config.yaml');
}
