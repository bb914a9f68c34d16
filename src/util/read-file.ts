import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/**
 * Reads a file the user named (a config, a kubeconfig, a token file) only when it is a regular file
 * of at most `maxBytes` (bytes): a named pipe or a device would block the read for ever — and with it
 * the process's exit on SIGTERM, as Node waits for its blocked thread —, and `/dev/zero` never ends.
 * Throws an Error with `code` ENOENT (missing), EISDIR (a folder), ENOTREG (a pipe, device or
 * socket) or EFBIG (too large, with its `size`), and a message in words.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<string> {
  check(file, await stat(file), maxBytes);
  return readFile(file, 'utf8');
}

/** The same, synchronous (the kubeconfig is read synchronously, as kubectl does). */
export function readRegularFileSync(file: string, maxBytes: number): string {
  check(file, statSync(file), maxBytes);
  return readFileSync(file, 'utf8');
}

function check(file: string, stats: { isFile(): boolean; isDirectory(): boolean; size: number }, maxBytes: number): void {
  if (stats.isDirectory()) throw Object.assign(new Error(`${file} is a folder, not a file`), { code: 'EISDIR' });
  if (!stats.isFile()) throw Object.assign(new Error(`${file} is not a regular file (a named pipe, a device or a socket)`), { code: 'ENOTREG' });
  if (stats.size > maxBytes) throw Object.assign(new Error(`${file} is ${Math.round(stats.size / 1048576)} MB, more than the ${Math.round(maxBytes / 1048576)} MB such a file can be`), { code: 'EFBIG', size: stats.size });
}
