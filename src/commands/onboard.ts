import { redactUrl } from '../util/redact.js';
import { Command, Option } from 'commander';
import path from 'node:path';
import { ExitCode, SnapError, usageError } from '../errors.js';
import type { CommandIO, GlobalOptions } from './context.js';
import { colorsFor } from './context.js';
import { isPromptAbort, terminalPrompts, type Prompts } from '../ui/prompts.js';

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
  check?: boolean;
  json?: boolean;
}

/**
 * `snap onboard`: connect, discover, select, propose, review, check live, write. Every choice can come
 * from a flag; on a terminal the missing ones are asked (src/onboard/steps/, one file per step); with
 * --yes or without a terminal the proposals are taken (mappings under 60% skipped and listed). Nothing
 * is written before the config validates, and Ctrl-C at any point writes nothing.
 */
export async function runOnboard(options: OnboardOptions, io: CommandIO, prompts?: Prompts): Promise<number> {
  const interactive = !options.yes && (prompts !== undefined || (Boolean((process.stdin as { isTTY?: boolean }).isTTY) && Boolean((io.stdout as { isTTY?: boolean }).isTTY)));
  if (!options.yes && !interactive) {
    throw usageError('no terminal to ask on; pass --yes (accept the proposed environments, mappings and projects)', 'e.g. snap onboard --owner acme --repos "payments-*" --yes --dry-run');
  }
  const ask = interactive ? (prompts ?? terminalPrompts()) : undefined;
  try {
    return await onboard(options, io, ask);
  } catch (error) {
    if (isPromptAbort(error)) throw new SnapError('INTERRUPTED', 'stopped; nothing was written', { exitCode: ExitCode.interrupted });
    throw error;
  }
}

