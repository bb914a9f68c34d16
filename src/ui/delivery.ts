import type { DeploymentEvent, DriftPair, Snapshot, TicketPresence } from '../core/snapshot-schema.js';
import type { Colors } from './terminal.js';
import { fitLine, wrapWords } from './summary.js';

const short = (oid?: string) => (oid ? oid.slice(0, 7) : '?');
/** A full SHA as a version reads better as its first 12 characters. */
const version = (v?: string) => (v && /^[0-9a-f]{40}$/.test(v) ? v.slice(0, 12) : v);
const list = (items: readonly string[], max: number) => (items.length > max ? `${items.slice(0, max).join(', ')} … (+${items.length - max})` : items.join(', '));

/** Tickets per environment: project/environment → keys by status there (by ancestry), most recently merged first. */
export function ticketsByEnvironment(snapshot: Snapshot): Map<string, Record<TicketPresence['status'], string[]>> {
  const out = new Map<string, Record<TicketPresence['status'], string[]>>();
  for (const [project, p] of Object.entries(snapshot.projects)) for (const env of Object.keys(p.environments)) out.set(`${project}/${env}`, { in: [], 'rolling-out': [], partial: [], reverted: [], unknown: [] });
  // Each key's newest change, worked out once (a large organisation has ~10^4 tickets).
  const newest = new Map(Object.entries(snapshot.tickets ?? {}).map(([key, t]) => [key, t.changes.reduce((max, ch) => (ch.at > max ? ch.at : max), '')]));
  const keys = [...newest.keys()].sort((a, b) => (newest.get(a)! < newest.get(b)! ? 1 : newest.get(a)! > newest.get(b)! ? -1 : 0));
  for (const key of keys) {
    for (const e of snapshot.tickets![key].environments) out.get(`${e.project}/${e.environment}`)?.[e.status].push(key);
  }
  return out;
}

/** Tickets per environment: a line each (count in, the most recently merged keys, other statuses), cut to `width` columns. */
export function renderTicketsPerEnvironment(snapshot: Snapshot, c: Colors, width = Infinity, max = 8): string {
  const rows = [...ticketsByEnvironment(snapshot)].map(([where, by]) => {
    const others = (['rolling-out', 'partial', 'reverted', 'unknown'] as const).filter((s) => by[s].length).map((s) => `${by[s].length} ${s}`);
    return fitLine(`  ${where.padEnd(24)} ${String(by.in.length).padStart(4)}  ${others.length ? c.yellow(`(+ ${others.join(', ')}) `) : ''}${c.dim(list(by.in, max))}`, width);
  });
  const about = wrapWords('in: every change, in every repository, is an ancestor of what every serving pod runs; rolling-out: of what is desired, not yet of all that serves; most recently merged first'.split(' '), ' ', Number.isFinite(width) ? width - 2 : Infinity);
  return `${c.bold('Tickets per environment')}\n${about.map((l) => c.dim(`  ${l}`)).join('\n')}\n${rows.join('\n')}`;
}

export function renderDeployment(d: DeploymentEvent, c: Colors): string {
  // The same version on another digest: a mutable tag pulled again; the digests tell them apart.
  const repull = d.from && d.from.version === d.to.version && d.from.image === d.to.image && d.from.digest && d.to.digest && d.from.digest !== d.to.digest;
  const digest = (v: { digest?: string }) => (repull && v.digest ? ` ${v.digest.slice(0, 15)}` : '');
  const from = d.from ? `${version(d.from.version) ?? d.from.image ?? '?'}${digest(d.from)} (${short(d.from.commit)})` : '–';
  const to = `${version(d.to.version) ?? d.to.image ?? '?'}${digest(d.to)} (${short(d.to.commit)})${repull ? ' pulled again' : ''}`;
  const mark = d.rollback === true ? c.yellow(' rollback') : d.rollback === 'unknown' ? c.yellow(' rollback unknown') : '';
  const state = d.rolloutStatus ? c.yellow(` ${d.rolloutStatus.state}${d.rolloutStatus.reason ? ` (${d.rolloutStatus.reason})` : ''}`) : '';
  return `  ${d.project}/${d.environment}/${d.service}${c.dim(` in ${d.workload.context}`)}: ${from} → ${c.green(to)}${mark}${state}${d.at ? c.dim(` at ${d.at}`) : ''}${d.rollbackReason ? c.dim(` (${d.rollbackReason})`) : ''}`;
}

