import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, snapshotJsonSchema } from '../src/config/json-schema.js';
import { parseConfig } from '../src/config/load.js';
import { formatIssue } from '../src/config/types.js';

const GOOD = `version: 1
dataDir: data
environments:
  - name: dev
    context: nonprod
    namespaces: ["{project}-dev"]
  - name: prod
    context: prod
projects:
  - name: payments
    services:
      - name: payments-api
        repository: acme/payments-api
      - name: ledger
        repository: acme/ledger
        workload:
          selector: app.kubernetes.io/name=ledger,tier!=canary
          container: app
        version:
          from: label
          key: app.kubernetes.io/version
  - name: search
    environments:
      - name: prod
        context: prod
        namespaces: [search]
    services:
      - name: indexer
        repository: acme/indexer
`;

const load = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, '/etc/snap/snap.config.yaml', { env });

describe('config loading', () => {
  it('normalises a good file: defaults, {project} placeholders, per-project environments, paths', () => {
    const { config, errors, warnings } = load(GOOD);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config!.dataDir).toBe('/etc/snap/data');
    expect(config!.kubernetes).toEqual({ kubeconfig: undefined, concurrency: 4, pageSize: 500, requestTimeoutMs: 20_000, listScope: 'auto' });
    const [payments, search] = config!.projects;
    expect(payments.environments).toEqual([
      { name: 'dev', context: 'nonprod', namespaces: ['payments-dev'], targets: [{ context: 'nonprod', namespaces: ['payments-dev'] }] },
      { name: 'prod', context: 'prod', namespaces: null, targets: [{ context: 'prod', namespaces: null }] },
    ]);
    expect(payments.services[0]).toEqual({ name: 'payments-api', repository: 'acme/payments-api', workload: { name: 'payments-api' }, version: { from: 'image-tag' } });
    expect(payments.services[1].workload).toEqual({ selector: 'app.kubernetes.io/name=ledger,tier!=canary', container: 'app' });
    expect(search.environments).toEqual([{ name: 'prod', context: 'prod', namespaces: ['search'], targets: [{ context: 'prod', namespaces: ['search'] }] }]);
    expect(config!.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lets SNAP_DATA_DIR and SNAP_KUBECONFIG override the file', () => {
    const { config } = parseConfig(GOOD, '/etc/snap/snap.config.yaml', { env: { SNAP_DATA_DIR: '/var/lib/snap', SNAP_KUBECONFIG: '/k/config' } });
    expect(config!.dataDir).toBe('/var/lib/snap');
    expect(config!.kubernetes.kubeconfig).toBe('/k/config');
    const flag = parseConfig(GOOD, '/etc/snap/snap.config.yaml', { env: { SNAP_DATA_DIR: '/var/lib/snap' }, dataDir: '/flag' });
    expect(flag.config!.dataDir).toBe('/flag');
  });

  it('names file, line and key of an unknown key, with a suggestion', () => {
    const text = GOOD.replace('          container: app', '          containr: app');
    const { config, errors } = load(text);
    expect(config).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'projects[0].services[1].workload.containr', line: 18, message: 'unknown key "containr"', hint: 'did you mean "container"?' });
    expect(formatIssue(errors[0])).toBe('/etc/snap/snap.config.yaml:18:11 projects[0].services[1].workload.containr: unknown key "containr" (did you mean "container"?)');
  });

  it('reports a missing required key at its parent', () => {
    const { errors } = load(GOOD.replace('        repository: acme/ledger\n', ''));
    expect(errors).toEqual([expect.objectContaining({ path: 'projects[0].services[1].repository', message: 'is required', line: 14 })]);
  });

  it('rejects a bad enum value with the allowed values and a suggestion', () => {
    const { errors } = load(GOOD.replace('from: label', 'from: labels'));
    expect(errors[0]).toMatchObject({ path: 'projects[0].services[1].version.from', line: 20 });
    expect(errors[0].hint).toContain('did you mean "label"?');
  });

  it('rejects a wrong type, a bad repository and a bad version', () => {
    const { errors } = load(GOOD.replace('version: 1', 'version: 2').replace('repository: acme/indexer', 'repository: indexer'));
    expect(errors.map((e) => e.path).sort()).toEqual(['projects[1].services[0].repository', 'version']);
    expect(errors.find((e) => e.path.endsWith('repository'))!.message).toContain('owner/name');
  });

  it('reports YAML syntax errors with their line', () => {
    const { errors } = load('version: 1\nprojects:\n  - name: [unclosed\n');
    expect(errors[0].message).toMatch(/^YAML: /);
    expect(errors[0].line).toBeGreaterThanOrEqual(3);
  });

  it('reports duplicate keys in the YAML', () => {
    const { errors } = load(`${GOOD}dataDir: other\n`);
    expect(errors[0].message).toMatch(/the key "dataDir" appears twice in the same mapping \(lines 2 and \d+\)/);
  });

  it('checks names are unique, selectors parse, and label versions have a key', () => {
    const text = GOOD.replace('- name: ledger', '- name: payments-api')
      .replace('app.kubernetes.io/name=ledger,tier!=canary', 'app in (a,')
      .replace('          key: app.kubernetes.io/version\n', '');
    const { errors } = load(text);
    const messages = errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('projects[0].services[1].name: service "payments-api" is listed twice'),
        expect.stringContaining('projects[0].services[1].workload.selector'),
        expect.stringContaining('projects[0].services[1].version: version.from is "label" but no key is given'),
      ]),
    );
  });

  it('needs environments for every project', () => {
    const text = GOOD.replace(/environments:\n  - name: dev[\s\S]*?(?=projects:)/, '');
    const { errors } = load(text);
    expect(errors).toEqual([expect.objectContaining({ path: 'projects[0]', message: 'project "payments" has no environments' })]);
  });

  it('warns about keys that have no effect', () => {
    const { config, warnings } = load(GOOD.replace('        repository: acme/payments-api\n', '        repository: acme/payments-api\n        version: { from: image-tag, key: x }\n'));
    expect(config).toBeDefined();
    expect(warnings[0]).toMatchObject({ path: 'projects[0].services[0].version.key', severity: 'warning' });
  });
});

