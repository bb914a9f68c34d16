import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { formatIssue } from '../config/types.js';
import { runStatus } from '../core/status.js';
import { ExitCode, usageError } from '../errors.js';
import { dataLayout } from '../store/layout.js';
import { readRunLog } from '../store/run-log.js';
import { alertLog, colorsFor, type CommandIO, type GlobalOptions } from './context.js';

export interface AlertsTestOptions extends GlobalOptions {
  json?: boolean;
}

/** `snap alerts test`: one test message to every configured channel; exit 1 when any delivery fails. */
export async function runAlertsTest(options: AlertsTestOptions, io: CommandIO): Promise<number> {
  const file = await findConfigPath(options.config, io.env, io.cwd);
  const { config, warnings } = await loadConfigOrThrow(file, { env: io.env, dataDir: options.dataDir });
  for (const warning of warnings) io.stderr.write(`warning: ${formatIssue(warning)}\n`);
  if (config.alerts.channels.length === 0) throw usageError(`${config.path} configures no alert channel`, 'add "alerts:" with slack, webhook or email; see docs/deployment.md');
  const { buildAlert } = await import('../alerts/message.js');
  const { channelName, deliver } = await import('../alerts/send.js');
  const layout = dataLayout(config.dataDir);
  const status = runStatus((await readRunLog(layout.runLog)).records, new Date(), { staleAfterMs: config.alerts.staleAfterMs, anomalyFactor: config.alerts.anomalyFactor, degradedAfter: config.alerts.degradedAfter });
  const alert = buildAlert('test', status, { dataDir: layout.root, config: config.path }, new Date());
  const log = alertLog(io, options);
  const results = await Promise.all(
    config.alerts.channels.map(async (channel) => ({ name: channelName(channel), ...(await deliver(channel, alert, { env: io.env, retries: config.alerts.retries, timeoutMs: config.alerts.timeoutMs, log })) })),
  );
  if (options.json) io.stdout.write(`${JSON.stringify({ deliveries: results }, null, 2)}\n`);
  else {
    const c = colorsFor(io, options);
    for (const r of results) io.stdout.write(`${r.ok ? c.green('sent') : c.red('failed')}  ${r.name}${r.ok ? '' : `: ${r.error}`}${r.attempts > 1 ? c.dim(` (${r.attempts} attempts)`) : ''}\n`);
  }
  return results.every((r) => r.ok) ? ExitCode.ok : ExitCode.failed;
}

export function alertsCommand(handleTest: (options: AlertsTestOptions) => Promise<void>): Command {
  const command = new Command('alerts').description('alerts on failure, recovery, staleness and slow runs (config "alerts:")');
  command.addCommand(
    new Command('test')
      .description('send a test alert to every configured channel (Slack, webhook, email)')
      .option('--json', 'print the deliveries as JSON')
      .addHelpText(
        'after',
        `
Examples:
  $ SNAP_SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… snap alerts test
  $ snap alerts test --json | jq '.deliveries[] | select(.ok | not)'

Alerts are sent by \`snap run\`, \`snap schedule run\` and \`snap status --notify\` when the state changes.
Exit codes: 0 every channel got the test alert, 1 a delivery failed, 2 no channel is configured.`,
      )
      .action(async (_options, cmd: Command) => handleTest(cmd.optsWithGlobals())),
  );
  return command;
}