export function renderDeployments(events: readonly DeploymentEvent[], c: Colors, max = 10): string {
  if (events.length === 0) return `${c.bold('Deployments since the previous snapshot')}\n  none`;
  const bootstrap = events.every((e) => e.detectedBy === 'replicaset-history');
  const title = bootstrap ? `Release history from the ReplicaSets Kubernetes keeps (${events.length})` : `Deployments since the previous snapshot (${events.length})`;
  const shown = events.slice(-max).map((e) => renderDeployment(e, c));
  if (events.length > max) shown.unshift(c.dim(`  … ${events.length - max} earlier`));
  return `${c.bold(title)}\n${shown.join('\n')}`;
}

export function promotionLine(project: string, pair: DriftPair): string {
  const unknown = pair.unknown ?? [];
  const reasons = new Set(unknown.map((u) => u.reason));
  const why = !unknown.length ? '' : reasons.size === 1 && unknown.length > 1 ? ` [${unknown.length} service(s) unknown: ${[...reasons][0]}]` : ` [${unknown.length} service(s) unknown: ${list([...new Set(unknown.map((u) => `${u.service} (${u.reason})`))], 2)}]`;
  if (pair.status === 'unknown') return `${project}: ${pair.from} → ${pair.to} unknown${why}`;
  if (pair.status === 'same') return `${project}: ${pair.from} and ${pair.to} run the same commits`;
  const parts: string[] = [];
  if (pair.ahead.commits > 0) {
    const tickets = pair.ahead.tickets.length ? `ships ${list(pair.ahead.tickets, 6)}; ` : '';
    parts.push(`promoting ${pair.from} → ${pair.to} ${tickets}${pair.ahead.commits} commits, ${pair.ahead.pullRequests}${pair.ahead.pullRequestsSince ? `+ PRs (PRs merged before ${pair.ahead.pullRequestsSince.slice(0, 10)} not read)` : ' PRs'}`);
  }
  if (pair.behind.commits > 0) parts.push(`${pair.to} has ${pair.behind.commits} commits ${pair.from} lacks (${pair.behind.tickets.length} tickets)`);
  return `${project}: ${parts.join('; ')}${why}`;
}

export function renderDrift(snapshot: Snapshot, c: Colors, only?: { from: string; to: string }): string {
  const lines: string[] = [];
  for (const [project, pairs] of Object.entries(snapshot.drift ?? {})) {
    for (const pair of pairs) {
      if (only ? pair.from !== only.from || pair.to !== only.to : pair.span) continue;
      lines.push(`  ${promotionLine(project, pair)}`);
    }
  }
  const title = only ? `Promotion preview ${only.from} → ${only.to}` : 'Drift between environments';
  return `${c.bold(title)}\n${lines.length ? lines.join('\n') : '  nothing to compare'}`;
}

/** Which prefixes counted as ticket keys, and which key-like words were taken for noise: one line. */
export function renderTicketKeys(snapshot: Snapshot, c: Colors, max = 6): string {
  const keys = snapshot.ticketKeys;
  if (!keys) return '';
  const taken = keys.accepted.map((k) => `${k.prefix} (${k.keys})`);
  const ignored = keys.ignored.map((k) => `${k.prefix} (${k.keys})`);
  const how = keys.mode === 'configured' ? 'from tickets.jiraProjects' : 'learnt from branch names, title and subject starts';
  const noise = ignored.length ? `; ignored as noise: ${list(ignored, max)}` : '';
  const hint = keys.mode === 'learned' && ignored.length ? c.dim(' (set tickets.jiraProjects to choose)') : '';
  return `${c.bold('Ticket keys')} ${taken.length ? list(taken, max) : 'none'} ${c.dim(`(${how})`)}${noise}${hint}`;
}
