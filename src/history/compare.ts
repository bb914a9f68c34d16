import type { DeploymentEvent, DriftPair, ServiceState, Snapshot } from '../core/snapshot-schema.js';
import type { TicketPresenceRows } from '../store/ticket-history.js';

/** A service's version as a diff shows it: the version (tag, else digest), its commit, and how it resolved. */
export interface VersionSide {
  version?: string;
  commit?: string;
  /** In an environment diff: what serves instead (short commit, else version) when the desired version has no ready pod. */
  serving?: string;
}

/** A service's health as a diff compares it: status, desired replicas, ready pods of the desired version, rollout state. */
export interface Health {
  status: ServiceState['status'];
  desired?: number;
  ready?: number;
  rollout?: string;
}

/** What the commits between two versions of a service brought, from the deployments recorded between the snapshots. */
export interface Between {
  deployments: number;
  commits?: number;
  pullRequests: { number: number; title: string }[];
  tickets: string[];
  /** Set when some deployment in between has no record of what it shipped (the counts are a lower bound then). */
  incomplete?: string;
  rollbacks: number;
}

export interface ServiceDiff {
  project: string;
  environment: string;
  service: string;
  change: 'added' | 'removed' | 'changed';
  version?: { from: VersionSide; to: VersionSide; between?: Between };
  health?: { from: Health; to: Health };
}

export interface TicketMoves {
  project: string;
  environment: string;
  /** Keys more present than before (new here, or e.g. partial → in), with their new status and the one before. */
  entered: { key: string; status: string; was?: string }[];
  /** Keys less present than before (in → partial, → reverted, gone: `missing`). */
  left: { key: string; status: string; was: string }[];
}

export interface SnapshotDiff {
  from: { id: string; takenAt: string };
  to: { id: string; takenAt: string };
  services: ServiceDiff[];
  tickets: TicketMoves[];
  /** Services compared and found the same. */
  unchanged: number;
}

const versionSide = (s: ServiceState): VersionSide => ({
  ...(s.version?.value ?? s.container?.digest ? { version: s.version?.value ?? s.container?.digest } : {}),
  ...(s.commit ? { commit: s.commit.oid } : {}),
});

/** Ready pods of the desired version (all ready pods when the serving breakdown is absent). */
function readyDesired(s: ServiceState): number | undefined {
  if (!s.pods) return undefined;
  if (!s.serving) return s.pods.ready;
  return s.serving.filter((x) => x.version === s.version?.value && x.image === s.container?.image && x.role !== 'preview').reduce((n, x) => n + x.ready, 0);
}

export function healthOf(s: ServiceState): Health {
  return {
    status: s.status,
    ...(s.replicas ? { desired: s.replicas.desired } : {}),
    ...(readyDesired(s) !== undefined ? { ready: readyDesired(s) } : {}),
    rollout: s.rolloutStatus?.state ?? (s.status === 'running' ? 'complete' : s.status),
  };
}

const sameHealth = (a: Health, b: Health) => a.status === b.status && a.desired === b.desired && a.ready === b.ready && a.rollout === b.rollout;

/**
 * What the deployments of one service between two snapshots brought, net: the version at the end is
 * followed back through the chain of versions from `from` (a rollback returns to a version seen before,
 * with what that version had), so commits that shipped, were rolled back and shipped again count once.
 * `incomplete` says when a step has no record of what it shipped, or leaves from a version the chain
 * did not see (the counts are then a lower bound).
 */
export function betweenOf(events: readonly DeploymentEvent[], from?: string): Between {
  // For each version (commit) seen: the forward deployments whose work it holds, since `from`.
  const holds = new Map<string, DeploymentEvent[]>();
  if (from) holds.set(from, []);
  let missing = 0;
  let unseen = 0;
  let last: DeploymentEvent[] = [];
  for (const e of events) {
    const base = e.from?.commit !== undefined ? holds.get(e.from.commit) : undefined;
    if (!base) unseen++;
    const to = e.to.commit;
    const known = to !== undefined ? holds.get(to) : undefined;
    if (e.shipped?.status !== 'known' && e.rollback !== true) missing++;
    last = e.rollback === true || known ? (known ?? []) : [...(base ?? []), e];
    if (to !== undefined) holds.set(to, last);
  }
  const prs = new Map<number, string>();
  const tickets = new Set<string>();
  let commits = 0;
  for (const e of last) {
    if (e.shipped?.status !== 'known') continue;
    commits += e.shipped.commits ?? 0;
    for (const p of e.shipped.pullRequests ?? []) prs.set(p.number, p.title);
    for (const t of e.shipped.tickets ?? []) tickets.add(t);
  }
  const notes = [missing ? `${missing} of ${events.length} deployment(s) in between have no record of what they shipped` : '', unseen && events.length ? `${unseen} step(s) left from a version not seen in between` : ''].filter(Boolean);
  return {
    deployments: events.length,
    ...(events.length && missing < events.length ? { commits } : {}),
    pullRequests: [...prs].sort((a, b) => a[0] - b[0]).map(([number, title]) => ({ number, title })),
    tickets: [...tickets].sort(),
    ...(notes.length ? { incomplete: notes.join('; ') } : {}),
    rollbacks: events.filter((e) => e.rollback === true).length,
  };
}

