// The entry of the bundled MCP server. `npm run build` bundles this module and everything it imports into one
// CommonJS file, dist/server/workrail-server.cjs, and bin/workrail.mjs runs that file through V8's code cache to serve
// (cli/load-bundle.ts): reading the same code as a few hundred separate modules doubles the time before the server
// answers its first request.
import { readFileSync } from 'node:fs';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { type Prepared, serve } from './commands/serve.js';
import { processIo } from './io.js';

/** Serves MCP (stdio, or HTTP with `--http`) until told to stop; returns the exit code. */
export function runServer(argv: readonly string[], hooks: Pick<Prepared, 'onToolsLoaded'> = {}): Promise<number> {
  return serve(argv, processIo(), { toolList: bundledToolList(), ...hooks });
}

/** The tools/list answer that scripts/bundle-server.mjs wrote next to the bundle. */
function bundledToolList(): readonly Tool[] {
  return JSON.parse(readFileSync(new URL('tool-list.json', import.meta.url), 'utf8')) as Tool[];
}
