#!/usr/bin/env node
// Runs the built CLI; `npm run build` produces dist/. Serving loads the bundled server only (see src/cli/server-entry.ts).
import { isServeInvocation } from '../dist/cli/serve-invocation.js';

const argv = process.argv.slice(2);
if (isServeInvocation(argv)) {
  const { runServer } = await import('../dist/server/workrail-server.mjs');
  process.exitCode = await runServer(argv);
} else {
  const { main } = await import('../dist/cli/workrail.js');
  process.exitCode = await main(argv);
}
