import { createProgress, type ProgressRenderer } from '../ui/progress.js';
import { colors, isInteractive, useColor, type Colors, type OutputStreams } from '../ui/terminal.js';
import { usageError } from '../errors.js';

/** What a command needs from the process; tests pass their own. */
export interface CommandIO extends OutputStreams {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Options every command understands (set before or after the command name). */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  plain?: boolean;
  logFormat?: string;
  color?: boolean;
}

function assertLogFormat(value: string | undefined, from = '--log-format'): 'text' | 'json' {
  const format = value ?? 'text';
  if (format !== 'text' && format !== 'json') throw usageError(`${from} must be "text" or "json", not "${format}"`, 'use json for JSON lines on stderr, text for plain lines');
  return format;
}

/** The log format chosen by --log-format, else SNAP_LOG_FORMAT, else text; a usage error naming which one is wrong. */
export function logFormatOf(io: CommandIO, options: GlobalOptions): 'text' | 'json' {
  return assertLogFormat(options.logFormat ?? (io.env.SNAP_LOG_FORMAT || undefined), options.logFormat ? '--log-format' : 'SNAP_LOG_FORMAT');
}

export function colorsFor(io: CommandIO, options: GlobalOptions, stream: { isTTY?: boolean } = io.stdout): Colors {
  return colors(options.color !== false && useColor(stream, io.env));
}

/** Bars on a terminal; plain lines with --plain, CI, TERM=dumb or no TTY; JSON lines with --log-format json. */
export async function progressFor(io: CommandIO, options: GlobalOptions): Promise<ProgressRenderer> {
  if (logFormatOf(io, options) === 'json') return createProgress('json', io.stderr);
  return createProgress(isInteractive(io.stderr, io.env, options.plain) ? 'bars' : 'plain', io.stderr);
}

/**
 * A line on stderr in the chosen log format: `<prefix><text>` (e.g. `warning: …`), or with
 * --log-format json one JSON object `{ time, level, kind, message }`.
 */
export function stderrLog(io: CommandIO, options: GlobalOptions): (level: 'info' | 'warning' | 'error', kind: string, text: string, prefix?: string) => void {
  return logFormatOf(io, options) === 'json'
    ? (level, kind, text) => io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, kind, message: text })}\n`)
    : (_level, _kind, text, prefix = '') => io.stderr.write(`${prefix}${text}\n`);
}

/** Alert deliveries on stderr: `snap: …` lines, or JSON lines with --log-format json. */
export function alertLog(io: CommandIO, options: GlobalOptions): (line: string) => void {
  const log = stderrLog(io, options);
  return (line) => log(/failed|dropped|not evaluated|unusable/.test(line) ? 'warning' : 'info', 'alert', line, 'snap: ');
}
