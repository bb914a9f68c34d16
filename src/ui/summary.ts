import type { ServiceState, Snapshot, SnapshotWarning } from '../core/snapshot-schema.js';
import { renderTable } from './table.js';
import { formatDuration, visibleLength, type Colors } from './terminal.js';

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/** A full commit SHA as a tag reads better as its first 12 characters. */
const shortVersion = (text: string) => (/^[0-9a-f]{40}$/.test(text) ? text.slice(0, 12) : shorten(text, 22));

/** Whether a serving entry runs the desired version (same version and image, and the desired digest when both are known). */
export const isDesired = (state: ServiceState, x: NonNullable<ServiceState['serving']>[number]) =>
  x.version === state.version?.value && x.image === state.container?.image && (x.digest === undefined || state.container?.digest === undefined || x.digest === state.container.digest);

/** Other versions serving, short: "1.1.0×2", "1.1.0×2 (active)", "sha256:3f9c2ab1×1" for another digest of the same tag, "… in prod-us". */
const servingText = (state: ServiceState) =>
  (state.serving ?? [])
    .filter((x) => !isDesired(state, x))
    .map((x) => {
      const label = x.version === state.version?.value && x.digest ? `${x.digest.slice(0, 15)}` : shortVersion(x.version ?? x.digest?.slice(7, 19) ?? x.replicaSet);
      const role = x.role === 'active' ? ' (active)' : x.role === 'stable' ? ' (stable)' : '';
      return `${label}×${x.ready}${role}${x.context ? ` in ${x.context}` : ''}`;
    });

/** The marks a table can show, and what each means (the legend lists those used). */
const LEGEND = {
  others: '+ v×n: another version serving on n pods',
  progressing: '↻ rolling out',
  stalled: '✖ rollout stalled',
  paused: '‖ rollout paused',
  zero: '○ scaled to zero: nothing serves',
  short: '! fewer ready pods of the desired version than wanted',
  git: '≠ git: Argo CD says out of sync',
  unread: '? a cluster could not be read',
  missing: '– no workload found',
} as const;
type Mark = keyof typeof LEGEND;

/**
 * One table cell: the desired version, its commit and ready/desired pods, and a mark when the
 * rollout is not complete: `↻` progressing, `✖ stalled`, `‖ paused`, `○ scaled to 0`; `!` when fewer
 * pods serve the desired version than are wanted; other versions still serving follow as
 * `version×pods`; a blue-green preview says so; `≠ git` when Argo CD says out of sync; `? <context>`
 * when a cluster of the environment could not be read. Adds the marks it uses to `used`.
 */
function cell(state: ServiceState, c: Colors, used: Set<Mark>): string {
  if (state.status === 'unknown') return used.add('unread'), c.dim('? unknown');
  if (state.status === 'not-found') return used.add('missing'), c.yellow('– not found');
  const version = shortVersion(state.version?.value ?? state.container?.tag ?? state.container?.digest?.slice(0, 19) ?? '?');
  const commit = state.commit ? c.dim(` @${state.commit.oid.slice(0, 7)}`) : '';
  const unread = state.targets?.filter((t) => t.status === 'unknown').map((t) => t.context) ?? [];
  if (unread.length) used.add('unread');
  const missing = unread.length ? ` ${c.dim(`? ${unread.join(', ')} unread`)}` : '';
  const rollout = state.rolloutStatus?.state;
  if (rollout === 'scaled-to-zero') return used.add('zero'), `${version}${commit} ${c.yellow('○ scaled to 0')}${missing}`;
  const pods = state.pods;
  const desired = state.replicas?.desired ?? 0;
  const mine = state.serving?.filter((x) => isDesired(state, x)) ?? [];
  const preview = mine.filter((x) => x.role === 'preview').reduce((sum, x) => sum + x.ready, 0);
  const servingDesired = state.serving ? mine.filter((x) => x.role !== 'preview').reduce((sum, x) => sum + x.ready, 0) : (pods?.ready ?? 0);
  const healthy = pods ? servingDesired >= desired && pods.notReady.length === 0 && (rollout === undefined || rollout === 'complete') : false;
  const health = pods ? `${servingDesired}/${desired}${preview ? ` (preview ${preview})` : ''}` : '';
  const others = servingText(state);
  if (others.length) used.add('others');
  const also = others.length ? ` ${c.dim(`+ ${others.join(' ')}`)}` : '';
  const step = state.rolloutStatus?.step;
  const at = step ? ` step ${step.index}/${step.total}${step.weight !== undefined ? ` ${step.weight}%` : ''}` : '';
  const outOfSync = !!state.argocd && state.argocd.sync !== 'Synced';
  if (outOfSync) used.add('git');
  const tail = `${also}${outOfSync ? ` ${c.yellow('≠ git')}` : ''}${missing}`;
  if (rollout === 'stalled') return used.add('stalled'), `${version}${commit} ${c.red(`${health} ✖ stalled`)}${tail}`;
  if (rollout === 'paused') return used.add('paused'), `${version}${commit} ${c.yellow(`${health} ‖ paused${at}`)}${tail}`;
  if (rollout === 'progressing') return used.add('progressing'), `${version}${commit} ${c.yellow(`${health} ↻${at}`)}${tail}`;
  if (!healthy) used.add('short');
  return `${version}${commit} ${healthy ? c.green(health) : c.red(`${health} !`)}${tail}`;
}

