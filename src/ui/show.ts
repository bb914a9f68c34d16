import type { Snapshot } from '../core/snapshot-schema.js';
import type { CommandIO } from '../commands/context.js';
import { renderTicketsPerEnvironment } from './delivery.js';
import { renderSnapshotTable } from './summary.js';
import type { Colors } from './terminal.js';

/**
 * The width (columns) output is fitted to: the terminal's when stdout is one, else $COLUMNS when set,
 * else unlimited (a pipe or a file gets whole lines).
 */
export function outputWidth(io: CommandIO): number {
  if (io.stdout.isTTY && io.stdout.columns) return io.stdout.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : Infinity;
}

/** What runs where and the tickets in each environment: what `snap show`, `snap run` and `snap demo` print. */
export function renderWhatRunsWhere(snapshot: Snapshot, c: Colors, width = Infinity): string {
  const table = renderSnapshotTable(snapshot, c, width);
  return snapshot.tickets ? `${table}\n\n${renderTicketsPerEnvironment(snapshot, c, width)}` : table;
}
