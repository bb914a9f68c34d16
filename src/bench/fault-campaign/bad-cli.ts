import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bugSigns, describeProc, runSnap, shellQuote, startOrg, Tally, type AreaResult } from './common.js';

/**
 * Area 4: bad command lines. Each must end with exit 2 (usage) or the code the README documents for it,
 * with a message that names the problem (a pattern per case), no stack trace, within 5 s.
 */
export interface BadCliOptions {
  seed: number;
  /** Leave out the cases marked `full` (variants of others): about 50 instead of about 80. */
  quick: boolean;
  log: (line: string) => void;
}

interface CliCase {
  args: string[];
  expect: number[];
  /** What the message must say (stderr and stdout together). */
  names: RegExp;
  env?: Record<string, string | undefined>;
  why?: string;
  /** Only in the full campaign. */
  full?: boolean;
}

const BOUND_MS = 5_000;

export async function badCommandLines(options: BadCliOptions): Promise<AreaResult> {
  const tally = new Tally('4', 'bad command lines', options.log);
  const org = await startOrg({ seed: options.seed + 3, size: 'demo', prefix: 'cli' });
  const dir = org.dir;
  const file = (name: string, text: string | Buffer) => writeFile(path.join(dir, name), text);
  await file('afile.txt', 'not a directory\n');
  await mkdir(path.join(dir, 'adir'));
  await file('bad.yaml', 'version: 1\nenvironments:\n  - name: dev\n   context: [unclosed\n');
  await file('unknown-key.yaml', 'version: 1\nenvironments: [{ name: dev, context: sandbox-nonprod }]\nprojects:\n  - name: p\n    services:\n      - name: s\n        repository: acme/s\n        workload: { containr: app }\n');
  await file('version2.yaml', 'version: 2\nenvironments: [{ name: dev, context: sandbox-nonprod }]\nprojects: [{ name: p, services: [{ name: s, repository: acme/s }] }]\n');
  await file('empty.yaml', '');
  await file('binary.yaml', Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x89, 0x50, 0x4e, 0x47]));
  await org.writeConfig('no-kubeconfig.yaml', {}, (raw) => (raw.kubernetes = { kubeconfig: 'nonexistent-kubeconfig.yaml' }));
  await org.writeConfig('bad-history.yaml', { history: { days: -1 } });
  await file('bad.json', '{"version": 1, "owner": ');
  await symlink(path.join(dir, 'unmounted-volume', 'snap'), path.join(dir, 'dangling-link'));
  await mkdir(path.join(dir, 'lockdir-data', 'lock'), { recursive: true });
  const onboardEnv = { GITHUB_TOKEN: org.sandbox.githubToken, SNAP_GITHUB_URL: org.sandbox.githubUrl, KUBECONFIG: path.join(dir, 'kubeconfig.yaml') };
  const ob = (...args: string[]) => ['onboard', '--yes', '--dry-run', '--no-check', ...args];
  const install = (...args: string[]) => ['schedule', 'install', ...args];
  const cases: CliCase[] = [
    { args: ['frobnicate'], expect: [2], names: /unknown command 'frobnicate'/ },
    { args: ['--frob'], expect: [2], names: /unknown option '--frob'/ },
    { args: ['run', '--frob'], expect: [2], names: /unknown option '--frob'/ },
    { args: ['run', 'extra-argument'], expect: [2], names: /too many arguments|extra-argument/ },
    { args: ['run', '--config'], expect: [2], names: /--config.*argument missing|argument missing.*--config|option '-c, --config <file>' argument missing/ },
    { full: true, args: ['--log-format', 'xml', 'run'], expect: [2], names: /xml/ },
    { args: ['run', '--log-format', 'xml'], expect: [2], names: /xml/ },
    { args: ['run'], env: { SNAP_LOG_FORMAT: 'xml' }, expect: [2], names: /SNAP_LOG_FORMAT.*xml|xml.*SNAP_LOG_FORMAT/ },
    { args: ['run', '--wait', 'abc'], expect: [2], names: /--wait.*abc/ },
    { args: ['run', '--wait', '-5'], expect: [2], names: /-5/ },
    { full: true, args: ['run', '--wait', '1e999'], expect: [2], names: /--wait/ },
    { full: true, args: ['run', '--wait', 'NaN'], expect: [2], names: /--wait.*NaN/ },
    { args: ['run', '--data-dir', 'afile.txt'], expect: [2], names: /afile\.txt/, why: 'README: a file where the directory should be is a wrong --data-dir (exit 2)' },
    { args: ['run', '--data-dir', '/proc/1'], expect: [1, 2, 4], names: /\/proc\/1/, why: 'README: a data directory that cannot be used at all: exit 1 or 4' },
    { args: ['run', '--data-dir', '/proc/1/nonexistent/deeper'], expect: [1, 2], names: /\/proc\/1/ },
    { args: ['run', '--data-dir', 'dangling-link'], expect: [1], names: /dangling-link|unmounted/, why: 'README: an unmounted volume (DATA_DIR_UNUSABLE) exits 1' },
    {
      args: ['run', '--data-dir', 'dangling-link/snap'],
      expect: [1],
      names: /dangling-link/,
      why: 'a folder on an unmounted volume; README: "an unmounted volume ... DATA_DIR_UNUSABLE ... exit 1"; src/store/lock.ts: "a dangling symbolic link (an unmounted volume: exit 1 ...)"',
    },
    { args: ['run', '--data-dir', 'lockdir-data'], expect: [4], names: /lock/, why: 'README: a directory in the lock\'s place: exit 4 and how to remove it' },
    { args: ['run', '--config', 'adir'], expect: [2], names: /adir/ },
    { args: ['run', '--config', 'missing.yaml'], expect: [2], names: /missing\.yaml/ },
    { full: true, args: ['run'], env: { SNAP_CONFIG: 'missing-from-env.yaml' }, expect: [2], names: /missing-from-env\.yaml/ },
    { args: ['run', '--config', 'bad.yaml'], expect: [2], names: /bad\.yaml/ },
    { args: ['run', '--config', 'unknown-key.yaml'], expect: [2], names: /containr/ },
    { full: true, args: ['run', '--config', 'version2.yaml'], expect: [2], names: /version/ },
    { full: true, args: ['run', '--config', 'empty.yaml'], expect: [2], names: /empty\.yaml|empty/ },
    { args: ['run', '--config', 'binary.yaml'], expect: [2], names: /binary\.yaml/ },
    { args: ['run', '--config', 'no-kubeconfig.yaml'], expect: [2], names: /nonexistent-kubeconfig/, why: 'a kubeconfig that does not exist is a config problem' },
    { args: ['run', '--config', 'bad-history.yaml'], expect: [2], names: /history/ },
    { args: ['config', 'validate', '--config', 'unknown-key.yaml'], expect: [2], names: /containr.*did you mean|did you mean.*container/ },
    { args: ['config', 'frob'], expect: [2], names: /unknown command 'frob'|frob/ },
    { full: true, args: ['config', 'validate', '--frob'], expect: [2], names: /unknown option '--frob'/ },
    { args: ['schedule', 'run'], expect: [2], names: /--every or --cron/ },
    { args: ['schedule', 'run', '--every', '0'], expect: [2], names: /--every.*"0"/ },
    { full: true, args: ['schedule', 'run', '--every', '0s'], expect: [2], names: /--every/ },
    { args: ['schedule', 'run', '--every', 'abc'], expect: [2], names: /--every.*abc/ },
    { full: true, args: ['schedule', 'run', '--every', '-5m'], expect: [2], names: /-5m/ },
    { args: ['schedule', 'run', '--cron', 'bad'], expect: [2], names: /cron.*bad/ },
    { full: true, args: ['schedule', 'run', '--cron', '61 * * * *'], expect: [2], names: /cron/ },
    { args: ['schedule', 'run', '--every', '15m', '--cron', '*/5 * * * *'], expect: [2], names: /--every|--cron/ },
    { args: ['schedule', 'run', '--every', '15m', '--jitter', 'lots'], expect: [2], names: /--jitter.*lots/ },
    { full: true, args: ['schedule', 'run', '--every', '15m', '--config', 'missing.yaml'], expect: [2], names: /missing\.yaml/ },
    { full: true, args: ['schedule', 'frob'], expect: [2], names: /unknown command 'frob'|frob/ },
    { args: install('frob', '--print'), expect: [2], names: /frob/ },
    { args: install('kubernetes', '--namespace', 'Bad_NS', '--print'), expect: [2], names: /--namespace.*Bad_NS/ },
    { full: true, args: install('kubernetes', '--namespace', 'a'.repeat(64), '--print'), expect: [2], names: /--namespace/ },
    { args: install('kubernetes', '--image', 'has space', '--print'), expect: [2], names: /--image/ },
    { full: true, args: install('kubernetes', '--image', 'Upper/Case:1', '--print'), expect: [2], names: /--image/ },
    { args: install('kubernetes', '--storage', 'lots', '--print'), expect: [2], names: /--storage.*lots/ },
    { args: install('systemd', '--every', '7m', '--print'), expect: [2], names: /7m/ },
    { full: true, args: install('--every', 'abc', '--print'), expect: [2], names: /--every.*abc/ },
    { args: install('--every', '15m', '--cron', '*/5 * * * *', '--print'), expect: [2], names: /--every.*--cron|--cron.*--every/ },
    { args: install('--cron', 'bad', '--print'), expect: [2], names: /cron.*bad/ },
    { args: install('kubernetes', '--in-cluster', 'nope', '--print'), expect: [2], names: /nope/ },
    { full: true, args: install('--every'), expect: [2], names: /--every.*argument missing|argument missing/ },
    { args: ['status', '--stale-after', 'x'], expect: [2], names: /--stale-after.*"x"/ },
    { full: true, args: ['status', '--stale-after', '0'], expect: [2], names: /--stale-after/ },
    { args: ['status', '--stale-after', '-5'], expect: [2], names: /-5/ },
    { args: ['status', '--notify'], expect: [2], names: /alert/ },
    { full: true, args: ['status', '--config', 'adir'], expect: [2], names: /adir/ },
    { args: ['alerts', 'test'], expect: [2], names: /channel|alerts/, why: '`snap alerts test --help`: 2 no channel is configured' },
    { full: true, args: ['alerts', 'frob'], expect: [2], names: /unknown command 'frob'|frob/ },
    { args: ['onboard'], env: onboardEnv, expect: [2], names: /--yes/, why: 'README: without a terminal and without --yes, snap onboard exits 2 and names the flags' },
    { args: ob('--env', 'bad'), env: onboardEnv, expect: [2], names: /--env.*bad/ },
    { args: ob('--env', 'dev=nocontext/ns'), env: onboardEnv, expect: [2], names: /nocontext/ },
    { args: ob('--jira', '123,!!'), env: onboardEnv, expect: [2], names: /--jira|123|!!/ },
    { full: true, args: ob('--context', 'nope'), env: onboardEnv, expect: [2], names: /nope/ },
    { full: true, args: ob('--kubeconfig', 'missing-kube.yaml'), env: onboardEnv, expect: [2], names: /missing-kube\.yaml/ },
    { args: ob('--github-url', 'not a url'), env: onboardEnv, expect: [2], names: /not a url|github-url/ },
    { args: ob('--owner', 'nobody-here-xyz'), env: onboardEnv, expect: [1, 2], names: /nobody-here-xyz/ },
    { full: true, args: ob('--repos', 'zzz-*'), env: onboardEnv, expect: [1, 2], names: /zzz-\*/ },
    { args: ob(), env: { ...onboardEnv, GITHUB_TOKEN: undefined, PATH: '/nonexistent' }, expect: [2], names: /token/i, why: 'no GITHUB_TOKEN, GH_TOKEN nor gh on PATH' },
    { args: ['demo', '--seed', 'abc'], expect: [2], names: /--seed.*abc/ },
    { full: true, args: ['demo', '--seed', '-1'], expect: [2], names: /-1/ },
    { args: ['demo', '--size', 'XL'], expect: [2], names: /--size.*XL/ },
    { args: ['demo', '--fixture', 'missing.json'], expect: [2], names: /missing\.json/ },
    { full: true, args: ['demo', '--fixture', 'bad.json'], expect: [2], names: /bad\.json/ },
    { args: ['demo', '--deploy', 'dev=main'], expect: [2], names: /--deploy/ },
    { args: ['demo', '--fixture-from-git', dir], expect: [2], names: /git/i },
    { full: true, args: ['demo', '--fixture', 'bad.json', '--fixture-from-git', dir], expect: [2], names: /--fixture.*--fixture-from-git/ },
  ];
  try {
    for (const c of cases.filter((x) => !options.quick || !x.full)) {
      const env = org.env(c.env ?? {});
      const shownEnv = Object.entries(c.env ?? {})
        .filter(([k]) => k !== 'SNAP_GITHUB_URL' && k !== 'KUBECONFIG' && !(k === 'GITHUB_TOKEN' && c.env![k] !== undefined))
        .map(([k, v]) => `${k}=${v ?? ''} `)
        .join('');
      const label = `${shownEnv}snap ${c.args.map(shellQuote).join(' ')}`.replaceAll(dir, '<dir>');
      const result = await runSnap(c.args, { cwd: dir, env, timeoutMs: 15_000, label });
      const text = `${result.stderr}\n${result.stdout}`;
      const problems: string[] = [];
      if (result.code === null || !c.expect.includes(result.code)) problems.push(`exit ${result.code ?? `${result.signal}${result.timedOut ? ' (harness time limit)' : ''}`}, expected ${c.expect.join(' or ')}${c.why ? ` (${c.why})` : ''}`);
      if (!c.names.test(text)) problems.push(`the message does not name the problem (expected to match ${c.names})`);
      const signs = bugSigns(text);
      if (signs.length) problems.push(`output has ${signs.join(', ')}`);
      if (result.ms > BOUND_MS) problems.push(`took ${(result.ms / 1000).toFixed(1)} s (bound ${BOUND_MS / 1000} s)`);
      const firstLine = result.stderr.trim().split('\n')[0]?.slice(0, 160) ?? '';
      tally.record(result.command, problems.length ? [...problems, describeProc(result)] : [], `exit ${result.code} in ${(result.ms / 1000).toFixed(2)} s: ${firstLine}`);
    }
    return tally.result();
  } finally {
    await org.close();
  }
}
