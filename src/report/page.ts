import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { humanDuration } from '../commands/metrics.js';
import { formatBytes, formatDuration } from '../ui/terminal.js';
import type { ReportData, ReportDeployment } from './types.js';

/**
 * The HTML of a snap report: one self-contained page — styles, the uPlot charting library, the page's
 * script and the report data inlined, no font, image or request from elsewhere. Everything a chart
 * shows is also in a semantic table written here (readable without scripts and by screen readers);
 * the script draws the interactive views (radar, promotions, tickets, calendar) and the charts.
 */

const esc = (text: unknown) => String(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
/**
 * The data as the page carries it: JSON, gzip-compressed (level 4: at 1,000 services a tenth of the
 * JSON's 16 MB in 0.15 s) and base64-encoded — characters that cannot end a script element. The page
 * decompresses it with the browser's DecompressionStream.
 */
const packedJson = (value: unknown) => gzipSync(JSON.stringify(value), { level: 4 }).toString('base64');
/** Script text that cannot close its element early. */
const scriptText = (text: string) => text.replace(/<\/script/gi, '<\\/script');

/** A length of time as a person reads it (the read commands' form): 45 s, 12 min, 5.2 h, 3.4 d; – when unknown. */
const duration = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '–' : humanDuration(ms));
const minute = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '–');
const pct = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x * 1000) / 10} %`);

/** A length of time in words: "30 days", "36 hours", "90 minutes" (the page's script says it alike). */
function spanText(ms: number): string {
  const n = (x: number, word: string) => `${x.toLocaleString('en')} ${word}${x === 1 ? '' : 's'}`;
  if (ms >= 2 * 86_400_000) return n(Math.round(ms / 86_400_000), 'day');
  if (ms >= 2 * 3_600_000) return n(Math.round(ms / 3_600_000), 'hour');
  return n(Math.round(ms / 60_000), 'minute');
}
const windowText = (data: ReportData) => spanText(Date.parse(data.window.end) - Date.parse(data.window.start));

/** A table: caption, column headers, rows whose first cell is a row header. */
function table(caption: string, head: string[], rows: (string | number)[][], attrs = ''): string {
  return `<table${attrs}><caption>${esc(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A chart's figure: the box the script draws into, and its data table (open until the chart is drawn). */
function figure(id: string, caption: string, tableHtml: string, attrs = ''): string {
  return `<figure><figcaption>${esc(caption)}</figcaption><div class="chart" id="${id}" aria-hidden="true"></div><details open${attrs}><summary>Data table</summary><div class="table-wrap">${tableHtml}</div></details></figure>`;
}

const MARK_TEXT: Record<string, string> = { ok: '✓ healthy', degraded: '! degraded', progressing: '↻ rolling out', paused: '⏸ paused', stalled: '⚠ stalled', down: '✗ no pod ready', missing: '∅ not found', unknown: '? unknown', zero: '○ scaled to zero' };

function radarSummary(data: ReportData): string {
  const marks = Object.keys(MARK_TEXT);
  const rows: (string | number)[][] = [];
  for (const p of data.projects) {
    p.environments.forEach((env, i) => {
      const counts = marks.map((m) => p.services.filter((s) => s.cells[i]?.mark === m).length);
      const behind = p.services.filter((s) => {
        const b = s.cells[i]?.behind;
        return b && !('unknown' in b) && b.commits > 0;
      }).length;
      rows.push([`${p.name}/${env}`, ...counts, behind]);
    });
  }
  return table('Services per environment by state', ['Environment', ...marks.map((m) => MARK_TEXT[m]), 'Behind the environment before'], rows);
}

/** What runs where, every project, as plain tables: for reading without scripts (inside a noscript element). */
function radarTables(data: ReportData): string {
  return data.projects
    .map((p) => {
      const rows = p.services.map((s) => [
        s.name,
        ...s.cells.map((c) => (c ? `${MARK_TEXT[c.mark]}: ${c.version ?? c.image ?? c.status}${c.commit ? ` (${c.commit.slice(0, 7)})` : ''}${c.desired !== undefined ? `, ${c.ready ?? 0}/${c.desired} ready` : ''}` : '–')),
      ]);
      return `<div class="table-wrap">${table(`${p.name}: what runs where`, ['Service', ...p.environments], rows)}</div>`;
    })
    .join('');
}

function calendarTable(data: ReportData): string {
  const envs = data.names.environments;
  const byDay = new Map<string, ReportDeployment[]>();
  for (const d of data.deployments) (byDay.get(d[0].slice(0, 10)) ?? byDay.set(d[0].slice(0, 10), []).get(d[0].slice(0, 10))!).push(d);
  const rows = [...byDay.keys()].sort().map((day) => {
    const items = byDay.get(day)!;
    return [day, ...envs.map((_, e) => items.filter((d) => d[2] === e).length), items.filter((d) => d[7] & 1).length];
  });
  return table(`Deployments per day and environment, ${data.window.start.slice(0, 10)} to ${data.window.end.slice(0, 10)} (days with none left out)`, ['Day (UTC)', ...envs, 'Rollbacks'], rows);
}

function metricsTables(data: ReportData): string {
  const band = (b: string | undefined) => (b ? ` (${b})` : '');
  const overview = table(
    `DORA measures of each project's last environment, the ${windowText(data)} to ${minute(data.window.end)}`,
    ['Project', 'Environment', 'Deployment frequency', 'Lead time (median)', 'Change failure rate', 'Recovery time (median)', 'The window before'],
    data.metrics.map((m) => [
      m.project,
      m.environment,
      `${m.window.perWeek}/week${band(m.window.bands.deploymentFrequency)}`,
      `${duration(m.window.leadTimeMs)}${band(m.window.bands.leadTime)}`,
      `${pct(m.window.changeFailureRate)}${band(m.window.bands.changeFailureRate)}`,
      `${duration(m.window.recoveryMs)}${band(m.window.bands.recoveryTime)}; ${m.window.recovered} recovered, ${m.window.open} open`,
      `${m.previous.perWeek}/week, ${duration(m.previous.leadTimeMs)}, ${pct(m.previous.changeFailureRate)}, ${duration(m.previous.recoveryMs)}`,
    ]),
  );
  const weekly = data.metrics
    .map((m) =>
      `<details open data-project="${esc(m.project)}"><summary>Data table: ${esc(m.project)} week by week</summary><div class="table-wrap">${table(
        `${m.project}, ${m.environment}, week by week`,
        ['Week from', 'Deployments', 'Lead time (median)', 'Change failure rate', 'Recovery time (median)'],
        m.weeks.map((w) => [w.start.slice(0, 10), w.deployments, duration(w.leadTimeMs), pct(w.changeFailureRate), duration(w.recoveryMs)]),
      )}</div></details>`,
    )
    .join('');
  return `<div class="table-wrap">${overview}</div><figure><figcaption>Week by week</figcaption><div id="metrics-app"></div>${weekly}</figure>`;
}

/** Services whose every environment's cluster could not be read. */
const unreadServices = (data: ReportData) => data.projects.reduce((n, p) => n + p.services.filter((s) => s.cells.some((c) => c?.status === 'unknown') && s.cells.every((c) => !c || c.status === 'unknown')).length, 0);

function healthHtml(data: ReportData): string {
  const h = data.health;
  const runs = h.runs;
  const ok = runs.filter((r) => r[2] === 'ok').length;
  const partial = runs.filter((r) => r[2] === 'partial').length;
  const failed = runs.filter((r) => r[2] === 'failed').length;
  const sorted = runs.map((r) => r[1]).sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.ceil(sorted.length / 2) - 1] : undefined;
  const since = h.lastSuccess ? Date.parse(data.generatedAt) - Date.parse(h.lastSuccess) : undefined;
  const tiles = [
    ['Last run', h.lastRun ? `${h.lastRun.outcome}, ${minute(h.lastRun.at)}${h.lastRun.error ? ` — ${h.lastRun.error}` : ''}` : 'none'],
    ['Last successful snapshot', h.lastSuccess ? `${duration(since)} before this report (${minute(h.lastSuccess)})` : 'none'],
    ['Runs in the window', runs.length ? `${runs.length}: ${pct((ok + partial) / runs.length)} wrote a snapshot (${ok} ok, ${partial} partial), ${failed} failed` : 'none'],
    ['Run time', median === undefined ? '–' : `median ${formatDuration(median)}, slowest ${formatDuration(sorted.at(-1)!)}`],
  ];
  const byDay = new Map<string, [string, number, string][]>();
  for (const r of runs) (byDay.get(r[0].slice(0, 10)) ?? byDay.set(r[0].slice(0, 10), []).get(r[0].slice(0, 10))!).push(r);
  const dayRows = [...byDay].map(([day, list]) => {
    const ms = list.map((r) => r[1]).sort((a, b) => a - b);
    return [day, list.length, list.filter((r) => r[2] === 'ok').length, list.filter((r) => r[2] === 'partial').length, list.filter((r) => r[2] === 'failed').length, formatDuration(ms[Math.ceil(ms.length / 2) - 1]), formatDuration(ms.at(-1)!)];
  });
  const warnings = h.warnings.length
    ? table('Warnings of the newest snapshot, by code', ['Code', 'Severity', 'Count', `Where and what${h.warnings.some((w) => w.count > w.examples.length) ? ' (the first five)' : ''}`], h.warnings.map((w) => [w.code, w.severity, w.count, w.examples.join('\n')]), ' class="warnings"')
    : '<p>The newest snapshot has no warnings.</p>';
  const unread = unreadServices(data);
  const stale = h.stale.length
    ? `<ul id="health-stale">${h.stale.map((s) => `<li>${esc(`${s.project}/${s.service}`)}: ${s.lastDeployedAt ? `last deployed ${esc(minute(s.lastDeployedAt))} (${esc(duration(Date.parse(data.snapshot.takenAt) - Date.parse(s.lastDeployedAt)))} before the snapshot)` : 'no deployment time known'} in ${esc(s.environments.join(', '))}</li>`).join('')}</ul>`
    : unread
      ? `<p>No service known to be stale; ${unread} could not be read anywhere (a cluster unreachable).</p>`
      : '<p>Every service was deployed somewhere in the last 14 days.</p>';
  const behindHtml = h.behind.length
    ? `<ul id="health-behind">${h.behind.map((b) => `<li>${esc(`${b.project}/${b.environment}/${b.service}`)}: deployed ${esc(duration(Date.parse(data.snapshot.takenAt) - Date.parse(b.lastDeployedAt)))} before the snapshot, ${b.commits} commit${b.commits === 1 ? '' : 's'}${b.tickets ? ` and ${b.tickets} ticket${b.tickets === 1 ? '' : 's'}` : ''} behind ${esc(b.from)}</li>`).join('')}</ul>`
    : '<p>No environment has been behind the one before it for 14 days.</p>';
  const services = (names: string[]) => `${names.length} service${names.length === 1 ? '' : 's'}`;
  const item = (head: string, names: string[]) => (names.length <= 8 ? `<li>${head} (${esc(names.join(', '))})</li>` : `<li><details><summary>${head}</summary>${esc(names.join(', '))}</details></li>`);
  const differing = h.disagree.filter((d) => d.services.length);
  const unknown = h.disagree.filter((d) => d.unknown.length);
  const disagree =
    (differing.length ? `<ul>${differing.map((d) => item(`${esc(d.project)}: ${esc(d.a)} and ${esc(d.b)} run different commits of ${services(d.services)}`, d.services)).join('')}</ul>` : '') +
    (unknown.length ? `<ul>${unknown.map((d) => item(`${esc(d.project)}: whether ${esc(d.a)} and ${esc(d.b)} agree is unknown for ${services(d.unknown)}: a cluster could not be read, or a version did not resolve to a commit`, d.unknown)).join('')}</ul>` : '') ||
    (h.disagree.length === 0 && data.projects.some((p) => p.environments.length > 2) ? '<p>The pre-production environments run the same commits.</p>' : data.projects.some((p) => p.environments.length > 2) ? '' : '<p>No project has two pre-production environments.</p>');
  return `<div class="tiles">${tiles.map(([k, v]) => `<div class="tile"><h3>${esc(k)}</h3><p class="value">${esc(v)}</p></div>`).join('')}</div>
${figure('health-chart', 'Run time of each run in the window (failed runs marked)', table('Runs per day', ['Day (UTC)', 'Runs', 'ok', 'partial', 'failed', 'Median run time', 'Slowest'], dayRows))}
<h3>Warnings</h3><div class="table-wrap">${warnings}</div>
<h3>Reminders</h3><h4>Services not deployed anywhere for 14 days or more (${h.stale.length})</h4>${stale}
<h4>Behind for 14 days or more (${h.behind.length})</h4>${behindHtml}
<h4>Pre-production environments that disagree</h4>${disagree}`;
}

const CSS = `
:root{--fg:#1b1f24;--muted:#4f5861;--bg:#fff;--panel:#f4f6f8;--line:#d0d7de;--accent:#0b57a4;--ok:#1b6e2a;--okbg:#e3f4e6;--warn:#7a4b00;--warnbg:#fff1d6;--bad:#a1001f;--badbg:#fde5e8;--info:#3d4a57;--infobg:#e9edf1}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
header{padding:16px 20px 8px;border-bottom:1px solid var(--line)}h1{margin:0;font-size:22px}header p{margin:4px 0;color:var(--muted)}
nav ul{display:flex;flex-wrap:wrap;gap:4px;list-style:none;margin:0;padding:8px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg);z-index:2}
nav a{display:block;padding:6px 12px;border-radius:6px;color:var(--accent);text-decoration:none;font-weight:600}nav a[aria-current]{background:var(--accent);color:#fff}
main{padding:12px 20px 40px}section>h2{margin:8px 0 12px;font-size:20px}h3{font-size:16px;margin:14px 0 6px}h4{font-size:15px;margin:12px 0 4px}
.table-wrap{overflow-x:auto;max-width:100%}table{border-collapse:collapse;margin:6px 0 12px;font-size:14px}caption{text-align:left;color:var(--muted);padding:4px 0;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}thead th{background:var(--panel)}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:4px 0 8px}.field{display:flex;flex-direction:column;gap:2px;font-size:13px;color:var(--muted)}
.field:has(input[type=checkbox]){flex-direction:row;align-items:center;gap:6px}
input[type=search],select{font:inherit;padding:5px 8px;border:1px solid #8c959f;border-radius:6px;min-width:14em;color:var(--fg);background:#fff}input[type=search]{min-width:19em}
button{font:inherit;color:var(--fg);cursor:pointer}.pager{display:flex;gap:12px;align-items:center;margin:6px 0}.pager button,.more{padding:4px 10px;border:1px solid #8c959f;border-radius:6px;background:#fff}
.pager button:disabled{color:#6e7781;cursor:default}
table.radar td{padding:3px;min-width:9.5em}table.radar th[scope=row]{white-space:nowrap;font-weight:600}.project{color:var(--muted);font-weight:400}
.cell{display:flex;flex-direction:column;align-items:flex-start;width:100%;text-align:left;border:1px solid var(--line);border-left-width:5px;border-radius:6px;padding:4px 6px;background:var(--panel);font-size:13px;line-height:1.3}
.cell .mark{font-weight:600}.cell .version{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}.sub{color:var(--muted);font-size:12px}.cell .sub{color:var(--info)}
.m-ok{border-left-color:var(--ok)}.m-ok .mark{color:var(--ok)}.m-progressing,.m-paused,.m-degraded{border-left-color:#b58100;background:var(--warnbg)}.m-progressing .mark,.m-paused .mark,.m-degraded .mark{color:var(--warn)}
.m-stalled,.m-down{border-left-color:var(--bad);background:var(--badbg)}.m-stalled .mark,.m-down .mark{color:var(--bad)}
.m-missing,.m-unknown,.m-zero{border-left-color:#8c959f;background:var(--infobg)}.m-missing .mark,.m-unknown .mark,.m-zero .mark{color:var(--info)}
.none{color:var(--muted);font-size:13px}.counts{color:var(--muted);margin:2px 0}
dialog{max-width:min(760px,96vw);width:100%;border:1px solid var(--line);border-radius:10px;padding:0}dialog::backdrop{background:rgba(0,0,0,.35)}
.dialog-head{display:flex;justify-content:space-between;align-items:center;gap:8px;padding:10px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:#fff}
.dialog-head h2{margin:0;font-size:17px}#detail-body{padding:8px 16px 16px}#detail-close{padding:4px 10px;border:1px solid #8c959f;border-radius:6px;background:#fff}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.chips{display:flex;flex-wrap:wrap;gap:4px;list-style:none;padding:0;margin:4px 0}.badge{border:1px solid var(--line);border-radius:10px;padding:1px 8px;font-size:13px;background:var(--infobg);color:var(--info)}
.b-in{background:var(--okbg);color:var(--ok);border-color:#9fd3a8}.b-partial,.b-rolling-out{background:var(--warnbg);color:var(--warn);border-color:#e6c27a}.b-reverted,.b-held{background:var(--badbg);color:var(--bad);border-color:#f0a6b1}.b-not-yet{background:#fff;color:var(--muted)}
ul.tickets{list-style:none;padding:0;margin:0}ol.timeline{gap:4px 18px}ol.timeline li+li{position:relative}ol.timeline li+li::before{content:"→";position:absolute;left:-15px;color:var(--muted)}.b-merged{background:#fff;color:var(--fg)}.ticket{border-bottom:1px solid var(--line);padding:6px 0}.ticket h3{margin:0;font-size:15px}.ticket .title{font-weight:400}.timeline{margin:2px 0;font-size:13px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin:0 0 12px}ul.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:8px;list-style:none;padding:0;margin:4px 0 8px}.card.env{margin:0;padding:6px 12px}.card.env h3{margin:2px 0}.card.env p{margin:2px 0;font-size:13px}.card.env.attention{border-left:5px solid var(--bad)}fieldset.envs{border:1px solid var(--line);border-radius:6px;padding:2px 8px 4px;margin:0;font-size:13px}fieldset.envs legend{color:var(--muted)}.check{display:inline-flex;gap:4px;align-items:center;margin-right:10px}.card h3{margin-top:4px}.warn{color:var(--warn)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:10px;margin:8px 0}.tile{border:1px solid var(--line);border-radius:8px;padding:8px 12px;background:var(--panel)}.tile h3{margin:0;font-size:13px;color:var(--muted);font-weight:600}.tile .value{margin:4px 0;font-size:17px;font-weight:600}.band{margin:0;font-size:13px;font-weight:600}
.band.elite,.band.high{color:var(--ok)}.band.medium{color:var(--warn)}.band.low{color:var(--bad)}.band.none{color:var(--muted)}
figure{margin:8px 0 16px}figcaption{font-weight:600;margin-bottom:4px}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}.charts figure{margin:0}.chart{width:100%;min-height:20px}
table.calendar{width:100%;table-layout:fixed}table.calendar td{padding:2px}.day{display:flex;flex-direction:column;align-items:flex-start;width:100%;min-height:4.4em;border:1px solid var(--line);border-radius:6px;padding:3px 5px;background:#fff;font-size:12px;text-align:left}
.day .date{font-weight:600}.day .per{color:var(--info)}.day .rb{color:var(--bad);font-weight:600}.day[aria-pressed=true]{outline:3px solid var(--accent);outline-offset:-1px}
.l1{background:#eaf2fb}.l2{background:#d4e5f7}.l3{background:#bcd6f2}.l4{background:#a3c6ec}tr.rollback td{background:var(--badbg)}
table.warnings td{white-space:pre-line}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}footer{padding:12px 20px;color:var(--muted);font-size:13px;border-top:1px solid var(--line)}
body.js section[hidden]{display:none}
@media (max-width:640px){main{padding:8px 10px 30px}table.radar,table.radar tbody,table.radar tr,table.radar th,table.radar td{display:block;border:0}table.radar thead{position:absolute;left:-9999px}table.radar caption{display:block}table.radar tr{display:grid;grid-template-columns:repeat(auto-fit,minmax(104px,1fr));gap:4px;border-top:1px solid var(--line);padding:6px 0}table.radar th[scope=row]{grid-column:1/-1;white-space:normal;padding:0}table.radar td{min-width:0;padding:0}table.radar td::before{content:attr(data-env);display:block;font-size:12px;color:var(--muted)}header{padding:10px}table.calendar th,table.calendar td{padding:1px}.day .per,.day .long,.day .rb .long{display:none}.day{min-height:3.4em;padding:2px 3px}.day .total{font-weight:600}input[type=search],select{min-width:0;width:100%}.controls .field{flex:1 1 100%}}
`;

let assets: Promise<{ uplotJs: string; uplotCss: string; app: string }> | undefined;

/** The inlined parts: uPlot's script and styles, and the page's script (built to dist/report-page). */
function loadAssets(): Promise<{ uplotJs: string; uplotCss: string; app: string }> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    const uplotDir = require.resolve('uplot/dist/uPlot.iife.min.js');
    const [uplotJs, uplotCss, app] = await Promise.all([
      readFile(uplotDir, 'utf8'),
      readFile(uplotDir.replace(/uPlot\.iife\.min\.js$/, 'uPlot.min.css'), 'utf8'),
      // Built by tsconfig.client.json; found from src/report (tests) and dist/report alike.
      readFile(new URL('../../dist/report-page/client/app.js', import.meta.url), 'utf8'),
    ]);
    return { uplotJs, uplotCss, app };
  })();
  return assets;
}

