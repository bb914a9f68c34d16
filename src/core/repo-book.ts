import type { RepoData } from '../sources/github/types.js';
import { CommitGraph } from './graph/commit-graph.js';
import { indexRepoTickets, type RepoTickets } from './tickets/index-repo.js';

/** Per repository, the views the analysis needs, built once on first use. */
export interface RepoView {
  data: RepoData;
  graph: CommitGraph;
  tags: Map<string, string>;
  tickets: RepoTickets;
  /** merge commit → PR number */
  prByCommit: Map<string, number>;
  /** commit → ticket keys it brought */
  ticketsByCommit: Map<string, string[]>;
}

export class RepoBook {
  private readonly views = new Map<string, RepoView>();

  constructor(private readonly repos: ReadonlyMap<string, RepoData>) {}

  get(repository: string): RepoView | undefined {
    const cached = this.views.get(repository);
    if (cached) return cached;
    const data = this.repos.get(repository);
    if (!data) return undefined;
    const tickets = indexRepoTickets(data);
    const ticketsByCommit = new Map<string, string[]>();
    for (const [key, changes] of tickets.changes) for (const c of changes) ticketsByCommit.set(c.commit, [...(ticketsByCommit.get(c.commit) ?? []), key]);
    const view: RepoView = {
      data,
      graph: new CommitGraph(data.commits),
      tags: new Map(data.tags.map((t) => [t.name, t.oid])),
      tickets,
      ticketsByCommit,
      prByCommit: new Map(data.pullRequests.filter((pr) => pr.mergeCommit).map((pr) => [pr.mergeCommit!, pr.number])),
    };
    this.views.set(repository, view);
    return view;
  }

  /** Forget a repository's views after its data grew (commits looked up). */
  invalidate(repository: string): void {
    this.views.delete(repository);
  }
}
