import { readFile, rename, stat } from 'node:fs/promises';
import { makeDirectory } from '../util/make-dir.js';
import path from 'node:path';

export interface CorruptFile {
  file: string;
  movedTo: string;
  reason: string;
}

/** The largest data file read (bytes): a large organisation's snapshot is tens of MB; a JavaScript string cannot exceed about 512 MB. */
export const MAX_DATA_FILE_BYTES = 256 * 1048576;

export type ReadJsonResult<T> =
  | { status: 'ok'; value: T }
  | { status: 'missing' }
  | { status: 'corrupt'; corrupt: CorruptFile };

/**
 * Reads a JSON file. A file that does not parse (or fails `check`) is moved into `corruptDir`
 * and reported, so the next run starts clean and the evidence is kept. A folder where the file
 * should be is not snap's to move: SnapError DATA_DIR_UNUSABLE (exit 1) naming it and the fix.
 */
export async function readJsonOrSetAside<T>(
  file: string,
  corruptDir: string,
  check: (value: unknown) => string | undefined = () => undefined,
): Promise<ReadJsonResult<T>> {
  let text: string;
  try {
    // Far larger than snap writes it (a runaway copy, a file of zeros): not read into memory at all.
    const stats = await stat(file);
    const { size } = stats;
    if (!stats.isFile() && !stats.isDirectory()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    if (size > MAX_DATA_FILE_BYTES) return { status: 'corrupt', corrupt: await setAside(file, corruptDir, `${Math.round(size / 1048576)} MB, far larger than snap writes it`) };
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    if ((error as NodeJS.ErrnoException).code === 'EISDIR' || (error as NodeJS.ErrnoException).code === 'ENOTREG') {
      const { SnapError, ExitCode } = await import('../errors.js');
      // A named pipe would block the read for ever (and the exit on SIGTERM with it).
      throw new SnapError('DATA_DIR_UNUSABLE', `${file} is ${(error as NodeJS.ErrnoException).code === 'EISDIR' ? 'a folder' : 'not a regular file (a named pipe, a device or a socket)'}, not a file snap wrote`, {
        exitCode: ExitCode.failed,
        cause: error,
        hint: `snap only writes files there: move it out of the data directory (mv ${JSON.stringify(file)} /tmp/) and run again`,
      });
    }
    throw error;
  }
  let reason: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
    reason = check(value);
  } catch (error) {
    reason = text.trim() === '' ? 'the file is empty' : `not valid JSON (${(error as Error).message})`;
  }
  if (reason === undefined) return { status: 'ok', value: value as T };
  return { status: 'corrupt', corrupt: await setAside(file, corruptDir, reason) };
}

export async function setAside(file: string, corruptDir: string, reason: string): Promise<CorruptFile> {
  await makeDirectory(corruptDir);
  const stamp = new Date().toISOString().replaceAll(':', '-');
  const movedTo = path.join(corruptDir, `${path.basename(file)}.${stamp}`);
  try {
    await rename(file, movedTo);
  } catch (error) {
    // Someone else moved it first: report it all the same.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { file, movedTo, reason };
}
