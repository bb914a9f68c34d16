import { sha1, sha256 } from '../../src/sandbox/fixtures/random.js';
import type { Fixture, FixtureCommit, FixtureDeployment, FixtureRepository } from '../../src/sandbox/fixtures/types.js';

/**
 * Small hand-written organisations for tests, written the way the cases are told: commits by name,
 * dates relative to `now` (`-400d`, `-3h`), linear unless parents are given, and what each
 * environment runs. Each commit's id is the SHA-1 of its repository and name, so tests can say
 * `oid('shop', 'c5')`.
 */
export interface TinyCommit {
  id: string;
  /** Default: the commit listed before it (none for the first). */
  parents?: string[];
  message: string;
  /** ISO time, or relative to `now`: `-400d`, `-10d`, `-3h`, `-5m`. */
  at: string;
  author?: string;
  files?: string[];
}

export interface TinyRepo {
  name: string;
  commits: TinyCommit[];
  /** Default-branch head, when it is not the last commit. */
  head?: string;
  defaultBranch?: string;
  branches?: Record<string, string>;
  tags?: Record<string, string>;
  pullRequests?: { number: number; title: string; body?: string; headRefName?: string; merge: string; mergedAt?: string }[];
  issues?: { number: number; title: string; state?: 'OPEN' | 'CLOSED' }[];
}

export interface TinyService {
  name: string;
  repo: string;
  project?: string;
}

export interface TinyOrg {
  now: string;
  historyDays?: number;
  repos: TinyRepo[];
  envs: string[];
  /** The kube context each environment runs in; default: all in `tiny`. */
  contexts?: Record<string, string>;
  /** Default: one service per repository, named like it, in project `shop`. */
  services?: TinyService[];
  /** env → service → commit name (or `{ at, previous }` with older revisions first). */
  deploy: Record<string, Record<string, string | { at: string; previous?: string[] }>>;
}

export const oid = (repo: string, id: string) => sha1(`${repo}:${id}`);

function time(now: string, at: string): string {
  const m = /^-(\d+(?:\.\d+)?)([dhm])$/.exec(at);
  if (!m) return new Date(Date.parse(at)).toISOString();
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return new Date(Date.parse(now) - Number(m[1]) * unit).toISOString();
}

export function tinyOrg(org: TinyOrg): Fixture {
  const repositories: FixtureRepository[] = org.repos.map((r) => {
    const commits: FixtureCommit[] = r.commits.map((c, i) => ({
      oid: oid(r.name, c.id),
      parents: (c.parents ?? (i > 0 ? [r.commits[i - 1].id] : [])).map((p) => oid(r.name, p)),
      message: c.message,
      author: c.author ?? 'ada',
      committedAt: time(org.now, c.at),
      ...(c.files ? { files: c.files } : {}),
    }));
    const at = (id: string) => commits.find((c) => c.oid === oid(r.name, id))!.committedAt;
    return {
      name: r.name,
      defaultBranch: r.defaultBranch ?? 'main',
      commits,
      ...(r.head ? { head: oid(r.name, r.head) } : {}),
      ...(r.branches ? { branches: Object.entries(r.branches).map(([name, id]) => ({ name, head: oid(r.name, id) })) } : {}),
      tags: Object.entries(r.tags ?? {}).map(([name, id]) => ({ name, oid: oid(r.name, id) })),
      pullRequests: (r.pullRequests ?? []).map((pr) => ({
        number: pr.number,
        title: pr.title,
        body: pr.body ?? '',
        headRefName: pr.headRefName ?? `pr-${pr.number}`,
        state: 'MERGED' as const,
        mergedAt: pr.mergedAt ? time(org.now, pr.mergedAt) : at(pr.merge),
        mergeCommit: oid(r.name, pr.merge),
        author: 'ada',
      })),
      ...(r.issues ? { issues: r.issues.map((i) => ({ number: i.number, title: i.title, state: i.state ?? 'CLOSED' })) } : {}),
    };
  });
  const services = org.services ?? org.repos.map((r) => ({ name: r.name, repo: r.name }));
  const deployments: (FixtureDeployment & { context: string })[] = [];
  const contextOf = (env: string) => org.contexts?.[env] ?? 'tiny';
  for (const env of org.envs) {
    for (const s of services) {
      const target = org.deploy[env]?.[s.name];
      if (!target) continue;
      const { at, previous = [] } = typeof target === 'string' ? { at: target } : target;
      const revisions = [...previous, at].map((id, i, all) => {
        const sha = oid(s.repo, id);
        return { tag: sha, digest: `sha256:${sha256(`acme/${s.repo}:${sha}`)}`, createdAt: new Date(Date.parse(org.now) - (all.length - i) * 3_600_000).toISOString() };
      });
      deployments.push({ context: contextOf(env), namespace: env, name: s.name, labels: { app: s.name }, container: 'app', image: `ghcr.io/acme/${s.repo}`, replicas: 1, revisions });
    }
  }
  const projects = [...new Set(services.map((s) => s.project ?? 'shop'))].map((name) => ({
    name,
    services: services.filter((s) => (s.project ?? 'shop') === name).map((s) => ({ name: s.name, repository: `acme/${s.repo}` })),
  }));
  return {
    version: 1,
    owner: 'acme',
    now: org.now,
    ...(org.historyDays ? { history: { days: org.historyDays } } : {}),
    repositories,
    clusters: [...new Set(org.envs.map(contextOf))].map((context) => ({
      context,
      namespaces: org.envs.filter((e) => contextOf(e) === context),
      deployments: deployments.filter((d) => d.context === context).map(({ context: _c, ...d }) => d),
    })),
    environments: org.envs.map((name) => ({ name, context: contextOf(name), namespaces: [name] })),
    projects,
  };
}

/** A clock that starts at the fixture's `now` and runs on from there. */
export function clockAt(now: string): () => Date {
  const started = Date.now();
  return () => new Date(Date.parse(now) + (Date.now() - started));
}
