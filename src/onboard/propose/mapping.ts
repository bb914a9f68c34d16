import { parseImage } from '../../sources/kubernetes/workload-state.js';
import type { DiscoveredRepo, DiscoveredWorkload, Mapping } from '../types.js';
import { environmentOf } from './environments.js';

/**
 * Repository ↔ workload, automatically, each with a confidence and the reason. Signals, strongest
 * first: the container image is named like the repository; the `app.kubernetes.io/name` (or `app`)
 * label names it; the Deployment is named like it; the `app.kubernetes.io/part-of` label plus a
 * matching suffix; and last, name similarity (bigram overlap after environment words are removed).
 * Two agreeing signals raise the confidence. README.md in this folder's parent explains the scores.
 */
/** Mappings at least this sure are taken without asking. */
export const ACCEPT_AT = 0.6;

const normal = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A workload or image name without environment words: payments-api-prod → payments-api. */
export function withoutEnvironment(name: string): string {
  return normal(name)
    .split('-')
    .filter((part) => !environmentOf(part))
    .join('-');
}

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = s.replace(/-/g, '');
  for (let i = 0; i + 1 < text.length; i++) out.set(text.slice(i, i + 2), (out.get(text.slice(i, i + 2)) ?? 0) + 1);
  return out;
}

/** Sørensen–Dice similarity of character bigrams, 0..1. */
export function similarity(a: string, b: string): number {
  return dice(bigrams(a), bigrams(b));
}

function dice(x: Map<string, number>, y: Map<string, number>): number {
  let overlap = 0;
  let total = 0;
  for (const [k, n] of x) {
    overlap += Math.min(n, y.get(k) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return total === 0 ? 0 : (2 * overlap) / total;
}

const imageName = (image: string) => {
  const repo = parseImage(image).repository;
  return normal(repo.slice(repo.lastIndexOf('/') + 1));
};

interface Signal {
  confidence: number;
  reason: string;
}

interface Candidate extends Signal {
  repository: string;
}

/** Signals that name a repository exactly, found through an index of repository names (no pairwise work). */
function exactSignals(w: DiscoveredWorkload, byName: Map<string, DiscoveredRepo>): Candidate[] {
  const out: Candidate[] = [];
  const add = (key: string, confidence: number, reason: string) => {
    const repo = byName.get(key);
    if (repo) out.push({ repository: repo.repository, confidence, reason });
  };
  const both = (value: string) => [...new Set([normal(value), withoutEnvironment(value)])];
  for (const c of w.containers) for (const key of both(imageName(c.image))) add(key, 0.95, `image ${parseImage(c.image).repository}`);
  const labelKey = ['app.kubernetes.io/name', 'app', 'k8s-app', 'backstage.io/kubernetes-id'].find((key) => w.labels[key] && both(w.labels[key]).some((v) => byName.has(v)));
  if (labelKey) for (const key of both(w.labels[labelKey])) add(key, 0.9, `label ${labelKey}=${w.labels[labelKey]}`);
  for (const key of both(w.name)) add(key, 0.88, `Deployment ${w.name}`);
  const short = withoutEnvironment(w.name);
  const partOf = w.labels['app.kubernetes.io/part-of'];
  if (partOf) add(`${normal(partOf)}-${short}`, 0.8, `label app.kubernetes.io/part-of=${partOf} and Deployment ${w.name}`);
  // A project namespace and a short name: Deployment "api" in namespace "payments-prod" → payments-api.
  const namespaceBase = withoutEnvironment(w.namespace);
  if (namespaceBase) add(`${namespaceBase}-${short}`, 0.78, `namespace ${w.namespace} and Deployment ${w.name}`);
  return out;
}

/** Combines one repository's signals: the strongest counts, two strong ones agreeing add a little. */
function combine(found: Candidate[]): Candidate {
  const sorted = [...found].sort((a, b) => b.confidence - a.confidence);
  const strong = [...new Set(sorted.filter((s) => s.confidence >= 0.8).map((s) => s.reason))];
  return {
    repository: sorted[0].repository,
    confidence: Math.min(0.99, sorted[0].confidence + (strong.length > 1 ? 0.04 : 0)),
    reason: strong.join(', ') || sorted[0].reason,
  };
}

/**
 * For every workload, the repository it most likely runs (if any scores at least `minimum`). A
 * repository may run in many workloads (one per environment). Exact signals come from name indexes;
 * name similarity is computed against every repository only when no strong signal exists.
 */
export function mapWorkloads(repos: readonly DiscoveredRepo[], workloads: readonly DiscoveredWorkload[], minimum = 0.5): { mappings: Mapping[]; unmatched: DiscoveredWorkload[] } {
  const byName = new Map(repos.map((r) => [normal(r.name), r]));
  const grams = repos.map((r) => ({ repository: r.repository, name: normal(r.name), grams: bigrams(normal(r.name)) }));
  const mappings: Mapping[] = [];
  const unmatched: DiscoveredWorkload[] = [];
  for (const w of workloads) {
    const perRepo = new Map<string, Candidate[]>();
    for (const c of exactSignals(w, byName)) perRepo.set(c.repository, [...(perRepo.get(c.repository) ?? []), c]);
    let ranked = [...perRepo.values()].map(combine).sort((a, b) => b.confidence - a.confidence);
    if (!ranked[0] || ranked[0].confidence < 0.8) {
      const names = [...new Set([withoutEnvironment(w.name), ...w.containers.map((c) => withoutEnvironment(imageName(c.image)))])].filter(Boolean).map(bigrams);
      for (const r of grams) {
        const best = Math.max(0, ...names.map((n) => dice(n, r.grams)));
        if (best < 0.5) continue;
        const similar = { repository: r.repository, confidence: Math.round((0.3 + 0.5 * best) * 100) / 100, reason: `name similarity ${Math.round(best * 100)}%` };
        perRepo.set(r.repository, [...(perRepo.get(r.repository) ?? []), similar]);
      }
      ranked = [...perRepo.values()].map(combine).sort((a, b) => b.confidence - a.confidence);
    }
    const [best, next] = ranked;
    if (!best || best.confidence < minimum) {
      unmatched.push(w);
      continue;
    }
    // A near tie with another repository lowers the confidence: the user should look.
    const tie = next !== undefined && best.confidence - next.confidence < 0.05;
    const confidence = tie ? Math.min(best.confidence, 0.55) : best.confidence;
    mappings.push({
      repository: best.repository,
      workload: w,
      confidence,
      reason: tie ? `${best.reason}; ${next.repository} scores almost as high` : best.reason,
      ...(confidence < ACCEPT_AT && ranked.length > 1 ? { alternatives: ranked.slice(1, 4).map((r) => ({ repository: r.repository, confidence: r.confidence })) } : {}),
    });
  }
  return { mappings, unmatched };
}
