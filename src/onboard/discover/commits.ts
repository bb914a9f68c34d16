import { tagCandidates } from '../../core/versions/tag-candidates.js';
import type { GithubClient } from '../../sources/github/client.js';
import { RATE_LIMIT, str } from '../../sources/github/queries/fragments.js';
import { parseImageReference } from '../propose/images.js';
import { ACCEPT_AT, mainContainer } from '../propose/mapping.js';
import type { DiscoveredRepo, Mapping } from '../types.js';

/** How sure a mapping is when the commit its image tag names is in that repository and no other candidate. */
export const BY_COMMIT = 0.92;
/** At most this many candidate repositories are asked about one workload's commit. */
const MAX_CANDIDATES = 30;

/**
 * Settles doubtful mappings by the commit their image tag names (`sha-3f9c2ab`, `1.4.2-3f9c2ab`, a full
 * SHA): the candidate repositories (the guess and those that scored, else every active repository
 * when there are few) are asked whether they have that commit, 20 per query (GitHub's
 * `object(expression:)` takes an abbreviated SHA). When exactly one has it, the mapping becomes that
 * repository at BY_COMMIT, with the reason; when several or none have it, it stays as it was. A renamed
 * repository (`identity-web` now `identity-portal`) is found this way. Returns the new list; a failed
 * query leaves its mappings unchanged.
 */
export async function settleByCommit(client: GithubClient, owner: string, mappings: readonly Mapping[], repos: readonly DiscoveredRepo[]): Promise<Mapping[]> {
  const active = repos.filter((r) => !r.archived && !r.fork && !r.name.startsWith('.'));
  const asks: { mapping: Mapping; sha: string; tag: string; candidates: string[] }[] = [];
  for (const m of mappings) {
    if (m.confidence >= ACCEPT_AT) continue;
    const main = mainContainer(m.workload);
    const tag = main ? parseImageReference(main.image)?.tag : undefined;
    const sha = tag ? tagCandidates(tag).sha : undefined;
    if (!tag || !sha) continue;
    const scored = [m.repository, ...(m.alternatives ?? []).map((a) => a.repository)];
    const candidates = [...new Set(active.length <= MAX_CANDIDATES ? [...scored, ...active.map((r) => r.repository)] : scored)].slice(0, MAX_CANDIDATES);
    asks.push({ mapping: m, sha, tag, candidates });
  }
  if (asks.length === 0) return [...mappings];
  // One question per (repository, commit), asked once however many workloads share it.
  const pairs = [...new Set(asks.flatMap((a) => a.candidates.map((c) => `${c}@${a.sha}`)))];
  const has = new Set<string>();
  for (let i = 0; i < pairs.length; i += 20) {
    const batch = pairs.slice(i, i + 20);
    const fields = batch.map((pair, j) => {
      const [repository, sha] = pair.split('@');
      return `c${j}: repository(owner: ${str(owner)}, name: ${str(repository.split('/')[1])}) { object(expression: ${str(sha)}) { oid } }`;
    });
    const result = await client.query<Record<string, { object: { oid: string } | null } | null>>(`query Commits { ${RATE_LIMIT} ${fields.join('\n')} }`).catch(() => undefined);
    batch.forEach((pair, j) => result?.data[`c${j}`]?.object && has.add(pair));
  }
  const settled = new Map<Mapping, Mapping>();
  for (const a of asks) {
    const holders = a.candidates.filter((c) => has.has(`${c}@${a.sha}`));
    if (holders.length !== 1) continue;
    settled.set(a.mapping, { repository: holders[0], workload: a.mapping.workload, confidence: BY_COMMIT, reason: `commit ${a.sha} of image tag ${a.tag} is in ${holders[0]} and in no other candidate` });
  }
  return mappings.map((m) => settled.get(m) ?? m);
}
