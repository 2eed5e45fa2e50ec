// Reads for the schema migration tests: what the store returns for a session before and after a migration, and raw
// rows of the database file.
import Database from 'better-sqlite3';
import { expect } from 'vitest';
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
      projections: dumpProjections(path, ftsProbes),
    }));
  } finally {
    store.close();
  }
}

/**
 * What the store returns for every session (the log, and the log from each of its seqs; outputs, graph, health,
 * tokens, metrics, and each node looked up by id), the session list, search, and the projection tables.
 */
export function readAllSessions(path: string, ftsProbes: readonly string[]) {
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => {
      const summaries = r.listRecentSessions(10);
      const per = (sessionId: SessionId) => {
        const events = r.listEvents(sessionId);
        const session = r.loadSession(sessionId);
        const nodeIds = session.kind === 'ok' ? [...session.session.nodes.keys()] : [];
        return {
          eventsJson: JSON.stringify(events),
          // Every range start, including each seq of the log.
          tails: events.map((e) => JSON.stringify(r.listEvents(sessionId, e.seq))),
          outputs: r.listOutputs(sessionId),
          session,
          health: r.checkHealth(sessionId),
          tokens: r.listTokens(sessionId),
          metrics: r.sessionMetrics(sessionId),
          nodes: nodeIds.map((nodeId) => ({
            position: r.loadNode(sessionId, nodeId),
            context: r.nodeContext(nodeId),
            token: r.findTokenFor('continue', nodeId, null),
          })),
        };
      };
      return {
        sessions: Object.fromEntries(summaries.map((s) => [s.sessionId, per(s.sessionId)])),
        summaries,
        search: r.searchSessions('ship planned', 5).map((m) => m.sessionId),
        projections: dumpProjections(path, ftsProbes),
      };
    });
  } finally {
    store.close();
  }
}

/** The projection tables after the store rebuilds them from the log (which must succeed). */
export function rebuiltProjections(path: string, ftsProbes: readonly string[]) {
  const store = openSqliteSessionStore({ path });
  try {
    expect(store.rebuildProjections().ok).toBe(true);
  } finally {
    store.close();
  }
  return dumpProjections(path, ftsProbes);
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

/** The first column of the first row a query returns (a count), read without migrating. */
export function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The rows a query returns as arrays of their values, in the query's order. */
export function rawRowsOf(path: string, sql: string): unknown[][] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).raw().all() as unknown[][];
  } finally {
    db.close();
  }
}

/** The names of a table's columns. */
export function columnsOf(path: string, table: string): string[] {
  return columnOf(path, `SELECT name FROM pragma_table_info('${table}')`) as string[];
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
