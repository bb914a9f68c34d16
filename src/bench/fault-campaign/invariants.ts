import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readSnapshotFile } from '../../store/snapshots.js';

/**
 * What a data directory looks like to someone who opens it after any moment of any run: the checks
 * the kill loop and the concurrent runs make. Snapshot files never change once renamed into place,
 * so each is parsed once (keyed by name, size and mtime).
 */
export interface Scan {
  /** `*.json` files (not in corrupt/) that do not parse: "<relative path>: <error>". */
  jsonErrors: string[];
  /** runs.jsonl lines that do not parse: "line <n>: <text>". */
  runLogErrors: string[];
  /** Temp files of writers: `.<name>.<pid>.<hex>.tmp` and `<name>.json.<digits>` (relative paths). */
  temps: string[];
  /** Files in corrupt/ (set aside by snap as unreadable). */
  corrupt: string[];
  /** snapshots/<name>.json → its id and the ids of the deployments it recorded. */
  snapshots: Map<string, { id?: string; deployments: string[] }>;
  runRecords: { id: string; snapshot?: string; unchangedSince?: string; startedAt?: string; finishedAt?: string; outcome?: string }[];
  /** Release events (id, snapshot id), when releases.json parses. */
  releases?: { id: string; snapshot?: string }[];
  lockPresent: boolean;
  /** Files in the data directory that are neither expected data files nor temp files. */
  strangers: string[];
}

const STREAM_TEMP = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;
const LIBRARY_TEMP = /^[^.].*\.(?:json|jsonl|prom)\.\d{1,10}$/;

export function isTempFile(name: string): boolean {
  return STREAM_TEMP.test(name) || LIBRARY_TEMP.test(name);
}

export class DataDirChecker {
  private readonly parsed = new Map<string, { key: string; error?: string; id?: string; deployments: string[] }>();

  constructor(readonly dir: string) {}

  async scan(): Promise<Scan> {
    const scan: Scan = { jsonErrors: [], runLogErrors: [], temps: [], corrupt: [], snapshots: new Map(), runRecords: [], lockPresent: false, strangers: [] };
    const walk = async (folder: string, rel: string): Promise<void> => {
      const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(folder, entry.name);
        const relative = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (relative === 'corrupt') {
            scan.corrupt.push(...(await readdir(full).catch(() => [] as string[])).map((f) => `corrupt/${f}`));
            continue;
          }
          await walk(full, relative);
          continue;
        }
        if (isTempFile(entry.name)) {
          scan.temps.push(relative);
          continue;
        }
        if (relative === 'lock') {
          scan.lockPresent = true;
          continue;
        }
        if (relative === 'runs.jsonl') {
          const text = await readFile(full, 'utf8').catch(() => '');
          text.split('\n').forEach((line, i) => {
            if (!line.trim()) return;
            try {
              const r = JSON.parse(line);
              scan.runRecords.push({ id: r.id, snapshot: r.snapshot, ...(r.unchangedSince ? { unchangedSince: r.unchangedSince } : {}), startedAt: r.startedAt, finishedAt: r.finishedAt, outcome: r.outcome });
            } catch (error) {
              scan.runLogErrors.push(`line ${i + 1}: ${(error as Error).message}: ${line.slice(0, 120)}`);
            }
          });
          continue;
        }
        if (!entry.name.endsWith('.json') && !entry.name.endsWith('.json.gz')) {
          if (!['alerts.lock', 'cron.log', 'index.sqlite', 'index.sqlite-wal', 'index.sqlite-shm'].includes(relative)) scan.strangers.push(relative);
          continue;
        }
        const parsed = await this.parse(full);
        if (parsed.error) scan.jsonErrors.push(`${relative}: ${parsed.error}`);
        if (rel === 'snapshots') scan.snapshots.set(entry.name, { id: parsed.id, deployments: parsed.deployments });
        if (relative === 'releases.json' && !parsed.error) {
          const value = JSON.parse(await readFile(full, 'utf8')) as { events?: { id: string; snapshot?: string }[] };
          scan.releases = (value.events ?? []).map((e) => ({ id: e.id, snapshot: e.snapshot }));
        }
      }
    };
    await walk(this.dir, '');
    return scan;
  }

  private async parse(file: string): Promise<{ error?: string; id?: string; deployments: string[] }> {
    const stats = await stat(file).catch(() => undefined);
    if (!stats) return { deployments: [] };
    const key = `${stats.size}:${stats.mtimeMs}`;
    const known = this.parsed.get(file);
    if (known && known.key === key) return known;
    let result: { key: string; error?: string; id?: string; deployments: string[] };
    try {
      const value = (await readSnapshotFile(file)) as { id?: unknown; deployments?: { id?: string }[] };
      result = { key, id: typeof value?.id === 'string' ? value.id : undefined, deployments: Array.isArray(value?.deployments) ? value.deployments.map((d) => String(d?.id)) : [] };
    } catch (error) {
      result = { key, error: `${(error as Error).message} (${stats.size} bytes)`, deployments: [] };
    }
    this.parsed.set(file, result);
    return result;
  }
}

