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
  const x = bigrams(a);
  const y = bigrams(b);
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

function signals(repo: DiscoveredRepo, w: DiscoveredWorkload): Signal[] {
  const name = normal(repo.name);
  const out: Signal[] = [];
  for (const c of w.containers) {
    const image = imageName(c.image);
    if (image === name || withoutEnvironment(image) === name) out.push({ confidence: 0.95, reason: `image ${parseImage(c.image).repository}` });
  }
  for (const key of ['app.kubernetes.io/name', 'app', 'k8s-app', 'backstage.io/kubernetes-id']) {
    const value = w.labels[key];
    if (value && (normal(value) === name || withoutEnvironment(value) === name)) {
      out.push({ confidence: 0.9, reason: `label ${key}=${value}` });
      break;
    }
  }
  if (normal(w.name) === name || withoutEnvironment(w.name) === name) out.push({ confidence: 0.88, reason: `Deployment ${w.name}` });
  const partOf = w.labels['app.kubernetes.io/part-of'];
  if (partOf && name.startsWith(`${normal(partOf)}-`) && name.endsWith(`-${withoutEnvironment(w.name)}`)) {
    out.push({ confidence: 0.8, reason: `label app.kubernetes.io/part-of=${partOf} and Deployment ${w.name}` });
  }
  const candidates = [withoutEnvironment(w.name), ...w.containers.map((c) => withoutEnvironment(imageName(c.image)))];
  const best = Math.max(...candidates.map((c) => similarity(c, name)));
  if (best >= 0.5) out.push({ confidence: Math.round((0.3 + 0.5 * best) * 100) / 100, reason: `name similarity ${Math.round(best * 100)}%` });
  return out;
}

function score(repo: DiscoveredRepo, w: DiscoveredWorkload): Signal | undefined {
  const found = signals(repo, w).sort((a, b) => b.confidence - a.confidence);
  if (found.length === 0) return undefined;
  const agreeing = found.filter((s) => s.confidence >= 0.8).length;
  const confidence = Math.min(0.99, found[0].confidence + (agreeing > 1 ? 0.04 : 0));
  return { confidence, reason: found.filter((s) => s.confidence >= 0.8).map((s) => s.reason).join(', ') || found[0].reason };
}

/**
 * For every workload, the repository it most likely runs (if any scores at least `minimum`). A
 * repository may run in many workloads (one per environment); ties go to the stronger signal.
 */
export function mapWorkloads(repos: readonly DiscoveredRepo[], workloads: readonly DiscoveredWorkload[], minimum = 0.5): { mappings: Mapping[]; unmatched: DiscoveredWorkload[] } {
  const mappings: Mapping[] = [];
  const unmatched: DiscoveredWorkload[] = [];
  for (const w of workloads) {
    let best: (Signal & { repository: string }) | undefined;
    let second = 0;
    for (const repo of repos) {
      const s = score(repo, w);
      if (!s) continue;
      if (!best || s.confidence > best.confidence) {
        second = best?.confidence ?? second;
        best = { ...s, repository: repo.repository };
      } else second = Math.max(second, s.confidence);
    }
    if (!best || best.confidence < minimum) {
      unmatched.push(w);
      continue;
    }
    // A near tie with another repository lowers the confidence: the user should look.
    const confidence = best.confidence - second >= 0.05 ? best.confidence : Math.min(best.confidence, 0.55);
    mappings.push({ repository: best.repository, workload: w, confidence, reason: confidence < best.confidence ? `${best.reason}; another repository scores almost as high` : best.reason });
  }
  return { mappings, unmatched };
}
