import type { SnapshotWarning } from './snapshot-schema.js';

/** What the engine tells the outside world while it works. Renderers (ui/progress.ts) turn these into bars or lines. */
export type ProgressEvent =
  | { kind: 'start'; sources: { source: string; total: number; unit?: string }[]; etaMs?: number; basedOnRuns?: number }
  | { kind: 'step'; source: string; target: string; call: string; done: number; total: number }
  | { kind: 'source-done'; source: string; done: number; total: number; ok: boolean }
  /** `afterSnapshot`: found after the snapshot was written (the metrics file), so not in it: renderers print it. */
  | { kind: 'warning'; warning: SnapshotWarning; afterSnapshot?: boolean }
  | { kind: 'finish'; durationMs: number; outcome: 'ok' | 'partial' | 'failed' };

export type ProgressSink = (event: ProgressEvent) => void;

export const silentProgress: ProgressSink = () => undefined;
