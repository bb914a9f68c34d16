import type { Prompts } from '../../ui/prompts.js';
import type { Mapping } from '../types.js';

export const ACCEPT_AT = 0.6;

/** The proposed mappings as a table; each one under 60% is accepted or skipped by the user (skipped without a terminal). */
export async function reviewMappings(mappings: Mapping[], prompts: Prompts | undefined, say: (text: string) => void): Promise<Mapping[]> {
  const sorted = [...mappings].sort((a, b) => a.repository.localeCompare(b.repository) || a.workload.context.localeCompare(b.workload.context));
  say(
    `Repository ↔ workload (${sorted.length}):\n${sorted
      .map((m) => `  ${m.repository.padEnd(32)} ${`${m.workload.context}/${m.workload.namespace}/${m.workload.name}`.padEnd(48)} ${String(Math.round(m.confidence * 100)).padStart(3)}%  ${m.reason}`)
      .join('\n')}`,
  );
  const accepted: Mapping[] = [];
  for (const m of sorted) {
    if (m.confidence >= ACCEPT_AT) accepted.push(m);
    else if (prompts) {
      const keep = await prompts.confirm({ message: `Map ${m.workload.context}/${m.workload.namespace}/${m.workload.name} to ${m.repository}? (${Math.round(m.confidence * 100)}%: ${m.reason})`, default: false });
      if (keep) accepted.push({ ...m, confidence: 1, reason: `${m.reason}; confirmed` });
    }
  }
  return accepted;
}
