import { matchesGlob } from '../util/glob.js';
import { createPrompt, isBackspaceKey, isDownKey, isEnterKey, isSpaceKey, isUpKey, makeTheme, useKeypress, useMemo, usePagination, usePrefix, useState, type Theme } from '@inquirer/core';

/** One line of the multi-select list. */
export interface MultiSelectItem<T> {
  value: T;
  name: string;
  /** The label of the group line the item is shown under (`payments-*`); a glob term equal to it matches the item. */
  group?: string;
  hint?: string;
  /** What the filter's `key:value` terms look at; `deployed`: a workload runs it (shown as a mark). */
  facets?: { lang?: string; teams?: string[]; topics?: string[]; pushedDaysAgo?: number; archived?: boolean; fork?: boolean; deployed?: boolean };
  /** Selected when the list opens. */
  checked?: boolean;
}

/** What the multi-select shows and how it starts; `checked` items and `filter` may be combined. */
export interface MultiSelectConfig<T> {
  message: string;
  items: MultiSelectItem<T>[];
  pageSize?: number;
  /** Filter text to start with. */
  filter?: string;
  required?: boolean;
  /** The filter part of the help line; default: the repository facets. */
  filterHelp?: string;
}

type Row<T> = { kind: 'group'; group: string; members: MultiSelectItem<T>[] } | { kind: 'item'; item: MultiSelectItem<T>; indented: boolean };

const FACETS = ['lang', 'team', 'topic', 'active', 'deployed'];

/** Does an item pass the filter text (grammar at `multiSelect`)? Exported for tests and for non-interactive use. */
export function passesFilter(item: MultiSelectItem<unknown>, filter: string): boolean {
  const f = item.facets ?? {};
  const terms = filter
    .toLowerCase()
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const name = item.name.toLowerCase();
  const words: string[] = [];
  const byKey = new Map<string, string[]>();
  let archivedOk = !f.archived;
  let forkOk = !f.fork;
  for (const term of terms) {
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon) : '';
    const value = colon > 0 ? term.slice(colon + 1).trim() : '';
    // A key typed without its value yet (`lang:`) narrows nothing until the value comes.
    if (key && !value && FACETS.includes(key)) continue;
    if (key === 'archived') archivedOk = archivedOk || value === 'yes';
    else if (key === 'fork') forkOk = forkOk || value === 'yes';
    else if (FACETS.includes(key)) byKey.set(key, [...(byKey.get(key) ?? []), value]);
    else words.push(term);
  }
  const facet = (key: string, value: string): boolean => {
    if (key === 'lang') return (f.lang ?? '').toLowerCase() === value;
    if (key === 'team') return (f.teams ?? []).some((t) => t.toLowerCase().includes(value));
    if (key === 'topic') return (f.topics ?? []).some((t) => t.toLowerCase() === value);
    if (key === 'deployed') return /^no?$/.test(value) ? !f.deployed : f.deployed === true;
    const days = Number(value);
    return !Number.isFinite(days) || (f.pushedDaysAgo !== undefined && f.pushedDaysAgo <= days);
  };
  const group = item.group?.toLowerCase();
  if (words.length && !words.some((w) => (/[*?]/.test(w) ? w === group || matchesGlob(name, w) : name.includes(w)))) return false;
  for (const [key, values] of byKey) if (!values.some((v) => facet(key, v))) return false;
  return archivedOk && forkOk;
}

