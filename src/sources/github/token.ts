import { ExitCode, SnapError } from '../../errors.js';
import { execFile } from 'node:child_process';

export interface FoundToken {
  token: string;
  /** Where it came from, for messages: never the token itself. */
  source: 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh auth token';
}

/** The GitHub token from GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when the GitHub CLI is installed. */
export async function findGithubToken(env: NodeJS.ProcessEnv, host?: string): Promise<FoundToken | undefined> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN'] as const) {
    const token = env[name]?.trim();
    if (token) return { token: checkToken(token, name), source: name };
  }
  const args = ['auth', 'token', ...(host && host !== 'api.github.com' ? ['--hostname', host] : [])];
  const token = await new Promise<string | undefined>((resolve) => {
    execFile('gh', args, { timeout: 5000, env }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
  return token ? { token: checkToken(token, 'the token `gh auth token` prints'), source: 'gh auth token' } : undefined;
}

/** The host `gh` knows the server by: api.github.com for github.com, else the Enterprise host name. */
export function githubHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'api.github.com';
  }
}

/**
 * A token is one printable word (GitHub's are `ghp_…`, `github_pat_…`, `gho_…`): a line break or
 * space inside one (a multi-line variable) would be sent as a broken header, and the HTTP library's
 * complaint would quote it. Refused here, by the name of the variable, never its value. Throws a
 * usage error (exit 2).
 */
export function checkToken(token: string, source: string): string {
  if (/^[\x21-\x7e]+$/.test(token)) return token;
  throw new SnapError('TOKEN_INVALID', `${source} holds a line break, a space or a character that cannot go in an HTTP header (its value is not shown)`, {
    exitCode: ExitCode.usage,
    hint: `set ${source} to the token alone, on one line: export ${source}="$(gh auth token)"`,
  });
}
