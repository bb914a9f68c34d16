import { stat } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import type { RunRecord } from './run-log.js';

/**
 * Prometheus text-format metrics from the run log, for node_exporter's textfile collector: written
 * atomically after each run (a scrape never reads half a file).
 */
const OUTCOMES: RunRecord['outcome'][] = ['ok', 'partial', 'failed'];
const seconds = (iso: string) => Math.round(Date.parse(iso) / 1000);

export function prometheusText(records: readonly RunRecord[]): string {
  const last = records.at(-1);
  const lastOk = [...records].reverse().find((r) => r.outcome !== 'failed');
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
    if (samples.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([labels, value]) => `${name}${labels} ${value}`));
  };
  metric('snap_last_run_timestamp_seconds', 'gauge', 'When the last snapshot run finished (Unix time).', last ? [['', seconds(last.finishedAt)]] : []);
  metric('snap_last_success_timestamp_seconds', 'gauge', 'When the last ok or partial snapshot finished (Unix time).', lastOk ? [['', seconds(lastOk.finishedAt)]] : []);
  metric('snap_last_run_duration_seconds', 'gauge', 'Duration of the last run.', last ? [['', last.durationMs / 1000]] : []);
  metric('snap_last_run_outcome', 'gauge', 'Outcome of the last run: 1 for the outcome it had.', last ? OUTCOMES.map((o) => [`{outcome="${o}"}`, last.outcome === o ? 1 : 0]) : []);
  metric('snap_runs_total', 'counter', 'Runs in the run log, by outcome.', OUTCOMES.map((o) => [`{outcome="${o}"}`, records.filter((r) => r.outcome === o).length]));
  metric('snap_last_run_api_requests', 'gauge', 'API requests of the last run, by source.', last ? Object.entries(last.apiCalls).map(([source, n]) => [`{source="${source}"}`, n]) : []);
  metric('snap_last_run_github_points', 'gauge', 'GraphQL points the last run spent.', last?.github ? [['', last.github.points]] : []);
  metric('snap_github_rate_limit_remaining', 'gauge', 'GraphQL points left in the hour after the last run.', last?.github?.remaining !== undefined ? [['', last.github.remaining]] : []);
  metric('snap_last_run_warnings', 'gauge', 'Warnings in the last snapshot.', last ? [['', last.counts.warnings]] : []);
  return `${out.join('\n')}\n`;
}

/**
 * Writes the textfile atomically. Refuses (throws) a target that exists and is not a regular file:
 * renaming over `/dev/full` or a folder would replace a device node, or fail half-way.
 */
export async function writePrometheusFile(file: string, records: readonly RunRecord[]): Promise<void> {
  const stats = await stat(file).catch(() => undefined);
  if (stats && !stats.isFile()) throw new Error(`${file} is ${stats.isDirectory() ? 'a folder' : 'not a regular file (a device, a pipe or a socket)'}; snap writes the metrics as a file of its own`);
  await writeFileAtomic(file, prometheusText(records), { followLinks: true });
}
