import { filterChoices, type Choice, type Prompts } from '../../ui/prompts.js';
import { ACCEPT_AT, mainContainer, withoutEnvironment } from '../propose/mapping.js';
import { parseImageReference } from '../propose/images.js';
import { isMetaRepository } from '../propose/services.js';
import type { DiscoveredRepo, DiscoveredWorkload, Mapping, ThirdPartyWorkload } from '../types.js';

export { ACCEPT_AT };

/** A doubtful workload name: the same name and image in several environments is one question. */
interface Question {
  key: string;
  mappings: Mapping[];
}

const SKIP = '\u0000skip';

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Workloads that are one question: the same name without environment words and the same image repository. */
function questionKey(m: Mapping): string {
  const main = mainContainer(m.workload);
  const ref = main ? parseImageReference(main.image) : undefined;
  return `${withoutEnvironment(m.workload.name)}\n${ref ? `${ref.registry}/${ref.path}` : ''}`;
}

/**
 * Every repository as a choice for one question, best first: one typed in full, the repositories
 * that scored (with their score), then the others by name; archived repositories and forks only when
 * typed in full.
 * A typed `owner/name` that is not in the list can be taken as typed.
 */
export function repositoryChoices(question: Mapping, repos: readonly DiscoveredRepo[], term: string | undefined): Choice<string>[] {
  const scored = [...(question.repository ? [{ repository: question.repository, confidence: question.confidence }] : []), ...(question.alternatives ?? [])];
  const seen = new Set(scored.map((s) => s.repository));
  const typed = term?.trim().toLowerCase() ?? '';
  const rest = repos.filter((r) => !seen.has(r.repository) && !isMetaRepository(r) && ((!r.archived && !r.fork) || r.name.toLowerCase() === typed || r.repository.toLowerCase() === typed));
  const choices: Choice<string>[] = [
    ...scored.map((s) => ({ name: `${s.repository}  ${Math.round(s.confidence * 100)}%`, value: s.repository })),
    ...rest.map((r) => ({ name: `${r.repository}${r.archived ? '  (archived)' : r.fork ? '  (fork)' : ''}`, value: r.repository })),
  ];
  // A repository typed in full comes first, even when one ranked higher contains its name (ledger-ui for ledger).
  const exact = (c: Choice<string>) => typed !== '' && (c.value.toLowerCase() === typed || c.value.toLowerCase().endsWith(`/${typed}`));
  const narrowed = filterChoices(choices, term).sort((a, b) => Number(exact(b)) - Number(exact(a)));
  const asTyped = term?.trim() ?? '';
  if (REPOSITORY.test(asTyped) && !choices.some((c) => c.value.toLowerCase() === asTyped.toLowerCase())) narrowed.push({ name: `${asTyped} (as typed)`, value: asTyped });
  narrowed.push({ name: 'none of these: leave it out', value: SKIP });
  return narrowed;
}

export interface Review {
  accepted: Mapping[];
  /** Third-party workloads the user said are the organisation's, with the repository chosen. */
  claimed: Mapping[];
  /** Doubtful workloads left out, with why (as shown in the summary). */
  skipped: Mapping[];
}

/**
 * The proposed mappings as a short table; every doubtful one (under ACCEPT_AT) is asked once per
 * workload name and image (not once per environment), in a searchable list of every repository, and
 * the answer applied to exactly those workloads. Third-party workloads are listed; on a terminal the
 * user may claim some. Without a terminal, doubtful ones are skipped and third-party ones left out.
 */
