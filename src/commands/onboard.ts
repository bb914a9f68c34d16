import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, SnapError, usageError } from '../errors.js';
import type { CommandIO, GlobalOptions } from './context.js';
import { colorsFor } from './context.js';

export interface OnboardOptions extends GlobalOptions {
  owner?: string;
  repos?: string;
  includeArchived?: boolean;
  includeForks?: boolean;
  context?: string[];
  env?: string[];
  jira?: string;
  githubIssues?: boolean;
  githubUrl?: string;
  kubeconfig?: string;
  yes?: boolean;
  output?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `--env dev=nonprod/payments-dev` → an environment; the namespace may hold "{project}" or be left out. */
export function parseEnvFlag(value: string): { name: string; context: string; namespaces: string[] | null } {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=([^/\s]+)(?:\/(.+))?$/.exec(value.trim());
  if (!match) throw usageError(`--env takes name=context or name=context/namespace, not "${value}"`, 'e.g. --env dev=nonprod/{project}-dev --env prod=prod-cluster');
  return { name: match[1], context: match[2], namespaces: match[3] ? match[3].split(',') : null };
}

/** A line-based diff of two texts: "-" lines removed, "+" lines added, with two lines of context. */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  const keep = out.map((line, k) => !line.startsWith('  ') || out.slice(Math.max(0, k - 2), k + 3).some((l) => !l.startsWith('  ')));
  return out.filter((_, k) => keep[k]).join('\n');
}

/**
 * `snap onboard --yes`: discover repositories and workloads, accept the proposals (skipping mappings
 * below 60% confidence, which are listed), validate the result, and write it atomically (a backup of
 * an existing file is kept). Without --yes on a terminal it asks for the missing choices; without a
 * terminal it names the flags to pass.
 */
