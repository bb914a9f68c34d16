import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { buildConfig } from '../src/onboard/build-config.js';
import { chooseContainer } from '../src/sources/kubernetes/containers.js';
import { mergeWithExisting, readExisting } from '../src/onboard/existing.js';
import { propose, survey, type Discovery } from '../src/onboard/plan.js';
import { proposeEnvironments } from '../src/onboard/propose/environments.js';
import { imageOrigin, parseImageReference } from '../src/onboard/propose/images.js';
import { mapWorkloads } from '../src/onboard/propose/mapping.js';
import { proposeProjects } from '../src/onboard/propose/projects.js';
import { proposeServices } from '../src/onboard/propose/services.js';
import { proposeTickets } from '../src/onboard/propose/tickets.js';
import { proposeVersion } from '../src/onboard/propose/version.js';
import type { DiscoveredRepo, DiscoveredWorkload } from '../src/onboard/types.js';
import { repo, workload as wl } from './helpers/onboard.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Onboarding's proposals on the cases real organisations showed (one test per defect kind). */

/** The config `--yes` would write for these repositories and workloads (all repositories selected). */
async function yesConfig(repos: DiscoveredRepo[], workloads: DiscoveredWorkload[]) {
  const discovery: Discovery = { owner: 'acme', repos, clusters: [], workloads };
  const found = await survey(discovery);
  const selected = repos.filter((r) => !r.archived && !r.fork);
  const proposal = propose(discovery, found, selected);
  const services = proposeServices(
    proposal.mappings.filter((m) => m.confidence >= 0.6),
    repos,
  );
  const built = buildConfig({
    repos,
    environments: proposal.environments,
    services,
    projects: proposeProjects(selected.filter((r) => services.some((s) => s.repository === r.repository))).projects,
    tickets: { jiraProjects: [], githubIssues: true },
    workloads,
  });
  const check = parseConfig(built.yaml, '/tmp/snap.config.yaml', { env: {} });
  return { proposal, found, services, built, errors: check.errors };
}

describe('repositories that are not services', () => {
  it('a .github repository is never a service, and names the config cannot take are written as it can', async () => {
    const repos = [repo('.github'), repo('.github-private'), repo('PaymentsUI'), repo('payments_service')];
    const workloads = [wl('prod', 'payments', 'payments-ui', 'registry.acme.internal/payments/paymentsui:1.0.0'), wl('prod', 'payments', 'payments-service', 'registry.acme.internal/payments/payments_service:1.0.0')];
    const { built, errors, proposal } = await yesConfig(repos, workloads);
    expect(errors).toEqual([]);
    expect(proposal.meta.map((r) => r.name)).toEqual(['.github', '.github-private']);
    const services = (built.raw.projects as { name: string; services: { name: string; repository: string }[] }[]).flatMap((p) => p.services.map((s) => `${p.name}/${s.name}=${s.repository}`));
    expect(services).toEqual(['payments/payments-ui=acme/PaymentsUI', 'payments/payments-service=acme/payments_service']);
  });

  it('repositories no workload runs are listed as such and left out', async () => {
    const repos = [repo('shop-api'), repo('go-commons'), repo('terraform-aws'), repo('docs')];
    const { proposal, built } = await yesConfig(repos, [wl('prod', 'shop', 'shop-api', 'ghcr.io/acme/shop-api:1.0.0')]);
    expect(proposal.idle.map((r) => r.name)).toEqual(['go-commons', 'terraform-aws', 'docs']);
    expect((built.raw.projects as { services: unknown[] }[]).flatMap((p) => p.services)).toHaveLength(1);
  });
});

