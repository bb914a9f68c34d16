import type { MultiBar, SingleBar } from 'cli-progress';
import type { ProgressEvent, ProgressSink } from '../core/progress.js';
import { formatDuration } from './terminal.js';

export type ProgressMode = 'bars' | 'plain' | 'json';

export interface ProgressRenderer {
  sink: ProgressSink;
  stop(): void;
}

/** The level of a JSON progress line: a warning's severity, `error` for a failed run, else `info`. */
export function levelOf(event: ProgressEvent): 'info' | 'warning' | 'error' {
  if (event.kind === 'warning') return event.warning.severity === 'error' ? 'error' : event.warning.severity === 'warning' ? 'warning' : 'info';
  if (event.kind === 'finish' && event.outcome === 'failed') return 'error';
  if (event.kind === 'finish' && event.outcome === 'partial') return 'warning';
  return 'info';
}

/** Plain lines (or JSON lines) on stderr: one per API call, readable in CI logs and journald. */
export function lineRenderer(stream: NodeJS.WritableStream, format: 'plain' | 'json', now: () => number = Date.now): ProgressRenderer {
  let started = now();
  let eta: number | undefined;
  let finished = false;
  const sink: ProgressSink = (event) => {
    // Nothing after the run's last line: a late step of a source still winding down is noise.
    if (finished && event.kind === 'step') return;
    if (event.kind === 'finish') finished = true;
    if (event.kind === 'start') finished = false;
    if (format === 'json') {
      stream.write(`${JSON.stringify({ time: new Date(now()).toISOString(), level: levelOf(event), ...event })}\n`);
      return;
    }
    const line = describe(event);
    if (line) stream.write(`snap: ${line}\n`);
  };
  const describe = (event: ProgressEvent): string | undefined => {
    switch (event.kind) {
      case 'start': {
        started = now();
        eta = event.etaMs;
        const plan = event.sources.map((s) => `${s.source} ${s.total} ${plural(s.unit ?? 'list', s.total)}`).join(', ');
        const expect = event.etaMs !== undefined ? `; expected ${formatDuration(event.etaMs)} (median of the last ${event.basedOnRuns} runs)` : '; first run, no estimate yet';
        return `snapshot started: ${plan}${expect}`;
      }
      case 'step':
        if (event.call === 'list done') return undefined;
        return `${event.source} ${event.target}: ${event.call} [${event.done}/${event.total}]${remaining()}`;
      case 'source-done':
        return `${event.source}: ${event.ok ? 'done' : 'done with failures'}`;
      case 'warning':
        return event.afterSnapshot ? `warning: ${event.warning.code}: ${event.warning.message}` : undefined;
      case 'finish':
        return `snapshot ${event.outcome} in ${formatDuration(event.durationMs)}`;
    }
  };
  const remaining = () => (eta === undefined ? '' : `, about ${formatDuration(Math.max(0, eta - (now() - started)))} left`);
  return { sink, stop: () => undefined };
}

/** cli-progress bars on a terminal: one per source, with the current call and the ETA from past runs. */
export async function barRenderer(stream: NodeJS.WritableStream): Promise<ProgressRenderer> {
  const cliProgress = await import('cli-progress');
  let multi: MultiBar | undefined;
  const bars = new Map<string, SingleBar>();
  let started = Date.now();
  let eta: number | undefined;
  const etaText = () => {
    if (eta === undefined) return 'first run';
    const left = eta - (Date.now() - started);
    return left > 0 ? `~${formatDuration(left)} left` : 'finishing';
  };
  const sink: ProgressSink = (event) => {
    if (event.kind === 'start') {
      started = Date.now();
      eta = event.etaMs;
      multi = new cliProgress.MultiBar(
        { stream, format: ' {source} {bar} {value}/{total} | {eta_text} | {step}', barsize: 24, hideCursor: true, clearOnComplete: false, autopadding: true, fps: 10 },
        cliProgress.Presets.shades_classic,
      );
      for (const source of event.sources) bars.set(source.source, multi.create(source.total, 0, { source: source.source.padEnd(10), step: 'starting', eta_text: etaText() }));
    } else if (event.kind === 'step') {
      bars.get(event.source)?.update(event.done, { step: `${event.target}: ${event.call}`, eta_text: etaText() });
    } else if (event.kind === 'source-done') {
      bars.get(event.source)?.update(event.total, { step: event.ok ? 'done' : 'done with failures', eta_text: formatDuration(Date.now() - started) });
    } else if (event.kind === 'finish') {
      multi?.stop();
      multi = undefined;
    } else if (event.kind === 'warning' && event.afterSnapshot) {
      if (multi) multi.log(`warning: ${event.warning.code}: ${event.warning.message}\n`);
      else stream.write(`warning: ${event.warning.code}: ${event.warning.message}\n`);
    }
  };
  return { sink, stop: () => multi?.stop() };
}

export async function createProgress(mode: ProgressMode, stream: NodeJS.WritableStream): Promise<ProgressRenderer> {
  if (mode === 'bars') return barRenderer(stream);
  return lineRenderer(stream, mode);
}

function plural(unit: string, n: number): string {
  if (n === 1) return unit;
  return unit.endsWith('y') ? `${unit.slice(0, -1)}ies` : `${unit}s`;
}
