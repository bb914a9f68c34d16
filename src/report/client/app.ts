/**
 * The script of a snap report page: reads the report data embedded in the page (script#snap-data) and
 * draws the views — radar, promotions, tickets, calendar, metrics, health — with paged lists and
 * search, so that a page of 1,000 services stays quick. Charts are uPlot (inlined beside this script);
 * every chart has the semantic table the generator wrote behind it. Makes no network request.
 */
import type { CellMark, ReportCell, ReportData, ReportDeployment, ReportTicket } from '../types.js';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** An element with attributes (on… are listeners; false/undefined are left out) and children. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/**
 * The report data: JSON, gzip-compressed and base64-encoded by the generator (data-encoding
 * "gzip+base64", a tenth of the size), or plain JSON.
 */
async function readData(): Promise<ReportData> {
  const holder = document.getElementById('snap-data')!;
  const text = holder.textContent ?? '';
  if (holder.dataset.encoding !== 'gzip+base64') return JSON.parse(text) as ReportData;
  const binary = atob(text.trim());
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const json = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  return JSON.parse(json) as ReportData;
}

const data = await readData();
const asOf = Date.parse(data.snapshot.takenAt);
const generated = Date.parse(data.generatedAt);
const PAGE = 50;

const MARKS: Record<CellMark, { symbol: string; label: string }> = {
  ok: { symbol: '✓', label: 'healthy' },
  progressing: { symbol: '↻', label: 'rolling out' },
  paused: { symbol: '⏸', label: 'paused' },
  stalled: { symbol: '✖', label: 'stalled' },
  degraded: { symbol: '!', label: 'degraded' },
  down: { symbol: '✗', label: 'no pod ready' },
  missing: { symbol: '∅', label: 'not found' },
  unknown: { symbol: '?', label: 'unknown (cluster unreadable)' },
  zero: { symbol: '○', label: 'scaled to zero' },
};
const TICKET_MARKS: Record<string, string> = { in: '✓ in', partial: '◐ partial', 'rolling-out': '↻ rolling out', reverted: '↺ reverted', unknown: '? unknown', 'not yet': '· not yet' };

/** A length of time as a person reads it: 45 s, 12 min, 5.2 h, 3.4 d (humanDuration's form; the page cannot import it). */
function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}
/** How long before the snapshot (or `from`) a time was: "3 d". */
const ageOf = (iso: string | undefined, from = asOf) => (iso ? duration(Math.max(0, from - Date.parse(iso))) : '–');
/** A window's length in words: "30 days", "36 hours", "90 minutes". */
function span(ms: number): string {
  if (ms >= 2 * 86_400_000) return plural(Math.round(ms / 86_400_000), 'day');
  if (ms >= 2 * 3_600_000) return plural(Math.round(ms / 3_600_000), 'hour');
  return plural(Math.round(ms / 60_000), 'minute');
}
const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '–');
const minute = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '–');
const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

// ---- Views and navigation ------------------------------------------------------------------

const VIEWS = ['radar', 'promotions', 'tickets', 'calendar', 'metrics', 'health'];
const drawn = new Set<string>();
const drawers: Record<string, () => void> = {};

function show(view: string): void {
  if (!VIEWS.includes(view)) view = 'radar';
  for (const v of VIEWS) {
    document.getElementById(v)!.hidden = v !== view;
    document.querySelector(`nav a[href="#${v}"]`)?.toggleAttribute('aria-current', v === view);
    if (v === view) document.querySelector(`nav a[href="#${v}"]`)?.setAttribute('aria-current', 'page');
  }
  if (!drawn.has(view)) {
    drawn.add(view);
    drawers[view]?.();
  }
}

// ---- Shared controls -------------------------------------------------------------------------

