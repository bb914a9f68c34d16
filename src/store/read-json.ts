import { rename } from 'node:fs/promises';
import { ExitCode, SnapError } from '../errors.js';
import { readRegularFile } from '../util/read-file.js';
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
 * and reported, so the next run starts clean and the evidence is kept, as is one over
 * MAX_DATA_FILE_BYTES (unread). A folder, pipe or device there throws `notADataFile`.
 */
export async function readJsonOrSetAside<T>(
  file: string,
  corruptDir: string,
  check: (value: unknown) => string | undefined = () => undefined,
): Promise<ReadJsonResult<T>> {
  let text: string;
  try {
    text = await readRegularFile(file, MAX_DATA_FILE_BYTES);
  } catch (error) {
    const { code, size } = error as NodeJS.ErrnoException & { size?: number };
    if (code === 'ENOENT') return { status: 'missing' };
    // Far larger than snap writes it (a runaway copy, a file of zeros): set aside unread.
    if (code === 'EFBIG') return { status: 'corrupt', corrupt: await setAside(file, corruptDir, `${Math.round((size ?? 0) / 1048576)} MB, far larger than snap writes it`) };
    if (code === 'EISDIR' || code === 'ENOTREG') throw notADataFile(file, code === 'EISDIR', error);
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

/**
 * A folder, named pipe, device or socket where snap keeps a data file: not snap's to move (a pipe would
 * block a read for ever, and the exit on SIGTERM with it). SnapError DATA_DIR_UNUSABLE (exit 1) naming it
 * and the `mv` that fixes it.
 */
export function notADataFile(file: string, folder: boolean, cause?: unknown): SnapError {
  return new SnapError('DATA_DIR_UNUSABLE', `${file} is ${folder ? 'a folder' : 'not a regular file (a named pipe, a device or a socket)'}, not a file snap wrote`, {
    exitCode: ExitCode.failed,
    cause,
    hint: `snap only writes files there: move it out of the data directory (mv ${JSON.stringify(file)} /tmp/) and run again`,
  });
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
