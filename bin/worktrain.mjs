#!/usr/bin/env node
// Runs the built WorkTrain CLI; `npm run build` produces dist/.
import { main } from '../dist/cli/worktrain.js';

process.exitCode = await main(process.argv.slice(2));
