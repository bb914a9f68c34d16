import { usageError } from '../../errors.js';
import type { Prompts } from '../../ui/prompts.js';
import { matchesGlob } from '../plan.js';
import { prefixOf } from '../propose/projects.js';
import { isMetaRepository } from '../propose/services.js';
import type { DiscoveredRepo } from '../types.js';

const DAY = 86_400_000;

/**
 * Repositories: by --repos globs (archived and forks only when asked), else chosen in the filterable
 * list, where the ones a workload runs are marked (`deployed:yes` filters them) and the ones
 * `preselected` (the existing config's) start checked. Without a terminal and without globs: every
 * repository but archived ones and forks.
 */
export async function selectRepositories(
  repos: DiscoveredRepo[],
  flags: { repos?: string; includeArchived?: boolean; includeForks?: boolean },
  prompts: Prompts | undefined,
  marks: { deployed?: ReadonlySet<string>; preselected?: ReadonlySet<string> } = {},
  now = Date.now(),
): Promise<DiscoveredRepo[]> {
  const globs = flags.repos?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
  const eligible = repos.filter((r) => (flags.includeArchived || !r.archived) && (flags.includeForks || !r.fork));
  if (globs.length || !prompts) {
    const selected = eligible.filter((r) => globs.length === 0 || globs.some((g) => matchesGlob(r.name, g)));
    if (selected.length === 0) throw usageError(`no repository matches ${globs.join(', ') || 'the filters'}`, 'check --repos (globs such as "payments-*"), --include-archived, --include-forks');
    return selected;
  }
  // GitHub's own repositories (.github) hold no service: not offered.
  repos = repos.filter((r) => !isMetaRepository(r));
  const groups = new Map<string, number>();
  for (const r of repos) groups.set(prefixOf(r.name), (groups.get(prefixOf(r.name)) ?? 0) + 1);
  const chosen = await prompts.multiSelect({
    message: `Repositories of ${repos[0]?.repository.split('/')[0] ?? 'the owner'}`,
    required: true,
    items: repos.map((r) => {
      const days = r.pushedAt ? Math.floor((now - Date.parse(r.pushedAt)) / DAY) : undefined;
      return {
        value: r,
        name: r.name,
        ...((groups.get(prefixOf(r.name)) ?? 0) > 1 ? { group: `${prefixOf(r.name)}-*` } : {}),
        hint: [r.language, r.teams.join(' '), days !== undefined ? `pushed ${days}d ago` : '', r.archived ? 'archived' : '', r.fork ? 'fork' : ''].filter(Boolean).join(' · '),
        facets: { lang: r.language, teams: r.teams, topics: r.topics, pushedDaysAgo: days, archived: r.archived, fork: r.fork, deployed: marks.deployed?.has(r.repository) ?? false },
        ...(marks.preselected?.has(r.repository) ? { checked: true } : {}),
      };
    }),
  });
  return chosen;
}
