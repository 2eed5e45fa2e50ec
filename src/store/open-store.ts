// Chooses the session store from configuration: PostgreSQL for a postgres:// URL, else the embedded SQLite file.
import { databasePath } from './data-dir.js';
import { databaseUrlProblem } from './database-url.js';
import { openPostgresSessionStore } from './postgres/postgres-session-store.js';
import type { SessionStore } from './session-store.js';
import { openSqliteSessionStore } from './sqlite/sqlite-session-store.js';

export interface OpenSessionStoreOptions {
  /** `WORKRAIL_DATABASE_URL`: a `postgres://` or `postgresql://` URL selects PostgreSQL. */
  readonly databaseUrl?: string;
  /** The data directory; the SQLite store lives at `databasePath(dataDir)` unless `sqlitePath` names another file. */
  readonly dataDir: string;
  readonly sqlitePath?: string;
  /** How long a write waits for another call's lock (mcp-protocol.md §9). Default 5000 ms. */
  readonly lockWaitMs?: number;
}

/** Opens the configured store. Throws on a database URL that is not PostgreSQL's (its password redacted). */
export function openSessionStore(options: OpenSessionStoreOptions): SessionStore {
  const lockWait = options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs };
  const url = options.databaseUrl?.trim();
  if (url !== undefined && url !== '') {
    const problem = databaseUrlProblem(url, 'The database URL');
    if (problem !== null) throw new Error(problem);
    return openPostgresSessionStore({ url, ...lockWait });
  }
  return openSqliteSessionStore({ path: options.sqlitePath ?? databasePath(options.dataDir), ...lockWait });
}
