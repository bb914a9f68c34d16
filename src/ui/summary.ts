import type { ServiceState, Snapshot, SnapshotWarning } from '../core/snapshot-schema.js';
import { renderTable } from './table.js';
import { formatDuration, type Colors } from './terminal.js';

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/** A full commit SHA as a tag reads better as its first 12 characters. */
const shortVersion = (text: string) => (/^[0-9a-f]{40}$/.test(text) ? text.slice(0, 12) : shorten(text, 22));

function cell(state: ServiceState, c: Colors): string {
  if (state.status === 'unknown') return c.dim('? unknown');
  if (state.status === 'not-found') return c.yellow('– not found');
  const version = shortVersion(state.version?.value ?? state.container?.tag ?? state.container?.digest?.slice(0, 19) ?? '?');
  const pods = state.pods;
  const desired = state.replicas?.desired ?? 0;
  const healthy = pods ? pods.ready >= desired && pods.notReady.length === 0 : false;
  const health = pods ? `${pods.ready}/${desired}` : '';
  const commit = state.commit ? c.dim(` @${state.commit.oid.slice(0, 7)}`) : '';
  return `${version}${commit} ${healthy ? c.green(health) : c.red(`${health} !`)}`;
}

/** What runs where: one table per project, services down, environments across. */
export function renderSnapshotTable(snapshot: Snapshot, c: Colors): string {
  const blocks: string[] = [];
  for (const [projectName, project] of Object.entries(snapshot.projects)) {
    const envNames = Object.keys(project.environments);
    const services = [...new Set(envNames.flatMap((e) => Object.keys(project.environments[e].services)))];
    const rows = [[c.bold(projectName), ...envNames.map((e) => c.bold(e))]];
    for (const service of services) {
      rows.push([service, ...envNames.map((e) => {
        const state = project.environments[e].services[service];
        return state ? cell(state, c) : '';
      })]);
    }
    blocks.push(renderTable(rows, '  '));
  }
  return blocks.join('\n\n');
}

export function renderWarnings(warnings: SnapshotWarning[], c: Colors, max = 20): string {
  if (warnings.length === 0) return '';
  const lines = warnings.slice(0, max).map((w) => {
    const scope = [w.scope.project, w.scope.environment, w.scope.service].filter(Boolean).join('/') || w.scope.source || '';
    const mark = w.severity === 'error' ? c.red('✖') : w.severity === 'warning' ? c.yellow('!') : c.dim('i');
    return `  ${mark} ${w.code}${scope ? ` ${c.dim(scope)}` : ''}: ${w.message}`;
  });
  if (warnings.length > max) lines.push(`  … and ${warnings.length - max} more (see the snapshot file, or --json)`);
  return `${c.bold(`Warnings (${warnings.length})`)}\n${lines.join('\n')}`;
}

export function renderRunHeader(snapshot: Snapshot, file: string, apiCalls: Record<string, number>, c: Colors): string {
  const outcome = snapshot.outcome === 'ok' ? c.green('ok') : c.yellow('partial');
  const calls = Object.entries(apiCalls).map(([source, n]) => `${source} ${n} request${n === 1 ? '' : 's'}`).join(', ');
  return `Snapshot ${c.bold(snapshot.id)} ${outcome} in ${formatDuration(snapshot.durationMs)} (${calls})\n${c.dim(`saved ${file}`)}`;
}