async function onboard(options: OnboardOptions, io: CommandIO, prompts: Prompts | undefined): Promise<number> {
  // Before anything is asked: an --output that can never be written.
  await (await import('../onboard/steps/write.js')).checkOutput(path.resolve(io.cwd, options.output ?? 'snap.config.yaml'));
  const c = colorsFor(io, options);
  const say = (text: string) => !options.json && io.stderr.write(`${text}\n`);
  const { findGithubToken, githubHost } = await import('../sources/github/token.js');
  const { githubApiUrl, parseConfig } = await import('../config/load.js');
  const githubUrl = githubApiUrl(options.githubUrl || io.env.SNAP_GITHUB_URL);
  if (!URL.canParse(githubUrl) || !/^https?:$/.test(new URL(githubUrl).protocol)) {
    throw usageError(`${options.githubUrl ? '--github-url' : 'SNAP_GITHUB_URL'} "${redactUrl(githubUrl)}" is not an http(s) URL`, 'e.g. https://api.github.com, or https://github.example.com/api for GitHub Enterprise Server');
  }
  const token = await findGithubToken(io.env, githubHost(githubUrl));
  const kubeconfig = options.kubeconfig ?? (io.env.SNAP_KUBECONFIG || undefined);
  const { listContexts } = await import('../onboard/discover/kubernetes.js');
  const available = await listContexts(kubeconfig);
  say(`${token ? c.green('✔') : c.red('✖')} GitHub ${githubUrl}: ${token ? `token from ${token.source}` : 'no token'}`);
  say(`${available.contexts.length ? c.green('✔') : c.red('✖')} kubeconfig ${kubeconfig ?? io.env.KUBECONFIG ?? '~/.kube/config'}: ${available.contexts.length} context(s)${available.current ? `, current ${available.current}` : ''}`);
  if (!token) throw new SnapError('GITHUB_TOKEN_MISSING', 'no GitHub token: onboarding needs to list your repositories', { exitCode: ExitCode.usage, hint: 'set GITHUB_TOKEN or GH_TOKEN, or run `gh auth login`' });
  if (available.contexts.length === 0) throw usageError('the kubeconfig has no contexts', 'point --kubeconfig or KUBECONFIG at a kubeconfig with the clusters to read');

  const { GithubClient } = await import('../sources/github/client.js');
  const { listOwners } = await import('../onboard/discover/github.js');
  const { discover, propose } = await import('../onboard/plan.js');
  const { chooseOwner, chooseContexts } = await import('../onboard/steps/connect.js');
  const { selectRepositories } = await import('../onboard/steps/select-repos.js');
  const { chooseEnvironments } = await import('../onboard/steps/environments.js');
  const { reviewMappings } = await import('../onboard/steps/mappings.js');
  const { chooseTickets } = await import('../onboard/steps/tickets.js');
  const { checkLive, previewConfig } = await import('../onboard/steps/preview.js');
  const { buildConfig } = await import('../onboard/build-config.js');
  const { proposeProjects } = await import('../onboard/propose/projects.js');
  const client = new GithubClient({ url: githubUrl, token: token.token, concurrency: 4, timeoutMs: 30_000, maxWaitMs: 900_000 });

  const owner = await chooseOwner(await listOwners(client), options.owner, prompts);
  const contexts = await chooseContexts(available.contexts, options.context, prompts);
  // A spinner that counts on a terminal; one line per step otherwise.
  const counts = { repositories: 0, workloads: 0 };
  const { isInteractive } = await import('../ui/terminal.js');
  const spinner = !options.json && isInteractive(io.stderr, io.env, options.plain) ? (await import('ora')).default({ text: `Discovering in ${owner} and ${contexts.length} context(s)…`, stream: io.stderr }).start() : undefined;
  const discovery = await discover({
    client,
    owner,
    kubeconfig,
    contexts,
    onProgress: (what, n, detail) => {
      counts[what] = n;
      if (spinner) spinner.text = `Discovering: ${counts.repositories} repositories, ${counts.workloads} workloads${detail ? ` (${detail})` : ''}`;
      else say(c.dim(`  found ${n} ${what}${detail ? ` (${detail})` : ''}`));
    },
  }).catch((error: unknown) => {
    spinner?.fail('Discovery failed');
    throw error;
  });
  spinner?.succeed(`Found ${discovery.repos.length} repositories in ${owner} and ${discovery.workloads.length} workloads in ${contexts.length} context(s)`);
  for (const cluster of discovery.clusters.filter((x) => x.status !== 'ok')) say(c.yellow(`  ! context ${cluster.context}: ${cluster.error}`));
  const selected = await selectRepositories(discovery.repos, options, prompts);
  const proposal = propose(discovery, selected);
  const environments = await chooseEnvironments(proposal.environments, options.env, prompts, say);
  // An environment on a context the kubeconfig lacks would make a config that can never be read.
  const unknownContext = environments.find((e) => !available.contexts.includes(e.context));
  if (unknownContext) {
    throw usageError(`environment "${unknownContext.name}" names context "${unknownContext.context}", which is not in the kubeconfig`, `its contexts: ${available.contexts.join(', ')}; fix --env (e.g. --env ${unknownContext.name}=${available.contexts[0]}/<namespace>)`);
  }
  const mappings = await reviewMappings(proposal.mappings, prompts, (text) => prompts && say(text));
  const tickets = await chooseTickets(proposal.tickets, options, prompts);
  const output = path.resolve(io.cwd, options.output ?? 'snap.config.yaml');
  const built = buildConfig({
    repos: selected,
    environments,
    mappings,
    projects: proposeProjects(selected).projects,
    tickets,
    githubUrl,
    kubeconfig: kubeconfig ? path.relative(path.dirname(output), path.resolve(io.cwd, kubeconfig)) : undefined,
  });

  const { formatIssue } = await import('../config/types.js');
  const check = parseConfig(built.yaml, output, { env: {} });
  if (check.errors.length) throw new SnapError('ONBOARD_INVALID', `the proposed config does not validate:\n${check.errors.map(formatIssue).join('\n')}`, { hint: 'this is a bug in snap; please report it' });

  let yaml: string | undefined = built.yaml;
  let live: Awaited<ReturnType<typeof checkLive>> | undefined;
  if (options.check !== false) {
    say(c.dim('Trying the config: one snapshot, nothing saved…'));
    live = await checkLive(built.yaml, output, token.token, { ...io.env, GITHUB_TOKEN: token.token });
    say(`${live.warnings.length ? c.yellow('!') : c.green('✔')} ${live.running} of ${live.services} service × environment pairs found with their commit${live.warnings.length ? `; ${live.warnings.length} warning(s):` : ''}`);
    for (const w of live.warnings.slice(0, 20)) say(`  ${c.yellow('!')} ${w.code} ${[w.scope.project, w.scope.environment, w.scope.service].filter(Boolean).join('/')}: ${w.message}`);
  }
  // Missing or ambiguous mappings, before anything is saved.
  if (prompts) for (const note of built.notes) say(`  ${c.yellow('!')} ${note}`);
  const skipped = proposal.mappings.filter((m) => !mappings.some((x) => x.workload === m.workload));
  const summary = {
    owner,
    repositories: selected.length,
    workloads: discovery.workloads.length,
    environments: environments.map((e) => `${e.name}=${e.context}`),
    mapped: mappings.length,
    skipped: skipped.map((m) => ({ repository: m.repository, workload: `${m.workload.context}/${m.workload.namespace}/${m.workload.name}`, confidence: m.confidence, reason: m.reason })),
    notes: built.notes,
    ...(live ? { check: { running: live.running, services: live.services, warnings: live.warnings } } : {}),
  };
  if (options.dryRun) {
    if (options.json) io.stdout.write(`${JSON.stringify({ ...summary, config: built.raw }, null, 2)}\n`);
    else io.stdout.write(built.yaml);
    return ExitCode.ok;
  }
  if (prompts) yaml = await previewConfig(built.yaml, output, prompts, say, { ...io.env });
  if (yaml === undefined) {
    say('Stopped; nothing was written.');
    return ExitCode.ok;
  }
  const { writeConfig } = await import('../onboard/steps/write.js');
  const { backup } = await writeConfig(output, yaml, (text) => say(text.replace(/^Changes to (.*)$/m, (line) => c.bold(line))));
  if (options.json) io.stdout.write(`${JSON.stringify({ ...summary, file: output, ...(backup ? { backup } : {}) }, null, 2)}\n`);
  else {
    io.stdout.write(`Wrote ${output}${backup ? ` (the previous file is kept as ${backup})` : ''}: ${selected.length} repositories, ${environments.length} environments (${summary.environments.join(', ')}), ${summary.mapped} workloads mapped.\n`);
    for (const s of summary.skipped) io.stdout.write(`  ${c.yellow('!')} skipped ${s.workload} → ${s.repository}: ${Math.round(s.confidence * 100)}% (${s.reason})\n`);
    for (const note of built.notes) io.stdout.write(`  ${c.yellow('!')} ${note}\n`);
    const where = path.dirname(output) !== io.cwd ? ` --config ${path.relative(io.cwd, output)}` : '';
    io.stdout.write(`Next: snap run${where} to take the first snapshot; then snap schedule install${where} writes the files that run it every 15 minutes (systemd, cron, Kubernetes, GitHub Actions, Docker).\n`);
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
    .option('-y, --yes', 'accept the proposals without asking (mappings under 60% confidence are skipped and listed); needed without a terminal')
    .option('-o, --output <file>', 'where to write the config', 'snap.config.yaml')
    .option('--dry-run', 'print the config instead of writing it')
    .option('--no-check', 'do not try the config with a snapshot before writing it')
    .addOption(new Option('--json', 'print what was found and written as JSON'))
    .addHelpText(
      'after',
      `
Examples:
  $ snap onboard --yes --dry-run                       propose a config for everything the token and kubeconfig see
  $ snap onboard --owner acme --repos "payments-*,checkout-*" --yes
  $ snap onboard --yes --env dev=nonprod/{project}-dev --env prod=prod/{project} --jira PAY,CHK
  $ snap onboard --yes --output /etc/snap/snap.config.yaml

On a terminal, without --yes, it asks for what the flags leave open: the owner, the contexts, the
repositories (a list you filter by typing: words, lang:go, team:x, topic:x, active:30), the environments,
doubtful mappings, the Jira keys, and shows the config to write, edit or drop.
Reads GITHUB_TOKEN (or GH_TOKEN, or \`gh auth token\`) and the kubeconfig; tries the config with one
snapshot; writes nothing until it validates; an existing file is shown as a diff and kept as a .bak copy.
Ctrl-C writes nothing.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
