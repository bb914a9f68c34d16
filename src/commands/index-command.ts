import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { ExitCode, SnapError } from '../errors.js';
import { noSnapshots } from '../history/open.js';
import { HistoryIndex } from '../store/history-index.js';
import { rebuildIndex } from '../store/history-sync.js';
import { dataLayout } from '../store/layout.js';
import { acquireLock } from '../store/lock.js';
import type { CommandIO, GlobalOptions } from './context.js';

export interface IndexOptions extends GlobalOptions {
  json?: boolean;
  wait?: string;
}

/**
 * `snap index rebuild`: makes the history index again from the snapshot files, the release history and
 * the run log, under the data directory's lock (a run in progress is waited for, up to --wait seconds).
 */
export async function runIndexRebuild(options: IndexOptions, io: CommandIO): Promise<number> {
  // The data directory: from the config, or named alone (--data-dir, SNAP_DATA_DIR).
  const named = options.dataDir ?? (io.env.SNAP_DATA_DIR || undefined);
  const root = await findConfigPath(options.config, io.env, io.cwd).then(
    async (file) => (await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir })).config.dataDir,
    (error) => {
      if (named && error instanceof SnapError && error.code === 'CONFIG_NOT_FOUND') return path.resolve(io.cwd, named);
      throw error;
    },
  );
  const layout = dataLayout(root);
  if (await stat(layout.root).then((s) => s.isFile(), () => false)) throw noSnapshots(layout);
  if (!(await stat(layout.root).then((s) => s.isDirectory(), () => false))) {
    throw new SnapError('NO_SNAPSHOTS', `the data directory ${layout.root} does not exist`, { exitCode: ExitCode.usage, hint: 'take a snapshot with `snap run` first, or point --data-dir at the data directory' });
  }
  // Nothing to rebuild from: refuse rather than leave an empty index in a folder that is not a data directory.
  const files = await readdir(layout.snapshotsDir).catch(() => [] as string[]);
  if (!files.some((f) => /\.json(\.gz)?$/.test(f)) && !existsSync(layout.releases) && !existsSync(layout.runLog)) throw noSnapshots(layout);
  const started = Date.now();
  const waitMs = Number(options.wait ?? 60) * 1000;
  let lock = await acquireLock(layout.lock, { command: 'snap index rebuild', waitMs: 0 }).catch((error) => {
    if (waitMs === 0) throw error;
    return undefined;
  });
  if (!lock) {
    io.stderr.write(`snap: a snap run holds ${layout.root}; waiting up to ${waitMs / 1000} s for it to finish\n`);
    lock = await acquireLock(layout.lock, { command: 'snap index rebuild', waitMs }).catch((error) => {
      throw error instanceof SnapError ? new SnapError(error.code, `${error.message} (waited ${waitMs / 1000} s)`, { exitCode: error.exitCode, hint: 'try again when the run has finished, or wait longer: --wait 300' }) : error;
    });
  }
  try {
    const { index, setAside } = HistoryIndex.open(layout);
    try {
      const counts = await rebuildIndex(index, layout);
      const result = { index: index.file, ...counts, durationMs: Date.now() - started, ...(setAside ? { setAside } : {}) };
      if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        if (setAside) io.stdout.write(`The index was unreadable (${setAside.reason}); it was moved to ${setAside.movedTo}.\n`);
        io.stdout.write(`Rebuilt ${index.file}: ${counts.snapshots} snapshot(s), ${counts.deployments} deployment(s), ${counts.runs} run(s) in ${result.durationMs} ms.\n`);
        if (counts.unreadable.length) io.stdout.write(`${counts.unreadable.length} snapshot file(s) could not be read and were moved to ${layout.corruptDir}: ${counts.unreadable.join(', ')}\n`);
      }
      return ExitCode.ok;
    } finally {
      index.close();
    }
  } finally {
    await lock.release();
  }
}

export function indexCommand(handle: (options: IndexOptions) => Promise<void>): Command {
  const index = new Command('index').description('the history index (index.sqlite in the data directory) that snap show, ticket, diff, releases and metrics read');
  index.addCommand(
    new Command('rebuild')
      .description('make the index again from the snapshot files, releases.json and runs.jsonl (snap does this by itself when it is missing or unreadable)')
      .option('--wait <seconds>', 'wait this long for a running snap run to finish (default 60)')
      .option('--json', 'print the counts as JSON')
      .addHelpText('after', '\nExamples:\n  $ snap index rebuild\n  $ snap index rebuild --json\n\nExit codes: 0 rebuilt, 2 no data directory, 4 a run held the lock for longer than --wait.')
      .action(async (_options, command: Command) => handle(command.optsWithGlobals())),
  );
  return index;
}