describe('environments from names', () => {
  it('a team word in the middle of a namespace is no environment (bank-integration-prd is prod), in a shared cluster', () => {
    const scan = proposeEnvironments(
      ['payments', 'bank-integration', 'ledger'].flatMap((team) => ['dev', 'stg', 'prd'].map((env) => wl('k8s-main', `${team}-${env}`, `${team}-api`, 'x'))),
    );
    expect(scan.proposals.map((p) => [p.name, p.targets[0].namespaces])).toEqual([
      ['dev', ['bank-integration-dev', 'ledger-dev', 'payments-dev']],
      ['staging', ['bank-integration-stg', 'ledger-stg', 'payments-stg']],
      ['prod', ['bank-integration-prd', 'ledger-prd', 'payments-prd']],
    ]);
    expect(scan.proposals.map((p) => p.reason)).toEqual([
      'namespaces in k8s-main end with an environment word (bank-integration-dev, ledger-dev, …)',
      'namespaces in k8s-main end with an environment word (bank-integration-stg, ledger-stg, …)',
      'namespaces in k8s-main end with an environment word (bank-integration-prd, ledger-prd, …)',
    ]);
  });

  it('a namespace called integration in a cluster per environment belongs to that cluster\'s environment', () => {
    const scan = proposeEnvironments(['acme-dev', 'acme-prod'].flatMap((ctx) => ['payments', 'integration', 'ledger'].map((ns) => wl(ctx, ns, `${ns}-api`, 'x'))));
    expect(scan.proposals.map((p) => [p.name, p.targets])).toEqual([
      ['dev', [{ context: 'acme-dev', namespaces: ['integration', 'ledger', 'payments'] }]],
      ['prod', [{ context: 'acme-prod', namespaces: ['integration', 'ledger', 'payments'] }]],
    ]);
    expect(scan.proposals[1].reason).toBe('context acme-prod says "prod"');
  });

  it('two prod regions are one environment with two targets', () => {
    const eu = 'gke_acme-prod_europe-west1_prod-eu';
    const us = 'arn:aws:eks:us-east-1:123456789012:cluster/prod-us';
    const workloads = [
      ...['a', 'b', 'c'].map((n) => wl('gke_acme-nonprod_europe-west1_nonprod', 'shop-dev', n, 'x')),
      ...['a', 'b', 'c'].map((n) => wl(eu, 'shop', n, 'x')),
      ...['a', 'b'].map((n) => wl(us, 'shop', n, 'x')),
    ];
    expect(proposeEnvironments(workloads).proposals.map((p) => [p.name, p.targets.map((t) => t.context)])).toEqual([
      ['dev', ['gke_acme-nonprod_europe-west1_nonprod']],
      ['prod', [eu, us]],
    ]);
  });
});

