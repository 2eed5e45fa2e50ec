// Dependency direction of DESIGN.md: adapters -> app -> (engine, workflow, store, tokens).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-core-no-node-io',
      comment: 'engine/ and workflow/ (except workflow/sources.ts) do no I/O: no Node built-ins but crypto (hashing).',
      severity: 'error',
      from: { path: '^src/(engine|workflow)/', pathNot: '^src/workflow/sources' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?crypto$' },
    },
    {
      name: 'pure-core-no-outer-layers',
      comment: 'engine/ and workflow/ import nothing from the store, tokens, app or adapters.',
      severity: 'error',
      from: { path: '^src/(engine|workflow)/' },
      to: { path: '^src/(store|tokens|app|mcp|http|daemon|cli)/' },
    },
    {
      name: 'workflow-not-engine',
      comment: 'The format layer does not depend on the interpreter.',
      severity: 'error',
      from: { path: '^src/workflow/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'store-tokens-below-app',
      comment: 'store/ and tokens/ never reach up into app/ or the adapters.',
      severity: 'error',
      from: { path: '^src/(store|tokens)/' },
      to: { path: '^src/(app|mcp|http|daemon|cli)/' },
    },
    {
      name: 'app-below-adapters',
      comment: 'Use cases never import an adapter.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(mcp|http|daemon|cli)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
