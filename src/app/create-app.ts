// The composition root: builds `deps` once from the environment. Every entry point (CLI, MCP, HTTP, daemon)
// calls it and passes `deps` to the use cases.

import os from 'node:os';
import { openSessionStore, type SessionStore } from '../store/index.js';
import { type Keyring, loadOrCreateKeyring } from '../tokens/index.js';
import { bundledWorkflowsDir, CATALOG_RESCAN_MS, createWorkflowSources } from '../workflow/sources.js';
import { type Env, loadConfig } from './config.js';
import type { AppDeps, Clock } from './deps.js';
import { createIds, type Ids } from './ids.js';

export interface CreateAppOptions {
  /** Defaults to `process.env`. */
  readonly env?: Env;
  readonly clock?: Clock;
  /** Defaults to random ids from the OS CSPRNG. */
  readonly ids?: Ids;
  /** How long a write waits for another call's session lock (mcp-protocol.md §9). Default 5000 ms. */
  readonly lockWaitMs?: number;
}

/** The deps plus `close()`, which closes the store if it was opened. */
export interface App extends AppDeps {
  close(): void;
}

/** Builds the application's dependencies from configuration. Throws only on a programming error. */
export function createApp(options: CreateAppOptions = {}): App {
  const config = loadConfig(options.env ?? process.env, { homeDir: os.homedir(), bundledDir: bundledWorkflowsDir() });
  const clock = options.clock ?? { now: () => Date.now() };
  const sources = createWorkflowSources(config.workflows, { now: () => clock.now(), rescanAfterMs: CATALOG_RESCAN_MS });
  const ids = options.ids ?? createIds();
  let store: SessionStore | undefined;
  let keyring: Keyring | undefined;
  return {
    config,
    clock,
    sources,
    ids,
    get store() {
      store ??= openSessionStore({
        dataDir: config.dataDir,
        ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
        ...(options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs }),
      });
      return store;
    },
    get keyring() {
      keyring ??= loadOrCreateKeyring(config.keysDir, ids.randomBytes);
      return keyring;
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
}
