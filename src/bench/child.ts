import { writeFileSync } from 'node:fs';
import { main } from '../cli.js';

/**
 * `snap run` exactly as the CLI runs it, in its own process, reporting its own peak RSS: the
 * benchmark measures snap, not the simulated GitHub and clusters that serve it.
 */
const [reportFile, ...argv] = process.argv.slice(2);
const code = await main(argv);
writeFileSync(reportFile, JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }));
process.exitCode = code;
