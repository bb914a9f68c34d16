import { Command } from 'commander';
import { findConfigPath, loadConfigOrThrow } from '../config/load.js';
import { usageError } from '../errors.js';
import { HistoryIndex } from '../store/history-index.js';
import { dataLayout } from '../store/layout.js';
import type { CommandIO } from './context.js';

/** The shells `snap completion` writes a script for (through @pnpm/tabtab). */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof COMPLETION_SHELLS)[number];

export interface CompletionOptions {
  name?: string;
}

/** `snap completion bash|zsh|fish`: prints the shell's completion script (source it, or save it where the shell looks). */
export async function runCompletion(shell: string | undefined, options: CompletionOptions, io: CommandIO): Promise<number> {
  if (!shell || !(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
    throw usageError(`snap completion takes a shell: ${COMPLETION_SHELLS.join(', ')}${shell ? `, not "${shell}"` : ''}`, 'e.g. source <(snap completion bash)');
  }
  const name = options.name ?? 'snap';
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw usageError(`--name ${JSON.stringify(name)}: a command name has letters, digits, - and _ only`);
  const { default: tabtab } = await import('@pnpm/tabtab');
  io.stdout.write(`${await tabtab.getCompletionScript({ name, completer: name, shell: shell as Shell })}\n`);
  return 0;
}

/** What the program's commands and options are, for completing them: name → { options, subcommands }. */
export interface CommandTree {
  options: string[];
  commands: Map<string, CommandTree>;
}

export function commandTree(command: Command): CommandTree {
  const options = command.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((x): x is string => !!x));
  const commands = new Map<string, CommandTree>();
  for (const sub of command.commands) {
    if ((sub as Command & { _hidden?: boolean })._hidden) continue;
    const tree = commandTree(sub);
    commands.set(sub.name(), tree);
    for (const alias of sub.aliases()) commands.set(alias, tree);
  }
  return { options, commands };
}

/** Names the data directory knows, read without network and without failing: the config's and the index's. */
interface Known {
  projects: string[];
  environments: string[];
  services: string[];
  snapshots: string[];
  tickets: string[];
}

async function known(words: readonly string[], io: CommandIO): Promise<Known> {
  const out: Known = { projects: [], environments: [], services: [], snapshots: [], tickets: [] };
  const after = (flag: string) => {
    const i = words.findIndex((w) => w === flag || w === '-c');
    const eq = words.find((w) => w.startsWith(`${flag}=`));
    return eq ? eq.slice(flag.length + 1) : i >= 0 ? words[i + 1] : undefined;
  };
  try {
    const file = await findConfigPath(after('--config'), io.env, io.cwd);
    const { config } = await loadConfigOrThrow(file, { env: io.env, dataDir: after('--data-dir') });
    out.projects = config.projects.map((p) => p.name);
    out.environments = [...new Set(config.projects.flatMap((p) => p.environments.map((e) => e.name)))];
    out.services = [...new Set(config.projects.flatMap((p) => p.services.map((s) => s.name)))];
    const { index } = HistoryIndex.open(dataLayout(config.dataDir), { readonly: true });
    try {
      out.snapshots = index.snapshots().filter((s) => s.file).slice(-30).reverse().map((s) => s.id);
      out.tickets = index.ticketKeys().slice(0, 500);
    } finally {
      index.close();
    }
  } catch {
    // no config or no history yet: complete what needs neither
  }
  return out;
}

const VALUE_OPTIONS: Record<string, keyof Known | 'shell' | 'none'> = {
  '--project': 'projects',
  '--env': 'environments',
  '--service': 'services',
  '--at': 'snapshots',
  '--ticket': 'tickets',
};

/**
 * The candidates for the word being completed. `words` is the command line (first the program's
 * name), `current` the index of the word being completed. Subcommands and options from the program
 * itself; environments, services, projects, snapshot references and recent ticket keys from the
 * config and the history index.
 */
