import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('../../bin/snap.js', import.meta.url));

/**
 * Wall time (ms) of `snap ARGS` run in `dir` as a separate process, the median of three; no config or
 * data directory from the environment. Throws when the command exits other than 0, with its stderr.
 */
export async function timeCommand(dir: string, args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    const code = await new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, [child, ...args], { cwd: dir, env: { ...process.env, CI: '1', NO_COLOR: '1', SNAP_CONFIG: '', SNAP_DATA_DIR: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.on('error', reject);
      p.on('close', (c) => (c === 0 ? resolve(0) : reject(new Error(`snap ${args.join(' ')} exited ${c}: ${err}`))));
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6 + code);
  }
  return times.sort((a, b) => a - b)[1];
}

