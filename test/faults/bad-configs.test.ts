import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { spawnAsync } from '../helpers/cli.js';

/**
 * The bad-config corpus: one file per case in test/faults/configs/, its first line
 * `# expect: <regular expression>` that the error messages (as `path: message (hint)`) must match.
 * Each is an error with a named fix (exit 2), never a crash. A few unusual files are fine:
 * `# expect-valid` (no error) or `# expect-warning: <regular expression>` (no error, a warning).
 */
const dir = path.join(import.meta.dirname, 'configs');

describe('bad configs', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  it.each(files)('%s is answered as expected (refused with a named problem, unless marked valid)', async (file) => {
    const text = await readFile(path.join(dir, file), 'utf8');
    const { errors, warnings } = parseConfig(text, file, { env: {} });
    const joined = (issues: typeof errors) => issues.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}${e.hint ? ` (${e.hint})` : ''}`).join('\n');
    const marks = text.replace(/^\ufeff/, '');
    const warning = /^# expect-warning: (.*)$/m.exec(marks);
    if (/^# expect-valid\r?$/m.test(marks) || warning) {
      expect(joined(errors)).toBe('');
      if (warning) expect(joined(warnings)).toMatch(new RegExp(warning[1]!));
      return;
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(joined(errors)).toMatch(new RegExp(/^# expect: (.*)$/m.exec(text)![1]!));
  });

  it('binary and UTF-16 files are named as such, not printed', () => {
    const { errors } = parseConfig('\ufffd\ufffdv\u0000e\u0000', 'u16.yaml', { env: {} });
    expect(errors).toEqual([expect.objectContaining({ message: 'the file is not UTF-8 text (it is binary, or UTF-16)' })]);
  });

  it('snap config validate exits 2 on them, and on an extra argument', async () => {
    const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'snap.js');
    const bomb = await spawnAsync(process.execPath, [bin, 'config', 'validate', '--config', path.join(dir, 'alias-bomb.yaml')], {});
    expect(bomb.code).toBe(2);
    expect(bomb.stderr + bomb.stdout).not.toContain('internal error');
    const extra = await spawnAsync(process.execPath, [bin, 'config', 'validate', 'extra'], {});
    expect(extra.code).toBe(2);
  });
});

describe('contexts and kubeconfig', () => {
  it('config validate names a context the kubeconfig lacks, and a kubeconfig named in the config that does not exist', async () => {
    const { mkdtemp, writeFile: write } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const work = await mkdtemp(path.join(tmpdir(), 'snap-validate-'));
    const kubeconfig = path.join(work, 'kubeconfig.yaml');
    await write(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n  - name: a\n    cluster: { server: "https://127.0.0.1:1" }\nusers:\n  - name: u\n    user: { token: t }\ncontexts:\n  - name: prod\n    context: { cluster: a, user: u }\ncurrent-context: prod\n');
    const base = 'version: 1\nenvironments:\n  - name: dev\n    context: nosuchctx\nprojects:\n  - name: p\n    services:\n      - name: a\n        repository: acme/a\n';
    await write(path.join(work, 'a.yaml'), base);
    const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'snap.js');
    const missingContext = await spawnAsync(process.execPath, [bin, 'config', 'validate', '--config', path.join(work, 'a.yaml')], { KUBECONFIG: kubeconfig });
    expect(missingContext.code).toBe(2);
    expect(missingContext.stdout).toMatch(/context "nosuchctx" is not in the kubeconfig .*its contexts: prod/);
    await write(path.join(work, 'b.yaml'), `${base}kubernetes:\n  kubeconfig: ./nope.yaml\n`);
    const missingFile = await spawnAsync(process.execPath, [bin, 'config', 'validate', '--config', path.join(work, 'b.yaml')], {});
    expect(missingFile.code).toBe(2);
    expect(missingFile.stdout).toMatch(/kubernetes\.kubeconfig: cannot load the kubeconfig: .*nope\.yaml does not exist/);
  });
});
