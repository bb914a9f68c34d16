import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './browser.js';
import { timeCommand } from './time-command.js';

/** What snap report costs on a history: generation (ms, whole process), the page (bytes), its first render (ms). */
export interface ReportFigures {
  /** Wall time of `snap report` as a separate process, median of three (ms). */
  generateMs: number;
  bytes: number;
  /** From navigation to the page's script having drawn its first view in headless Chromium, median of three (ms). */
  firstRenderMs: number;
  /** Console errors and blocked network requests seen while loading (both should be none). */
  problems: string[];
}

/**
 * Times `snap report` in the data directory `dir` (whose snap.config.yaml it reads), then loads the
 * page three times in headless Chromium (every request but the page's own blocked) and times its
 * first render: navigation start to `body[data-ready]`, which the page sets once its view is drawn.
 */
export async function measureReport(dir: string): Promise<ReportFigures> {
  const file = path.join(dir, 'bench-report.html');
  const generateMs = await timeCommand(dir, ['report', '--out', file]);
  const bytes = (await stat(file)).size;
  await readFile(file);
  const browser = await launchChromium();
  const renders: number[] = [];
  const problems: string[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      const url = pathToFileURL(file).href;
      await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : (problems.push(`request: ${route.request().url()}`), route.abort())));
      const started = performance.now();
      await page.goto(url);
      await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
      renders.push(performance.now() - started);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return { generateMs, bytes, firstRenderMs: renders.sort((a, b) => a - b)[1], problems: [...new Set(problems)] };
}

/** The demo's history (snap demo --dir), and snap report on it: see measureReport. */
export async function benchDemoReport(): Promise<ReportFigures> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const dir = await mkdtemp(path.join(tmpdir(), 'snap-bench-demo-'));
  try {
    const bin = fileURLToPath(new URL('../../bin/snap.js', import.meta.url));
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [bin, 'demo', '--dir', dir], { env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: 'ignore' });
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`snap demo exited ${code}`))));
    });
    return await measureReport(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The report budgets of the benchmark, as verdict lines ("met: …" / "NOT met: …"). */
export function reportVerdicts(name: string, r: ReportFigures, budget: { bytes: number; generateMs: number; firstRenderMs?: number }): string[] {
  const mb = (n: number) => `${(n / 1048576).toFixed(2)} MB`;
  const line = (ok: boolean, text: string) => `${ok ? 'met' : 'NOT met'}: ${name}: ${text}`;
  return [
    line(r.bytes <= budget.bytes, `snap report writes ${mb(r.bytes)} ≤ ${mb(budget.bytes)}`),
    line(r.generateMs <= budget.generateMs, `snap report takes ${(r.generateMs / 1000).toFixed(2)} s ≤ ${budget.generateMs / 1000} s`),
    ...(budget.firstRenderMs ? [line(r.firstRenderMs <= budget.firstRenderMs, `the report's first render in Chromium takes ${(r.firstRenderMs / 1000).toFixed(2)} s ≤ ${budget.firstRenderMs / 1000} s`)] : []),
    line(r.problems.length === 0, `the report loads with no console error and no network request${r.problems.length ? ` (${r.problems.slice(0, 3).join('; ')})` : ''}`),
  ];
}