/** The placeholder the page's own size replaces once the page is whole. */
const SIZE_MARK = '@@SNAP_REPORT_SIZE@@';

/**
 * The report page for `data` (HTML, UTF-8). Its size is written into its footer. Throws when the
 * page's script or uPlot cannot be read (an incomplete installation).
 */
export async function renderReport(data: ReportData): Promise<string> {
  const { uplotJs, uplotCss, app } = await loadAssets();
  const services = data.projects.reduce((n, p) => n + p.services.length, 0);
  const title = `snap report, ${minute(data.snapshot.takenAt)}`;
  const count = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
  const scope = `${count(data.projects.length, 'project')}, ${count(services, 'service')}, ${count(data.tickets.length, 'ticket')}, ${count(data.deployments.length, 'deployment')} in the window`;
  const partial =
    (data.snapshot.outcome === 'partial' ? '<p class="warn">⚠ The newest snapshot is partial: a source could not be read (see Health → Warnings).</p>' : '') +
    (data.snapshot.ticketsFrom ? `<p class="warn">⚠ GitHub was not read for it: tickets are those of snapshot ${esc(data.snapshot.ticketsFrom.id)} (${esc(minute(data.snapshot.ticketsFrom.takenAt))}).</p>` : '');
  const coverage = data.historySince && data.historySince > data.window.start ? `<p>snap's history begins ${esc(minute(data.historySince))}: before it, only the revisions Kubernetes kept are known.</p>` : '';
  const promotionRows = data.promotions.map((p) => [`${p.project}: ${p.from} → ${p.to}`, p.status, p.commits, p.pullRequests.length, p.tickets.length, p.partial.length]);
  // Tickets per environment and status, counted in one pass.
  const statuses = ['in', 'rolling-out', 'partial', 'reverted', 'unknown'];
  const perPlace = new Map<string, number[]>();
  for (const t of data.tickets) {
    for (const [where, status] of Object.entries(t.status)) {
      const i = statuses.indexOf(status);
      if (i >= 0) (perPlace.get(where) ?? perPlace.set(where, statuses.map(() => 0)).get(where)!)[i]++;
    }
  }
  const ticketRows = data.projects.flatMap((p) => p.environments.map((env) => [`${p.name}/${env}`, ...(perPlace.get(`${p.name}/${env}`) ?? statuses.map(() => 0))]));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(data.tool)}">
