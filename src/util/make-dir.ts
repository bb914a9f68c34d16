import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` in a bounded number of steps (one per missing level of the path). Node's
 * `mkdir(dir, { recursive: true })` loops forever where the file system answers ENOENT for a folder
 * under a parent that exists (anything below `/proc/<pid>`): it creates the parent (EEXIST) and tries
 * again, without end. Here each missing level is created once, and the file system's refusal is thrown
 * as it came (ENOENT, EACCES, EROFS, ENOTDIR…); a file where a folder should be throws ENOTDIR.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; ) {
    const stats = await stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stats) {
      if (!stats.isDirectory()) throw Object.assign(new Error(`${current} is a file`), { code: 'ENOTDIR', path: current });
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder).catch(async (error: NodeJS.ErrnoException) => {
      // Made by someone else in the meantime: fine if it is a folder.
      if (error.code === 'EEXIST' && (await stat(folder).catch(() => undefined))?.isDirectory()) return;
      throw error;
    });
  }
}