export async function reviewMappings(
  mappings: readonly Mapping[],
  thirdParty: readonly ThirdPartyWorkload[],
  repos: readonly DiscoveredRepo[],
  prompts: Prompts | undefined,
  say: (text: string) => void,
  unmatched: readonly DiscoveredWorkload[] = [],
): Promise<Review> {
  const sure = mappings.filter((m) => m.confidence >= ACCEPT_AT);
  const doubtful = mappings.filter((m) => m.confidence < ACCEPT_AT);
  const byRepo = new Map<string, Mapping[]>();
  for (const m of sure) byRepo.set(m.repository, [...(byRepo.get(m.repository) ?? []), m]);
  const lines = [...byRepo]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([repository, list]) => {
      const lowest = Math.min(...list.map((m) => m.confidence));
      const names = [...new Set(list.map((m) => m.workload.name))];
      return `  ${repository.padEnd(32)} ${String(Math.round(lowest * 100)).padStart(3)}%  ${names.slice(0, 4).join(', ')}${names.length > 4 ? `, … (${names.length})` : ''}  (${list[0].reason})`;
    });
  const questions = new Map<string, Question>();
  for (const m of doubtful) {
    const key = questionKey(m);
    questions.set(key, { key, mappings: [...(questions.get(key)?.mappings ?? []), m] });
  }
  say(`Repository ↔ workload: ${sure.length} workloads of ${byRepo.size} repositories sure${questions.size ? `, ${questions.size} to check` : ''}${thirdParty.length ? `, ${thirdParty.length} third-party left out` : ''}:\n${lines.join('\n')}`);

  const accepted = [...sure];
  const skipped: Mapping[] = [];
  for (const question of [...questions.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const first = question.mappings[0];
    if (!prompts) {
      skipped.push(...question.mappings);
      continue;
    }
    const where = [...new Set(question.mappings.map((m) => `${m.workload.context}/${m.workload.namespace}`))];
    const image = mainContainer(first.workload)?.image ?? 'no image';
    const choice = await prompts.search<string>({
      message: `${first.workload.kind} ${first.workload.name} (image ${image}; in ${where.slice(0, 3).join(', ')}${where.length > 3 ? `, +${where.length - 3}` : ''}) runs which repository? best guess ${first.repository}, ${Math.round(first.confidence * 100)}%: ${first.reason}`,
      source: (term) => repositoryChoices(first, repos, term),
      default: first.repository,
    });
    if (choice === SKIP) skipped.push(...question.mappings);
    else accepted.push(...question.mappings.map((m) => ({ ...m, repository: choice, confidence: 1, reason: `chosen (${m.reason})` })));
  }

  if (!prompts && skipped.length) {
    const byName = new Map<string, Mapping[]>();
    for (const m of skipped) byName.set(`${m.workload.name} → ${m.repository}`, [...(byName.get(`${m.workload.name} → ${m.repository}`) ?? []), m]);
    say(`Doubtful, left for you to map (${byName.size}): ${[...byName].map(([key, list]) => `${key} ${Math.round(list[0].confidence * 100)}%`).slice(0, 12).join(', ')}${byName.size > 12 ? ', …' : ''}`);
  }
  const claimed: Mapping[] = [];
  // What no repository was given: third-party images, and the organisation's own images named like no repository.
  const loose: ThirdPartyWorkload[] = [
    ...thirdParty,
    ...unmatched.map((w) => {
      const main = mainContainer(w);
      return { workload: w, reason: `image ${main?.image.split(/[:@]/)[0] ?? '(none)'} is named like no repository` };
    }),
  ];
  const list = (items: readonly { workload: DiscoveredWorkload }[]) => {
    const names = [...new Set(items.map((t) => t.workload.name))];
    return `${names.slice(0, 12).join(', ')}${names.length > 12 ? `, … (${names.length})` : ''}`;
  };
  if (thirdParty.length) say(`Third-party, left out (${thirdParty.length}): ${list(thirdParty)}`);
  if (unmatched.length) say(`Your own images, named like no repository, left out (${unmatched.length}): ${list(unmatched.map((workload) => ({ workload })))}`);
  if (loose.length) {
    const thirdParty = loose;
    if (prompts) {
      const action = await prompts.select({
        message: unmatched.length ? 'Leave these workloads out?' : 'Leave the third-party workloads out?',
        choices: [
          { name: unmatched.length ? 'Yes' : 'Yes, they are not ours', value: 'yes' },
          { name: 'No, some are ours: choose them', value: 'choose' },
        ],
      });
      if (action === 'choose') {
        // One line per workload name and image, for all the environments it runs in.
        const groups = new Map<string, ThirdPartyWorkload[]>();
        for (const t of thirdParty) {
          const key = `${withoutEnvironment(t.workload.name)} ${mainContainer(t.workload)?.image.split(/[:@]/)[0] ?? ''}`;
          groups.set(key, [...(groups.get(key) ?? []), t]);
        }
        const ours = await prompts.multiSelect({
          message: 'Which of these does your organisation build?',
          items: [...groups.values()].map((list) => ({ value: list, name: `${list[0].workload.kind} ${list[0].workload.name}`, hint: `${list[0].reason}; in ${list.length} place${list.length === 1 ? '' : 's'}` })),
          filterHelp: 'type to filter',
        });
        for (const list of ours) {
          const guess: Mapping = { repository: '', workload: list[0].workload, confidence: 0, reason: list[0].reason };
          const choice = await prompts.search<string>({
            message: `${list[0].workload.kind} ${list[0].workload.name} (${list.map((t) => `${t.workload.context}/${t.workload.namespace}`).slice(0, 3).join(', ')}) runs which repository?`,
            source: (term) => repositoryChoices(guess, repos, term),
          });
          if (choice !== SKIP) for (const t of list) claimed.push({ ...guess, workload: t.workload, repository: choice, confidence: 1, reason: 'chosen (its image looked third-party)' });
        }
      }
    }
  }
  return { accepted: [...accepted, ...claimed], claimed, skipped };
}
