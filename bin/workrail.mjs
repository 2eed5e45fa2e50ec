#!/usr/bin/env node
// Runs the built CLI; `npm run build` produces dist/.
import { main } from '../dist/cli/workrail.js';

process.exitCode = await main(process.argv.slice(2));
