// Bundles the MCP server (dist/cli/server-entry.js and its imports) into dist/server/workrail-server.mjs, so that
// `workrail` starts from one file. Run by `npm run build` after tsc. The files sit two levels below the package root,
// like the modules they replace, so their relative paths to package.json and workflows/ still hold.
//
// Start-up time is the point (issue 5: ready to answer tools/list within 150 ms), hence three more steps:
// - the tools/list answer is computed here, once, and written to tool-list.json: the server sends it as it is and
//   loads the tools, the use cases and the store only after it (src/mcp/server-base.ts);
// - code reached only through `import()` (those tools and the app, the HTTP transport with Hono, commander) goes
//   to chunks of its own, read when first needed;
// - better-sqlite3 (a native addon, kept external) is required on first use instead of on start;
// - zod's locales are left out but English (englishOnlyZodLocales), and pino comes with the tools (cli/commands/serve.ts);
// - pg-native (the optional driver of the PostgreSQL store) needs nothing here: src/store/postgres/connection.ts loads
//   it with createRequire() when a store opens a postgres:// URL, which esbuild leaves alone.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = 'dist/server';

rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: { 'workrail-server': 'dist/cli/server-entry.js' },
  outdir: OUT_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [
    requireOnFirstUse('better-sqlite3'),
    // The SDK's server imports these at start for features the start never uses (elicitation checks, zod-to-JSON
    // conversion of tool schemas: tools/list is precomputed); src/mcp/server-base.ts defers the validator.
    requireOnFirstUse('ajv', ['Ajv']),
    requireOnFirstUse('ajv-formats'),
    requireOnFirstUse('zod-to-json-schema', ['zodToJsonSchema']),
    englishOnlyZodLocales(),
  ],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
const { listTools } = await import('../dist/mcp/server.js');
writeFileSync(`${OUT_DIR}/tool-list.json`, `${JSON.stringify(await listTools())}\n`);

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
