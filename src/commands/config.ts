import { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';
import { findConfigPath, loadConfig } from '../config/load.js';
import { formatIssue, type Config } from '../config/types.js';
import { redactUrl } from '../util/redact.js';
import { ExitCode } from '../errors.js';
import { colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface ValidateOptions extends GlobalOptions {
  json?: boolean;
}

/**
 * The config's kube contexts against the kubeconfig it will use (read locally, no cluster is
 * contacted): a kubeconfig named in the config that cannot be read, or a context it does not have,
 * is an error; no kubeconfig at all on this machine is a warning (contexts unchecked).
 */
async function checkContexts(result: Awaited<ReturnType<typeof loadConfig>>, file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const config = result.config!;
  const { readKubeconfig } = await import('../sources/kubernetes/kubeconfig.js');
  let kubeconfig;
  try {
    kubeconfig = readKubeconfig(config.kubernetes.kubeconfig, env);
  } catch (error) {
    const message = (error as Error).message;
    if (config.kubernetes.kubeconfig) result.errors.push({ severity: 'error', file, path: 'kubernetes.kubeconfig', message, hint: 'point kubernetes.kubeconfig at a readable kubeconfig file' });
    else result.warnings.push({ severity: 'warning', file, path: '', message: `${message}; the contexts were not checked`, hint: 'set KUBECONFIG (or kubernetes.kubeconfig) to check them' });
    return;
  }
  if (kubeconfig.files.length === 0) {
    result.warnings.push({ severity: 'warning', file, path: '', message: 'no kubeconfig on this machine; the contexts were not checked', hint: 'set KUBECONFIG (or kubernetes.kubeconfig) to check them' });
    return;
  }
  config.projects.forEach((p) =>
    p.environments.forEach((e) =>
      e.targets.forEach((t) => {
        if (kubeconfig.context(t.context)) return;
        const already = result.errors.some((x) => x.message.startsWith(`context "${t.context}"`));
        if (!already) result.errors.push({ severity: 'error', file, path: `environments (${e.name})`, message: `context "${t.context}" is not in the kubeconfig (${kubeconfig.files.join(', ')})`, hint: `its contexts: ${kubeconfig.contexts.join(', ') || 'none'}; run \`kubectl config get-contexts\`` });
      }),
    ),
  );
}

/** Checks a config file without touching any cluster; exit 0 when valid, 2 when not. */
export async function runConfigValidate(options: ValidateOptions, io: CommandIO): Promise<number> {
  const file = await findConfigPath(options.config, io.env, io.cwd);
  const result = await loadConfig(file, { env: io.env, dataDir: options.dataDir });
  if (result.config) await checkContexts(result, file, io.env);
  const valid = result.errors.length === 0 && result.config !== undefined;
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ file, valid, errors: result.errors, warnings: result.warnings, config: result.config && printable(result.config) }, null, 2)}\n`);
    return valid ? ExitCode.ok : ExitCode.usage;
  }
  const c = colorsFor(io, options);
  for (const issue of result.errors) io.stdout.write(`${c.red('error')} ${formatIssue(issue)}\n`);
  for (const issue of result.warnings) io.stdout.write(`${c.yellow('warning')} ${formatIssue(issue)}\n`);
  if (valid) {
    const config = result.config!;
    const services = config.projects.reduce((n, p) => n + p.services.length, 0);
    const contexts = new Set(config.projects.flatMap((p) => p.environments.flatMap((e) => e.targets.map((t) => t.context))));
    io.stdout.write(`${c.green('valid')} ${file}: ${config.projects.length} project(s), ${services} service(s), ${contexts.size} kube context(s); data in ${config.dataDir}\n`);
  } else io.stdout.write(`${result.errors.length} error(s) in ${file}\n`);
  return valid ? ExitCode.ok : ExitCode.usage;
}

export function configCommand(handleValidate: (options: ValidateOptions) => Promise<void>, io: () => CommandIO): Command {
  const command = new Command('config')
    .description('check the config file, or print its JSON Schema')
    .addHelpText('after', '\nExamples:\n  $ snap config validate\n  $ snap config schema > snap.config.schema.json');
  command
    .command('validate')
    .description('validate the config file (every problem with its file, line and key) without reading any cluster')
    .option('--json', 'print the result, and the normalised config, as JSON')
    .addHelpText('after', '\nExamples:\n  $ snap config validate\n  $ snap config validate --config deploy/snap.config.yaml --json')
    .action(async (_options, cmd: Command) => handleValidate(cmd.optsWithGlobals()));
  command
    .command('schema')
    .description('print the JSON Schema of snap.config.yaml (for editor autocompletion)')
    .addHelpText('after', '\nExamples:\n  $ snap config schema > snap.config.schema.json\n  then put "# yaml-language-server: $schema=./snap.config.schema.json" at the top of the config')
    .action(() => {
      io().stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
  return command;
}

/** The config fit to print: a webhook URL without its user info and query string (where its secrets are). */
function printable(config: Config): Config {
  return {
    ...config,
    alerts: { ...config.alerts, channels: config.alerts.channels.map((c) => (c.kind === 'webhook' && c.url ? { ...c, url: redactUrl(c.url) } : c)) },
  };
}
