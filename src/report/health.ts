import type { Snapshot } from '../core/snapshot-schema.js';
import type { History } from '../history/open.js';
import type { RunRecord } from '../store/run-log.js';
import type { ReportHealth, ReportProject } from './types.js';

/** A service not deployed anywhere for this long is a reminder (the page this replaces used 14 days). */
export const STALE_SERVICE_MS = 14 * 86_400_000;

/**
 * The Health view's data: the runs since `since` (ISO) and the newest success, the snapshot's warnings
 * by code (up to five messages each, with where), and the reminders — services not deployed anywhere
 * for STALE_SERVICE_MS, environments behind the one before them that long, and pre-production
 * environments that run different commits or cannot be compared. `end`: the newest snapshot's time
 * (ms); `chosen`: whether a project is in the report.
 */
export function healthOf(history: History, snapshot: Pick<Snapshot, 'warnings'>, projects: readonly ReportProject[], options: { since: string; end: number; chosen: (project: string) => boolean }): ReportHealth {
  const { end, chosen } = options;
  const runs: RunRecord[] = history.index.runs(options.since);
  const last = runs.at(-1);
  const lastSuccess = [...runs].reverse().find((r) => r.outcome === 'ok') ?? history.index.lastRunWith('ok');
  const warnings = new Map<string, { code: string; severity: string; count: number; examples: string[] }>();
  for (const w of snapshot.warnings) {
    if (w.scope?.project && !chosen(w.scope.project)) continue;
    const g = warnings.get(w.code) ?? warnings.set(w.code, { code: w.code, severity: w.severity, count: 0, examples: [] }).get(w.code)!;
    g.count++;
    // Where, when the message does not say it already.
    const where = [w.scope?.project, w.scope?.environment, w.scope?.service].filter(Boolean).join('/');
    if (g.examples.length < 5) g.examples.push(where && !w.message.includes(where) ? `${where}: ${w.message}` : w.message);
  }
  const severity = { error: 0, warning: 1, info: 2 } as Record<string, number>;
  const stale: ReportHealth['stale'] = [];
  const disagree: ReportHealth['disagree'] = [];
  for (const p of projects) {
    for (const s of p.services) {
      const running = s.cells.map((c, i) => ({ c, env: p.environments[i] })).filter((x) => x.c && x.c.status === 'running');
      if (running.length === 0) continue;
      const times = running.map((x) => x.c!.deployedAt).filter((x): x is string => !!x);
      const newestAt = times.sort().at(-1);
      if (!newestAt || end - Date.parse(newestAt) >= STALE_SERVICE_MS) stale.push({ project: p.name, service: s.name, ...(newestAt ? { lastDeployedAt: newestAt } : {}), environments: running.map((x) => x.env) });
    }
    // Pre-production environments (all but the last) that run different commits of the same service.
    const pre = p.environments.slice(0, -1);
    for (let i = 0; i < pre.length; i++) {
      for (let j = i + 1; j < pre.length; j++) {
        // Compared by commit; the same version is the same. A side unread, or versions that differ with a commit unknown: not known.
        const compare = (s: ReportProject['services'][number]): 'same' | 'differ' | 'unknown' | undefined => {
          const [a, b] = [s.cells[i], s.cells[j]];
          if (a?.status === 'unknown' || b?.status === 'unknown') return 'unknown';
          if (a?.status !== 'running' || b?.status !== 'running') return undefined;
          if (a.commit && b.commit) return a.commit === b.commit ? 'same' : 'differ';
          return a.version === b.version ? 'same' : 'unknown';
        };
        const differ = p.services.filter((s) => compare(s) === 'differ');
        const unknown = p.services.filter((s) => compare(s) === 'unknown');
        if (differ.length || unknown.length) disagree.push({ project: p.name, a: pre[i], b: pre[j], services: differ.map((s) => s.name), unknown: unknown.map((s) => s.name) });
      }
    }
  }
  // Environments left behind: a version older than 14 days while the environment before has commits it lacks.
  const behind: ReportHealth['behind'] = [];
  for (const p of projects) {
    p.environments.forEach((env, i) => {
      for (const sv of p.services) {
        const c = sv.cells[i];
        if (!c?.behind || 'unknown' in c.behind || c.behind.commits === 0 || !c.deployedAt || end - Date.parse(c.deployedAt) < STALE_SERVICE_MS) continue;
        behind.push({ project: p.name, service: sv.name, environment: env, from: c.behind.from, commits: c.behind.commits, tickets: c.behind.tickets, lastDeployedAt: c.deployedAt });
      }
    });
  }
  behind.sort((a, b) => a.lastDeployedAt.localeCompare(b.lastDeployedAt) || a.project.localeCompare(b.project) || a.service.localeCompare(b.service));
  stale.sort((a, b) => (a.lastDeployedAt ?? '').localeCompare(b.lastDeployedAt ?? '') || a.project.localeCompare(b.project) || a.service.localeCompare(b.service));

  return {
    runs: runs.map((r) => [r.finishedAt, r.durationMs, r.outcome]),
    ...(last ? { lastRun: { at: last.finishedAt, outcome: last.outcome, ...(last.error ? { error: `${last.error.code}: ${last.error.message}` } : {}) } } : {}),
    ...(lastSuccess ? { lastSuccess: lastSuccess.finishedAt } : {}),
    warnings: [...warnings.values()].sort((a, b) => (severity[a.severity] ?? 3) - (severity[b.severity] ?? 3) || b.count - a.count || a.code.localeCompare(b.code)),
    stale,
    behind,
    disagree,
  };
}