export async function completions(tree: CommandTree, words: readonly string[], current: number, io: CommandIO): Promise<string[]> {
  const word = words[current] ?? '';
  const previous = words[current - 1] ?? '';
  let node = tree;
  const path: string[] = [];
  for (const w of words.slice(1, current)) {
    const next = node.commands.get(w);
    if (next) {
      node = next;
      path.push(w);
    }
  }
  const filter = (items: readonly string[]) => [...new Set(items)].filter((x) => x.startsWith(word));
  if (previous === '--by') return filter(['service']);
  if (previous === '--log-format') return filter(['text', 'json']);
  const wanted = VALUE_OPTIONS[previous];
  if (wanted === 'none' || (previous.startsWith('-') && !wanted && /^--(config|data-dir|since|until|window|limit|wait|name|failure-window|out|every|cron)$/.test(previous))) return [];
  const refsOf = (k: Known) => ['latest', ...k.snapshots.slice(1, 10).map((_, i) => `latest~${i + 1}`), ...k.snapshots];
  if (wanted === 'snapshots') return filter(refsOf(await known(words, io)));
  if (wanted) return filter((await known(words, io))[wanted as keyof Known]);
  if (word.startsWith('-')) return filter([...node.options, ...tree.options, '--help']);
  const command = path[0];
  if (command === 'completion') return filter(COMPLETION_SHELLS);
  if (command === 'show' || command === 'diff') {
    const k = await known(words, io);
    if (command === 'show') return filter(refsOf(k));
    // After an environment, the other environment: snap diff compares two environments or two snapshots.
    const positional = words.slice(2, current).filter((w, i, all) => !w.startsWith('-') && !(all[i - 1] ?? '').startsWith('-'));
    if (positional.length === 1 && k.environments.includes(positional[0])) return filter(k.environments.filter((e) => e !== positional[0]));
    if (positional.length === 1) return filter(refsOf(k));
    return filter([...k.environments, ...refsOf(k)]);
  }
  if (command === 'ticket') return filter((await known(words, io)).tickets);
  return filter([...node.commands.keys()]);
}

/**
 * The hidden command the completion scripts call (`snap completion-server -- <words>`, with COMP_CWORD,
 * COMP_LINE, COMP_POINT and SHELL set): prints the candidates in the shell's format. Never fails.
 */
export async function runCompletionServer(words: string[], program: Command, io: CommandIO): Promise<number> {
  try {
    const { default: tabtab } = await import('@pnpm/tabtab');
    const env = tabtab.parseEnv(io.env as Record<string, string>);
    const shell = tabtab.getShellFromEnv(io.env as Record<string, string>);
    const current = Number.isFinite(env.words) ? env.words : words.length - 1;
    const items = await completions(commandTree(program), words, current, io);
    tabtab.log(items, shell, (line: string) => io.stdout.write(`${line}\n`));
  } catch {
    // a completion that cannot be worked out offers nothing
  }
  return 0;
}

export function completionCommand(handle: (shell: string | undefined, options: CompletionOptions) => Promise<void>): Command {
  return new Command('completion')
    .description('print a shell completion script for bash, zsh or fish: commands, options, environments, services, snapshots and recent ticket keys')
    .argument('[shell]', COMPLETION_SHELLS.join(' | '))
    .option('--name <command>', 'the command the script completes (default snap; also snapshotctl)')
    .addHelpText(
      'after',
      `
Examples:
  $ source <(snap completion bash)                       this shell only
  $ snap completion bash > ~/.local/share/bash-completion/completions/snap
  $ snap completion zsh > "\${fpath[1]}/_snap"             then start a new shell
  $ snap completion fish > ~/.config/fish/completions/snap.fish
  $ snap completion bash --name snapshotctl >> ~/.bashrc

Completes subcommands and options, and from the config and the history: environments after --env
and in snap diff, services after --service, snapshot references in snap show and snap diff, and the
most recent ticket keys in snap ticket.`,
    )
    .action(async (shell: string | undefined, _options, command: Command) => handle(shell, command.optsWithGlobals()));
}
