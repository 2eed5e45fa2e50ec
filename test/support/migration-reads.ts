// Reads for the schema migration tests: what the store returns for a session before and after a migration, and raw
// rows of the database file.
import Database from 'better-sqlite3';
import type { SessionId } from '../../src/engine/events.js';
import { openSqliteSessionStore } from '../../src/store/index.js';
import { dumpProjections } from './projection-dump.js';

/** What the store returns for a session (log, outputs, graph, tokens, search), and the projection tables. */
export function readThroughStore(path: string, sessionId: SessionId, ftsProbes: readonly string[]) {
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => ({
      eventsJson: JSON.stringify(r.listEvents(sessionId)),
      outputs: r.listOutputs(sessionId),
      session: r.loadSession(sessionId),
      tokens: r.listTokens(sessionId),
      // bm25 scores depend on the index's history (deleted rows count until segments merge): compare the order only.
      search: r.searchSessions('ship planned', 5).map((m) => m.sessionId),
      projections: dumpProjections(path, [...ftsProbes]),
    }));
  } finally {
    store.close();
  }
}

/** The first column of every row a query returns, read without migrating. */
export function columnOf(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().all();
  } finally {
    db.close();
  }
}

/** The rows a query returns, as sorted JSON lines (like dumpProjections). */
export function rowsOf(path: string, sql: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(sql).all() as object[]).map((row) => JSON.stringify(row)).sort();
  } finally {
    db.close();
  }
}

/** The data column of every event row. */
export function rawEventData(path: string): string[] {
  return columnOf(path, 'SELECT data FROM events') as string[];
}

/** The id of the one session a test database holds. */
export function onlySessionId(path: string): SessionId {
  return columnOf(path, 'SELECT session_id FROM session_keys')[0] as SessionId;
}
