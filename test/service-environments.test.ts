import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { silentProgress } from '../src/core/progress.js';
import { runSnapshot } from '../src/core/run.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

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
    expect(service.environments).toEqual(['prod']);
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

  it('an environment the project does not have is a config error naming the ones it has', () => {
    const yaml = 'version: 1\nenvironments: [{ name: dev, context: a }, { name: prod, context: b }]\nprojects: [{ name: shop, services: [{ name: api, repository: acme/api, environments: [prd] }] }]\n';
    const { errors } = parseConfig(yaml, '/tmp/snap.config.yaml', { env: {} });
    expect(errors.map((e) => e.message)).toEqual(['service "api" names environment "prd", which project "shop" does not have']);
    expect(errors[0].hint).toBe('its environments: dev, prod');
  });
});
