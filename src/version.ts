import { readFileSync } from 'node:fs';

/** snap's own version, from package.json (one level above dist/ and src/). */
export const SNAP_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