/** A labelled control: a label element (visible) pointing at the control. */
function labelled(label: string, control: HTMLElement): HTMLElement {
  const id = control.id || `c${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return el('span', { class: 'field' }, el('label', { for: id }, label), control);
}

function projectSelect(onChange: (project: string) => void, all = true): HTMLSelectElement {
  const select = el('select', { onchange: () => onChange(select.value) }, ...(all && data.projects.length > 1 ? [el('option', { value: '' }, 'All projects')] : []), ...data.projects.map((p) => el('option', { value: p.name }, p.name)));
  return select;
}

/** Prev / next buttons and "rows a–b of n" for a paged list; calls `go` with the new page. */
function pager(page: number, total: number, go: (page: number) => void, what: string): HTMLElement {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const from = total === 0 ? 0 : page * PAGE + 1;
  const to = Math.min(total, (page + 1) * PAGE);
  return el(
    'div',
    { class: 'pager' },
    el('button', { type: 'button', disabled: page === 0, onclick: () => go(page - 1) }, '← Previous'),
    el('span', { 'aria-live': 'polite' }, total === 0 ? `no ${what}` : `${what} ${from.toLocaleString('en')}–${to.toLocaleString('en')} of ${total.toLocaleString('en')}`),
    el('button', { type: 'button', disabled: page >= pages - 1, onclick: () => go(page + 1) }, 'Next →'),
  );
}

// ---- Radar -------------------------------------------------------------------------------------

interface Row {
  project: string;
  environments: string[];
  service: string;
  repository: string;
  cells: (ReportCell | null)[];
}
const rows: Row[] = data.projects.flatMap((p) => p.services.map((s) => ({ project: p.name, environments: p.environments, service: s.name, repository: s.repository, cells: s.cells })));
/** The cells of a row in the environments shown. */
const shownCells = (r: Row, envs: string[]) => envs.map((e) => r.cells[r.environments.indexOf(e)]).filter((c): c is ReportCell => !!c);
const needsAttention = (r: Row, envs: string[]) => shownCells(r, envs).some((c) => c.mark !== 'ok' && c.mark !== 'zero');
const ticketsByRepository = new Map<string, ReportTicket[]>();
for (const t of data.tickets) for (const repo of t.repositories) (ticketsByRepository.get(repo) ?? ticketsByRepository.set(repo, []).get(repo)!).push(t);

/** How an environment stands to the one before it: "= dev", "12 behind dev, 3 tickets", "2 ahead of dev", "5 behind, 2 ahead of dev". */
function relation(b: { from: string; commits: number; tickets: number; ahead: number }): string {
  if (b.commits === 0 && b.ahead === 0) return `= ${b.from}`;
  const tickets = b.tickets ? `, ${plural(b.tickets, 'ticket')}` : '';
  if (b.ahead === 0) return `${b.commits} behind ${b.from}${tickets}`;
  if (b.commits === 0) return `${b.ahead} ahead of ${b.from}`;
  return `${b.commits} behind, ${b.ahead} ahead of ${b.from}${tickets}`;
}

function cellButton(r: Row, env: string, c: ReportCell): HTMLElement {
  const mark = MARKS[c.mark];
  const behind = !c.behind ? '' : 'unknown' in c.behind ? `vs ${c.behind.from}: unknown` : relation(c.behind);
  const health = c.desired !== undefined ? `${c.ready ?? 0}/${c.desired}` : c.pods ? `${c.pods.ready}/${c.pods.total}` : '';
  return el(
    'button',
    { type: 'button', class: `cell m-${c.mark}`, 'aria-haspopup': 'dialog', onclick: () => openDetail(r, env, c) },
    el('span', { class: 'sr' }, `${r.project}/${r.service} in ${env}: `),
    el('span', { class: 'mark' }, `${mark.symbol} ${mark.label}`),
    el('span', { class: 'version' }, c.version && /^[0-9a-f]{40}$/.test(c.version) ? c.version.slice(0, 12) : (c.version ?? c.image ?? c.status)),
    el('span', { class: 'sub' }, [c.commit?.slice(0, 7), health && `${health} ready`].filter(Boolean).join(' · ')),
    behind ? el('span', { class: 'sub' }, behind) : null,
    c.deployedAt ? el('span', { class: 'sub' }, `deployed ${ageOf(c.deployedAt)} ago`) : null,
  );
}

/** When each service last had a deployment in each environment in the window: "project/environment/service" → ISO. */
const lastDeployment = new Map<string, string>();
for (const d of data.deployments) {
  const where = `${data.names.projects[d[1]]}/${data.names.environments[d[2]]}/${d[3]}`;
  if (!(lastDeployment.get(where)! >= d[0])) lastDeployment.set(where, d[0]);
}

/** One card per environment shown: its services by state, how many are behind, tickets in it, its last deployment. */
function environmentCards(chosen: Row[], envs: string[]): HTMLElement {
  return el(
    'ul',
    { class: 'cards', 'aria-label': 'Environments' },
    ...envs.map((env) => {
      const cells = chosen.map((r) => r.cells[r.environments.indexOf(env)]).filter((c): c is ReportCell => !!c);
      const ok = cells.filter((c) => c.mark === 'ok').length;
      const attention = cells.filter((c) => c.mark !== 'ok' && c.mark !== 'zero').length;
      const behind = cells.filter((c) => c.behind && !('unknown' in c.behind) && c.behind.commits > 0);
      // Of the services shown: the tickets in their repositories that are in here, and their newest deployment here.
      const here = chosen.filter((r) => r.environments.includes(env));
      const keys = new Set<string>();
      for (const r of here) for (const t of ticketsByRepository.get(r.repository) ?? []) if (t.status[`${r.project}/${env}`] === 'in') keys.add(t.key);
      const tickets = keys.size;
      const last = here.map((r) => lastDeployment.get(`${r.project}/${env}/${r.service}`)).filter((x): x is string => !!x).sort().at(-1);
      return el(
        'li',
        { class: `card env${attention ? ' attention' : ''}` },
        el('h3', {}, env),
        el('p', {}, `${plural(cells.length, 'service')}: ✓ ${ok.toLocaleString('en')} healthy${attention ? `, ${attention.toLocaleString('en')} need attention` : ''}`),
        behind.length ? el('p', {}, `${plural(behind.length, 'service')} behind ${(behind[0].behind as { from: string }).from}`) : null,
        el('p', {}, `${plural(tickets, 'ticket')} in`),
        el('p', { class: 'sub' }, here.length === 0 ? 'no service shown' : last ? `last deployment ${ageOf(last)} before the snapshot` : 'no deployment in the window'),
      );
    }),
  );
}

/** Whether a service runs different commits (or versions) in the environments shown. */
function differs(r: Row, envs: string[]): boolean {
  const seen = new Set(envs.map((e) => r.cells[r.environments.indexOf(e)]).filter((c): c is ReportCell => !!c && c.status === 'running').map((c) => c.commit ?? c.version));
  return seen.size > 1;
}

function drawRadar(): void {
  const root = document.getElementById('radar-app')!;
  let project = data.projects.length > 1 ? '' : (data.projects[0]?.name ?? '');
  let query = '';
  let attention = false;
  let different = false;
  let page = 0;
  /** Environments left out of the comparison (all are shown at first). */
  const hidden = new Set<string>();
  const list = el('div', { class: 'table-wrap' });
  const cards = el('div', {});
  const search = el('input', { type: 'search', placeholder: 'service or repository', oninput: () => ((query = search.value.trim().toLowerCase()), (page = 0), render()) });
  const only = el('input', { type: 'checkbox', id: 'radar-attention', onchange: () => ((attention = only.checked), (page = 0), render()) });
  const differ = el('input', { type: 'checkbox', id: 'radar-differ', onchange: () => ((different = differ.checked), (page = 0), render()) });
  const picker = el('fieldset', { class: 'envs' });
  const counts = el('p', { class: 'counts' });
  root.append(
    el(
      'div',
      { class: 'controls' },
      data.projects.length > 1 ? labelled('Project', projectSelect((p) => ((project = p), (page = 0), render()))) : null,
      labelled('Search', search),
      picker,
      el('span', { class: 'field' }, only, el('label', { for: only.id }, 'Only services that need attention')),
      el('span', { class: 'field' }, differ, el('label', { for: differ.id }, 'Only services that differ between the environments shown')),
    ),
    cards,
    counts,
    list,
  );
  function render(): void {
    const inProject = rows.filter((r) => !project || r.project === project);
    const all = [...new Set(inProject.flatMap((r) => r.environments))];
    picker.replaceChildren(
      el('legend', {}, 'Environments to compare'),
      ...all.map((env) => {
        const box = el('input', { type: 'checkbox', id: `radar-env-${env}`, checked: !hidden.has(env), onchange: () => (box.checked ? hidden.delete(env) : hidden.add(env), (page = 0), render()) });
        return el('span', { class: 'check' }, box, el('label', { for: box.id }, env));
      }),
    );
    const envs = all.filter((e) => !hidden.has(e));
    const chosen = inProject.filter((r) => (!query || r.service.toLowerCase().includes(query) || r.repository.toLowerCase().includes(query)) && (!attention || needsAttention(r, envs)) && (!different || differs(r, envs)));
    const marks = new Map<string, number>();
    for (const r of chosen) for (const c of shownCells(r, envs)) marks.set(c.mark, (marks.get(c.mark) ?? 0) + 1);
    const cellCount = [...marks.values()].reduce((a, b) => a + b, 0);
    counts.textContent = `${plural(chosen.length, 'service')} in ${plural(cellCount, 'place')} (service × environment shown): ${[...marks].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n.toLocaleString('en')} ${MARKS[m as CellMark].label}`).join(', ') || 'none'}`;
    cards.replaceChildren(environmentCards(chosen, envs));
    const shown = chosen.slice(page * PAGE, (page + 1) * PAGE);
    const table = el(
      'table',
      { class: 'radar' },
      el('caption', {}, `What runs where${project ? ` in ${project}` : ''}, as of ${minute(data.snapshot.takenAt)}. Select a cell for its detail.`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Service'), ...envs.map((e) => el('th', { scope: 'col' }, e)))),
      el(
        'tbody',
        {},
        ...shown.map((r) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, project ? '' : el('span', { class: 'project' }, `${r.project}/`), r.service),
            ...envs.map((env) => {
              const i = r.environments.indexOf(env);
              const c = i >= 0 ? r.cells[i] : null;
              return el('td', { 'data-env': env }, c ? cellButton(r, env, c) : el('span', { class: 'none' }, '– not deployed'));
            }),
          ),
        ),
      ),
    );
    list.replaceChildren(table, pager(page, chosen.length, (p) => ((page = p), render()), 'services'));
  }
  render();
}

