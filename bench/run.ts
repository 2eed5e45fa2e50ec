// `npm run bench`: runs every benchmark module, prints a table and the same figures as JSON.
// Add a module (bench/<name>.ts exporting a BenchModule) to MODULES to include it.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appBenchmarks } from './app.js';
import { consoleBenchmarks } from './console.js';
import { type BenchModule, type BenchResult, measure } from './harness.js';
import { mcpBenchmarks } from './mcp.js';
import { postgresBenchmarks } from './postgres.js';
import { workflowBenchmarks } from './workflow.js';
import { worktrainBenchmarks } from './worktrain.js';

const MODULES: readonly BenchModule[] = [
  workflowBenchmarks,
  mcpBenchmarks,
  postgresBenchmarks,
  consoleBenchmarks,
  worktrainBenchmarks,
  appBenchmarks,
];

const only = process.argv[2];
const results: BenchResult[] = [];
for (const module of MODULES.filter((candidate) => only === undefined || candidate.name === only)) {
  for (const benchCase of module.cases()) results.push(await measure(module.name, benchCase));
}

const header = ['module', 'case', 'n', 'median ms', 'p95 ms', 'target'];
const rows = results.map((r) => [
  r.module,
  r.case,
  String(r.iterations),
  r.medianMs.toFixed(3),
  r.p95Ms.toFixed(3),
  // A target given as text only (a ratio between cases, say) is shown, not judged.
  r.target === undefined
    ? ''
    : r.withinTarget === undefined
      ? r.target
      : `${r.target} ${r.withinTarget ? 'ok' : 'MISSED'}`,
]);
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
for (const row of [header, ...rows])
  console.log(
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );

const report = { node: process.version, platform: `${process.platform}-${process.arch}`, results };
console.log(`\n${JSON.stringify(report, null, 2)}`);
const outDir = path.join(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
