import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressFor } from '../src/commands/context.js';
import { lineRenderer } from '../src/ui/progress.js';
import { isInteractive } from '../src/ui/terminal.js';

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
}

describe('progress rendering', () => {
  it('chooses bars only on a terminal without CI, TERM=dumb or --plain', () => {
    expect(isInteractive({ isTTY: true }, {})).toBe(true);
    expect(isInteractive({ isTTY: false }, {})).toBe(false);
    expect(isInteractive({ isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isInteractive({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(isInteractive({ isTTY: true }, {}, true)).toBe(false);
  });

  it('prints plain lines with the call, the count and the time left from past runs', () => {
    const out = capture();
    let clock = 1000;
    const { sink } = lineRenderer(out.stream, 'plain', () => clock);
    sink({ kind: 'start', sources: [{ source: 'kubernetes', total: 6 }], etaMs: 2000, basedOnRuns: 3 });
    clock += 500;
    sink({ kind: 'step', source: 'kubernetes', target: 'prod', call: 'list pods (page 2)', done: 2, total: 6 });
    sink({ kind: 'step', source: 'kubernetes', target: 'prod', call: 'list done', done: 3, total: 6 });
    sink({ kind: 'source-done', source: 'kubernetes', done: 6, total: 6, ok: false });
    sink({ kind: 'finish', durationMs: 1800, outcome: 'partial' });
    expect(out.text()).toBe(
      [
        'snap: snapshot started: kubernetes 6 lists; expected 2.0 s (median of the last 3 runs)',
        'snap: kubernetes prod: list pods (page 2) [2/6], about 1.5 s left',
        'snap: kubernetes: done with failures',
        'snap: snapshot partial in 1.8 s',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON lines with a timestamp when asked', async () => {
    const out = capture(true);
    const { sink } = await progressFor({ stdout: out.stream, stderr: out.stream, env: {}, cwd: '/' }, { logFormat: 'json' });
    sink({ kind: 'step', source: 'kubernetes', target: 'dev', call: 'list deployments', done: 0, total: 3 });
    const line = JSON.parse(out.text());
    expect(line).toMatchObject({ kind: 'step', target: 'dev', call: 'list deployments' });
    expect(Date.parse(line.time)).not.toBeNaN();
  });

  it('falls back to plain lines when stderr is not a terminal, even without --plain', async () => {
    const out = capture(false);
    const { sink } = await progressFor({ stdout: out.stream, stderr: out.stream, env: {}, cwd: '/' }, {});
    sink({ kind: 'start', sources: [{ source: 'kubernetes', total: 3 }] });
    expect(out.text()).toBe('snap: snapshot started: kubernetes 3 lists; first run, no estimate yet\n');
  });

  it('draws bars with the current call on a terminal', async () => {
    const out = capture(true);
    const renderer = await progressFor({ stdout: out.stream, stderr: out.stream, env: { TERM: 'xterm' }, cwd: '/' }, {});
    renderer.sink({ kind: 'start', sources: [{ source: 'kubernetes', total: 3 }], etaMs: 60_000, basedOnRuns: 2 });
    renderer.sink({ kind: 'step', source: 'kubernetes', target: 'prod', call: 'list pods', done: 1, total: 3 });
    renderer.sink({ kind: 'finish', durationMs: 10, outcome: 'ok' });
    expect(out.text()).toContain('kubernetes');
    expect(out.text()).toMatch(/1\/3|3\/3/);
    expect(out.text()).toContain('prod: list pods');
    expect(out.text()).toMatch(/left/);
  });
});