<title>${esc(title)}</title>
<style>${uplotCss}${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header>
<h1>${esc(title)}</h1>
<p>Snapshot ${esc(data.snapshot.id)} (${esc(data.snapshot.outcome)}) · window: the ${esc(windowText(data))} to it${data.window.askedDays ? ` (${esc(spanText(data.window.askedDays * 86_400_000))} asked for: the release history reaches back to ${esc(data.window.start.slice(0, 10))})` : ''} · ${esc(scope)}</p>
<p>Generated ${esc(minute(data.generatedAt))} (<span id="generated-age">when written</span>) by ${esc(data.tool)} · ${SIZE_MARK}</p>
${partial}${coverage}
</header>
<nav aria-label="Views"><ul>
<li><a href="#radar">Radar</a></li><li><a href="#promotions">Promotions</a></li><li><a href="#tickets">Tickets</a></li><li><a href="#calendar">Calendar</a></li><li><a href="#metrics">Metrics</a></li><li><a href="#health">Health</a></li>
</ul></nav>
<main id="main">
<noscript><p>Scripts are off: the tables have the figures; the cells' detail, the ticket search and the calendar grid need scripts.</p></noscript>
<section id="radar" aria-labelledby="radar-h"><h2 id="radar-h">Radar: what runs where</h2>
<div id="radar-app"></div>
<noscript>${radarTables(data)}</noscript>
<details><summary>Summary table</summary><div class="table-wrap">${radarSummary(data)}</div></details>
</section>
<section id="promotions" aria-labelledby="promotions-h"><h2 id="promotions-h">Promotion previews</h2>
<div id="promotions-app"></div>
<details><summary>Summary table</summary><div class="table-wrap">${table('What promoting each environment to the next would ship', ['Pair', 'Status', 'Commits', 'PRs', 'Whole tickets', 'Tickets in part'], promotionRows)}</div></details>
</section>
<section id="tickets" aria-labelledby="tickets-h"><h2 id="tickets-h">Tickets</h2>
<div id="tickets-app"></div>
<details><summary>Summary table</summary><div class="table-wrap">${table('Tickets per environment by status', ['Environment', 'in', 'rolling out', 'partial', 'reverted', 'unknown'], ticketRows)}</div></details>
</section>
<section id="calendar" aria-labelledby="calendar-h"><h2 id="calendar-h">Release calendar</h2>
${figure('calendar-chart', 'Deployments per day and environment (rollbacks marked)', calendarTable(data))}
<div id="calendar-app"></div>
</section>
<section id="metrics" aria-labelledby="metrics-h"><h2 id="metrics-h">Delivery metrics (DORA)</h2>
<p>Each project's last environment. Lead time and recovery time are medians; bands per the DORA State of DevOps Report 2023. Definitions: docs/metrics.md.</p>
${metricsTables(data)}
</section>
<section id="health" aria-labelledby="health-h"><h2 id="health-h">Health</h2>
${healthHtml(data)}
</section>
</main>
<dialog id="detail" aria-labelledby="detail-h"><div class="dialog-head"><h2 id="detail-h">Detail</h2><button type="button" id="detail-close">Close</button></div><div id="detail-body"></div></dialog>
<footer>snap report · everything on this page is in this one file; it makes no network request.</footer>
<script type="application/octet-stream" id="snap-data" data-encoding="gzip+base64">${packedJson(data)}</script>
<script>${scriptText(uplotJs)}</script>
<script type="module">${scriptText(app)}</script>
</body>
</html>
`;
  const bytes = Buffer.byteLength(html) - SIZE_MARK.length;
  const label = `${formatBytes(bytes)} file`;
  return html.replace(SIZE_MARK, label);
}

/**
 * The report data a page carries (for tools and tests): the inverse of renderReport's packing. Throws
 * when the text is not a snap report page.
 */
export function readReportData(html: string): ReportData {
  const m = /<script type="application\/octet-stream" id="snap-data" data-encoding="gzip\+base64">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('not a snap report page (no snap-data element)');
  return JSON.parse(gunzipSync(Buffer.from(m[1], 'base64')).toString('utf8')) as ReportData;
}
