import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig, quickParse } from '../src/config/load.js';
import { generateFixture, PRESETS } from '../src/sandbox/fixtures/generate.js';
import { configForFixture } from '../src/sandbox/index.js';

/**
 * Configs are read by js-yaml when they can be (ten times faster on a large one) and by `yaml`
 * otherwise: both must give the same result — config, warnings with their positions, errors — for
 * every config the project knows of: the fault campaign's 179 broken and valid ones, the templates,
 * the generated organisations', and YAML's corner cases.
 */
const root = path.resolve(import.meta.dirname, '..');

const CORNERS = [
  // Scalars the two schemas could read differently: dates, octal/hex/binary, underscores, yes/no, ~, .inf.
  'version: 1\ndataDir: 2026-11-20\nenvironments:\n  - name: prod\n    context: 0o17\nprojects:\n  - name: p\n    services:\n      - name: 0x1F\n        repository: acme/a\n',
  'version: 1\nenvironments:\n  - name: yes\n    context: ~\nprojects:\n  - name: 0b101\n    services:\n      - name: 1_000\n        repository: acme/a\n',
  'version: 1.0\nenvironments:\n  - name: .inf\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: s\n        repository: acme/a\nkubernetes:\n',
  // A merge key with an inline mapping (no anchor), quoted and block scalars, a comment, a BOM.
  '\ufeff# config\nversion: 1\nenvironments:\n  - <<: {context: c}\n    name: "prod"\nprojects:\n  - name: \'p\'\n    services:\n      - name: s\n        repository: acme/a\n        workload: {name: |-\n          s}\n',
  // Warnings that need positions (a key with no effect) on the quick path.
  'version: 1\nmonitoring:\n  prometheusFile: metrics.txt\nenvironments:\n  - name: prod\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: s\n        repository: acme/a\n',
  // Anchors and aliases, duplicate keys, a second document, an explicit key.
  'version: 1\nenvironments:\n  - &e {name: prod, context: c}\nprojects:\n  - name: p\n    environments: [*e]\n    services:\n      - name: s\n        repository: acme/a\n',
  'version: 1\nversion: 1\n',
  'version: 1\n---\nversion: 2\n',
  '? [a]\n: b\n',
  '',
  '[]\n',
  'just text\n',
];

async function corpus(): Promise<{ name: string; text: string }[]> {
  const out: { name: string; text: string }[] = [];
  const faults = path.join(root, 'test', 'faults', 'configs');
  for (const f of (await readdir(faults)).sort()) out.push({ name: f, text: await readFile(path.join(faults, f), 'utf8') });
  out.push({ name: 'template', text: await readFile(path.join(root, 'templates', 'snap.config.example.yaml'), 'utf8') });
  for (const size of ['S', 'L'] as const) {
    const fixture = generateFixture({ seed: 2026, ...PRESETS[size] });
    out.push({ name: `generated ${size}`, text: stringify(configForFixture(fixture, 'kubeconfig.yaml', {}, 'http://127.0.0.1:1')) });
  }
  CORNERS.forEach((text, i) => out.push({ name: `corner ${i}`, text }));
  return out;
}

describe('reading a config quickly', () => {
  it('gives exactly what the exact reader gives, for every config known', async () => {
    const configs = await corpus();
    expect(configs.length).toBeGreaterThan(190);
    let quick = 0;
    for (const { name, text } of configs) {
      const file = path.join('/tmp/configs', 'snap.config.yaml');
      const fast = parseConfig(text, file, { env: {} });
      const exact = parseConfig(text, file, { env: {}, exactParse: true });
      expect({ name, result: fast }).toEqual({ name, result: exact });
      if (exact.config) quick++;
    }
    expect(quick).toBeGreaterThan(10);
    // The quick way is taken for the ordinary ones (a generated organisation's, the template), not for anchors.
    expect(quickParse(configs.find((c) => c.name === 'generated L')!.text)).toBeDefined();
    expect(quickParse(configs.find((c) => c.name === 'template')!.text)).toBeDefined();
    expect(quickParse(CORNERS[5])).toBeUndefined();
  });
});