/** How present a ticket status is, for telling a move in from a move out: in, then rolling out, partial, unknown, reverted, missing. */
const PRESENCE: Record<string, number> = { in: 5, 'rolling-out': 4, partial: 3, unknown: 2, reverted: 1, missing: 0 };

/**
 * Where each ticket stands in one snapshot: "project\nenvironment" → key → status (absent where the
 * environment does not have it), and whether a key is a ticket of the snapshot at all. From the
 * snapshot's own `tickets`, or from the history index (HistoryIndex.ticketPresenceAt) without reading them.
 */
export type TicketPresence = TicketPresenceRows;

/** A snapshot's ticket presence from its `tickets`; undefined when it has none (taken without GitHub). */
export function ticketPresence(snapshot: Pick<Snapshot, 'tickets'>): TicketPresence | undefined {
  if (!snapshot.tickets) return undefined;
  const tickets = snapshot.tickets;
  const out = new Map<string, Map<string, string>>();
  for (const [key, t] of Object.entries(tickets)) {
    for (const e of t.environments) {
      const where = `${e.project}\n${e.environment}`;
      if (!out.has(where)) out.set(where, new Map());
      out.get(where)!.set(key, e.status);
    }
  }
  return { presence: out, known: (key) => Object.hasOwn(tickets, key) };
}

/** What a snapshot diff compares of each snapshot: its identity and what runs where. */
export type SnapshotState = Pick<Snapshot, 'id' | 'takenAt' | 'projects'>;

/**
 * Two snapshots compared, `a` before `b`: services added, removed, or changed in version or health,
 * and tickets that entered or left each environment (`tickets`: where they stood in each; no ticket
 * moves when either is undefined — a snapshot without GitHub has none, which is not "all left"). Only
 * what matters: durations, pod names, ports and resource versions are never compared. `deployments`:
 * the release history between the two (for the commits, PRs and tickets each version change brought).
 */
export function diffSnapshots(a: SnapshotState, b: SnapshotState, deployments: readonly DeploymentEvent[], tickets: { before?: TicketPresence; after?: TicketPresence }): SnapshotDiff {
  const services: ServiceDiff[] = [];
  let unchanged = 0;
  const projects = [...new Set([...Object.keys(a.projects), ...Object.keys(b.projects)])];
  for (const project of projects) {
    const envs = [...new Set([...Object.keys(a.projects[project]?.environments ?? {}), ...Object.keys(b.projects[project]?.environments ?? {})])];
    for (const environment of envs) {
      const before = a.projects[project]?.environments[environment]?.services ?? {};
      const after = b.projects[project]?.environments[environment]?.services ?? {};
      for (const service of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
        const x = before[service];
        const y = after[service];
        if (!x || !y) {
          services.push({ project, environment, service, change: x ? 'removed' : 'added', ...(y ? { version: { from: {}, to: versionSide(y) } } : x ? { version: { from: versionSide(x), to: {} } } : {}) });
          continue;
        }
        const vx = versionSide(x);
        const vy = versionSide(y);
        const hx = healthOf(x);
        const hy = healthOf(y);
        const versionChanged = vx.version !== vy.version || vx.commit !== vy.commit;
        if (!versionChanged && sameHealth(hx, hy)) {
          unchanged++;
          continue;
        }
        const steps = deployments.filter((d) => d.project === project && d.environment === environment && d.service === service).sort((p, q) => (p.at ?? '').localeCompare(q.at ?? ''));
        services.push({
          project,
          environment,
          service,
          change: 'changed',
          ...(versionChanged ? { version: { from: vx, to: vy, between: betweenOf(steps, vx.commit) } } : {}),
          ...(!sameHealth(hx, hy) ? { health: { from: hx, to: hy } } : {}),
        });
      }
    }
  }
  const moves: TicketMoves[] = [];
  const { before: ta, after: tb } = tickets;
  // Only where both snapshots know tickets: a snapshot without GitHub has none, which is not "all left".
  if (ta && tb) {
    const pa = ta.presence;
    const pb = tb.presence;
    for (const where of [...new Set([...pa.keys(), ...pb.keys()])]) {
      const [project, environment] = where.split('\n');
      const x = pa.get(where) ?? new Map<string, string>();
      const y = pb.get(where) ?? new Map<string, string>();
      const entered: TicketMoves['entered'] = [];
      const left: TicketMoves['left'] = [];
      for (const [key, status] of y) {
        const was = x.get(key);
        if (was === status) continue;
        // Less present than before (in → partial, → reverted): out; more present, or new here: in.
        if (was && (PRESENCE[status] ?? 0) < (PRESENCE[was] ?? 0)) left.push({ key, status, was });
        else entered.push({ key, status, ...(was ? { was } : {}) });
      }
      // A key the newer snapshot still knows but no longer finds here left; one it no longer knows at all fell out of the history window.
      for (const [key, was] of x) if (!y.has(key) && tb.known(key)) left.push({ key, status: 'missing', was });
      if (entered.length || left.length) moves.push({ project, environment, entered: entered.sort((p, q) => p.key.localeCompare(q.key)), left: left.sort((p, q) => p.key.localeCompare(q.key)) });
    }
  }
  // In the order of the projects and environments (the config's), whichever source the presence came from.
  const order = new Map<string, number>();
  for (const p of projects) for (const e of [...Object.keys(a.projects[p]?.environments ?? {}), ...Object.keys(b.projects[p]?.environments ?? {})]) if (!order.has(`${p}\n${e}`)) order.set(`${p}\n${e}`, order.size);
  const rank = (m: TicketMoves) => order.get(`${m.project}\n${m.environment}`) ?? order.size;
  moves.sort((m, n) => rank(m) - rank(n) || m.project.localeCompare(n.project) || m.environment.localeCompare(n.environment));
  return { from: { id: a.id, takenAt: a.takenAt }, to: { id: b.id, takenAt: b.takenAt }, services, tickets: moves, unchanged };
}

