import { Command } from 'commander';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { usageError } from '../errors.js';
import { checkNames } from '../history/filter.js';
import { openHistory } from '../history/open.js';
import { checkReportTarget, reportPage, writeReport } from '../report/write.js';
import { writeJson } from '../ui/write-json.js';
import { outputWidth } from '../ui/show.js';
import { wrapWords } from '../ui/summary.js';
import { formatBytes } from '../ui/terminal.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';
import { parseSpan } from './metrics.js';

export interface ReportOptions extends GlobalOptions {
  out?: string;
  since?: string;
  project?: string;
  json?: boolean;
}

/** The file a report goes to when neither --out nor report.path names one. */
export const DEFAULT_REPORT_FILE = 'snap-report.html';

/**
 * `snap report`: one self-contained HTML page of the history — radar, promotion previews, tickets,
 * release calendar, DORA metrics, health — written atomically; no network. Exit 0, 2 for bad options.
 */
export async function runReport(options: ReportOptions, io: CommandIO, now = new Date()): Promise<number> {
  if (options.out !== undefined && options.out.trim() === '') throw usageError('--out needs a file name (it was empty)', `e.g. --out ${DEFAULT_REPORT_FILE}`);
  const history = await openHistory(options, io);
  try {
    for (const note of history.notes) io.stderr.write(`snap: ${note}\n`);
    const windowMs = options.since !== undefined ? parseSpan(options.since, '--since') : (history.config.report?.windowMs ?? parseSpan('30d', '--since'));
    const projects = checkNames('--project', options.project, history.config.projects.map((p) => p.name));
    if (options.out === '-') {
      // The page on stdout (a pipe, a web server's CGI), nothing written here.
      if (options.json) throw usageError('--json prints what was written; with --out - the page itself goes to stdout', 'leave out one of the two');
      io.stdout.write((await reportPage(history, { windowMs, projects, now })).html);
      return 0;
    }
    const file = options.out !== undefined ? path.resolve(io.cwd, options.out) : (history.config.report?.path ?? path.resolve(io.cwd, DEFAULT_REPORT_FILE));
    await checkReportTarget(file, history.config, io.env);
    const result = await writeReport(history, file, { windowMs, projects, now });
    if (options.json) {
      await writeJson(io.stdout, result);
      return 0;
    }
    const c = colorsFor(io, options);
    const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
    const what = `${formatBytes(result.bytes)}, written in ${(result.durationMs / 1000).toFixed(2)} s: ${plural(result.projects, 'project')}, ${plural(result.services, 'service')}, ${plural(result.tickets, 'ticket')}, ${plural(result.deployments, 'deployment')} in the window`;
    const width = outputWidth(io);
    io.stdout.write(`${c.bold(`Wrote ${result.file}`)}\n${wrapWords(what.split(' '), ' ', width).join('\n')}\n${c.dim(`Open it in a browser: ${pathToFileURL(result.file).href}`)}\n`);
    return 0;
  } finally {
    history.close();
  }
}

export function reportCommand(handle: (options: ReportOptions) => Promise<void>): Command {
  return new Command('report')
    .description('write one self-contained HTML page of the history: radar of what runs where, promotion previews, ticket tracker, release calendar, DORA metrics and health; no network')
    .option('--out <file>', `the file to write, - for stdout (default: report.path in the config, else ./${DEFAULT_REPORT_FILE}); an existing file is replaced only when it is a snap report`)
    .option('--since <span>', 'the window covered, back from the newest snapshot: 30d, 12h, 2w (default: report.since, else 30d)')
    .option('--project <names>', 'only these projects (comma-separated)')
    .option('--json', 'print where it went, its size (bytes), time (ms) and what it holds, as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ snap report                             ./${DEFAULT_REPORT_FILE}, the last 30 days
  $ snap report --out site/index.html --since 90d
  $ snap report --project payments --out payments.html
  $ snap report --json | jq .bytes
  $ snap report --out - | gzip > report.html.gz

The page needs no server and makes no network request: open it from disk or
a CI artifact. To write it after every run, set report.path in the config
(docs/report.md).

Exit codes: 0 written; 1 the file cannot be written; 2 an unknown project, a
bad --since, no snapshot yet, or an --out that is no place for a report (inside
the data directory, the config, a file that is not a snap report).`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
