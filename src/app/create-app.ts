// The composition root: builds `deps` once from the environment. Every entry point (CLI, MCP, HTTP, daemon)
// calls it and passes `deps` to the use cases.

import os from 'node:os';
import { bundledWorkflowsDir, createWorkflowSources } from '../workflow/sources.js';
import { type Env, loadConfig } from './config.js';
import type { AppDeps, Clock } from './deps.js';

export interface CreateAppOptions {
  /** Defaults to `process.env`. */
  readonly env?: Env;
  readonly clock?: Clock;
}

/** Builds the application's dependencies from configuration. Throws only on a programming error. */
export function createApp(options: CreateAppOptions = {}): AppDeps {
  const config = loadConfig(options.env ?? process.env, { homeDir: os.homedir(), bundledDir: bundledWorkflowsDir() });
  const clock = options.clock ?? { now: () => Date.now() };
  const sources = createWorkflowSources(config.workflows, { now: () => clock.now() });
  return { config, clock, sources };
}
