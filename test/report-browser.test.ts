import AxeBuilder from '@axe-core/playwright';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../src/bench/browser.js';
import { readReportData, renderReport } from '../src/report/page.js';
import type { ReportData } from '../src/report/types.js';
import { runCli } from './helpers/cli.js';

/**
 * The report in a real, headless Chromium (Debian's chromium, driven by playwright-core): the demo's
 * page loads with no console error and no network request (every request but the page's own file is
 * blocked and counted), the views work as a person uses them, axe-core finds no serious accessibility
 * violation, and screenshots of each view at 1280×800 and 390×844 are written to test-output/report/.
 */
const SHOTS = fileURLToPath(new URL('../test-output/report/', import.meta.url));
const VIEWS = ['radar', 'promotions', 'tickets', 'calendar', 'metrics', 'health'];
let dir: string;
let file: string;
let data: ReportData;
let browser: Browser;

interface Opened {
  context: BrowserContext;
  page: Page;
  /** Requests other than the page's own file: each was blocked. */
  requests: string[];
  /** Console errors and warnings, and uncaught exceptions. */
  problems: string[];
}

async function open(url: string, viewport = { width: 1280, height: 800 }, javaScriptEnabled = true): Promise<Opened> {
  const context = await browser.newContext({ viewport, javaScriptEnabled });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  await context.route('**/*', (route) => {
    if (route.request().url() === url.split('#')[0]) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  if (javaScriptEnabled) await page.waitForSelector('body[data-ready]');
  return { context, page, requests, problems };
}

const view = async (page: Page, name: string) => {
  await page.click(`nav a[href="#${name}"]`);
  await page.waitForFunction((v) => !document.getElementById(v)!.hidden, name);
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'snap-report-browser-'));
  const demo = await runCli(['demo', '--dir', dir], { cwd: dir, timeoutMs: 60_000 });
  expect(demo.code).toBe(0);
  file = path.join(dir, 'snap-report.html');
  data = readReportData(await readFile(file, 'utf8'));
  browser = await launchChromium();
  await mkdir(SHOTS, { recursive: true });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the demo report in Chromium', () => {
  it('loads with no console error and no network request, every view included', async () => {
    const o = await open(pathToFileURL(file).href);
    try {
      for (const v of VIEWS) await view(o.page, v);
      // The detail dialog too.
      await view(o.page, 'radar');
      await o.page.click('button.cell >> nth=0');
      await o.page.waitForSelector('dialog[open]');
      expect(o.problems).toEqual([]);
      expect(o.requests).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('the ticket search finds a ticket by its key and by words of its title', async () => {
    const o = await open(`${pathToFileURL(file).href}#tickets`);
    try {
      const ticket = data.tickets.find((t) => t.title && Object.keys(t.status).length)!;
      await o.page.fill('#ticket-search', ticket.key.toLowerCase());
      await expect.poll(() => o.page.locator('ul.tickets > li h3').first().textContent()).toContain(ticket.key);
      const badges = await o.page.locator('ul.tickets > li').first().locator('ol.timeline li').allTextContents();
      expect(badges[0]).toMatch(/^merged \d{4}-\d\d-\d\d$/);
      for (const [where, status] of Object.entries(ticket.status)) expect(badges.join('\n')).toContain(`${where.split('/')[1]} ${{ in: '✓ in', partial: '◐ partial', 'rolling-out': '↻ rolling out', reverted: '↺ reverted', unknown: '? unknown' }[status]}`);
      const words = ticket.title!.replace(ticket.key, '').trim().split(/\s+/).slice(0, 2).join(' ');
      await o.page.fill('#ticket-search', words);
      const found = await o.page.locator('ul.tickets > li h3').allTextContents();
      expect(found.some((t) => t.includes(ticket.key))).toBe(true);
      expect(found.every((t) => t.toLowerCase().includes(words.split(' ')[0].toLowerCase()))).toBe(true);
      await o.page.fill('#ticket-search', 'no-such-ticket-xyz');
      await expect.poll(() => o.page.locator('.pager span').textContent()).toBe('no tickets');
    } finally {
      await o.context.close();
    }
  });

  it('clicking a radar cell opens its detail: image, digest, pods, recent deployments, tickets in it', async () => {
    const o = await open(pathToFileURL(file).href);
    try {
      const project = data.projects.find((p) => p.services.some((s) => s.cells.some((c) => c?.mark === 'stalled')))!;
      const service = project.services.find((s) => s.cells.some((c) => c?.mark === 'stalled'))!;
      const i = service.cells.findIndex((c) => c?.mark === 'stalled');
      const cell = service.cells[i]!;
      await o.page.click('button.cell.m-stalled');
      const dialog = o.page.locator('dialog[open]');
      await expect.poll(() => dialog.locator('#detail-h').textContent()).toBe(`${project.name}/${service.name} in ${project.environments[i]}`);
      const text = (await dialog.textContent())!;
      expect(text).toContain(cell.image!);
      expect(text).toContain(cell.digest!);
      expect(text).toContain('ProgressDeadlineExceeded');
      expect(text).toMatch(/Pods\d+ total/);
      expect(text).toContain('Serving now');
      expect(text).toMatch(/Recent deployments/);
      expect(text).toMatch(/Tickets here \(\d+\)/);
      await o.page.keyboard.press('Escape');
      await expect.poll(() => o.page.locator('dialog[open]').count()).toBe(0);
      await o.page.click('button.cell >> nth=0');
      await o.page.click('#detail-close');
      await expect.poll(() => o.page.locator('dialog[open]').count()).toBe(0);
    } finally {
      await o.context.close();
    }
  });

  it("the calendar shows the demo's deployments, and a day's list when a day is clicked", async () => {
    const o = await open(`${pathToFileURL(file).href}#calendar`);
    try {
      const totals = await o.page.locator('button.day').evaluateAll((days) => days.map((d) => Number(/^(\d+) deployment/.exec(d.querySelector('.total')?.textContent ?? '')?.[1] ?? 0)));
      expect(totals.reduce((a, b) => a + b, 0)).toBe(data.deployments.length);
      const byDay = new Map<string, number>();
      for (const d of data.deployments) byDay.set(d[0].slice(0, 10), (byDay.get(d[0].slice(0, 10)) ?? 0) + 1);
      const [day, count] = [...byDay].sort((a, b) => b[1] - a[1])[0];
      await o.page.click(`button.day[data-day="${day}"]`);
      await expect.poll(() => o.page.locator('#calendar-day h3').textContent()).toBe(`${day}: ${count} deployment${count === 1 ? '' : 's'}`);
      expect(await o.page.locator('#calendar-day table tbody tr').count()).toBe(Math.min(count, 100));
      // Rollbacks are marked in the grid, in words.
      const rollbacks = data.deployments.filter((d) => d[7] & 1).length;
      if (rollbacks) expect(await o.page.locator('button.day .rb').count()).toBeGreaterThan(0);
      // The chart is drawn, and its table folded away behind it.
      expect(await o.page.locator('#calendar-chart canvas').count()).toBeGreaterThan(0);
      expect(await o.page.locator('#calendar figure details, #calendar details').first().getAttribute('open')).toBeNull();
    } finally {
      await o.context.close();
    }
  });

  it('the radar compares the environments chosen, and keeps to the services that differ between them', async () => {
    const o = await open(pathToFileURL(file).href);
    try {
      const envs = data.projects[0].environments;
      expect(await o.page.locator('table.radar thead th').allTextContents()).toEqual(['Service', ...envs]);
      // One card per environment, with its services counted.
      expect(await o.page.locator('ul.cards > li h3').allTextContents()).toEqual(envs);
      await o.page.uncheck(`#radar-env-${envs[0]}`);
      const shown = envs.slice(1);
      expect(await o.page.locator('table.radar thead th').allTextContents()).toEqual(['Service', ...shown]);
      await o.page.check('#radar-differ');
      const expected = data.projects.flatMap((p) =>
        p.services
          .filter((sv) => new Set(shown.map((e) => sv.cells[p.environments.indexOf(e)]).filter((c) => c?.status === 'running').map((c) => c!.commit ?? c!.version)).size > 1)
          .map((sv) => `${p.name}/${sv.name}`),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(await o.page.locator('table.radar tbody th').allTextContents()).toEqual(expected.slice(0, 50));
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('axe-core finds no serious or critical accessibility violation in any view', async () => {
    const o = await open(pathToFileURL(file).href);
    try {
      const found: string[] = [];
      for (const v of VIEWS) {
        await view(o.page, v);
        const result = await new AxeBuilder({ page: o.page }).analyze();
        for (const x of result.violations) if (x.impact === 'serious' || x.impact === 'critical') found.push(`${v}: ${x.id} (${x.impact}) ${x.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')}`);
      }
      await view(o.page, 'radar');
      await o.page.click('button.cell >> nth=0');
      await o.page.waitForSelector('dialog[open]');
      for (const x of (await new AxeBuilder({ page: o.page }).analyze()).violations) if (x.impact === 'serious' || x.impact === 'critical') found.push(`detail: ${x.id} (${x.impact})`);
      expect(found).toEqual([]);
    } finally {
      await o.context.close();
    }
  }, 60_000);

  it('writes screenshots of every view at 1280×800 and 390×844 for a person to look at', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const o = await open(pathToFileURL(file).href, viewport);
      try {
        for (const v of VIEWS) {
          await view(o.page, v);
          const shot = path.join(SHOTS, `${v}-${viewport.width}x${viewport.height}.png`);
          await o.page.screenshot({ path: shot });
          expect((await stat(shot)).size).toBeGreaterThan(5_000);
        }
        // Narrow: no view is wider than the screen but for its own scrolling tables.
        if (viewport.width === 390) expect(await o.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        expect(o.problems).toEqual([]);
      } finally {
        await o.context.close();
      }
    }
  }, 60_000);

  it('without scripts, the tables behind the charts carry the figures', async () => {
    const o = await open(pathToFileURL(file).href, undefined, false);
    try {
      const days = new Set(data.deployments.map((d) => d[0].slice(0, 10)));
      expect(await o.page.locator('#calendar table tbody tr').count()).toBe(days.size);
      expect(await o.page.locator('#metrics table').first().locator('tbody tr').count()).toBe(data.metrics.length);
      expect(await o.page.locator('#health table').first().locator('tbody tr').count()).toBeGreaterThan(0);
      // What runs where, every service, as plain tables.
      const services = data.projects.reduce((n, p) => n + p.services.length, 0);
      expect(await o.page.locator('#radar noscript table tbody tr, #radar table:not(.radar) tbody tr').count()).toBeGreaterThanOrEqual(services);
      const text = (await o.page.locator('#radar').textContent())!;
      for (const p of data.projects) for (const sv of p.services) expect(text).toContain(sv.name);
      expect(o.requests).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});

describe('what cannot be known is said so', () => {
  it('a promotion whose services could not be compared is unknown, not zero; charts need two whole weeks', async () => {
    const base = data.promotions[0];
    const unknown = { ...base, status: 'unknown', commits: 0, pullRequests: [], tickets: [], partial: [], services: base.services.map((x) => ({ service: x.service, status: 'unknown', reason: 'GitHub was not read' })), unknown: base.services.map((x) => ({ service: x.service, reason: 'GitHub was not read' })) };
    const week = { ...data.metrics[0], weeks: [data.metrics[0].weeks.at(-1)!] };
    const where = `${data.projects[0].name}/${data.projects[0].environments[0]}`;
    const ticket = { ...data.tickets[0], key: 'UNK-1', status: { [where]: 'unknown' }, reasons: { [where]: 'acme/x (x): its version did not resolve to a commit' }, arrived: {} };
    const page = path.join(dir, 'unknown.html');
    await writeFile(page, await renderReport({ ...data, promotions: [unknown], metrics: [week], tickets: [ticket, ...data.tickets] }));
    const o = await open(`${pathToFileURL(page).href}#promotions`);
    try {
      const text = (await o.page.locator('#promotions-app').textContent())!;
      expect(text).toContain(`What promoting ${base.from} to ${base.to} would ship is unknown: ${base.services.length} services could not be compared`);
      expect(text).not.toMatch(/would ship 0 commits/);
      expect(await o.page.locator('#promotions-app td').filter({ hasText: /^0$/ }).count()).toBe(0);
      await view(o.page, 'tickets');
      await o.page.fill('#ticket-search', 'UNK-1');
      await expect.poll(() => o.page.locator('ul.tickets > li').first().textContent()).toContain('? unknown: acme/x (x): its version did not resolve to a commit');
      await view(o.page, 'metrics');
      expect(await o.page.locator('#metrics-app').textContent()).toContain('The charts need two whole weeks');
      expect(await o.page.locator('#metrics-app canvas').count()).toBe(0);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('"needs attention" and the counts look only at the environments shown; each cell names its service and environment', async () => {
    const o = await open(pathToFileURL(file).href);
    try {
      const firstProject = data.projects[0];
      const name = await o.page.getByRole('button', { name: new RegExp(`^${firstProject.name}/${firstProject.services[0].name} in ${firstProject.environments[0]}: `) }).count();
      expect(name).toBe(1);
      const project = data.projects[0];
      const last = project.environments.at(-1)!;
      for (const env of project.environments.slice(0, -1)) await o.page.uncheck(`#radar-env-${env}`);
      await o.page.check('#radar-attention');
      const expected = data.projects.flatMap((p) => p.services.filter((sv) => { const c = sv.cells[p.environments.indexOf(last)]; return c && c.mark !== 'ok' && c.mark !== 'zero'; }).map((sv) => `${p.name}/${sv.name}`));
      expect(expected.length).toBeGreaterThan(0);
      expect(await o.page.locator('table.radar tbody th').allTextContents()).toEqual(expected);
      const counted = Number(/in (\d+) place/.exec((await o.page.locator('#radar .counts').textContent())!)?.[1]);
      expect(counted).toBe(expected.length);
    } finally {
      await o.context.close();
    }
  });
});

describe('a report of 1,000 services stays usable', () => {
  it('pages the radar and finds a service by search', async () => {
    // The demo's data made a thousand services wide: each service copied under new names.
    const base = data.projects[0];
    const services = Array.from({ length: 1000 }, (_, i) => ({ ...base.services[i % base.services.length], name: `svc-${String(i).padStart(4, '0')}` }));
    const wide: ReportData = { ...data, projects: [{ ...base, services }], promotions: data.promotions.filter((p) => p.project === base.name) };
    const page = path.join(dir, 'wide.html');
    await writeFile(page, await renderReport(wide));
    const o = await open(pathToFileURL(page).href);
    try {
      expect(await o.page.locator('table.radar tbody tr').count()).toBe(50);
      await expect.poll(() => o.page.locator('#radar .pager span').textContent()).toBe('services 1–50 of 1,000');
      await o.page.click('#radar .pager button:has-text("Next")');
      await expect.poll(() => o.page.locator('#radar .pager span').textContent()).toBe('services 51–100 of 1,000');
      await o.page.fill('#radar input[type=search]', 'svc-0777');
      await expect.poll(() => o.page.locator('table.radar tbody tr').count()).toBe(1);
      expect(await o.page.locator('table.radar tbody th').textContent()).toBe('svc-0777');
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
