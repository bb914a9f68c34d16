import type { RepoData } from '../sources/github/types.js';
import { Ancestry } from './graph/ancestry.js';
import { analyseClosure } from './graph/closure.js';
import { CommitGraph } from './graph/commit-graph.js';
import { indexRepoTickets, type RepoTickets } from './tickets/index-repo.js';
import type { TicketRef } from './tickets/extract.js';

/** Per repository, the views the analysis needs, each built once, when first used. */
export interface RepoView {
  data: RepoData;
  graph: CommitGraph;
  /** Exact ancestry questions, or unknown (see graph/closure.ts). */
  ancestry: Ancestry;
  tags: Map<string, string>;
  tickets: RepoTickets;
  /** merge commit → PR number */
  prByCommit: Map<string, number>;
  /** commit → ticket keys it carries */
  ticketsByCommit: Map<string, string[]>;
}

export interface RepoBookOptions {
  /** Per repository, the commits questions are asked about (deployed now and before); the head is added. */
  tips?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Start of the history window (ISO time). */
  windowStart?: string;
  /** Which references count as tickets (keys.ts); default: all but lower-case candidates. */
  accepts?: (ref: TicketRef) => boolean;
  /** Repositories whose history could not be completed in this run, and why. */
  incomplete?: ReadonlyMap<string, string>;
}

export class RepoBook {
  private readonly views = new Map<string, RepoView>();

  constructor(
    private readonly repos: ReadonlyMap<string, RepoData>,
    private readonly options: RepoBookOptions = {},
  ) {}

  /** Start of the history window (ISO time), when GitHub was read. */
  get windowStart(): string | undefined {
    return this.options.windowStart;
  }

  get(repository: string): RepoView | undefined {
    const cached = this.views.get(repository);
    if (cached) return cached;
    const data = this.repos.get(repository);
    if (!data) return undefined;
    const graph = new CommitGraph(data.commits);
    const options = this.options;
    // Resolving versions needs the graph and the tags only: the rest is built when first asked for.
    let ancestry: Ancestry | undefined;
    let tickets: RepoTickets | undefined;
    let ticketsByCommit: Map<string, string[]> | undefined;
    let prByCommit: Map<string, number> | undefined;
    const view: RepoView = {
      data,
      graph,
      tags: new Map(data.tags.map((t) => [t.name, t.oid])),
      get ancestry() {
        if (!ancestry) {
          const tips = [...(options.tips?.get(repository) ?? []), ...(data.head ? [data.head] : [])];
          const closure = analyseClosure({ graph, tips, head: data.head, windowStart: options.windowStart ?? '1970-01-01T00:00:00Z', counts: new Map(Object.entries(data.counts ?? {})) });
          ancestry = new Ancestry(graph, closure, options.incomplete?.get(repository));
        }
        return ancestry;
      },
      get tickets() {
        return (tickets ??= indexRepoTickets(data, graph, options.accepts ?? ((ref) => !ref.lower)));
      },
      get ticketsByCommit() {
        if (!ticketsByCommit) {
          ticketsByCommit = new Map();
          for (const [key, changes] of this.tickets.changes) for (const c of changes) ticketsByCommit.set(c.commit, [...(ticketsByCommit.get(c.commit) ?? []), key]);
        }
        return ticketsByCommit;
      },
      get prByCommit() {
        return (prByCommit ??= new Map(data.pullRequests.filter((pr) => pr.mergeCommit).map((pr) => [pr.mergeCommit!, pr.number])));
      },
    };
    this.views.set(repository, view);
    return view;
  }

  /** Forget a repository's views after its data grew (commits looked up). */
  invalidate(repository: string): void {
    this.views.delete(repository);
  }
}
