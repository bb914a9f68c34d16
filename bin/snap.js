#!/usr/bin/env node
// Tiny launcher: refuse old Node versions with a clear message, then load the built CLI.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`snap needs Node.js 20.19 or newer; this is ${process.version}.\n`);
  process.exitCode = 2;
} else {
  import('../dist/cli.js').then((cli) => cli.runFromBin()).catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
      process.stderr.write('snap is not built yet: run `npm ci` (or `npm run build`) in its folder first.\n');
      process.exitCode = 2;
      return;
    }
    throw error;
  });
}