function openDetail(r: Row, env: string, c: ReportCell): void {
  const dialog = document.getElementById('detail') as HTMLDialogElement;
  const body = document.getElementById('detail-body')!;
  document.getElementById('detail-h')!.textContent = `${r.project}/${r.service} in ${env}`;
  const facts: [string, Child][] = [
    ['State', `${MARKS[c.mark].symbol} ${MARKS[c.mark].label}${c.rollout ? ` (rollout ${c.rollout.state}${c.rollout.reason ? `: ${c.rollout.reason}` : ''})` : ''}`],
    ['Version', c.version ?? '–'],
    ['Commit', c.commit ? `${c.commit}${c.headline ? ` — ${c.headline}` : ''}${c.committedAt ? ` (${day(c.committedAt)})` : ''}` : 'unknown'],
    ['Image', c.image ?? '–'],
    ['Digest', c.digest ?? '–'],
    ['Workload', c.workload ?? '–'],
    ['Ready', c.desired !== undefined ? `${c.ready ?? 0} of ${c.desired} desired` : '–'],
    ['Pods', c.pods ? `${c.pods.total} total, ${c.pods.ready} ready, ${c.pods.restarts} restarts` : '–'],
    ['Deployed', c.deployedAt ? `${minute(c.deployedAt)} (${ageOf(c.deployedAt)} before the snapshot)` : '–'],
    ['Repository', r.repository],
  ];
  if (c.behind) facts.push([`Against ${c.behind.from}`, 'unknown' in c.behind ? `unknown: ${c.behind.unknown}` : `${relation(c.behind)}: promoting ${c.behind.from} here would ship ${plural(c.behind.commits, 'commit')}, ${plural(c.behind.pullRequests, 'PR')}, ${plural(c.behind.tickets, 'ticket')}${c.behind.ahead ? `; ${plural(c.behind.ahead, 'commit')} here are not in ${c.behind.from}` : ''}`]);
  if (c.rollout?.message) facts.push(['Rollout message', c.rollout.message]);
  const p = data.names.projects.indexOf(r.project);
  const e = data.names.environments.indexOf(env);
  const deployments = data.deployments.filter((d) => d[1] === p && d[2] === e && d[3] === r.service).slice(-10).reverse();
  const where = `${r.project}/${env}`;
  const tickets = (ticketsByRepository.get(r.repository) ?? []).filter((t) => t.status[where]);
  const parts: Child[] = [
    el('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    c.serving ? el('h3', {}, 'Serving now') : null,
    c.serving ? el('ul', {}, ...c.serving.map((s) => el('li', {}, `${s.version ?? '?'} (${s.commit?.slice(0, 7) ?? '?'}): ${s.ready} ready${s.role ? `, ${s.role}` : ''}${s.context ? ` in ${s.context}` : ''}`))) : null,
    c.pods?.notReady.length ? el('h3', {}, 'Pods not ready') : null,
    c.pods?.notReady.length ? el('ul', {}, ...c.pods.notReady.map((x) => el('li', {}, `${x.name}: ${x.phase}, ${x.reason}`))) : null,
    el('h3', {}, `Recent deployments (${deployments.length ? `last ${deployments.length} in the window` : 'none in the window'})`),
    deployments.length ? el('div', { class: 'table-wrap' }, deploymentTable(deployments, false)) : null,
    el('h3', {}, `Tickets here (${tickets.length})`),
    tickets.length ? el('ul', { class: 'chips' }, ...tickets.slice(0, 60).map((t) => el('li', { class: `badge b-${t.status[where]}` }, `${t.key} ${TICKET_MARKS[t.status[where]] ?? t.status[where]}`))) : el('p', {}, 'None that the history window knows of.'),
    tickets.length > 60 ? el('p', {}, `and ${tickets.length - 60} more (see Tickets)`) : null,
  ];
  body.replaceChildren(...parts.filter((x): x is Node | string => !!x));
  dialog.showModal();
}

/** Deployments as a table; `timeOnly` when they are all of one day (HH:MM UTC). */
function deploymentTable(list: ReportDeployment[], withWhere = true, timeOnly = false): HTMLTableElement {
  return el(
    'table',
    { class: 'deployments' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, timeOnly ? 'UTC' : 'When'), withWhere ? el('th', { scope: 'col' }, 'Where') : null, el('th', { scope: 'col' }, 'From'), el('th', { scope: 'col' }, 'To'), el('th', { scope: 'col' }, 'Shipped'), el('th', { scope: 'col' }, 'Note'))),
    el(
      'tbody',
      {},
      ...list.map((d) => {
        const [at, p, e, service, from, to, commit, flags, commits, tickets, why, removed] = d;
        const note = [flags & 1 ? '↺ rollback' : '', flags & 2 ? 'rollback unknown' : '', flags & 4 ? '✖ stalled' : ''].filter(Boolean).join(', ');
        const list = (keys: string[]) => `${keys.slice(0, 5).join(' ')}${keys.length > 5 ? ` +${keys.length - 5}` : ''}`;
        const took = removed && removed[0] ? `; took out ${plural(removed[0], 'commit')}${removed[1].length ? ` (${list(removed[1])})` : ''}` : '';
        const shipped = commits === null ? `unknown${why ? `: ${why}` : ''}` : `${plural(commits, 'commit')}${tickets.length ? `, ${list(tickets)}` : ''}${took}`;
        return el(
          'tr',
          { class: flags & 1 ? 'rollback' : undefined },
          el('td', {}, timeOnly ? at.slice(11, 16) : minute(at)),
          withWhere ? el('td', {}, `${data.names.projects[p]}/${data.names.environments[e]}/${service}`) : null,
          el('td', {}, from || '–'),
          el('td', {}, `${to}${commit ? ` (${commit})` : ''}`),
          el('td', {}, shipped),
          el('td', {}, note),
        );
      }),
    ),
  );
}