function rowsFor<T>(items: MultiSelectItem<T>[], filter: string): Row<T>[] {
  const shown = items.filter((i) => passesFilter(i, filter));
  const groups = new Map<string, MultiSelectItem<T>[]>();
  for (const item of shown) {
    const key = item.group ?? '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const rows: Row<T>[] = [];
  for (const [group, members] of groups) {
    if (group && members.length > 1) rows.push({ kind: 'group', group, members });
    // Indented only under a group line that is shown.
    for (const item of members) rows.push({ kind: 'item', item, indented: Boolean(group) && members.length > 1 });
  }
  return rows;
}

/** Selects all of `members`, or, when all are selected already, clears them. */
function toggled<T>(checked: ReadonlySet<T>, members: readonly T[]): ReadonlySet<T> {
  const next = new Set(checked);
  const select = members.some((m) => !next.has(m));
  for (const m of members) {
    if (select) next.add(m);
    else next.delete(m);
  }
  return next;
}

/**
 * A multi-select list for hundreds of items that narrows as you type. The filter is comma-separated
 * terms. Plain words match inside the name; terms with `*` or `?` are shell-style globs matched against
 * the whole name (or equal to a group label, so `payments-*` as a group line shows it finds the group);
 * words and globs are OR'ed. Facet terms: `lang:go`, `team:payments`, `topic:api`, `active:30` (pushed
 * within 30 days), `deployed:yes|no`; values of one key are OR'ed (`lang:go, lang:kotlin`), different
 * keys are AND'ed with each other and with the word group: `deployed:yes, payments, checkout` is
 * deployed AND (payments OR checkout). Archived items and forks are hidden unless `archived:yes` /
 * `fork:yes`. Items are grouped by `group`: space on a group line selects its members as shown,
 * ctrl+a everything shown; ctrl+u or Esc clears the filter. The selection survives changes of filter.
 * Case never matters. Answers the selected values in the order of `items`.
 */
export const multiSelect = createPrompt(<T>(config: MultiSelectConfig<T>, done: (value: T[]) => void) => {
  const theme = makeTheme<Theme>({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const prefix = usePrefix({ status, theme });
  const [filter, setFilter] = useState(config.filter ?? '');
  const [checked, setChecked] = useState<ReadonlySet<MultiSelectItem<T>>>(new Set(config.items.filter((i) => i.checked)));
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const rows = useMemo(() => rowsFor(config.items, filter), [config.items, filter]);
  const current = Math.min(active, Math.max(0, rows.length - 1));

  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    setError(undefined);
    if (isEnterKey(key)) {
      if (config.required && checked.size === 0) {
        setError('select at least one (space selects, ctrl+a selects everything shown)');
        return;
      }
      setStatus('done');
      done(config.items.filter((i) => checked.has(i)).map((i) => i.value));
    } else if (isUpKey(key) || isDownKey(key)) {
      if (rows.length) setActive((current + (isUpKey(key) ? -1 : 1) + rows.length) % rows.length);
    } else if (isSpaceKey(key) && /,\s*$/.test(filter)) {
      // A space after a comma is part of the filter (`deployed:yes, payments`), not a selection.
      setFilter(`${filter} `);
    } else if (isSpaceKey(key)) {
      rl.clearLine(0);
      const row = rows[current];
      if (!row) return;
      setChecked(toggled(checked, row.kind === 'group' ? row.members : [row.item]));
    } else if (key.ctrl && key.name === 'a') {
      setChecked(toggled(checked, rows.flatMap((r) => (r.kind === 'item' ? [r.item] : []))));
    } else if ((key.ctrl && key.name === 'u') || key.name === 'escape') {
      setFilter('');
      setActive(0);
    } else if (isBackspaceKey(key)) {
      setFilter(filter.slice(0, -1));
      setActive(0);
    } else if (!key.ctrl && typeof (key as { sequence?: string }).sequence === 'string' && /^[\x20-\x7e]$/.test((key as { sequence?: string }).sequence!)) {
      setFilter(filter + (key as { sequence?: string }).sequence);
      setActive(0);
    }
  });

  const message = theme.style.message(config.message, status);
  if (status === 'done') return `${prefix} ${message} ${theme.style.answer(`${checked.size} selected`)}`;
  const page = usePagination({
    items: rows,
    active: current,
    pageSize: config.pageSize ?? 12,
    loop: false,
    renderItem({ item: row, isActive }) {
      const cursor = isActive ? '❯' : ' ';
      if (row.kind === 'group') {
        const n = row.members.filter((m) => checked.has(m)).length;
        const line = `${cursor} ▾ ${row.group} (${n}/${row.members.length})`;
        return isActive ? theme.style.highlight(line) : theme.style.help(line);
      }
      const box = checked.has(row.item) ? '◉' : '◯';
      const deployed = row.item.facets?.deployed ? ` ${theme.style.highlight('●')} deployed` : '';
      const line = `${cursor} ${row.indented ? '  ' : ''}${box} ${row.item.name}${deployed}${row.item.hint ? `  ${theme.style.help(row.item.hint)}` : ''}`;
      return isActive ? theme.style.highlight(line) : line;
    },
  });
  const shown = rows.filter((r) => r.kind === 'item').length;
  const header = `${prefix} ${message} ${theme.style.help(`(${shown} of ${config.items.length} shown, ${checked.size} selected)`)} filter: ${filter}`;
  const help = theme.style.help(`${config.filterHelp ?? 'filter, comma-separated: words or globs like pay-* (any one); lang:go team:x topic:x active:30 deployed:yes|no (every key, any of its values); archived:yes fork:yes'} • space select • ctrl+a all shown • ctrl+u/esc clear filter • enter done`);
  return `${header}\n${rows.length ? page : '  (nothing matches the filter)'}\n${help}${error ? `\n${theme.style.error(error)}` : ''}`;
});
