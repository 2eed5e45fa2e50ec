// Runs the worktrain CLI from source (`node --import tsx test/support/worktrain-entry.ts …`) so tests can start the
// real daemon process without a build.
import { main } from '../../src/cli/worktrain.js';

process.exitCode = await main(process.argv.slice(2));
