import type { Service } from '../../config/types.js';

/**
 * Containers that meshes, secret stores, proxies and log shippers add beside an application, by
 * container name or image name (the last path segment of the image repository). Sources: Istio
 * (`istio-proxy`), Linkerd (`linkerd-proxy`), HashiCorp Vault Agent Injector (`vault-agent`), Google
 * Cloud SQL Auth Proxy (`cloud-sql-proxy`, formerly `cloudsql-proxy` / `gce-proxy`), Envoy, Consul
 * (`consul-dataplane`), Dapr (`daprd`), Kuma (`kuma-sidecar`), OAuth2 Proxy, the OpenTelemetry
 * Collector, Jaeger agent, AWS X-Ray daemon, Fluent Bit / Fluentd / Filebeat / Vector, and the
 * Datadog agent (as `datadog-agent`): each project's sidecar injection docs name these containers and images.
 */
export const KNOWN_SIDECARS: readonly string[] = [
  'istio-proxy',
  'istio-init',
  'proxyv2',
  'linkerd-proxy',
  'linkerd-init',
  'vault-agent',
  'vault-agent-init',
  'cloud-sql-proxy',
  'cloudsql-proxy',
  'gce-proxy',
  'envoy',
  'envoy-sidecar',
  'consul-dataplane',
  'consul-connect-envoy-sidecar',
  'daprd',
  'kuma-sidecar',
  'kuma-dp',
  'oauth2-proxy',
  'otel-collector',
  'opentelemetry-collector',
  'opentelemetry-collector-contrib',
  'jaeger-agent',
  'aws-xray-daemon',
  'xray-daemon',
  'fluent-bit',
  'fluentd',
  'filebeat',
  'vector',
  'datadog-agent',
];

const normal = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The image name without registry, path, tag or digest: `gcr.io/x/cloud-sql-proxy:2.8.0` → `cloud-sql-proxy`. */
export function imageBaseName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const last = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** The image path without registry host, tag or digest: `ghcr.io/acme/shop-api:1.1.0` → `acme/shop-api`. */
function imagePath(image: string): string {
  const withoutDigest = image.split('@')[0];
  const parts = withoutDigest.split('/');
  const first = parts[0];
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = (hasRegistry ? parts.slice(1) : parts).join('/');
  const slash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  return colon > slash ? path.slice(0, colon) : path;
}

/** Whether a container is a known sidecar, by its name or its image name. */
export function isKnownSidecar(container: { name: string; image?: string }): boolean {
  const names = [normal(container.name), container.image ? normal(imageBaseName(container.image)) : ''];
  return KNOWN_SIDECARS.some((s) => names.includes(normal(s)));
}

export interface ContainerChoice<C> {
  container?: C;
  /** How it was chosen, in words. */
  by?: 'config' | 'image' | 'name' | 'only' | 'not-a-sidecar';
  /** Set when no container could be chosen: the code and message of the warning. */
  problem?: { code: 'CONTAINER_NOT_FOUND' | 'CONTAINER_AMBIGUOUS'; message: string };
}

const describe = (containers: readonly { name: string; image?: string }[]) => containers.map((c) => `${c.name} (${c.image ?? 'no image'})`).join(', ');

/**
 * The application container of a pod template (`containers` only: init containers never count).
 * In order: the config's `workload.container`; the one container whose image is named like the
 * repository (`acme/shop-api` or `…/shop-api`); the one named like the service; the only
 * container; the one container that is not a known sidecar (KNOWN_SIDECARS). Otherwise no
 * container, and a problem naming the containers, so that the version is not read from a guess.
 */
export function chooseContainer<C extends { name: string; image?: string }>(containers: readonly C[], service: Pick<Service, 'name' | 'repository' | 'workload'>, where: string): ContainerChoice<C> {
  const wanted = service.workload.container;
  if (wanted) {
    const found = containers.find((c) => c.name === wanted);
    if (found) return { container: found, by: 'config' };
    return { problem: { code: 'CONTAINER_NOT_FOUND', message: `${where} has no container "${wanted}" (it has ${describe(containers) || 'none'})` } };
  }
  if (containers.length === 1) return { container: containers[0], by: 'only' };
  const [owner, repo] = service.repository.includes('/') ? service.repository.split('/', 2) : ['', service.repository];
  const byImage = containers.filter((c) => {
    if (!c.image) return false;
    const path = normal(imagePath(c.image));
    const base = normal(imageBaseName(c.image));
    return base === normal(repo) || (owner !== '' && path.endsWith(normal(`${owner}/${repo}`)));
  });
  if (byImage.length === 1) return { container: byImage[0], by: 'image' };
  const byName = containers.filter((c) => normal(c.name) === normal(service.name) || (c.image && normal(imageBaseName(c.image)) === normal(service.name)));
  if (byName.length === 1) return { container: byName[0], by: 'name' };
  const apps = containers.filter((c) => !isKnownSidecar(c));
  if (apps.length === 1) return { container: apps[0], by: 'not-a-sidecar' };
  if (containers.length === 0) return {};
  return {
    problem: {
      code: 'CONTAINER_AMBIGUOUS',
      message: `${where} has ${containers.length} containers and none is clearly the application: ${describe(containers)}. Set workload.container to the application's container name`,
    },
  };
}