describe('published JSON Schemas', () => {
  it('match the zod schemas they are generated from (run `npm run schemas` after changing one)', async () => {
    const root = path.resolve(import.meta.dirname, '..', 'schema');
    expect(JSON.parse(await readFile(path.join(root, 'snap.config.schema.json'), 'utf8'))).toEqual(configJsonSchema());
    expect(JSON.parse(await readFile(path.join(root, 'snapshot.schema.json'), 'utf8'))).toEqual(snapshotJsonSchema());
  });

  it('describe the config keys editors complete', () => {
    const schema = configJsonSchema() as any;
    expect(schema.required).toEqual(['version', 'projects']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['dataDir', 'kubernetes', 'environments', 'projects']));
  });
});

describe('the example config in templates/', () => {
  it('is valid', async () => {
    const file = path.resolve(import.meta.dirname, '..', 'templates', 'snap.config.example.yaml');
    const { errors, warnings, config } = parseConfig(await readFile(file, 'utf8'), file, { env: {} });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config!.projects.map((p) => p.name)).toEqual(['payments', 'search']);
  });
});

describe('environments on several clusters', () => {
  const base = (env: string) => `version: 1\nenvironments:\n${env}\nprojects:\n  - name: shop\n    services:\n      - name: api\n        repository: acme/api\n`;

  it('normalises targets, and a plain environment as one target', () => {
    const { config, errors } = load(base('  - name: dev\n    context: dev-ctx\n  - name: prod\n    targets:\n      - context: prod-eu\n        namespaces: ["{project}"]\n      - context: prod-us'));
    expect(errors).toEqual([]);
    const [dev, prod] = config!.projects[0].environments;
    expect(dev).toEqual({ name: 'dev', context: 'dev-ctx', namespaces: null, targets: [{ context: 'dev-ctx', namespaces: null }] });
    expect(prod).toEqual({ name: 'prod', context: 'prod-eu', namespaces: ['shop'], targets: [{ context: 'prod-eu', namespaces: ['shop'] }, { context: 'prod-us', namespaces: null }] });
  });

  it('rejects targets beside context, no context at all, and a context listed twice, naming the fix', () => {
    const both = load(base('  - name: prod\n    context: prod-eu\n    targets:\n      - context: prod-us'));
    expect(both.errors.map(formatIssue).join('\n')).toMatch(/environments\[0\]\.targets: environment "prod" has both targets and context\/namespaces \(list every cluster under targets/);
    const none = load(base('  - name: prod'));
    expect(none.errors.map(formatIssue).join('\n')).toMatch(/environment "prod" has no context \(add "context:"/);
    const twice = load(base('  - name: prod\n    targets:\n      - context: a\n      - context: a'));
    expect(twice.errors.map(formatIssue).join('\n')).toMatch(/targets\[1\]\.context: context "a" is listed twice/);
  });
});
