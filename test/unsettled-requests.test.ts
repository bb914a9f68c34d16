import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli, spawnAsync } from './helpers/cli.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

/**
 * A request that neither answers nor fails must not end the process as a success: Node exits when
 * nothing holds the event loop, and `AbortSignal.timeout`'s timer does not hold it. A GitHub behind a
 * proxy that resets connections made undici's first request hang, and `snap run` exit 0 with nothing
 * written.
 */
let t: TestSandbox | undefined;
let server: net.Server | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

it('the request time limit holds the process until it fires', async () => {
  const timeoutSignal = new URL('../dist/util/timeout-signal.js', import.meta.url).href;
  const r = await spawnAsync(process.execPath, ['--input-type=module', '-e', `import { timeoutSignal } from '${timeoutSignal}'; timeoutSignal(200).signal.addEventListener('abort', (e) => console.log('aborted', e.target.reason.name));`]);
  expect(r.stdout.trim()).toBe('aborted TimeoutError');
});

it('snap run against a GitHub whose connections are reset ends with GitHub unreachable, every time', async () => {
  server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  t = await startTestSandbox();
  await t.writeConfig({}, (raw) => {
    raw.github.url = `http://127.0.0.1:${port}`;
    raw.github.requestTimeoutSeconds = 1;
  });
  for (let i = 1; i <= 4; i++) {
    const r = await runCli(['run', '--json'], { cwd: t.dir, timeoutMs: 60_000 });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).snapshot.warnings.map((w: { code: string }) => w.code)).toContain('GITHUB_UNREACHABLE');
    expect((await readFile(path.join(t.dir, '.snap', 'runs.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(i);
  }
}, 120_000);
