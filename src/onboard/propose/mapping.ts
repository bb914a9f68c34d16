import { isKnownSidecar } from '../../sources/kubernetes/containers.js';
import type { DiscoveredRepo, DiscoveredWorkload, Mapping, ThirdPartyWorkload } from '../types.js';
import { environmentAt } from './environments.js';
import { imageOrigin, parseImageReference } from './images.js';

/**
 * Repository ↔ workload, automatically, each with a confidence and the reason. First the workload's
 * image decides whether the organisation builds it at all: an image from a public registry under
 * someone else's namespace (`quay.io/keycloak/keycloak`, `redis`) is third-party and is never mapped
 * by name, however like a repository (`keycloak-theme`) it is named. For the rest, signals that name
 * a repository exactly, strongest first: the image named like it (`…/shop-web`, `…/platform/auth` for
 * the monorepo `platform`); a label (`app.kubernetes.io/name`, `app`, `k8s-app`, `service`…); the
 * workload's name; `part-of` or the namespace's project plus the name. Names are compared in one form
 * (`PaymentsUI` = `payments-ui`, `payments_service` = `payments-service`), with environment words at
 * either end and the `svc-` / `-service` affixes also tried without. Name similarity alone never
 * decides: it is offered to the user (at most 0.55). README.md in this folder's parent explains the scores.
 */
/** Mappings at least this sure are taken without asking. */
export const ACCEPT_AT = 0.6;
/** The most a guess by name similarity alone may score: below ACCEPT_AT, so it is always asked. */
const SIMILARITY_CAP = 0.55;

