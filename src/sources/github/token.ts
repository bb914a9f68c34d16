import { execFile } from 'node:child_process';

export interface FoundToken {
  token: string;
  /** Where it came from, for messages: never the token itself. */
  source: 'GITHUB_TOKEN' | 'GH_TOKEN' | 'gh auth token';
}

/** The GitHub token from GITHUB_TOKEN, then GH_TOKEN, then `gh auth token` when the GitHub CLI is installed. */
export async function findGithubToken(env: NodeJS.ProcessEnv, host?: string): Promise<FoundToken | undefined> {
  if (env.GITHUB_TOKEN?.trim()) return { token: env.GITHUB_TOKEN.trim(), source: 'GITHUB_TOKEN' };
  if (env.GH_TOKEN?.trim()) return { token: env.GH_TOKEN.trim(), source: 'GH_TOKEN' };
  const args = ['auth', 'token', ...(host && host !== 'api.github.com' ? ['--hostname', host] : [])];
  const token = await new Promise<string | undefined>((resolve) => {
    execFile('gh', args, { timeout: 5000, env }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
  return token ? { token, source: 'gh auth token' } : undefined;
}

/** The host `gh` knows the server by: api.github.com for github.com, else the Enterprise host name. */
export function githubHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'api.github.com';
  }
}
