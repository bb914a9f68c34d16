import { execFileSync } from 'node:child_process';

/** The Chromium binaries looked for on PATH, in order (Debian's package installs `chromium`). */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The Chromium to drive: $CHROMIUM_PATH, else the first of chromium, chromium-browser,
 * google-chrome-stable, google-chrome on PATH. Throws naming how to install one (Debian: apt-get
 * install chromium; .ci/run does so when it is missing).
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  for (const name of NAMES) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not this one
    }
  }
  throw new Error('no Chromium found (looked for chromium, chromium-browser, google-chrome): install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH');
}

/**
 * Launches headless Chromium through playwright-core (a development dependency: the report tests and
 * the benchmark use it). --no-sandbox: CI runs as root, where Chromium's sandbox cannot start;
 * --disable-dev-shm-usage: a container's small /dev/shm would crash it.
 */
export async function launchChromium(): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