describe('several services per repository', () => {
  it('every workload a repository builds is a service (a monorepo with folders, a web and a worker, an api and its canary)', async () => {
    const platform = repo('platform', { folders: ['services', 'services/auth', 'services/gateway', 'services/audit', 'docs'] });
    const repos = [platform, repo('billing-v2'), repo('shop-api')];
    const workloads = ['dev', 'prd'].flatMap((env) => [
      wl(`acme-${env}`, 'platform', 'auth', 'europe-docker.pkg.dev/acme-prod/containers/platform/auth:1.2.0'),
      wl(`acme-${env}`, 'platform', 'gateway', 'europe-docker.pkg.dev/acme-prod/containers/platform/gateway:1.2.0'),
      wl(`acme-${env}`, 'platform', 'audit', 'europe-docker.pkg.dev/acme-prod/containers/platform/audit:1.2.0'),
      wl(`acme-${env}`, 'billing', 'billing-web', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing/billing-v2:2.0.1', { labels: { 'app.kubernetes.io/name': 'billing-v2', 'app.kubernetes.io/component': 'web' } }),
      wl(`acme-${env}`, 'billing', 'billing-worker', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing/billing-v2:2.0.1', { labels: { 'app.kubernetes.io/name': 'billing-v2', 'app.kubernetes.io/component': 'worker' } }),
      wl(`acme-${env}`, 'shop', 'shop-api', 'ghcr.io/acme/shop-api:3.1.0'),
      wl(`acme-${env}`, 'shop', 'shop-api-canary', 'ghcr.io/acme/shop-api:3.2.0'),
    ]);
    const { services, errors } = await yesConfig(repos, workloads);
    expect(errors).toEqual([]);
    expect(services.map((s) => [s.repository, s.name, s.mappings.length, s.paths])).toEqual([
      ['acme/billing-v2', 'billing-web', 2, undefined],
      ['acme/billing-v2', 'billing-worker', 2, undefined],
      ['acme/platform', 'audit', 2, ['services/audit']],
      ['acme/platform', 'auth', 2, ['services/auth']],
      ['acme/platform', 'gateway', 2, ['services/gateway']],
      ['acme/shop-api', 'shop-api', 2, undefined],
      ['acme/shop-api', 'shop-api-canary', 2, undefined],
    ]);
  });
});

describe('workloads of the same name', () => {
  const worker = (ns: string, repoName: string, labels: Record<string, string>) => wl(ns.startsWith('dev') ? 'acme-dev' : 'acme-prod', ns, 'worker', `ghcr.io/acme/${repoName}:1.0.0`, { labels, objectLabels: labels });

  it('in two projects\' namespaces: each project lists its own namespaces, so neither finds the other\'s', async () => {
    const repos = [repo('checkout-worker'), repo('identity-worker')];
    const workloads = ['dev', 'prd'].flatMap((env) => [worker(`${env}-checkout`, 'checkout-worker', { app: 'worker' }), worker(`${env}-iam`, 'identity-worker', { app: 'worker' })]);
    const { built, errors } = await yesConfig(repos, workloads);
    expect(errors).toEqual([]);
    expect(built.dropped).toEqual([]);
    expect(built.raw.environments).toBeUndefined();
    const projects = built.raw.projects as { name: string; environments: { name: string; namespaces: string[] }[]; services: { name: string; repository: string }[] }[];
    expect(projects.map((p) => [p.name, p.environments.map((e) => `${e.name}:${e.namespaces.join('+')}`), p.services.map((x) => x.repository)])).toEqual([
      ['checkout', ['dev:dev-checkout', 'prod:prd-checkout'], ['acme/checkout-worker']],
      ['identity', ['dev:dev-iam', 'prod:prd-iam'], ['acme/identity-worker']],
    ]);
  });

  it('in one project\'s namespaces: a label only its own carry, or, without one, left out and said so', async () => {
    const repos = [repo('platform-queue'), repo('platform-mailer')];
    const workloads = ['dev', 'prd'].flatMap((env) => [
      worker(`${env}-queue`, 'platform-queue', { 'app.kubernetes.io/name': 'worker', 'app.kubernetes.io/instance': 'queue-worker' }),
      worker(`${env}-mail`, 'platform-mailer', { 'app.kubernetes.io/name': 'worker', 'app.kubernetes.io/instance': 'mail-worker' }),
    ]);
    const told = await yesConfig(repos, workloads);
    expect(told.errors).toEqual([]);
    const services = (told.built.raw.projects as { services: { repository: string; workload?: Record<string, string> }[] }[]).flatMap((p) => p.services);
    expect(services.map((x) => [x.repository, x.workload])).toEqual([
      ['acme/platform-queue', { name: 'worker', selector: 'app.kubernetes.io/instance=queue-worker' }],
      ['acme/platform-mailer', { name: 'worker', selector: 'app.kubernetes.io/instance=mail-worker' }],
    ]);
    for (const w of workloads) w.objectLabels = w.labels = { app: 'worker' };
    const untold = await yesConfig(repos, workloads);
    expect(untold.built.raw.projects).toEqual([]);
    expect(untold.built.dropped.map((d) => d.repository)).toEqual(['acme/platform-queue', 'acme/platform-mailer']);
    expect(untold.built.dropped[0].reason).toMatch(/^left out: .*dev-mail\/worker.* would be found as well, and no label tells them apart/);
  });
});

describe('workloads of the same name, when namespaces tell only some apart', () => {
  it('each project lists its own namespaces when that tells more of them apart, and labels do the rest', async () => {
    const repos = [repo('shop-worker'), repo('shop-mailer'), repo('payments-worker')];
    const w = (ns: string, repoName: string, labels: Record<string, string>) => wl('acme-prod', ns, 'worker', `ghcr.io/acme/${repoName}:1.0.0`, { labels, objectLabels: labels });
    const workloads = [
      w('shop', 'shop-worker', { 'app.kubernetes.io/part-of': 'shop' }),
      w('accounts', 'shop-mailer', { 'app.kubernetes.io/part-of': 'accounts' }),
      w('money', 'payments-worker', { app: 'worker' }),
    ];
    const { built, errors } = await yesConfig(repos, workloads);
    expect(errors).toEqual([]);
    expect(built.dropped).toEqual([]);
    const projects = built.raw.projects as { name: string; environments?: { namespaces: string[] }[]; services: { repository: string; workload?: Record<string, string> }[] }[];
    expect(projects.map((p) => [p.name, p.environments?.[0].namespaces, p.services.map((x) => [x.repository, x.workload?.selector])])).toEqual([
      ['payments', ['money'], [['acme/payments-worker', undefined]]],
      [
        'shop',
        ['accounts', 'shop'],
        [
          ['acme/shop-worker', 'app.kubernetes.io/part-of=shop'],
          ['acme/shop-mailer', 'app.kubernetes.io/part-of=accounts'],
        ],
      ],
    ]);
  });
});

describe('a repository running twice in one cluster', () => {
  it('under two names (accounts/identity-web and shop/checkout-web): two services, not one left out', async () => {
    const workloads = ['dev', 'prd'].flatMap((env) => [
      wl(`acme-${env}`, 'accounts', 'identity-web', 'ghcr.io/acme/identity-web:1.0.0'),
      wl(`acme-${env}`, 'shop', 'checkout-web', 'ghcr.io/acme/identity-web:1.0.0'),
    ]);
    const { built, errors } = await yesConfig([repo('identity-web')], workloads);
    expect(errors).toEqual([]);
    expect(built.dropped).toEqual([]);
    expect((built.raw.projects as { services: { name: string }[] }[]).flatMap((p) => p.services.map((x) => x.name))).toEqual(['checkout-web', 'identity-web']);
  });

  it('a developer\'s copy beside it: the copy in a namespace of its own is left out and said, the service reads the real one', async () => {
    const workloads = [
      wl('acme-dev', 'accounts', 'identity-api', 'ghcr.io/acme/identity-api:1.0.0'),
      wl('acme-dev', 'accounts', 'identity-worker', 'ghcr.io/acme/identity-worker:1.0.0'),
      wl('acme-dev', 'sandbox-ken', 'identity-api', 'ghcr.io/acme/identity-api:1.1.0-dev'),
      wl('acme-prd', 'accounts', 'identity-api', 'ghcr.io/acme/identity-api:1.0.0'),
      wl('acme-prd', 'accounts', 'identity-worker', 'ghcr.io/acme/identity-worker:1.0.0'),
    ];
    const { built, errors } = await yesConfig([repo('identity-api'), repo('identity-worker')], workloads);
    expect(errors).toEqual([]);
    expect(built.dropped.map((d) => d.reason)).toEqual(["a second copy in acme-dev/sandbox-ken/identity-api is left out (the project's services run in accounts)"]);
    const envs = built.raw.environments as { name: string; namespaces?: string[] }[];
    expect(envs.map((e) => [e.name, e.namespaces])).toEqual([
      ['dev', ['accounts']],
      ['prod', ['accounts']],
    ]);
  });
});

describe('third-party workloads', () => {
  it('are told by their image, and never mapped to a look-alike repository', () => {
    const repos = ['keycloak-theme', 'argocd-apps', 'ingress-nginx-config', 'elasticsearch-config', 'platform-gateway-plugins', 'redis-tools', 'keycloak'].map((n) => repo(n, { fork: n === 'keycloak' }));
    const workloads = [
      wl('prod', 'identity', 'keycloak', 'quay.io/keycloak/keycloak:24.0.5', { kind: 'StatefulSet', labels: { 'app.kubernetes.io/name': 'keycloak' } }),
      wl('prod', 'argocd', 'argocd-server', 'quay.io/argoproj/argocd:v2.11.3', { labels: { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/name': 'argocd-server' } }),
      wl('prod', 'argocd', 'argocd-repo-server', 'quay.io/argoproj/argocd:v2.11.3', { labels: { 'app.kubernetes.io/part-of': 'argocd' } }),
      wl('prod', 'ingress-nginx', 'nginx-ingress-controller', 'registry.k8s.io/ingress-nginx/controller:v1.10.1'),
      wl('prod', 'monitoring', 'elasticsearch-exporter', 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.7.0'),
      wl('prod', 'platform', 'platform-gateway', 'kong/kong-gateway:3.6.1.4'),
      wl('prod', 'cache', 'redis', 'bitnami/redis:7.2.4'),
      wl('prod', 'db', 'pgbouncer', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/edoburu/pgbouncer:1.22.1'),
    ];
    const { mappings, thirdParty } = mapWorkloads(repos, workloads, 'acme');
    expect(mappings).toEqual([]);
    expect(thirdParty.map((t) => [t.workload.name, t.reason])).toEqual([
      ['keycloak', 'image quay.io/keycloak/keycloak is published by keycloak, not acme'],
      ['argocd-server', 'image quay.io/argoproj/argocd is published by argoproj, not acme'],
      ['argocd-repo-server', 'image quay.io/argoproj/argocd is published by argoproj, not acme'],
      ['nginx-ingress-controller', 'image registry.k8s.io/ingress-nginx/controller is published by ingress-nginx, not acme'],
      ['elasticsearch-exporter', 'image quay.io/prometheuscommunity/elasticsearch-exporter is published by prometheuscommunity, not acme'],
      ['platform-gateway', 'image docker.io/kong/kong-gateway is published by kong, not acme'],
      ['redis', 'image docker.io/bitnami/redis is published by bitnami, not acme'],
      ['pgbouncer', 'image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/edoburu/pgbouncer is a copy of an upstream image (path "mirror/")'],
    ]);
  });

  it('the organisation\'s own namespaces on public registries are its own', () => {
    expect(imageOrigin('ghcr.io/acme/shop-api:1', 'acme')).toEqual({ origin: 'own' });
    expect(imageOrigin('docker.io/acmecorp/shop-api:1', 'acme-corp')).toEqual({ origin: 'own' });
    expect(imageOrigin('registry.acme.internal:5000/shop/web:1.1.0', 'acme')).toEqual({ origin: 'own' });
    expect(imageOrigin('redis:7', 'acme')).toEqual({ origin: 'upstream', reason: 'image docker.io/library/redis is published by Docker Official Images, not acme' });
  });
});

describe('image references', () => {
  it('are parsed as Docker does: a registry with a port is no tag', () => {
    expect(parseImageReference('registry.example.com:5000/acme/shop-web:1.1.0')).toEqual({ registry: 'registry.example.com:5000', path: 'acme/shop-web', name: 'shop-web', tag: '1.1.0' });
    expect(parseImageReference('localhost:5000/shop-web')).toEqual({ registry: 'localhost:5000', path: 'shop-web', name: 'shop-web' });
    expect(parseImageReference(`redis@sha256:${'a'.repeat(64)}`)).toEqual({ registry: 'docker.io', path: 'library/redis', name: 'redis', digest: `sha256:${'a'.repeat(64)}` });
    expect(parseImageReference('Not An Image')).toBeUndefined();
  });

  it('the container written for a service is the application\'s, also behind a registry with a port', async () => {
    const workloads = ['dev', 'prod'].map((env) =>
      wl(`acme-${env}`, 'shop', 'shop-web', 'x', {
        containers: [
          { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0' },
          { name: 'web', image: 'registry.example.com:5000/acme/shop-web:1.1.0' },
          { name: 'nginx', image: 'registry.example.com:5000/acme/nginx-cache:2.0.0' },
        ],
      }),
    );
    // The storefront workload runs shop-web's image beside a proxy and a cache of the organisation's own.
    for (const w of workloads) w.name = 'storefront';
    const { built, errors } = await yesConfig([repo('shop-web'), repo('nginx-cache')], workloads);
    expect(errors).toEqual([]);
    const service = (built.raw.projects as { services: { name: string; repository: string; workload?: { container?: string } }[] }[]).flatMap((p) => p.services).find((s) => s.repository === 'acme/shop-web')!;
    // What snap run will read: the config's container, else its own choice.
    const chosen = chooseContainer(workloads[0].containers, { ...service, workload: service.workload ?? {} }, 'x').container;
    expect(chosen?.name).toBe('web');
  });

  it('a sha- tag of seven digits names a commit, as one with a letter does', () => {
    expect(proposeVersion([wl('c', 'n', 'a', 'ghcr.io/acme/cart:sha-1458234'), wl('c', 'n', 'a', 'ghcr.io/acme/cart:sha-1458a34')])).toMatchObject({ from: 'image-tag' });
  });
});

describe('tickets', () => {
  it('proposes the tracker host when keys appear in its URLs, and keeps a key seen once where references go', () => {
    const prs = [
      { title: 'Refund retries', headRefName: 'fix/retries', body: 'See https://acme.atlassian.net/browse/PAY-412 for the details.' },
      { title: 'SEC-7: rotate keys', headRefName: 'chore/rotate' },
      { title: 'Bump UTF-8 handling (ISO-8601 too)', headRefName: 'bump', body: 'https://github.com/acme/shop/pull/12' },
    ];
    expect(proposeTickets([repo('shop', { recentPullRequests: prs })])).toEqual({
      jiraProjects: [
        { key: 'PAY', count: 1 },
        { key: 'SEC', count: 1 },
      ],
      githubIssues: false,
      hosts: [{ host: 'acme.atlassian.net', count: 1 }],
    });
  });
});

describe('running onboard again over a config', () => {
  it('starts from it: its services stay as written, new ones are added, only deselected repositories go', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-existing-'));
    const file = path.join(dir, 'snap.config.yaml');
    await writeFile(
      file,
      '# our shop\nversion: 1\ntickets: { jiraProjects: [PAY] }\nhistory: { days: 90 } # a quarter\nenvironments: [{ name: prod, context: acme-prod }]\nprojects:\n  - name: shop\n    services:\n      - { name: api, repository: acme/shop-api, workload: { name: shop-api-v2 } }\n      - { name: legacy, repository: acme/legacy }\n',
    );
    const { existing } = await readExisting(file);
    expect([...existing!.repositories]).toEqual(['acme/shop-api', 'acme/legacy']);
    expect(existing!.environments).toEqual([{ name: 'prod', targets: [{ context: 'acme-prod', namespaces: null }], reason: `from ${file}` }]);
    const fresh = parse('version: 1\ntickets: { jiraProjects: [CHK], githubIssues: true }\nenvironments: [{ name: prod, context: acme-prod }]\nprojects:\n  - name: shop\n    services:\n      - { name: api, repository: acme/shop-api }\n      - { name: web, repository: acme/shop-web }\n');
    const merged = mergeWithExisting(existing!, fresh, new Set());
    expect(merged.raw.history).toEqual({ days: 90 });
    expect(merged.raw.tickets).toEqual({ jiraProjects: ['PAY', 'CHK'] });
    // The file is edited in place: its comments and the order of its keys stay.
    expect(merged.text).toMatch(/^# our shop\nversion: 1\ntickets: .*\nhistory: \{ days: 90 \} # a quarter\nenvironments:/);
    expect(merged.raw.projects).toEqual([
      {
        name: 'shop',
        services: [
          { name: 'api', repository: 'acme/shop-api', workload: { name: 'shop-api-v2' } },
          { name: 'legacy', repository: 'acme/legacy' },
          { name: 'web', repository: 'acme/shop-web' },
        ],
      },
    ]);
    expect(merged.added).toEqual(['shop/web']);
    expect(mergeWithExisting(existing!, fresh, new Set(['acme/legacy'])).removed).toEqual(['shop/legacy']);
    // A service kept as written that now runs in more places (a second region) follows them.
    const regional = parse('version: 1\nenvironments: [{ name: prod, targets: [{ context: eu }, { context: us }] }]\nprojects:\n  - name: shop\n    services:\n      - name: api # ours\n        repository: acme/shop-api\n        environments: [{ name: prod, contexts: [eu] }]\n');
    const dir2 = await mkdtemp(path.join(tmpdir(), 'snap-existing-'));
    await writeFile(path.join(dir2, 'c.yaml'), stringify(regional));
    const widened = mergeWithExisting((await readExisting(path.join(dir2, 'c.yaml'))).existing!, parse('projects: [{ name: shop, services: [{ name: api, repository: acme/shop-api }] }]'), new Set());
    expect((widened.raw.projects as { services: Record<string, unknown>[] }[])[0].services[0].environments).toBeUndefined();
    expect(widened.notes).toEqual(['shop/api runs in more places than the file said; its environments now follow them']);
    // A project new to the file, whose namespaces its shared environments do not read, gets its own.
    const templated = mergeWithExisting(
      existing!,
      parse('projects: [{ name: identity, services: [{ name: iam-api, repository: acme/iam-api }] }]'),
      new Set(),
      () => true,
      { covered: (project) => project !== 'identity', ownEnvironments: () => [{ name: 'prod', context: 'acme-prod', namespaces: ['prd-iam'] }] },
    );
    expect((templated.raw.projects as { name: string; environments?: unknown }[]).find((p) => p.name === 'identity')?.environments).toEqual([{ name: 'prod', context: 'acme-prod', namespaces: ['prd-iam'] }]);
    // A service added to a project whose namespaces miss it is named, not written to find nothing.
    const missed = mergeWithExisting(existing!, parse('projects: [{ name: shop, services: [{ name: web, repository: acme/shop-web }] }]'), new Set(), () => true, { covered: () => false });
    expect((missed.raw.projects as { services: unknown[] }[])[0].services).toHaveLength(2);
    expect(missed.notes).toEqual(['web (acme/shop-web) was not added to shop: it runs in namespaces its environments do not read; add them, or move the file aside and run snap onboard again']);
    // A service renamed by hand without workload.name finds nothing; the one added beside it is named.
    const renamed = mergeWithExisting(existing!, parse('projects: [{ name: shop, services: [{ name: legacy-api, repository: acme/legacy }] }]'), new Set(), (x) => x.name !== 'legacy');
    expect(renamed.notes).toEqual(['shop/legacy (acme/legacy) finds no workload now, and legacy-api was added for the same repository: if legacy is legacy-api renamed, set its workload.name and delete legacy-api']);
  });
});