// ---- Promotions --------------------------------------------------------------------------------

function capped<T>(items: T[], max: number, draw: (shown: T[]) => HTMLElement, what: string): HTMLElement {
  const wrap = el('div', {});
  const put = (all: boolean) => {
    const shown = all ? items : items.slice(0, max);
    wrap.replaceChildren(draw(shown), items.length > shown.length ? el('button', { type: 'button', class: 'more', onclick: () => put(true) }, `Show all ${items.length.toLocaleString('en')} ${what}`) : '');
  };
  put(false);
  return wrap;
}

function drawPromotions(): void {
  const root = document.getElementById('promotions-app')!;
  const list = el('div', {});
  // Many projects: one at a time (each has a preview per pair of environments).
  let project = data.projects.length > 1 && data.promotions.length <= 8 ? '' : (data.projects[0]?.name ?? '');
  if (data.projects.length > 1) {
    const select = projectSelect((p) => ((project = p), render()));
    select.value = project;
    root.append(el('div', { class: 'controls' }, labelled('Project', select)));
  }
  root.append(list);
  function render(): void {
    const shown = data.promotions.filter((p) => !project || p.project === project);
    list.replaceChildren(
      ...(shown.length ? [] : [el('p', {}, 'No pair of environments to compare.')]),
      ...shown.map((p) => {
        const behind = p.services.filter((s) => s.status !== 'same');
        return el(
          'article',
          { class: 'card' },
          el('h3', {}, `${p.project}: ${p.from} → ${p.to}`),
          el(
            'p',
            {},
            p.status === 'unknown'
              ? `What promoting ${p.from} to ${p.to} would ship is unknown: ${p.unknown.length ? `${plural(p.unknown.length, 'service')} could not be compared` : 'no service could be compared'}${p.commits ? `; the others would ship ${plural(p.commits, 'commit')}` : ''}.`
              : p.status === 'same'
                ? `${p.to} runs what ${p.from} runs: nothing to promote.`
                : `Promoting ${p.from} to ${p.to} would ship ${plural(p.commits, 'commit')}, ${plural(p.pullRequests.length, 'PR')}${p.pullRequestsSince ? ` (at least: PRs merged before ${day(p.pullRequestsSince)} are not known)` : ''}, ${plural(p.tickets.length, 'whole ticket')}${p.partial.length ? ` and ${p.partial.length} in part` : ''}${p.unknown.length ? `, and more that is unknown (${plural(p.unknown.length, 'service')} could not be compared)` : ''}.`,
          ),
          p.unknown.length ? el('p', { class: 'warn' }, `⚠ ${plural(p.unknown.length, 'service')} could not be compared: ${p.unknown.slice(0, 5).map((u) => `${u.service} (${u.reason})`).join('; ')}${p.unknown.length > 5 ? '; …' : ''}`) : null,
          p.tickets.length ? el('h4', {}, 'Tickets that would ship') : null,
          p.tickets.length ? capped(p.tickets, 80, (keys) => el('ul', { class: 'chips' }, ...keys.map((k) => el('li', { class: 'badge b-in' }, k))), 'tickets') : null,
          p.partial.length ? el('h4', {}, `Tickets that would ship in part`) : null,
          p.partial.length
            ? capped(p.partial, 30, (items) => el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Ticket'), el('th', { scope: 'col' }, `In ${p.from}`), el('th', { scope: 'col' }, 'Missing there'))), el('tbody', {}, ...items.map((x) => el('tr', {}, el('td', {}, x.key), el('td', {}, TICKET_MARKS[x.status] ?? x.status), el('td', {}, x.missing.join(', ') || '–'))))), 'tickets')
            : null,
          p.pullRequests.length ? el('h4', {}, 'Pull requests that would ship') : null,
          p.pullRequests.length ? capped(p.pullRequests, 30, (items) => el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'PR'), el('th', { scope: 'col' }, 'Title'))), el('tbody', {}, ...items.map((x) => el('tr', {}, el('td', {}, `${x.repository}#${x.number}`), el('td', {}, x.title ?? '–'))))), 'PRs') : null,
          behind.length ? el('h4', {}, `Services that differ (${behind.length})`) : null,
          behind.length
            ? capped(behind, 30, (items) => el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Service'), el('th', { scope: 'col' }, 'Status'), el('th', { scope: 'col' }, 'Commits'), el('th', { scope: 'col' }, 'Tickets'))), el('tbody', {}, ...items.map((s) => el('tr', {}, el('td', {}, s.service), el('td', {}, s.reason ? `${s.status}: ${s.reason}` : s.status), el('td', {}, s.status === 'unknown' || s.commits === undefined ? '–' : String(s.commits)), el('td', {}, s.status === 'unknown' || s.tickets === undefined ? '–' : String(s.tickets)))))), 'services')
            : null,
        );
      }),
    );
  }
  render();
}