/** Release events whose snapshot id names no snapshot: neither a snapshot file with that id, nor a logged run whose file exists. */
export function danglingReleaseRefs(scan: Scan): string[] {
  if (!scan.releases) return [];
  const ids = new Set([...scan.snapshots.values()].map((s) => s.id).filter(Boolean));
  const logged = new Map(scan.runRecords.filter((r) => r.snapshot).map((r) => [r.id, path.basename(r.snapshot!)]));
  const out: string[] = [];
  for (const e of scan.releases) {
    if (!e.snapshot) {
      out.push(`event ${e.id} names no snapshot`);
      continue;
    }
    if (ids.has(e.snapshot)) continue;
    const file = logged.get(e.snapshot);
    if (file && scan.snapshots.has(file)) continue;
    out.push(`event ${e.id} names snapshot ${e.snapshot}, which ${file ? `the run log places in ${file}, a file that does not exist` : 'no snapshot file and no run record has'}`);
  }
  return out;
}

/** Deployments recorded in a snapshot file that the release history lacks ("every deployment seen"). */
export function deploymentsMissingFromReleases(scan: Scan): string[] {
  if (!scan.releases) return [];
  const ids = new Set(scan.releases.map((e) => e.id));
  const out: string[] = [];
  for (const [file, s] of scan.snapshots) for (const d of s.deployments) if (!ids.has(d)) out.push(`${d} (recorded in snapshots/${file}, snapshot ${s.id})`);
  return out;
}

/** The basic checks that must hold at any moment: every JSON file and run-log line parses; nothing was set aside. */
export function atomicityProblems(scan: Scan, corruptBefore: number): string[] {
  const out: string[] = [];
  for (const e of scan.jsonErrors) out.push(`unparsable JSON file: ${e}`);
  for (const e of scan.runLogErrors) out.push(`unparsable runs.jsonl ${e}`);
  if (scan.corrupt.length > corruptBefore) out.push(`snap set files aside as corrupt: ${scan.corrupt.join(', ')}`);
  return out;
}

/** Pairs of run records whose [startedAt, finishedAt] overlap. */
export function overlappingRuns(records: Scan['runRecords']): string[] {
  const spans = records
    .filter((r) => r.startedAt && r.finishedAt)
    .map((r) => ({ id: r.id, from: Date.parse(r.startedAt!), to: Date.parse(r.finishedAt!) }))
    .sort((a, b) => a.from - b.from);
  const out: string[] = [];
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    const cur = spans[i];
    if (cur.from < prev.to) out.push(`run ${cur.id} started at ${new Date(cur.from).toISOString()}, before run ${prev.id} finished (${new Date(prev.to).toISOString()})`);
  }
  return out;
}

/** The newest snapshot file name, if any. */
export function newestSnapshot(scan: Scan): string | undefined {
  return [...scan.snapshots.keys()].sort().at(-1);
}

export function isLogged(scan: Scan, file: string): boolean {
  return scan.runRecords.some((r) => r.snapshot && path.basename(r.snapshot) === file);
}
