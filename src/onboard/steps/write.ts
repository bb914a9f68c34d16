import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../store/atomic.js';
import { lineDiff } from '../../ui/diff.js';

/** Writes the config atomically; an existing, different file is shown as a diff and kept as a .bak copy. */
export async function writeConfig(output: string, yaml: string, say: (text: string) => void, now = new Date()): Promise<{ backup?: string }> {
  let backup: string | undefined;
  if (existsSync(output)) {
    const before = await readFile(output, 'utf8');
    if (before !== yaml) {
      say(`Changes to ${output}\n${lineDiff(before, yaml)}`);
      backup = `${output}.${now.toISOString().replaceAll(':', '-')}.bak`;
      await copyFile(output, backup);
    }
  }
  await writeFileAtomic(output, yaml, { followLinks: true });
  return backup ? { backup } : {};
}