// ---- Tickets -----------------------------------------------------------------------------------

const environmentsOfRepository = new Map<string, string[]>();
for (const p of data.projects) for (const s of p.services) if (s.repository) environmentsOfRepository.set(s.repository, [...new Set([...(environmentsOfRepository.get(s.repository) ?? []), ...p.environments.map((e) => `${p.name}/${e}`)])]);

/** The environments a ticket can be in ("project/environment", promotion order), with its status in each ('not yet' where absent). */
function ticketPlaces(t: ReportTicket): [string, string][] {
  const places = [...new Set([...t.repositories.flatMap((r) => environmentsOfRepository.get(r) ?? []), ...Object.keys(t.status)])];
  return places.map((w) => [w, t.status[w] ?? 'not yet']);
}

function drawTickets(): void {
  const root = document.getElementById('tickets-app')!;
  let query = '';
  let status = '';
  let page = 0;
  const search = el('input', { type: 'search', id: 'ticket-search', placeholder: 'key, title, repository or #PR', oninput: () => ((query = search.value.trim().toLowerCase()), (page = 0), render()) });
  const select = el('select', { onchange: () => ((status = select.value), (page = 0), render()) }, el('option', { value: '' }, 'any'), ...['in', 'partial', 'rolling-out', 'reverted', 'unknown'].map((s) => el('option', { value: s }, TICKET_MARKS[s])));
  const list = el('div', {});
  root.append(el('div', { class: 'controls' }, labelled('Search tickets', search), labelled('Status somewhere', select)), list);
  const multi = data.projects.length > 1;
  function render(): void {
    const words = query.split(/\s+/).filter(Boolean);
    const chosen = data.tickets.filter((t) => {
      if (status && !Object.values(t.status).includes(status)) return false;
      if (!words.length) return true;
      const text = `${t.key} ${t.title ?? ''} ${t.repositories.join(' ')} ${t.pullRequests.map((p) => `#${p.number} ${p.repository}#${p.number}`).join(' ')}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    // An exact key first.
    const exact = chosen.findIndex((t) => t.key.toLowerCase() === query);
    if (exact > 0) chosen.unshift(...chosen.splice(exact, 1));
    const shown = chosen.slice(page * PAGE, (page + 1) * PAGE);
    list.replaceChildren(
      el(
        'ul',
        { class: 'tickets' },
        ...shown.map((t) => {
          const places = ticketPlaces(t);
          // The project is named only when the ticket is in more than one.
          const several = new Set(places.map(([w]) => w.split('/')[0])).size > 1;
          const label = (w: string) => (several ? w : w.slice(w.indexOf('/') + 1));
          return el(
            'li',
            { class: 'ticket' },
            el('h3', {}, t.key, t.title ? el('span', { class: 'title' }, ` ${t.title.startsWith(`${t.key} `) ? t.title.slice(t.key.length + 1) : t.title}`) : null),
            el(
              'ol',
              { class: 'chips timeline', 'aria-label': `${t.key}: merged, then each environment` },
              el('li', { class: 'badge b-merged' }, `merged ${day(t.mergedAt)}`),
              ...places.map(([w, s]) => {
                const when = t.arrived[w] ? (t.deployed?.includes(w) ? `, deployed ${day(t.arrived[w])} (before snap's history)` : t.firstSeen?.includes(w) ? ` since the first snapshot (${day(t.arrived[w])})` : ` since ${day(t.arrived[w])}`) : '';
                const why = t.reasons?.[w] ? `: ${t.reasons[w]}` : '';
                const held = t.held?.[w] ? ` — but the rollout is ${t.held[w]}` : '';
                return el('li', { class: `badge b-${s.replace(' ', '-')}${held ? ' b-held' : ''}` }, `${label(w)} ${TICKET_MARKS[s] ?? s}${why}${held}${when}${t.missing?.[w] ? ` (missing ${t.missing[w].join(', ')})` : ''}`);
              }),
            ),
            el('p', { class: 'sub' }, `${t.repositories.join(', ')}${t.pullRequests.length ? ` · ${t.pullRequests.slice(0, 6).map((p) => `#${p.number}`).join(' ')}${t.pullRequests.length > 6 ? ' …' : ''}` : ''}`),
          );
        }),
      ),
      pager(page, chosen.length, (p) => ((page = p), render()), 'tickets'),
    );
  }
  render();
}

// ---- Charts ------------------------------------------------------------------------------------

const charts: { root: HTMLElement; make: (width: number) => uPlot }[] = [];
const live = new Map<HTMLElement, uPlot>();

/** A uPlot chart in `root`, sized to it and redrawn when the page is resized; its table is folded away. */
function chart(root: HTMLElement, make: (width: number) => uPlot): void {
  charts.push({ root, make });
  live.set(root, make(root.clientWidth || 600));
  const table = root.closest('figure')?.querySelector('details');
  if (table) table.open = false;
}
let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    for (const c of charts) {
      if (!c.root.isConnected || c.root.closest('[hidden]')) continue;
      live.get(c.root)?.destroy();
      live.set(c.root, c.make(c.root.clientWidth || 600));
    }
  }, 150);
});
/** Tick labels of a time axis in UTC, 24-hour: MM-DD over days, HH:MM within a day (uPlot's own are 12-hour). */
function dayTicks(u: uPlot, splits: number[]): string[] {
  const range = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  return splits.map((v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(...(range > 2 * 86_400 ? [5, 10] : [11, 16]))));
}
/** Times on the charts' axes in UTC, as the tables and the calendar have them. */
const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
const PALETTE = ['#1f5fa8', '#a8431f', '#2f7d32', '#7b3fa0', '#8a6d00', '#00707a'];

