import type { Service } from '../config/types.js';
import type { RepoBook } from './repo-book.js';

/**
 * Which commits belong to a service built from folders of its repository (`paths`):
 * - `commit`: the commit touches one of its paths (what `git log -- <path>` lists); drift counts
 *   these;
 * - `change`: a ticket's change belongs to it when the change's commit touches a path, or is a
 *   merge that brings a commit that does.
 * A service without paths owns every commit of its repository.
 */
export interface ServicePaths {
  commit(repository: string, service: Pick<Service, 'name' | 'paths'>, oid: string): boolean;
  change(repository: string, service: Pick<Service, 'name' | 'paths'>, oid: string): boolean;
}

export const ALL_PATHS: ServicePaths = { commit: () => true, change: () => true };

export function servicePaths(book: RepoBook): ServicePaths {
  const sets = new Map<string, Set<string>>();
  const touching = (repository: string, service: Pick<Service, 'name' | 'paths'>) => {
    const key = `${repository}\n${service.name}`;
    let set = sets.get(key);
    if (!set) {
      const data = book.get(repository)?.data;
      set = new Set((service.paths ?? []).flatMap((p) => data?.paths?.[p]?.touching ?? []));
      sets.set(key, set);
    }
    return set;
  };
  const commit = (repository: string, service: Pick<Service, 'name' | 'paths'>, oid: string) => !service.paths?.length || touching(repository, service).has(oid);
  return {
    commit,
    change(repository, service, oid) {
      if (commit(repository, service, oid)) return true;
      const view = book.get(repository);
      const c = view?.graph.get(oid);
      if (!view || !c || c.parents.length < 2) return false;
      const mainline = view.graph.ancestors(c.parents[0]);
      const set = touching(repository, service);
      for (const a of view.graph.ancestors(oid)) if (!mainline.has(a) && set.has(a)) return true;
      return false;
    },
  };
}