/**
 * What runs where: one table per project, services down, environments across, and a legend of the
 * marks used. When a table is wider than `width` (columns; default unlimited) the project is stacked
 * instead — each service, then one line per environment — and lines are cut to the width.
 */
export function renderSnapshotTable(snapshot: Snapshot, c: Colors, width = Infinity): string {
  const blocks: string[] = [];
  const used = new Set<Mark>();
  for (const [projectName, project] of Object.entries(snapshot.projects)) {
    const envNames = Object.keys(project.environments);
    const services = [...new Set(envNames.flatMap((e) => Object.keys(project.environments[e].services)))];
    const cells = services.map((service) => envNames.map((e) => {
      const state = project.environments[e].services[service];
      return state ? cell(state, c, used) : '';
    }));
    const table = renderTable([[c.bold(projectName), ...envNames.map((e) => c.bold(e))], ...services.map((service, i) => [service, ...cells[i]])], '  ');
    if (table.split('\n').every((line) => visibleLength(line) <= width)) {
      blocks.push(table);
      continue;
    }
    const pad = Math.max(...envNames.map((e) => e.length));
    const lines = [`  ${c.bold(projectName)}`];
    services.forEach((service, i) => {
      lines.push(`    ${service}`);
      envNames.forEach((e, k) => cells[i][k] && lines.push(fitLine(`      ${c.dim(e.padEnd(pad))}  ${cells[i][k]}`, width)));
    });
    blocks.push(lines.join('\n'));
  }
  const marks = (Object.keys(LEGEND) as Mark[]).filter((m) => used.has(m)).map((m) => LEGEND[m]);
  const legend = marks.length ? wrapWords(['@abc1234: the commit it runs', 'n/m: ready pods of the desired version / desired replicas', ...marks], ' · ', width).map((line) => c.dim(line)).join('\n') : '';
  return blocks.join('\n\n') + (legend ? `\n${legend}` : '');
}

/** Items joined by `separator`, broken into lines of at most `width` columns (an item longer than that gets a line of its own). */
export function wrapWords(items: readonly string[], separator: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + separator.length + item.length > width) {
      lines.push(line + separator.trimEnd());
      line = item;
    } else line = line ? line + separator + item : item;
  }
  if (line) lines.push(line);
  return lines;
}

/** `line` cut to `width` visible columns with a closing `…`, colour codes kept (and reset at the cut). */
export function fitLine(line: string, width: number): string {
  if (!Number.isFinite(width) || visibleLength(line) <= width) return line;
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length; i++) {
    const escape = /^\u001b\[[0-9;]*m/.exec(line.slice(i));
    if (escape) {
      out += escape[0];
      i += escape[0].length - 1;
      continue;
    }
    if (visible === width - 1) return `${out}…\u001b[0m`.replace(/\u001b\[0m$/, line.includes('\u001b[') ? '\u001b[0m' : '');
    out += line[i];
    visible++;
  }
  return out;
}

/** Warnings, the first `max`, each wrapped to `width` columns (default unlimited) with a hanging indent. */
export function renderWarnings(warnings: SnapshotWarning[], c: Colors, max = 20, width = Infinity): string {
  if (warnings.length === 0) return '';
  const lines = warnings.slice(0, max).map((w) => {
    const scope = [w.scope.project, w.scope.environment, w.scope.service].filter(Boolean).join('/') || w.scope.source || '';
    const mark = w.severity === 'error' ? c.red('✖') : w.severity === 'warning' ? c.yellow('!') : c.dim('i');
    const lead = `${w.code}${scope ? ` ${scope}` : ''}`;
    const [first, ...rest] = wrapWords(`${lead}: ${w.message}`.split(' '), ' ', Number.isFinite(width) ? width - 4 : Infinity);
    const shown = scope && first.startsWith(lead) ? `${w.code} ${c.dim(scope)}${first.slice(lead.length)}` : first;
    return [`  ${mark} ${shown}`, ...rest.map((l) => `    ${l}`)].join('\n');
  });
  if (warnings.length > max) lines.push(`  … and ${warnings.length - max} more (see the snapshot file, or --json)`);
  return `${c.bold(`Warnings (${warnings.length})`)}\n${lines.join('\n')}`;
}

/** The run's first line: its id, outcome and duration — the whole run's (`durationMs`, as the run log and the progress lines give it) — and requests. */
export function renderRunHeader(snapshot: Snapshot, file: string, apiCalls: Record<string, number>, c: Colors, durationMs: number = snapshot.durationMs, unchangedSince?: string): string {
  const outcome = snapshot.outcome === 'ok' ? c.green('ok') : c.yellow('partial');
  const calls = Object.entries(apiCalls).map(([source, n]) => `${source} ${n} request${n === 1 ? '' : 's'}`).join(', ');
  if (unchangedSince) {
    // No snapshot of its own: the one that still holds is named, the run's id is the run log's.
    return `Snapshot ${c.bold(unchangedSince)} still holds: run ${snapshot.id} ${outcome} in ${formatDuration(durationMs)} (${calls}) found nothing but timestamps changed\n${c.dim(`no file written; ${file} is that snapshot`)}`;
  }
  return `Snapshot ${c.bold(snapshot.id)} ${outcome} in ${formatDuration(durationMs)} (${calls})\n${c.dim(`saved ${file}`)}`;
}