// ---- Calendar ----------------------------------------------------------------------------------

function drawCalendar(): void {
  const root = document.getElementById('calendar-app')!;
  const envs = data.names.environments;
  const start = Date.parse(data.window.start.slice(0, 10));
  const days: string[] = [];
  for (let t = start; t <= asOf; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  const byDay = new Map<string, ReportDeployment[]>();
  for (const d of data.deployments) (byDay.get(d[0].slice(0, 10)) ?? byDay.set(d[0].slice(0, 10), []).get(d[0].slice(0, 10))!).push(d);
  const chartRoot = document.getElementById('calendar-chart');
  if (chartRoot && days.length) {
    const xs = days.map((d) => Date.parse(d) / 1000);
    const series = envs.map((_, e) => days.map((d) => (byDay.get(d) ?? []).filter((x) => x[2] === e).length));
    const rollbacks = days.map((d) => (byDay.get(d) ?? []).filter((x) => x[7] & 1).length || null);
    chart(chartRoot, (width) => new uPlot({ width, height: 220, tzDate: utc, scales: { x: { time: true } }, series: [{}, ...envs.map((name, i) => ({ label: name, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: days.length <= 45 } })), { label: 'rollbacks', stroke: '#b00020', width: 0, points: { show: true, size: 9, fill: '#b00020' } }], axes: [{ values: dayTicks }, { label: 'deployments' }] }, [xs, ...series, rollbacks] as uPlot.AlignedData, chartRoot));
  }
  // A month-style grid: weeks from Monday, a button per day.
  const first = new Date(start);
  const lead = (first.getUTCDay() + 6) % 7;
  const cells: (string | null)[] = [...Array(lead).fill(null), ...days];
  while (cells.length % 7) cells.push(null);
  const max = Math.max(1, ...days.map((d) => byDay.get(d)?.length ?? 0));
  const list = el('div', { id: 'calendar-day', 'aria-live': 'polite' });
  const weeks: HTMLElement[] = [];
  for (let w = 0; w < cells.length / 7; w++) {
    weeks.push(
      el(
        'tr',
        {},
        ...cells.slice(w * 7, w * 7 + 7).map((d) => {
          if (!d) return el('td', {});
          const items = byDay.get(d) ?? [];
          const level = items.length === 0 ? 0 : Math.min(4, Math.ceil((items.length / max) * 4));
          const rb = items.filter((x) => x[7] & 1).length;
          const per = envs.map((name, e) => [name, items.filter((x) => x[2] === e).length] as const).filter(([, n]) => n);
          return el(
            'td',
            {},
            el(
              'button',
              { type: 'button', class: `day l${level}`, 'data-day': d, onclick: () => showDay(d) },
              el('span', { class: 'date' }, d.slice(5)),
              el('span', { class: 'total' }, String(items.length), el('span', { class: 'long' }, items.length === 1 ? ' deployment' : ' deployments')),
              per.length ? el('span', { class: 'per' }, per.map(([name, n]) => `${name} ${n}`).join(' · ')) : null,
              rb ? el('span', { class: 'rb' }, `↺ ${rb}`, el('span', { class: 'long' }, rb === 1 ? ' rollback' : ' rollbacks')) : null,
            ),
          );
        }),
      ),
    );
  }
  function showDay(d: string): void {
    const items = [...(byDay.get(d) ?? [])].reverse();
    for (const b of root.querySelectorAll('button.day')) b.setAttribute('aria-pressed', String(b.getAttribute('data-day') === d));
    list.replaceChildren(el('h3', {}, `${d}: ${plural(items.length, 'deployment')}`), items.length ? capped(items, 100, (shown) => el('div', { class: 'table-wrap' }, deploymentTable(shown, true, true)), 'deployments') : el('p', {}, 'No deployment that day.'));
  }
  root.append(
    el('div', { class: 'table-wrap' }, el('table', { class: 'calendar' }, el('caption', {}, `Deployments per day, ${day(data.window.start)} to ${day(data.window.end)} (UTC). Select a day for its list.`), el('thead', {}, el('tr', {}, ...['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((n) => el('th', { scope: 'col' }, n)))), el('tbody', {}, ...weeks))),
    list,
  );
  const busiest = [...days].reverse().find((d) => byDay.get(d)?.length);
  if (busiest) showDay(busiest);
}

// ---- Metrics -----------------------------------------------------------------------------------

const BAND_LABEL: Record<string, string> = { elite: '★ elite', high: '▲ high', medium: '■ medium', low: '▼ low' };

function drawMetrics(): void {
  const root = document.getElementById('metrics-app')!;
  const area = el('div', {});
  let project = data.metrics[0]?.project ?? '';
  if (data.metrics.length > 1) root.append(el('div', { class: 'controls' }, labelled('Project', projectSelect((p) => ((project = p), render()), false))));
  root.append(area);
  function render(): void {
    const found = data.metrics.find((x) => x.project === project);
    if (!found) return void area.replaceChildren(el('p', {}, 'No deployments to measure.'));
    const m = found;
    const w = m.window;
    const p = m.previous;
    const pct = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x * 1000) / 10} %`);
    /** The trend against the window before, in words and an arrow: better or worse, not only up or down. */
    const trend = (now: number | undefined, was: number | undefined, lowerIsBetter: boolean, show: (x: number | undefined) => string) => {
      // Before snap's history only the revisions Kubernetes kept are known: no judgement on that.
      if (m.previousPartial) return `was ${show(was)} (before snap's history: only the revisions Kubernetes kept)`;
      if (now === undefined || was === undefined) return `was ${show(was)}`;
      if (now === was) return `= was ${show(was)}`;
      const better = now < was === lowerIsBetter;
      return `${now > was ? '↑' : '↓'} ${better ? 'better' : 'worse'}, was ${show(was)}`;
    };
    const tiles: [string, string, string | undefined, string][] = [
      ['Deployment frequency', `${w.perWeek}/week (${w.deployments})`, w.bands.deploymentFrequency, trend(w.perWeek, p.perWeek, false, (x) => (x === undefined ? '–' : `${x}/week`))],
      ['Lead time for changes', w.leadTimeMs === undefined ? 'unknown' : `${duration(w.leadTimeMs)} median, p90 ${duration(w.leadTimeP90Ms)}`, w.bands.leadTime, trend(w.leadTimeMs, p.leadTimeMs, true, duration)],
      ['Change failure rate', w.changeFailureRate === undefined ? '–' : `${pct(w.changeFailureRate)} (${w.failed} of ${w.deployments})`, w.bands.changeFailureRate, trend(w.changeFailureRate, p.changeFailureRate, true, pct)],
      ['Failed-deployment recovery time', `${w.recoveryMs === undefined ? '–' : `${duration(w.recoveryMs)} median`} (${w.recovered} recovered, ${w.open} open)`, w.bands.recoveryTime, trend(w.recoveryMs, p.recoveryMs, true, duration)],
    ];
    const grid = el('div', { class: 'charts' });
    area.replaceChildren(
      el('p', {}, `${m.project}, ${m.environment}: the ${span(m.days * 86_400_000)} to ${minute(data.window.end)}, as snap metrics counts them${m.weeks.length > 1 ? '; the charts, each whole week back from it' : ''}.`),
      el('div', { class: 'tiles' }, ...tiles.map(([name, value, band, was]) => el('div', { class: 'tile' }, el('h3', {}, name), el('p', { class: 'value' }, value), el('p', { class: `band ${band ?? 'none'}` }, band ? BAND_LABEL[band] : 'no band'), el('p', { class: 'sub' }, `${was}; the ${plural(Math.round(m.days), 'day')} before`)))),
      grid,
    );
    const xs = m.weeks.map((x) => Date.parse(x.start) / 1000);
    const measures: [string, (x: (typeof m.weeks)[number]) => number | null, string][] = [
      ['Deployments per week', (x) => x.deployments, 'deployments'],
      ['Lead time (median, hours)', (x) => (x.leadTimeMs === undefined ? null : Math.round(x.leadTimeMs / 36_000) / 100), 'hours'],
      ['Change failure rate (%)', (x) => (x.changeFailureRate === undefined ? null : Math.round(x.changeFailureRate * 1000) / 10), '%'],
      ['Recovery time (median, hours)', (x) => (x.recoveryMs === undefined ? null : Math.round(x.recoveryMs / 36_000) / 100), 'hours'],
    ];
    if (m.weeks.length < 2 || Date.parse(m.weeks[0].end) - Date.parse(m.weeks[0].start) < 7 * 86_400_000) {
      grid.replaceChildren(el('p', {}, `The charts need two whole weeks; the window has ${span(Date.parse(data.window.end) - Date.parse(data.window.start))}.`));
    } else {
      const boxes = measures.map(([title]) => {
        const box = el('div', { class: 'chart', 'aria-hidden': 'true' });
        grid.append(el('figure', {}, el('figcaption', {}, title), box));
        return box;
      });
      for (const [i, [, value, unit]] of measures.entries()) {
        const box = boxes[i];
        chart(box, (width) => new uPlot({ width, height: 160, tzDate: utc, scales: { x: { time: true, range: [xs[0] - 86_400, xs[xs.length - 1] + 86_400] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } }, legend: { show: false }, series: [{}, { label: unit, stroke: PALETTE[i], width: 2, spanGaps: false, points: { show: true } }], axes: [{ values: dayTicks, splits: () => xs }, {}] }, [xs, m.weeks.map(value)] as uPlot.AlignedData, box));
      }
    }
    // The week-by-week table of the project shown, folded away behind its charts.
    for (const d of document.querySelectorAll<HTMLDetailsElement>('#metrics details[data-project]')) {
      d.hidden = d.dataset.project !== m.project;
      d.open = false;
    }
  }
  render();
}

// ---- Health ------------------------------------------------------------------------------------

function drawHealth(): void {
  const root = document.getElementById('health-chart');
  const runs = data.health.runs;
  if (root && runs.length > 1) {
    const xs = runs.map((r) => Date.parse(r[0]) / 1000);
    chart(root, (width) => new uPlot({ width, height: 200, tzDate: utc, scales: { x: { time: true } }, series: [{}, { label: 'run time (s)', stroke: PALETTE[0], width: 1 }, { label: 'failed', stroke: '#b00020', width: 0, points: { show: true, size: 8, fill: '#b00020' } }], axes: [{ values: dayTicks }, { label: 'seconds' }] }, [xs, runs.map((r) => Math.round(r[1] / 100) / 10), runs.map((r) => (r[2] === 'failed' ? Math.round(r[1] / 100) / 10 : null))] as uPlot.AlignedData, root));
  }
  // Long reminder lists: the first 20, and a button for the rest.
  for (const list of [document.getElementById('health-stale'), document.getElementById('health-behind')]) {
    const items = list ? [...list.querySelectorAll('li')] : [];
    if (!list || items.length <= 20) continue;
    items.slice(20).forEach((li) => (li.hidden = true));
    list.after(el('button', { type: 'button', class: 'more', onclick: (e) => (items.forEach((li) => (li.hidden = false)), (e.target as HTMLElement).remove()) }, `Show all ${items.length}`));
  }
}

drawers.radar = drawRadar;
drawers.promotions = drawPromotions;
drawers.tickets = drawTickets;
drawers.calendar = drawCalendar;
drawers.metrics = drawMetrics;
drawers.health = drawHealth;

document.body.classList.add('js');
document.getElementById('detail-close')!.addEventListener('click', () => (document.getElementById('detail') as HTMLDialogElement).close());
window.addEventListener('hashchange', () => show(location.hash.slice(1)));
show(location.hash.slice(1));
document.getElementById('generated-age')?.replaceChildren(`${duration(Date.now() - generated)} ago`);
// For drivers (tests, the benchmark): the page is drawn.
document.body.dataset.ready = 'true';
