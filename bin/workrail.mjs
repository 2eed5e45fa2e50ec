#!/usr/bin/env node
// Runs the built CLI; `npm run build` produces dist/. Serving loads the bundled server only (see src/cli/server-entry.ts),
// through the code cache that src/cli/load-bundle.ts keeps beside it.
import { fileURLToPath } from 'node:url';
import { isServeInvocation } from '../dist/cli/serve-invocation.js';

const argv = process.argv.slice(2);
if (isServeInvocation(argv)) {
  const { loadBundle } = await import('../dist/cli/load-bundle.js');
  const server = loadBundle(fileURLToPath(new URL('../dist/server/workrail-server.cjs', import.meta.url)));
  process.exitCode = await server.exports.runServer(argv, { onToolsLoaded: server.saveCodeCache });
} else {
  const { main } = await import('../dist/cli/workrail.js');
  process.exitCode = await main(argv);
}
