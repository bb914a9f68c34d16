import { redactUrl } from '../util/redact.js';
import { Command, Option } from 'commander';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
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

/** Where the config's JSON Schema is, as the written file should point at it: relative when it is below the config's folder, else absolute. */
function schemaReference(output: string): string {
  const schema = fileURLToPath(new URL('../../schema/snap.config.schema.json', import.meta.url));
  const relative = path.relative(path.dirname(output), schema).split(path.sep).join('/');
  // Below the config's folder (snap installed in its node_modules) the relative path moves with it; elsewhere the absolute one holds.
  return relative.split('/').includes('..') ? schema : `./${relative}`;
}

async function onboard(options: OnboardOptions, io: CommandIO, prompts: Prompts | undefined): Promise<number> {
  const output = path.resolve(io.cwd, options.output ?? 'snap.config.yaml');
  // Before anything is asked: an --output that can never be written.
  await (await import('../onboard/steps/write.js')).checkOutput(output);
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

  // --env before any discovery: a context the kubeconfig lacks is said at once.
  if (options.env?.length) {
    const { parseEnvFlag } = await import('../onboard/env-flag.js');
    const { didYouMean } = await import('../config/did-you-mean.js');
    for (const flag of options.env) {
      const e = parseEnvFlag(flag, available.contexts);
      if (!available.contexts.includes(e.context)) {
        // Named as typed (an EKS context with "/" in it too), with the nearest one the kubeconfig has.
        const near = didYouMean(e.context, available.contexts);
        throw usageError(`environment "${e.name}" names context "${e.context}", which is not in the kubeconfig`, `${near ? `did you mean ${near}? ` : ''}its contexts: ${available.contexts.join(', ')}`);
      }
    }
  }
  const { GithubClient } = await import('../sources/github/client.js');
  const { listOwners, listFolders } = await import('../onboard/discover/github.js');
  const { discover, propose, survey } = await import('../onboard/plan.js');
  const { chooseOwner, chooseContexts } = await import('../onboard/steps/connect.js');
  const { selectRepositories } = await import('../onboard/steps/select-repos.js');
  const { chooseEnvironments } = await import('../onboard/steps/environments.js');
  const { reviewMappings, ACCEPT_AT } = await import('../onboard/steps/mappings.js');
  const { chooseTickets } = await import('../onboard/steps/tickets.js');
  const { checkLive, previewConfig } = await import('../onboard/steps/preview.js');
  const { buildConfig, inEnvironment } = await import('../onboard/build-config.js');
  const { proposeServices } = await import('../onboard/propose/services.js');
  const { proposeProjects } = await import('../onboard/propose/projects.js');
  const { readExisting, mergeWithExisting } = await import('../onboard/existing.js');
  const client = new GithubClient({ url: githubUrl, token: token.token, concurrency: 4, timeoutMs: 30_000, maxWaitMs: 900_000 });

  const { existing, problem } = await readExisting(output);
  if (problem) say(c.yellow(`! ${problem}`));
  if (existing) say(`Starting from ${path.relative(io.cwd, output) || output}: ${existing.repositories.size} repositories, ${existing.environments.length} environments; what is new is added, nothing is dropped unless you deselect it.`);

  const owner = await chooseOwner(await listOwners(client), options.owner, prompts);
  const contexts = await chooseContexts(available.contexts, options.context, prompts);
  // A spinner that counts on a terminal; one line per step otherwise.
  const { isInteractive } = await import('../ui/terminal.js');
  const spinner = !options.json && isInteractive(io.stderr, io.env, options.plain) ? (await import('ora')).default({ text: `Discovering in ${owner} and ${contexts.length} context(s)…`, stream: io.stderr }).start() : undefined;
  let repositoriesSoFar = 0;
  let workloadsSoFar = 0;
  let failed = false;
  const discovery = await discover({
    client,
    owner,
    kubeconfig,
    contexts,
    onProgress: (event) => {
      if (failed) return;
      if (event.what === 'repositories') repositoriesSoFar = event.count;
      else workloadsSoFar = event.total;
      if (spinner) spinner.text = `Discovering: ${repositoriesSoFar} repositories, ${workloadsSoFar} workloads${event.what === 'workloads' ? ` (${event.done} of ${event.of} contexts)` : ''}`;
      else if (event.what === 'repositories') say(c.dim(`  found ${event.count} repositories`));
      else say(c.dim(`  found ${event.count} workloads in ${event.context} (${event.done} of ${event.of} contexts, ${event.total} workloads in all)`));
    },
  }).catch((error: unknown) => {
    failed = true;
    spinner?.fail('Discovery failed');
    throw error;
  });
  spinner?.succeed(`Found ${discovery.repos.length} repositories in ${owner} and ${discovery.workloads.length} workloads in ${contexts.length} context(s)`);
  for (const cluster of discovery.clusters.filter((x) => x.status !== 'ok')) say(c.yellow(`  ! context ${cluster.context}: ${cluster.error}`));
  const { settleByCommit } = await import('../onboard/discover/commits.js');
  const found = await survey(discovery, (mappings) => settleByCommit(client, owner, mappings, discovery.repos));
  const selected = await selectRepositories(discovery.repos, options, prompts, { deployed: found.deployed, ...(existing ? { preselected: existing.repositories } : {}) });
  const proposal = propose(discovery, found, selected);
  const proposedEnvironments = existing?.environments.length && !options.env?.length ? existing.environments : proposal.environments;
  const environments = await chooseEnvironments(proposedEnvironments, options.env, prompts, say, available.contexts);
  // An environment on a context the kubeconfig lacks would make a config that can never be read.
  for (const e of environments) {
    const missing = e.targets.find((t) => !available.contexts.includes(t.context));
    if (missing) throw usageError(`environment "${e.name}" names context "${missing.context}", which is not in the kubeconfig`, `its contexts: ${available.contexts.join(', ')}; fix --env (e.g. --env ${e.name}=${available.contexts[0]}/<namespace>)`);
  }
  const inEnvs = (m: { workload: (typeof discovery.workloads)[number] }) => environments.some((e) => inEnvironment(m.workload, e));
  // On a re-run, workloads the config already reads (by their name) are its answer: not asked again, not listed.
  const answered = new Set(existing ? existing.lookups : []);
  const open = (w: (typeof discovery.workloads)[number]) => !answered.has(w.name);
  // A doubtful workload whose candidates are not selected, in a namespace where selected repositories run: not the
  // selection's to map, but not to vanish either; it is listed with those matching no repository.
  const selectedPlaces = new Set(proposal.mappings.map((m) => `${m.workload.context}/${m.workload.namespace}`));
  const strays = found.mappings
    .filter((m) => m.confidence < ACCEPT_AT && !proposal.mappings.includes(m) && inEnvs(m) && open(m.workload) && selectedPlaces.has(`${m.workload.context}/${m.workload.namespace}`))
    .map((m) => m.workload);
  const review = await reviewMappings(
    proposal.mappings.filter((m) => inEnvs(m) && (m.confidence >= ACCEPT_AT || open(m.workload))),
    proposal.thirdParty.filter((t) => inEnvs(t) && open(t.workload)),
    discovery.repos,
    prompts,
    (text) => say(text),
    [...proposal.unmatched.filter((w) => inEnvs({ workload: w }) && open(w)), ...strays],
  );
  let services = proposeServices(review.accepted, discovery.repos);
  // A repository that builds several services: its folders, for `paths:`.
  const monorepos = [...new Set(services.map((s) => s.repository))].filter((r) => services.filter((s) => s.repository === r).length > 1);
  if (monorepos.length) {
    const folders = await listFolders(client, owner, monorepos.map((r) => r.split('/')[1]));
    for (const repo of discovery.repos) if (folders.has(repo.name)) repo.folders = folders.get(repo.name);
    services = proposeServices(review.accepted, discovery.repos);
  }
  const withService = new Set(services.map((s) => s.repository));
  // Left out for want of a workload: only repositories nothing maps to (a doubtful mapping skipped is listed as skipped).
  const doubted = new Set(review.skipped.map((m) => m.repository));
  const idle = selected.filter((r) => !r.name.startsWith('.') && !withService.has(r.repository) && !doubted.has(r.repository) && !existing?.repositories.has(r.repository));
  let kept: typeof idle = [];
  if (idle.length) {
    say(`${idle.length} selected repositor${idle.length === 1 ? 'y runs' : 'ies run'} no workload found in these environments, and ${idle.length === 1 ? 'is' : 'are'} left out: ${idle.slice(0, 10).map((r) => r.name).join(', ')}${idle.length > 10 ? `, … (${idle.length})` : ''}`);
    if (prompts) {
      kept = await prompts.multiSelect({
        message: 'Keep any of them as services anyway? (enter: none)',
        items: idle.map((r) => ({ value: r, name: r.name, ...(r.description ? { hint: r.description } : {}) })),
        filterHelp: 'type to filter',
      });
    }
  }
  if (proposal.meta.length) say(c.dim(`  ${proposal.meta.map((r) => r.name).join(', ')}: GitHub's own repositories, never services`));
  const keptFromFile = existing ? [...existing.repositories].some((r) => !prompts || selected.some((x) => x.repository === r)) : false;
  if (services.length + kept.length === 0 && !keptFromFile) {
    throw usageError(
      `nothing to write: no workload of the ${selected.length} selected repositor${selected.length === 1 ? 'y' : 'ies'} runs in ${environments.map((e) => e.name).join(', ') || 'any environment'}`,
      environments.length ? 'check --repos and --env (namespaces and contexts), or keep repositories that run nowhere in the wizard' : 'no environment was found or given: pass --env name=context/namespace',
    );
  }
  const tickets = await chooseTickets(proposal.tickets, options, prompts);
  const serviceRepos = new Set([...services.map((s) => s.repository), ...kept.map((r) => r.repository)]);
  const chosenElsewhere = [...new Set(review.accepted.map((m) => m.repository))]
    .filter((r) => !selected.some((x) => x.repository === r))
    .map((r) => discovery.repos.find((x) => x.repository === r) ?? { repository: r, name: r.split('/')[1], archived: false, fork: false, topics: [], teams: [], recentPullRequests: [] });
  const built = buildConfig({
    repos: discovery.repos,
    environments,
    services,
    kept,
    // The selected repositories, and any other the user chose for a workload (typed in full, or not in the selection).
    projects: proposeProjects([...selected, ...chosenElsewhere].filter((r) => serviceRepos.has(r.repository))).projects,
    tickets,
    workloads: discovery.workloads,
    githubUrl,
    kubeconfig: kubeconfig ? path.relative(path.dirname(output), path.resolve(io.cwd, kubeconfig)) : undefined,
    schema: schemaReference(output),
  });
  if ((built.raw.projects as unknown[]).length === 0 && !keptFromFile) {
    throw usageError(`nothing to write: every service was left out (${built.dropped.map((d) => `${d.service}: ${d.reason}`).slice(0, 3).join('; ')})`, 'give their workloads telling labels, or write those services by hand with a workload.selector');
  }
  let yaml = built.yaml;
  let merged: ReturnType<typeof mergeWithExisting> | undefined;
  if (existing) {
    const dropped = new Set([...existing.repositories].filter((r) => prompts && !selected.some((s) => s.repository === r)));
    // A service of the file finds a workload now when its lookup names one of its repository's workloads.
    const mappedNames = new Map<string, Set<string>>();
    for (const m of review.accepted) mappedNames.set(m.repository, (mappedNames.get(m.repository) ?? new Set()).add(m.workload.name));
    const finds = (service: { name: string; repository: string; workload?: unknown }) => {
      const w = (service.workload ?? {}) as { name?: string; selector?: string };
      return Boolean(w.selector) || (mappedNames.get(service.repository)?.has(w.name ?? service.name) ?? false);
    };
    // Whether a project's environments (as the file has them) read every workload of a service found now.
    const { namespaceListed } = await import('../onboard/build-config.js');
    const covered = (project: string, envs: readonly unknown[], service: { name: string; repository: string }) => {
      const mine = (services.find((x) => x.repository === service.repository && x.name === service.name) ?? services.find((x) => x.repository === service.repository))?.mappings ?? [];
      const targets = (envs as { context?: string; namespaces?: string[]; targets?: { context: string; namespaces?: string[] }[] }[]).flatMap((e) => e.targets ?? [{ context: e.context ?? '', namespaces: e.namespaces }]);
      return mine.every((m) => targets.some((t) => t.context === m.workload.context && namespaceListed(t.namespaces?.map((n) => n.replaceAll('{project}', project)) ?? null, m.workload.namespace)));
    };
    merged = mergeWithExisting(existing, built.raw, dropped, finds, { covered, ownEnvironments: built.environmentsOf });
    yaml = merged.text;
    say(`Over ${path.basename(output)}: ${merged.kept} service(s) kept as written, ${merged.added.length} added${merged.removed.length ? `, ${merged.removed.length} removed (their repositories were deselected)` : ''}.`);
    // The fresh layout's note does not apply: the file's environments are kept (new projects got their own, said below).
    built.notes.splice(0, built.notes.length, ...built.notes.filter((n) => !n.startsWith('workloads of the same name run')), ...merged.notes);
  }

  const { formatIssue } = await import('../config/types.js');
  const check = parseConfig(yaml, output, { env: {} });
  if (check.errors.length) throw new SnapError('ONBOARD_INVALID', `the proposed config does not validate:\n${check.errors.map(formatIssue).join('\n')}`, { hint: 'this is a bug in snap; please report it' });

  let live: Awaited<ReturnType<typeof checkLive>> | undefined;
  const tryLive = async (text: string) => {
    if (options.check === false) return;
    say(c.dim('Trying the config: one snapshot, nothing saved…'));
    live = await checkLive(text, output, token.token, { ...io.env, GITHUB_TOKEN: token.token });
    say(`${live.warnings.length ? c.yellow('!') : c.green('✔')} ${live.running} of ${live.services} service × environment pairs found with their commit${live.warnings.length ? `; ${live.warnings.length} warning(s):` : ''}`);
    for (const w of live.warnings.slice(0, 20)) say(`  ${c.yellow('!')} ${w.code} ${[w.scope.project, w.scope.environment, w.scope.service].filter(Boolean).join('/')}: ${w.message}`);
    if (live.warnings.length > 20) say(`  … and ${live.warnings.length - 20} more (--json lists them all, as does snap run)`);
  };
  await tryLive(yaml);
  if (prompts) for (const note of built.notes) say(`  ${c.yellow('!')} ${note}`);
  for (const d of built.dropped) say(`  ${c.yellow('!')} ${d.service} (${d.repository}): ${d.reason}`);
  const skipped = review.skipped.map((m) => ({ repository: m.repository, workload: `${m.workload.context}/${m.workload.namespace}/${m.workload.name}`, confidence: m.confidence, reason: m.reason }));
  // Workloads of the organisation's own images that no repository scored for: said, not dropped silently.
  const unmatched = [...proposal.unmatched.filter((w) => inEnvs({ workload: w }) && open(w)), ...strays].filter((w) => !review.claimed.some((m) => m.workload === w)).map((w) => `${w.context}/${w.namespace}/${w.name}`);
  const thirdParty = proposal.thirdParty.filter((t) => inEnvs(t) && open(t.workload)).filter((t) => !review.claimed.some((m) => m.workload === t.workload));
  const summarise = (text: string) => {
    type RawEnv = { name: string; context?: string; targets?: { context: string }[] };
    const config = parse(text) as { environments?: RawEnv[]; projects?: { name: string; environments?: RawEnv[]; services: { repository: string }[] }[] };
    // Shared, or (when each project lists its own namespaces) the first project's: the same names and clusters.
    const envs = (config.environments ?? config.projects?.[0]?.environments ?? []).map((e) => `${e.name}=${e.targets ? e.targets.map((t) => t.context).join('+') : e.context}`);
    return {
      owner,
      repositories: selected.length,
      workloads: discovery.workloads.length,
      environments: envs,
      projects: (config.projects ?? []).length,
      services: (config.projects ?? []).reduce((n, p) => n + p.services.length, 0),
      serviceRepositories: new Set((config.projects ?? []).flatMap((p) => p.services.map((x) => x.repository))).size,
      mapped: review.accepted.length,
      skipped,
      unmatched,
      dropped: built.dropped,
      thirdParty: thirdParty.map((t) => ({ workload: `${t.workload.context}/${t.workload.namespace}/${t.workload.name}`, reason: t.reason })),
      idle: idle.filter((r) => !kept.includes(r)).map((r) => r.repository),
      notes: text === yaml ? built.notes : [],
      ...(merged ? { existing: { kept: merged.kept, added: merged.added, removed: merged.removed } } : {}),
      ...(live ? { check: { running: live.running, services: live.services, warnings: live.warnings } } : {}),
    };
  };
  if (options.dryRun) {
    if (options.json) io.stdout.write(`${JSON.stringify({ ...summarise(yaml), config: parse(yaml) }, null, 2)}\n`);
    else io.stdout.write(yaml);
    return ExitCode.ok;
  }
  let final: string | undefined = yaml;
  if (prompts) final = await previewConfig(yaml, output, prompts, say, { ...io.env }, { ...(existing ? { before: existing.text } : {}), recheck: tryLive });
  if (final === undefined) {
    say('Stopped; nothing was written.');
    return ExitCode.ok;
  }
  const { writeConfig } = await import('../onboard/steps/write.js');
  const { backup } = await writeConfig(output, final, (text) => say(text.replace(/^Changes to (.*)$/m, (line) => c.bold(line))), new Date(), { quiet: prompts !== undefined });
  const summary = summarise(final);
  if (options.json) io.stdout.write(`${JSON.stringify({ ...summary, file: output, ...(backup ? { backup } : {}) }, null, 2)}\n`);
  else {
    const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
    io.stdout.write(
      `Wrote ${output}${backup ? ` (the previous file is kept as ${backup})` : ''}: ${n(summary.services, 'service', 'services')} in ${n(summary.projects, 'project', 'projects')} from ${n(summary.serviceRepositories, 'repository', 'repositories')}, ${n(summary.environments.length, 'environment', 'environments')} (${summary.environments.join(', ')})${live ? `; ${live.running} of ${live.services} service × environment pairs found with their commit` : ''}.\n`,
    );
    // Doubtful mappings, once per workload name (with where), as the wizard asks them.
    const byName = new Map<string, typeof summary.skipped>();
    for (const x of summary.skipped) {
      const key = `${x.workload.split('/').pop()} → ${x.repository}`;
      byName.set(key, [...(byName.get(key) ?? []), x]);
    }
    for (const [key, list] of byName) io.stdout.write(`  ${c.yellow('!')} left out (doubtful, not chosen) ${key}: ${Math.round(list[0].confidence * 100)}% (${list[0].reason}); in ${list.map((x) => x.workload.split('/').slice(0, -1).join('/')).join(', ')}\n`);
    for (const d of built.dropped) io.stdout.write(`  ${c.yellow('!')} ${d.service} (${d.repository}): ${d.reason}\n`);
    if (unmatched.length) io.stdout.write(`  ${c.yellow('!')} ${unmatched.length} workload(s) of your own images match no repository: ${unmatched.slice(0, 6).join(', ')}${unmatched.length > 6 ? ', …' : ''}\n`);
    if (summary.thirdParty.length) io.stdout.write(`  ${summary.thirdParty.length} third-party workload(s) left out (their images are not built by ${owner}): ${[...new Set(thirdParty.map((t) => t.workload.name))].slice(0, 8).join(', ')}${thirdParty.length > 8 ? ', …' : ''}\n`);
    if (summary.idle.length) io.stdout.write(`  ${summary.idle.length} selected repositor${summary.idle.length === 1 ? 'y runs' : 'ies run'} nowhere and ${summary.idle.length === 1 ? 'was' : 'were'} left out (--json lists them)\n`);
    for (const note of summary.notes) io.stdout.write(`  ${c.yellow('!')} ${note}\n`);
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
repositories (a list you filter by typing: words or globs such as payments-*, any of which may match,
and deployed:yes, lang:go, team:x, topic:x, active:30, each of which must; ctrl+u or Esc clears), the
environments, each doubtful workload once (a searchable list of every repository), third-party
workloads to claim, repositories that run nowhere to keep, the Jira keys, and shows the config (or the
change to an existing one) to write, edit or drop. Running it again over a config starts from that
config.
Reads GITHUB_TOKEN (or GH_TOKEN, or \`gh auth token\`) and the kubeconfig; tries the config with one
snapshot; writes nothing until it validates; an existing file is shown as a diff and kept as a .bak copy.
Ctrl-C writes nothing.`,
    )
    .action(async (_options, command: Command) => handle(command.optsWithGlobals()));
}
