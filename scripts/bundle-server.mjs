// Bundles the MCP server (dist/cli/server-entry.js and its imports) into one CommonJS file,
// dist/server/workrail-server.cjs, that bin/workrail.mjs runs through V8's code cache (src/cli/load-bundle.ts). Run by
// `npm run build` after tsc. The files sit two levels below the package root, like the modules they replace, so their
// relative paths to package.json and workflows/ still hold.
//
// Start-up time is the point (issue 5: ready to answer tools/list within 150 ms), hence more steps:
// - the tools/list answer is computed here, once, and written to tool-list.json: the server sends it as it is and
//   loads the tools, the use cases and the store only after it (src/mcp/server-base.ts);
// - code reached only through `import()` (those tools and the app, the HTTP transport with Hono, commander, pino)
//   runs only when first needed (esbuild wraps such modules in functions called on the first import());
// - CommonJS, not ESM: Node 20 keeps no compiled code between starts, and vm.Script (which takes a code cache)
//   runs scripts only. A start without the cache compiles the whole file, about as slow as the ESM chunks were, so
//   this script starts the server once to save one; a Node of another version saves its own on its first start, and
//   a read-only install goes without;
// - better-sqlite3 (a native addon, kept external) is required on first use instead of on start;
// - zod's locales are left out but English (englishOnlyZodLocales);
// - pg-native (the optional driver of the PostgreSQL store) needs nothing here: src/store/postgres/connection.ts loads
//   it with createRequire() when a store opens a postgres:// URL, which esbuild leaves alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = 'dist/server';

rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: { 'workrail-server': 'dist/cli/server-entry.js' },
  outdir: OUT_DIR,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // A third less to read and to compile on a start without the cache; names stay, for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [
    requireOnFirstUse('better-sqlite3'),
    // The SDK's server imports these at start for features the start never uses (elicitation checks, zod-to-JSON
    // conversion of tool schemas: tools/list is precomputed); src/mcp/server-base.ts defers the validator.
    requireOnFirstUse('ajv', ['Ajv']),
    requireOnFirstUse('ajv-formats'),
    requireOnFirstUse('zod-to-json-schema', ['zodToJsonSchema']),
    englishOnlyZodLocales(),
  ],
  // A CommonJS file has no import.meta: its URL is made from __filename (which src/cli/load-bundle.ts passes).
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
const { listTools } = await import('../dist/mcp/server.js');
writeFileSync(`${OUT_DIR}/tool-list.json`, `${JSON.stringify(await listTools())}\n`);
saveCodeCache();

/**
 * Starts the server once (initialize, tools/list, then a tools/call, which loads the tools) so that it saves its code
 * cache for the Node that builds; fails the build if the bundle does not serve.
 */
function saveCodeCache() {
  const home = mkdtempSync(path.join(tmpdir(), 'workrail-bundle-'));
  const messages = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'build', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } },
  ];
  try {
    const run = spawnSync(process.execPath, ['bin/workrail.mjs'], {
      input: messages.map((message) => `${JSON.stringify(message)}\n`).join(''),
      // The builder's own WorkRail settings (a PostgreSQL store, say) stay out: a throwaway home only.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(WORKRAIL|WORKFLOW)_/.test(name))),
        WORKRAIL_HOME: home,
        WORKRAIL_LOG_LEVEL: 'silent',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const answered = run.stdout.split('\n').filter((line) => line.includes('"id":3')).length === 1;
    const cacheDir = `${OUT_DIR}/code-cache`;
    if (run.status !== 0 || !answered || !existsSync(cacheDir) || readdirSync(cacheDir).length === 0) {
      throw new Error(`the bundled server did not serve and save its code cache (exit ${run.status}): ${run.stderr}`);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Replaces `import X from '<name>'` (and `import { N } from '<name>'` for each of `named`) with a stand-in that
 * requires the package the first time X is constructed, called or read (`new X()`, `X.SomeError`), so that the
 * package is left external and loaded only when used.
 */
function requireOnFirstUse(name, named = []) {
  const namespace = `require-on-first-use`;
  const standIn = (pick) => `new Proxy(function standIn() {}, {
  construct: (_, args) => Reflect.construct(${pick}, args),
  apply: (_, self, args) => Reflect.apply(${pick}, self, args),
  get: (_, key) => ${pick}[key],
})`;
  return {
    name: `${namespace}:${name}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace }));
      build.onLoad({ filter: new RegExp(`^${name}$`), namespace }, () => ({
        contents: `import { createRequire } from 'node:module';
let loaded;
const load = () => (loaded ??= createRequire(import.meta.url)(${JSON.stringify(name)}));
export default ${standIn('load()')};
${named.map((key) => `export const ${key} = ${standIn(`load().${key}`)};`).join('\n')}
`,
        loader: 'js',
      }));
    },
  };
}

/**
 * zod's namespace re-exports its 40-odd locales (`z.locales`, half of zod's code in the bundle); WorkRail uses only
 * the English messages zod sets up itself, so the locales index is cut down to `en`.
 */
function englishOnlyZodLocales() {
  return {
    name: 'zod-english-only',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
          ? { path: path.join(path.dirname(args.importer), '../locales/index.js'), namespace: 'zod-english-only' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
        contents: `export { default as en } from './en.js';`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }));
    },
  };
}