/** One spelling of a name: `PaymentsUI` → `payments-ui`, `payments_service` → `payments-service`, `UIKit` → `ui-kit`. */
export function normal(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A workload, namespace or image name without environment words at either end: payments-api-prd → payments-api, stg-payments → payments. */
export function withoutEnvironment(name: string): string {
  let parts = normal(name).split('-').filter(Boolean);
  while (parts.length > 1 && environmentAt(parts.at(-1)!, 'last')) parts = parts.slice(0, -1);
  while (parts.length > 1 && environmentAt(parts[0], 'first')) parts = parts.slice(1);
  return parts.join('-');
}

/**
 * How much weaker a name matched only without such an affix is: more than the 0.05 that makes a tie,
 * so `rate-limiter` goes to the repository `rate-limiter`, not to `rate-limiter-service` beside it.
 */
const AFFIX_PENALTY = 0.06;
/** Affixes that say "a service" and nothing else: svc-ledger, payments_service, ledger-svc. */
const SERVICE_AFFIX = /^(svc|service)-|-(svc|service|srv)$/;

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

interface Candidate {
  repository: string;
  confidence: number;
  reason: string;
}

/**
 * Label keys that name an application, in the conventions seen in charts and manifests: Kubernetes'
 * recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/),
 * the older `app` and `k8s-app`, Backstage's `backstage.io/kubernetes-id`, and team conventions
 * (`service`, `<domain>/service`, `app.kubernetes.io/instance`).
 */
function nameLabels(labels: Record<string, string>): [string, string][] {
  const keys = ['app.kubernetes.io/name', 'app', 'k8s-app', 'backstage.io/kubernetes-id', 'service', 'app.kubernetes.io/instance'];
  const out: [string, string][] = keys.filter((k) => labels[k]).map((k) => [k, labels[k]]);
  for (const [k, v] of Object.entries(labels)) if (/\/(service|app|application|component-name)$/.test(k) && !keys.includes(k) && v) out.push([k, v]);
  return out;
}

/** The container whose image is the application's: the first that is not a known sidecar (istio-proxy, cloud-sql-proxy…), else the first. */
export function mainContainer(w: DiscoveredWorkload): { name: string; image: string } | undefined {
  const app = w.containers.filter((c) => !c.init);
  return app.find((c) => !isKnownSidecar(c)) ?? app[0];
}

/** An index of repository names in every spelling a workload may use: exact forms first, affix-free forms marked weaker. */
class RepoIndex {
  private readonly exact = new Map<string, DiscoveredRepo[]>();
  private readonly loose = new Map<string, DiscoveredRepo[]>();

  constructor(repos: readonly DiscoveredRepo[]) {
    for (const r of repos) {
      const key = normal(r.name);
      if (!key) continue;
      this.exact.set(key, [...(this.exact.get(key) ?? []), r]);
      const stripped = key.replace(SERVICE_AFFIX, '');
      if (stripped && stripped !== key) this.loose.set(stripped, [...(this.loose.get(stripped) ?? []), r]);
    }
  }

  /** Repositories a name may mean, with how much weaker than exact the spelling is (0, or AFFIX_PENALTY for an affix). */
  find(name: string): { repo: DiscoveredRepo; penalty: number }[] {
    const out: { repo: DiscoveredRepo; penalty: number }[] = [];
    const seen = new Set<string>();
    const add = (repos: DiscoveredRepo[] | undefined, penalty: number) => {
      for (const repo of repos ?? []) if (!seen.has(repo.repository)) (seen.add(repo.repository), out.push({ repo, penalty }));
    };
    const forms = [...new Set([normal(name), withoutEnvironment(name)])].filter(Boolean);
    for (const form of forms) add(this.exact.get(form), 0);
    for (const form of forms) {
      const stripped = form.replace(SERVICE_AFFIX, '');
      add(this.exact.get(stripped), AFFIX_PENALTY);
      add(this.loose.get(form), AFFIX_PENALTY);
      add(this.loose.get(stripped), AFFIX_PENALTY);
    }
    return out;
  }
}

/** Signals that name a repository exactly, found through the index (no pairwise work). */
function exactSignals(w: DiscoveredWorkload, index: RepoIndex): Candidate[] {
  const out: Candidate[] = [];
  const add = (name: string, confidence: number, reason: string) => {
    for (const { repo, penalty } of index.find(name)) {
      // An archived repository or a fork is rarely what runs: it stays a choice, never an automatic answer.
      const stale = repo.archived || repo.fork;
      out.push({ repository: repo.repository, confidence: Math.round((confidence - penalty - (stale ? 0.4 : 0)) * 100) / 100, reason: `${reason}${stale ? ` (${repo.archived ? 'archived' : 'a fork'})` : ''}` });
    }
  };
  const main = mainContainer(w);
  const ref = main ? parseImageReference(main.image) : undefined;
  if (ref) {
    const segments = ref.path.split('/');
    add(ref.name, 0.95, `image ${ref.registry}/${ref.path}`);
    if (segments.length >= 2) add(`${segments.at(-2)}-${ref.name}`, 0.93, `image ${ref.registry}/${ref.path}`);
    // A monorepo's images: `…/platform/auth` built from the repository `platform`.
    for (const segment of segments.slice(0, -1)) add(segment, 0.85, `image ${ref.registry}/${ref.path} (a folder of the repository)`);
  }
  // The organisation's own image, named like none of its repositories, speaks against every name-based signal.
  const contradicted = ref !== undefined && out.length === 0 ? 0.2 : 0;
  const byName = (name: string, confidence: number, reason: string) => add(name, confidence - contradicted, contradicted ? `${reason}, though image ${ref!.registry}/${ref!.path} is named like no repository` : reason);
  for (const [key, value] of nameLabels(w.labels)) byName(value, 0.9, `label ${key}=${value}`);
  byName(w.name, 0.88, `${w.kind} ${w.name}`);
  const short = withoutEnvironment(w.name);
  const partOf = w.labels['app.kubernetes.io/part-of'];
  if (partOf) byName(`${normal(partOf)}-${short}`, 0.8, `label app.kubernetes.io/part-of=${partOf} and ${w.kind} ${w.name}`);
  // A project namespace and a short name: Deployment "api" in namespace "payments-prd" → payments-api.
  const namespaceBase = withoutEnvironment(w.namespace);
  if (namespaceBase && namespaceBase !== short) byName(`${namespaceBase}-${short}`, 0.78, `namespace ${w.namespace} and ${w.kind} ${w.name}`);
  return out;
}

/** Combines one repository's signals: the strongest counts, two strong ones agreeing add a little. */
function combine(found: Candidate[]): Candidate {
  const sorted = [...found].sort((a, b) => b.confidence - a.confidence);
  const strong = [...new Set(sorted.filter((s) => s.confidence >= 0.8).map((s) => s.reason))];
  return {
    repository: sorted[0].repository,
    confidence: Math.round(Math.min(0.99, sorted[0].confidence + (strong.length > 1 ? 0.04 : 0)) * 100) / 100,
    reason: strong.join(', ') || sorted[0].reason,
  };
}

export interface MappingResult {
  mappings: Mapping[];
  /** Workloads whose image the organisation does not build: never mapped unless the user says so. */
  thirdParty: ThirdPartyWorkload[];
  /** The organisation's workloads no repository scored for. */
  unmatched: DiscoveredWorkload[];
}

/**
 * For every workload, the repository it most likely runs, or that it is third-party. A repository
 * may run in many workloads (one per environment, or several services of a monorepo). Exact signals
 * come from name indexes; name similarity is computed against every repository only when no strong
 * signal exists, and is capped below ACCEPT_AT. `owner` is the GitHub owner (its own image namespaces).
 */
export function mapWorkloads(repos: readonly DiscoveredRepo[], workloads: readonly DiscoveredWorkload[], owner = repos[0]?.repository.split('/')[0] ?? '', minimum = 0.5): MappingResult {
  const index = new RepoIndex(repos);
  const grams = repos.filter((r) => !r.archived && !r.fork).map((r) => ({ repository: r.repository, grams: bigrams(normal(r.name)) }));
  const ownNamespaces = provenNamespaces(repos, workloads);
  const mappings: Mapping[] = [];
  const thirdParty: ThirdPartyWorkload[] = [];
  const unmatched: DiscoveredWorkload[] = [];
  for (const w of workloads) {
    const main = mainContainer(w);
    const origin = main ? imageOrigin(main.image, owner, ownNamespaces) : undefined;
    if (origin?.origin === 'upstream') {
      thirdParty.push({ workload: w, reason: origin.reason });
      continue;
    }
    const perRepo = new Map<string, Candidate[]>();
    for (const c of exactSignals(w, index)) perRepo.set(c.repository, [...(perRepo.get(c.repository) ?? []), c]);
    let ranked = [...perRepo.values()].map(combine).sort((a, b) => b.confidence - a.confidence);
    if (!ranked[0] || ranked[0].confidence < 0.8) {
      const ref = main ? parseImageReference(main.image) : undefined;
      const names = [...new Set([withoutEnvironment(w.name), ref ? withoutEnvironment(ref.name) : ''])].filter(Boolean).map(bigrams);
      for (const r of grams) {
        const best = Math.max(0, ...names.map((n) => dice(n, r.grams)));
        if (best < 0.5) continue;
        const similar = { repository: r.repository, confidence: Math.min(SIMILARITY_CAP, Math.round((0.3 + 0.5 * best) * 100) / 100), reason: `name similarity ${Math.round(best * 100)}%` };
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
    const confidence = tie ? Math.min(best.confidence, SIMILARITY_CAP) : best.confidence;
    mappings.push({
      repository: best.repository,
      workload: w,
      confidence,
      reason: tie ? `${best.reason}; ${next.repository} scores almost as high` : best.reason,
      ...(confidence < ACCEPT_AT && ranked.length > 1 ? { alternatives: ranked.slice(1).map((r) => ({ repository: r.repository, confidence: r.confidence })) } : {}),
    });
  }
  return { mappings, thirdParty, unmatched };
}

/**
 * Namespaces on public registries shown to be the organisation's by its images: at least three
 * distinct image names in `registry/namespace` named exactly like its own (not archived, not forked)
 * repositories. Keys are `registry/namespace`.
 */
function provenNamespaces(repos: readonly DiscoveredRepo[], workloads: readonly DiscoveredWorkload[]): Set<string> {
  const names = new Set(repos.filter((r) => !r.archived && !r.fork).map((r) => normal(r.name)));
  const hits = new Map<string, Set<string>>();
  for (const w of workloads) {
    const main = mainContainer(w);
    const ref = main ? parseImageReference(main.image) : undefined;
    if (!ref || !ref.path.includes('/')) continue;
    const key = `${ref.registry}/${ref.path.split('/')[0]}`;
    if (names.has(normal(ref.name))) hits.set(key, (hits.get(key) ?? new Set()).add(ref.name));
  }
  return new Set([...hits].filter(([, set]) => set.size >= 3).map(([key]) => key));
}
