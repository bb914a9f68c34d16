import type { Prompts } from '../../ui/prompts.js';
import { ACCEPT_AT } from '../propose/mapping.js';
import type { Mapping } from '../types.js';

export { ACCEPT_AT };

/** The proposed mappings as a table; for each one under 60% the user picks the repository (the guess or another that scored) or skips it; without a terminal it is skipped. */
export async function reviewMappings(mappings: Mapping[], prompts: Prompts | undefined, say: (text: string) => void): Promise<Mapping[]> {
  const byRepo = new Map<string, Mapping[]>();
  for (const m of mappings) byRepo.set(m.repository, [...(byRepo.get(m.repository) ?? []), m]);
  const lines = [...byRepo]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([repository, list]) => {
      const sure = list.filter((m) => m.confidence >= ACCEPT_AT);
      const lowest = Math.min(...sure.map((m) => m.confidence));
      const where = [...new Set(sure.map((m) => `${m.workload.namespace}/${m.workload.name}`))].join(', ');
      return sure.length ? `  ${repository.padEnd(32)} ${String(Math.round(lowest * 100)).padStart(3)}%  ${where}  (${sure[0].reason})` : '';
    })
    .filter(Boolean);
  say(`Repository ↔ workload (${mappings.filter((m) => m.confidence >= ACCEPT_AT).length} sure, ${mappings.filter((m) => m.confidence < ACCEPT_AT).length} to check):\n${lines.join('\n')}`);
  const accepted: Mapping[] = [];
  for (const m of [...mappings].sort((a, b) => a.repository.localeCompare(b.repository))) {
    if (m.confidence >= ACCEPT_AT) accepted.push(m);
    else if (prompts) {
      const choice = await prompts.select<string>({
        message: `${m.workload.context}/${m.workload.namespace}/${m.workload.name} runs which repository? (best guess ${m.repository}, ${Math.round(m.confidence * 100)}%: ${m.reason})`,
        choices: [
          { name: `${m.repository} (${Math.round(m.confidence * 100)}%)`, value: m.repository },
          ...(m.alternatives ?? []).map((a) => ({ name: `${a.repository} (${Math.round(a.confidence * 100)}%)`, value: a.repository })),
          { name: 'none of these: skip it', value: '' },
        ],
        default: '',
      });
      if (choice) accepted.push({ ...m, repository: choice, confidence: 1, reason: `chosen (${m.reason})` });
    }
  }
  return accepted;
}
