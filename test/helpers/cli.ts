import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The token the sandbox's GitHub accepts; runCli passes it as GITHUB_TOKEN unless told otherwise. */
export const SANDBOX_TOKEN = 'sandbox-github-token';

export const SNAP_BIN = fileURLToPath(new URL('../../bin/snap.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a real process, asynchronously (the sandbox may live in this process). */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '', GH_TOKEN: '', GITHUB_TOKEN: SANDBOX_TOKEN, ...options.env };
    for (const key of Object.keys(env)) if (env[key] === '') delete env[key];
    const child = spawn(process.execPath, [SNAP_BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs any program asynchronously (a synchronous spawn would block a sandbox living in this process),
 * with `env` added to this process's environment.
 */
export function spawnAsync(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
