import { parseFamiliarName } from '@swimlane/docker-reference';

/**
 * Image references, read by @swimlane/docker-reference (a port of Docker's distribution/reference
 * grammar: https://github.com/distribution/reference/blob/main/reference.go), so that a registry with
 * a port (`registry.example.com:5000/acme/shop-web:1.1.0`), a digest, or Docker Hub's familiar names
 * (`redis:7` = `docker.io/library/redis:7`) are read as Docker reads them.
 */
export interface ImageReference {
  /** Registry host, with its port: `docker.io`, `ghcr.io`, `registry.example.com:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/redis`, `acme/shop-web`, `platform/auth`. */
  path: string;
  /** The path's last segment: `redis`, `shop-web`, `auth`. */
  name: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses an image reference as a container runtime would. Returns undefined for a string that is
 * not one (Kubernetes accepts some the grammar refuses, such as upper-case paths): the caller then
 * treats the image as unknown rather than guessing.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  try {
    const ref = parseFamiliarName(image.trim());
    const path = ref.repository;
    if (!ref.domain || !path) return undefined;
    return { registry: ref.domain, path, name: path.slice(path.lastIndexOf('/') + 1), ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Registries anyone can publish to: an image there belongs to the organisation only when its
 * namespace (the first path segment) does. Docker Hub, Quay, GitHub's container registry, Amazon ECR
 * Public, Google's public registries, Microsoft's, Elastic's, GitLab's, Kubernetes' own
 * (registry.k8s.io and its predecessor k8s.gcr.io) and the usual vendor registries.
 */
const PUBLIC_REGISTRIES = new Set([
  'docker.io',
  'quay.io',
  'ghcr.io',
  'public.ecr.aws',
  'gcr.io',
  'mirror.gcr.io',
  'registry.k8s.io',
  'k8s.gcr.io',
  'mcr.microsoft.com',
  'docker.elastic.co',
  'registry.gitlab.com',
  'cr.l5d.io',
  'docker.redpanda.com',
  'registry.redhat.io',
  'registry.access.redhat.com',
  'cgr.dev',
  'nvcr.io',
  'container-registry.oracle.com',
]);

/** Path segments that say "a copy of someone else's image" inside a private registry: `ecr/mirror/redis`, `harbor/dockerhub-proxy/bitnami/redis`. */
const MIRROR_SEGMENTS = /^(mirror|mirrors|proxy|cache|dockerhub|docker-hub|dockerhub-proxy|hub-proxy|upstream|third-party|thirdparty|vendor|external|library|bitnami|public)$/;

/**
 * The organisation's own namespaces on public registries: the GitHub owner (GitHub's container
 * registry names images `ghcr.io/OWNER/…`), and any namespace written like the owner (`acmecorp`
 * for owner `acme-corp`).
 */
function ownNamespace(namespace: string, owner: string): boolean {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return squash(namespace) === squash(owner) || (squash(owner).length >= 4 && squash(namespace).includes(squash(owner)));
}

export type ImageOrigin = { origin: 'own' } | { origin: 'upstream'; reason: string } | { origin: 'unknown'; reason: string };

/**
 * Whether the organisation builds an image: `upstream` when it comes from a public registry under a
 * namespace that is not the owner's (`quay.io/keycloak/keycloak`, `redis`, `registry.k8s.io/ingress-nginx/controller`)
 * or from a mirror path of a private registry; `own` for a private registry (ECR, Artifact Registry,
 * a host of its own) or the owner's namespace; `unknown` when the reference does not parse.
 * `ownNamespaces` adds namespaces on public registries known to be the organisation's (by other evidence).
 */
export function imageOrigin(image: string, owner: string, ownNamespaces: ReadonlySet<string> = new Set()): ImageOrigin {
  const ref = parseImageReference(image);
  if (!ref) return { origin: 'unknown', reason: `image "${image}" is not an image reference` };
  const segments = ref.path.split('/');
  const namespace = segments.length > 1 ? segments[0] : '';
  if (PUBLIC_REGISTRIES.has(ref.registry)) {
    if (namespace && (ownNamespace(namespace, owner) || ownNamespaces.has(`${ref.registry}/${namespace}`))) return { origin: 'own' };
    return { origin: 'upstream', reason: `image ${ref.registry}/${ref.path} is published by ${namespace && namespace !== 'library' ? namespace : ref.registry === 'docker.io' ? 'Docker Official Images' : ref.registry}, not ${owner}` };
  }
  const mirror = segments.slice(0, -1).find((s) => MIRROR_SEGMENTS.test(s));
  if (mirror) return { origin: 'upstream', reason: `image ${ref.registry}/${ref.path} is a copy of an upstream image (path "${mirror}/")` };
  return { origin: 'own' };
}
