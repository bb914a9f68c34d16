import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { demoFixture, startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

/** A service's `environments:` says where it is meant to run: snap looks for it only there. */
let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a service that runs only in some environments', () => {
  it('is not looked for elsewhere: no WORKLOAD_NOT_FOUND there, and no promotion is computed across it', async () => {
    t = await startTestSandbox();
    const config = await t.config({}, (raw) => {
      const service = raw.projects[0].services[0];
      // Only prod: in dev and staging it is not meant to run.
      service.environments = ['prod'];
      service.workload = { name: 'no-such-workload-in-dev' };
      raw.projects[0].services[0] = service;
    });
    const project = config.projects[0];
    const service = project.services[0];
    expect(service.environments).toEqual([{ name: 'prod' }]);
    const { snapshot } = await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken });
    const envs = snapshot.projects[project.name].environments;
    expect(Object.keys(envs.dev.services)).not.toContain(service.name);
    expect(Object.keys(envs.prod.services)).toContain(service.name);
    const notFound = snapshot.warnings.filter((w) => w.code === 'WORKLOAD_NOT_FOUND' && w.scope.service === service.name);
    expect(notFound.map((w) => w.scope.environment)).toEqual(['prod']);
    const devToStaging = snapshot.drift?.[project.name].find((p) => p.from === 'dev' && p.to === 'staging');
    expect(devToStaging?.services.map((s) => s.service)).not.toContain(service.name);
    expect(devToStaging?.unknown?.map((u) => u.service) ?? []).not.toContain(service.name);
  });

  it('runs in one of two prod regions: looked for only in that cluster', async () => {
    const fixture = demoFixture();
    const prod = fixture.clusters.find((c) => c.context === 'sandbox-prod')!;
    const us = structuredClone(prod);
    us.context = 'sandbox-prod-us';
    const only = prod.deployments[0];
    us.deployments = us.deployments.filter((d) => d.name !== only.name);
    fixture.clusters.push(us);
    t = await startTestSandbox(fixture);
    const config = await t.config({}, (raw) => {
      const env = raw.environments.find((e: { name: string }) => e.name === 'prod');
      env.targets = [{ context: 'sandbox-prod', namespaces: env.namespaces }, { context: 'sandbox-prod-us', namespaces: env.namespaces }];
      delete env.context;
      delete env.namespaces;
      for (const p of raw.projects) for (const s of p.services) if (s.name === only.name) s.environments = ['dev', 'staging', { name: 'prod', contexts: ['sandbox-prod'] }];
    });
    const { snapshot } = await runSnapshot(config, { progress: silentProgress, githubToken: t.sandbox.githubToken });
    expect(snapshot.warnings.filter((w) => w.code === 'WORKLOAD_NOT_FOUND')).toEqual([]);
    const project = config.projects.find((p) => p.services.some((s) => s.name === only.name))!;
    const state = snapshot.projects[project.name].environments.prod.services[only.name];
    expect(state.status).toBe('running');
    expect(state.targets?.map((x) => x.context)).toEqual(['sandbox-prod']);
    // A context the environment does not have is a config error.
    const bad = parseConfig(
      'version: 1\nenvironments: [{ name: prod, targets: [{ context: eu }, { context: us }] }]\nprojects: [{ name: shop, services: [{ name: api, repository: acme/api, environments: [{ name: prod, contexts: [asia] }] }] }]\n',
      '/tmp/snap.config.yaml',
      { env: {} },
    );
    expect(bad.errors.map((e) => e.message)).toEqual(['service "api" names context "asia" in environment "prod", which is not one of its targets']);
  });

  it('an environment the project does not have is a config error naming the ones it has', () => {
    const yaml = 'version: 1\nenvironments: [{ name: dev, context: a }, { name: prod, context: b }]\nprojects: [{ name: shop, services: [{ name: api, repository: acme/api, environments: [prd] }] }]\n';
    const { errors } = parseConfig(yaml, '/tmp/snap.config.yaml', { env: {} });
    expect(errors.map((e) => e.message)).toEqual(['service "api" names environment "prd", which project "shop" does not have']);
    expect(errors[0].hint).toBe('its environments: dev, prod');
  });
});