export interface EnvironmentDiff {
  snapshot: { id: string; takenAt: string };
  projects: {
    project: string;
    from: string;
    to: string;
    /** The promotion preview of the pair, from the snapshot's drift (as `from` → `to`). */
    pair?: DriftPair;
    /** Set when the snapshot has the pair only the other way round: the preview is of `to` → `from`. */
    reversed?: boolean;
    /** Set when only some services are shown (--service): the pair's project-wide figures do not apply. */
    filtered?: boolean;
    services: { service: string; from?: VersionSide; to?: VersionSide; same: boolean; status?: string; ahead?: number; behind?: number; tickets?: string[]; reason?: string }[];
  }[];
}

/**
 * Two environments of one snapshot compared, in every project that has both: each service's version
 * on either side, and what promoting `from` → `to` would ship (commits, PRs, tickets) from the
 * snapshot's drift, computed by ancestry for every pair of environments.
 */
/**
 * The side with `serving` set when the desired version has no ready pod and another one serves (a
 * rollout stalled, or under way): what serves is what a promotion is counted against.
 */
function withServing(s: ServiceState, side: VersionSide): VersionSide {
  const ready = (s.serving ?? []).filter((x) => x.ready > 0 && x.role !== 'preview');
  if (ready.length === 0 || ready.some((x) => (x.commit !== undefined && x.commit === side.commit) || (x.commit === undefined && x.version === side.version))) return side;
  const most = [...ready].sort((a, b) => b.ready - a.ready)[0];
  const serving = most.commit ? most.commit.slice(0, 7) : most.version;
  return serving ? { ...side, serving } : side;
}

export function diffEnvironments(snapshot: Snapshot, from: string, to: string): EnvironmentDiff {
  const projects: EnvironmentDiff['projects'] = [];
  for (const [project, p] of Object.entries(snapshot.projects)) {
    const x = p.environments[from];
    const y = p.environments[to];
    if (!x || !y) continue;
    const pairs = snapshot.drift?.[project] ?? [];
    const direct = pairs.find((d) => d.from === from && d.to === to);
    const reverse = direct ? undefined : pairs.find((d) => d.from === to && d.to === from);
    const pair = direct ?? reverse;
    const services = [...new Set([...Object.keys(x.services), ...Object.keys(y.services)])].map((service) => {
      const sx = x.services[service];
      const sy = y.services[service];
      const vx = sx ? withServing(sx, versionSide(sx)) : undefined;
      const vy = sy ? withServing(sy, versionSide(sy)) : undefined;
      const d = pair?.services.find((s) => s.service === service);
      const [ahead, behind] = d ? (reverse ? [d.behind, d.ahead] : [d.ahead, d.behind]) : [undefined, undefined];
      return {
        service,
        ...(vx ? { from: vx } : {}),
        ...(vy ? { to: vy } : {}),
        same: !!vx && !!vy && vx.version === vy.version && vx.commit === vy.commit,
        ...(d ? { status: reverse ? ({ ahead: 'behind', behind: 'ahead' } as Record<string, string>)[d.status] ?? d.status : d.status } : {}),
        ...(ahead ? { ahead: ahead.commits, tickets: ahead.tickets } : {}),
        ...(behind ? { behind: behind.commits } : {}),
        ...(d?.reason ? { reason: d.reason } : {}),
      };
    });
    projects.push({ project, from, to, ...(pair ? { pair } : {}), ...(reverse ? { reversed: true } : {}), services });
  }
  return { snapshot: { id: snapshot.id, takenAt: snapshot.takenAt }, projects };
}
