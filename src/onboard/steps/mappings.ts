import type { Prompts } from '../../ui/prompts.js';
import type { Mapping } from '../types.js';

export const ACCEPT_AT = 0.6;

/** The proposed mappings as a table; each one under 60% is accepted or skipped by the user (skipped without a terminal). */
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
      const keep = await prompts.confirm({ message: `Map ${m.workload.context}/${m.workload.namespace}/${m.workload.name} to ${m.repository}? (${Math.round(m.confidence * 100)}%: ${m.reason})`, default: false });
      if (keep) accepted.push({ ...m, confidence: 1, reason: `${m.reason}; confirmed` });
    }
  }
  return accepted;
}
