// Bundles the MCP server (dist/cli/server-entry.js and its imports) into dist/server/workrail-server.mjs, so that
// `workrail` starts from one file. Run by `npm run build` after tsc. better-sqlite3 stays external (native addon).
// The file sits two levels below the package root, like the modules it replaces, so their relative paths to
// package.json and workflows/ still hold.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/server-entry.js'],
  outfile: 'dist/server/workrail-server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
