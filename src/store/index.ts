// store/ — durable sessions (docs/mcp-protocol.md §9, §10).
//
// - `SessionStore` (session-store.ts) is the contract app/ codes against. `openSessionStore({databaseUrl, dataDir})`
//   picks the implementation: `openSqliteSessionStore({path, newEventId})`, one WAL file at
//   `databasePath(resolveDataDir(env))` (the default), or `openPostgresSessionStore({url})` for a postgres:// URL
//   (postgres/: the optional pg-native driver, per-session advisory locks, PostgreSQL full-text search).
// - One use case = one `store.transaction(sessionId, (tx) => …)`: BEGIN IMMEDIATE, commit when the callback returns,
//   roll back and rethrow when it throws, `{ok: false, error: SessionLocked}` when another process held the lock
//   beyond the wait budget. Read-only use cases use `store.read((r) => …)`.
// - Inside: `tx.appendEvents` writes the engine's events and, in the same transaction, the projections derived from
//   them (sessions, runs, nodes, contexts, metrics, full-text index; edges, outputs, advances and checkpoints are
//   tables in PostgreSQL and, in SQLite, partial indexes over the log itself). `tx.loadNode` reads
//   what one advance needs at a cost independent of the session's length; `tx.loadSession` reads the whole graph.
//   Both run the §9 integrity checks and return `unhealthy` instead of throwing. Tokens (each naming its attempt),
//   pinned workflows and remembered roots are stored records, not projections.
// - `rebuildProjections()` recomputes every projection from the events. `copyStore(from, to)` copies one store into
//   another and verifies it (`workrail store migrate`). Session titles follow session-title.ts in both stores.
//
// Not allowed here: domain decisions (they belong to engine/ and app/), async work inside a transaction, and
// catching errors other than the one lock timeout that becomes `SessionLocked`.
export { databasePath, resolveDataDir } from './data-dir.js';
export { databaseUrlProblem, isPostgresUrl, redactDatabaseUrl } from './database-url.js';
export { type OpenSessionStoreOptions, openSessionStore } from './open-store.js';
export type { PostgresSessionStore, PostgresSessionStoreOptions } from './postgres/postgres-session-store.js';
export { openPostgresSessionStore } from './postgres/postgres-session-store.js';
export type * from './session-store.js';
export { StoreUnavailableError } from './session-store.js';
export type { SqliteSessionStore, SqliteSessionStoreOptions, SqliteSettings } from './sqlite/sqlite-session-store.js';
export { openSqliteSessionStore } from './sqlite/sqlite-session-store.js';