export async function runOnboard(options: OnboardOptions, io: CommandIO): Promise<number> {
  const missing: string[] = [];
  if (!options.yes) missing.push('--yes (accept the proposed environments, mappings and projects)');
  if (missing.length) {
    const interactive = Boolean((process.stdin as { isTTY?: boolean }).isTTY) && io.stdout === process.stdout;
    throw usageError(
      `${interactive ? 'the interactive selection is not available in this version; ' : 'no terminal to ask on; '}pass ${missing.join(', ')}`,
      'e.g. snap onboard --owner acme --repos "payments-*" --yes --dry-run',
    );
  }
  const c = colorsFor(io, options);
  const say = (text: string) => !options.json && io.stderr.write(`${text}\n`);
  const { findGithubToken, githubHost } = await import('../sources/github/token.js');
  const githubUrl = (options.githubUrl || io.env.SNAP_GITHUB_URL || 'https://api.github.com').replace(/\/+$/, '').replace(/\/graphql$/, '');
  const token = await findGithubToken(io.env, githubHost(githubUrl));
  if (!token) throw new SnapError('GITHUB_TOKEN_MISSING', 'no GitHub token: onboarding needs to list your repositories', { exitCode: ExitCode.usage, hint: 'set GITHUB_TOKEN or GH_TOKEN, or run `gh auth login`' });
  const kubeconfig = options.kubeconfig ?? io.env.SNAP_KUBECONFIG ?? undefined;
  const { GithubClient } = await import('../sources/github/client.js');
  const { listOwners } = await import('../onboard/discover/github.js');
  const { listContexts } = await import('../onboard/discover/kubernetes.js');
  const { discover, propose, configFrom, matchesGlob } = await import('../onboard/plan.js');
  const client = new GithubClient({ url: githubUrl, token: token.token, concurrency: 4, timeoutMs: 30_000, maxWaitMs: 900_000 });
  say(c.dim(`GitHub: ${githubUrl} (token from ${token.source})`));

  const owners = await listOwners(client);
  const owner = options.owner ?? (owners.organizations.length === 1 ? owners.organizations[0] : owners.organizations.length === 0 ? owners.viewer : undefined);
  if (!owner) throw usageError(`the token sees several owners (${[owners.viewer, ...owners.organizations].join(', ')}); pass --owner`, `e.g. --owner ${owners.organizations[0]}`);
  const available = await listContexts(kubeconfig);
  const contexts = options.context?.length ? options.context : available.contexts;
  const unknown = contexts.filter((ctx) => !available.contexts.includes(ctx));
  if (unknown.length) throw usageError(`no context ${unknown.join(', ')} in the kubeconfig (it has ${available.contexts.join(', ') || 'none'})`, 'pass --context with one of those, or --kubeconfig');
  say(c.dim(`Kubernetes: ${contexts.length} context(s): ${contexts.join(', ')}`));

  const discovery = await discover({ client, owner, kubeconfig, contexts, onProgress: (what, n, detail) => say(c.dim(`  found ${n} ${what}${detail ? ` (${detail})` : ''}`)) });
  for (const cluster of discovery.clusters.filter((x) => x.status !== 'ok')) say(c.yellow(`  ! context ${cluster.context}: ${cluster.error}`));
  const globs = options.repos?.split(',').map((g) => g.trim()).filter(Boolean) ?? [];
  const selected = discovery.repos.filter(
    (r) => (options.includeArchived || !r.archived) && (options.includeForks || !r.fork) && (globs.length === 0 || globs.some((g) => matchesGlob(r.name, g))),
  );
  if (selected.length === 0) throw usageError(`no repository of ${owner} matches ${globs.join(', ') || 'the filters'}`, 'check --repos (globs such as "payments-*"), --include-archived, --include-forks');
  const proposal = propose(discovery, selected);
  if (options.env?.length) proposal.environments = options.env.map((e) => ({ ...parseEnvFlag(e), reason: 'from --env' }));
  if (options.jira !== undefined) proposal.tickets.jiraProjects = options.jira.split(',').filter(Boolean).map((key) => ({ key: key.trim().toUpperCase(), count: 0 }));
  if (options.githubIssues === false) proposal.tickets.githubIssues = false;
  const low = proposal.mappings.filter((m) => m.confidence < 0.6);
  const built = configFrom(proposal, selected, { githubUrl, kubeconfig: kubeconfig ? path.relative(path.dirname(path.resolve(io.cwd, options.output ?? 'snap.config.yaml')), path.resolve(io.cwd, kubeconfig)) : undefined });

  const output = path.resolve(io.cwd, options.output ?? 'snap.config.yaml');
  const { parseConfig } = await import('../config/load.js');
  const { formatIssue } = await import('../config/types.js');
  const check = parseConfig(built.yaml, output, { env: {} });
  if (check.errors.length) throw new SnapError('ONBOARD_INVALID', `the proposed config does not validate:\n${check.errors.map(formatIssue).join('\n')}`, { hint: 'this is a bug in snap; please report it' });

  const summary = {
    owner,
    repositories: selected.length,
    workloads: discovery.workloads.length,
    environments: proposal.environments.map((e) => `${e.name}=${e.context}`),
    mapped: proposal.mappings.length - low.length,
    skipped: low.map((m) => ({ repository: m.repository, workload: `${m.workload.context}/${m.workload.namespace}/${m.workload.name}`, confidence: m.confidence, reason: m.reason })),
    notes: built.notes,
  };
  if (options.dryRun) {
    if (options.json) io.stdout.write(`${JSON.stringify({ ...summary, config: built.raw }, null, 2)}\n`);
    else io.stdout.write(built.yaml);
    return ExitCode.ok;
  }
  const { writeFileAtomic } = await import('../store/atomic.js');
  let backup: string | undefined;
  if (existsSync(output)) {
    const before = await readFile(output, 'utf8');
    if (before !== built.yaml) {
      say(`${c.bold(`Changes to ${output}`)}\n${lineDiff(before, built.yaml)}`);
      backup = `${output}.${new Date().toISOString().replaceAll(':', '-')}.bak`;
      await copyFile(output, backup);
    }
  }
  await writeFileAtomic(output, built.yaml);
  if (options.json) io.stdout.write(`${JSON.stringify({ ...summary, file: output, ...(backup ? { backup } : {}) }, null, 2)}\n`);
  else {
    io.stdout.write(`Wrote ${output}${backup ? ` (the previous file is kept as ${backup})` : ''}: ${selected.length} repositories, ${proposal.environments.length} environments (${summary.environments.join(', ')}), ${summary.mapped} workloads mapped.\n`);
    for (const s of summary.skipped) io.stdout.write(`  ${c.yellow('!')} skipped ${s.workload} → ${s.repository}: ${Math.round(s.confidence * 100)}% (${s.reason})\n`);
    for (const note of built.notes) io.stdout.write(`  ${c.yellow('!')} ${note}\n`);
    io.stdout.write(`Next: snap config validate, then snap run${path.dirname(output) !== io.cwd ? ` --config ${path.relative(io.cwd, output)}` : ''}.\n`);
  }
  return ExitCode.ok;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function onboardCommand(handle: (options: OnboardOptions) => Promise<void>): Command {
  return new Command('onboard')
    .description('discover repositories and workloads, propose environments, mappings and projects, and write snap.config.yaml')
    .option('--owner <login>', 'GitHub organisation or user (default: the only organisation the token sees)')
    .option('--repos <globs>', 'repositories to include, comma-separated globs (default: all)')
    .option('--include-archived', 'include archived repositories')
    .option('--include-forks', 'include forks')
    .option('--context <name>', 'kube context to look in (repeatable; default: all in the kubeconfig)', collect)
    .option('--env <name=context/namespace>', 'an environment instead of the proposals (repeatable, in promotion order)', collect)
    .option('--jira <keys>', 'Jira project keys, comma-separated, instead of the proposal')
    .option('--no-github-issues', 'do not recognise #123 GitHub issue references')
    .option('--github-url <url>', 'GitHub API base URL (GitHub Enterprise: https://HOST/api)')
    .option('--kubeconfig <file>', 'kubeconfig to read (default: $SNAP_KUBECONFIG, $KUBECONFIG, ~/.kube/config)')
    .option('-y, --yes', 'accept the proposals without asking (mappings under 60% confidence are skipped and listed)')
    .option('-o, --output <file>', 'where to write the config', 'snap.config.yaml')
    .option('--dry-run', 'print the config instead of writing it')
    .addOption(new Option('--json', 'print what was found and written as JSON'))
    .addHelpText(
      'after',
      `
Examples:
  $ snap onboard --yes --dry-run                       propose a config for everything the token and kubeconfig see
  $ snap onboard --owner acme --repos "payments-*,checkout-*" --yes
  $ snap onboard --yes --env dev=nonprod/{project}-dev --env prod=prod/{project} --jira PAY,CHK
  $ snap onboard --yes --output /etc/snap/snap.config.yaml

Reads GITHUB_TOKEN (or GH_TOKEN, or \`gh auth token\`) and the kubeconfig; writes nothing until the
config validates; an existing file is shown as a diff and kept as a .bak copy.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
