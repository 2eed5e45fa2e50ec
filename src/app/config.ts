import path from 'node:path';
import { databaseUrlProblem } from '../store/index.js';
import type { WorkflowSourcesConfig } from '../workflow/sources.js';

/** A setting in the environment that cannot be used; the message says which and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = { readonly [name: string]: string | undefined };

/** Settings read from the environment (docs/configuration.md). */
export interface AppConfig {
  /** `$WORKRAIL_HOME`, default `<home>/.workrail`. */
  readonly workrailHome: string;
  readonly workflows: WorkflowSourcesConfig;
  /** `$WORKRAIL_DATA_DIR`, default `<workrailHome>/data` (the session database lives here). */
  readonly dataDir: string;
  /** `$WORKRAIL_KEYS_DIR`, default `<dataDir>/keys` (the token keyring). */
  readonly keysDir: string;
  /** `$WORKRAIL_DATABASE_URL` (or `--database-url`): a PostgreSQL URL for the session store; unset: SQLite in dataDir. */
  readonly databaseUrl: string | undefined;
}

/**
 * Reads WORKRAIL_HOME (default `$HOME/.workrail`), WORKFLOW_INCLUDE_BUNDLED/USER/PROJECT (default true; `false`,
 * `0`, `no`, `off` disable), WORKFLOW_STORAGE_PATH (a `path.delimiter` list) and WORKRAIL_DATABASE_URL. `homeDir` is
 * the fallback for HOME. Throws, with the URL's password hidden, when WORKRAIL_DATABASE_URL is not a PostgreSQL URL.
 */
export function loadConfig(env: Env, defaults: { readonly homeDir: string; readonly bundledDir: string }): AppConfig {
  const home = nonEmpty(env.HOME) ?? defaults.homeDir;
  const workrailHome = path.resolve(nonEmpty(env.WORKRAIL_HOME) ?? path.join(home, '.workrail'));
  const dataDir = path.resolve(nonEmpty(env.WORKRAIL_DATA_DIR) ?? path.join(workrailHome, 'data'));
  return {
    workrailHome,
    dataDir,
    keysDir: path.resolve(nonEmpty(env.WORKRAIL_KEYS_DIR) ?? path.join(dataDir, 'keys')),
    databaseUrl: databaseUrl(env.WORKRAIL_DATABASE_URL),
    workflows: {
      workrailHome,
      bundledDir: defaults.bundledDir,
      includeBundled: flag(env.WORKFLOW_INCLUDE_BUNDLED),
      includeUser: flag(env.WORKFLOW_INCLUDE_USER),
      includeProject: flag(env.WORKFLOW_INCLUDE_PROJECT),
      storagePaths: (env.WORKFLOW_STORAGE_PATH ?? '')
        .split(path.delimiter)
        .filter((entry) => entry.trim() !== '')
        .map((entry) => path.resolve(entry.trim())),
    },
  };
}

function databaseUrl(value: string | undefined): string | undefined {
  const url = nonEmpty(value)?.trim();
  if (url === undefined) return undefined;
  const problem = databaseUrlProblem(url, 'WORKRAIL_DATABASE_URL');
  if (problem !== null) throw new ConfigError(problem);
  return url;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function flag(value: string | undefined): boolean {
  return !['false', '0', 'no', 'off'].includes((value ?? '').trim().toLowerCase());
}
