import type { GithubClient } from '../client.js';
import { RATE_LIMIT, splitRepository, str } from './fragments.js';

/**
 * What a GitHub reference `owner/repo#N` names: an issue, a pull request, or nothing. Issues and
 * pull requests share one numbering, and many projects refer to pull requests by number (`#725`);
 * only an issue is a ticket. GitHub's `issueOrPullRequest` answers, many numbers per query, with no
 * connection (about one point a query).
 */
/** `unknown`: the repository is not visible to the token (the reference stays a ticket). */
export type ReferenceKind = 'issue' | 'pull-request' | 'missing' | 'unknown';

const PER_QUERY = 100;

export function referencesQuery(refs: readonly { repository: string; number: number }[]): string {
  const byRepo = new Map<string, { number: number; index: number }[]>();
  refs.forEach((r, index) => byRepo.set(r.repository, [...(byRepo.get(r.repository) ?? []), { number: r.number, index }]));
  const parts = [...byRepo.entries()].map(([repository, items], i) => {
    const { owner, name } = splitRepository(repository);
    return `r${i}: repository(owner: ${str(owner)}, name: ${str(name)}) { ${items.map((item) => `n${item.index}: issueOrPullRequest(number: ${item.number}) { __typename }`).join(' ')} }`;
  });
  return `query References {\n  ${RATE_LIMIT}\n  ${parts.join('\n  ')}\n}`;
}

/**
 * Classifies references (`owner/repo#N` keys). A repository GitHub does not show the token makes its
 * references `unknown` (they stay tickets, and are not asked about again).
 */
export async function classifyReferences(client: GithubClient, keys: readonly string[]): Promise<Map<string, ReferenceKind>> {
  const refs = keys.map((key) => ({ key, repository: key.slice(0, key.lastIndexOf('#')), number: Number(key.slice(key.lastIndexOf('#') + 1)) }));
  const out = new Map<string, ReferenceKind>();
  for (let i = 0; i < refs.length; i += PER_QUERY) {
    const batch = refs.slice(i, i + PER_QUERY);
    const repos = [...new Set(batch.map((r) => r.repository))];
    const { data } = await client.query<Record<string, Record<string, { __typename: string } | null> | null>>(referencesQuery(batch));
    batch.forEach((r, j) => {
      const repo = data[`r${repos.indexOf(r.repository)}`];
      if (!repo) {
        out.set(r.key, 'unknown');
        return;
      }
      const node = repo[`n${j}`];
      out.set(r.key, !node ? 'missing' : node.__typename === 'Issue' ? 'issue' : 'pull-request');
    });
  }
  return out;
}
