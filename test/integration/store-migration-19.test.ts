// Schema 19 (small packing savings): a database in the schema-18 layout migrates on open and reads back the same
// events, outputs, session, tokens, search and projections; old tokens replay byte-identically and advance on.
// `downgradeToSchemaEighteen` touches only what migration 19 changes, so it composes with the other downgrades.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import {
  columnOf,
  columnsOf,
  onlySessionId,
  rawEventData,
  readThroughStore,
  rebuiltProjections,
} from '../support/migration-reads.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { expectFlowContinues, recordMigrationFlow } from './migration-flow.js';

const FTS_PROBES = ['ship', 'planned', 'migration', 'pass'];

describe('SQLite schema migration 19 (small packing savings)', () => {
  it('keeps the events, tokens, search and projections of a schema-18 database', () => {
    const flow = recordMigrationFlow();
    const { first, path } = flow;
    first.app.close();
    const sessionId = onlySessionId(path);
    const before = readThroughStore(path, sessionId, FTS_PROBES);
    expect(before.search).toEqual([sessionId]);
    expect(before.projections.fts.migration).toHaveLength(1);

    stepBackSchema(path, 18);
    expect(rawEventData(path).some((data) => data.includes('"nodeId"') && data.includes('"state"'))).toBe(true);
    expect(columnsOf(path, 'nodes')).toContain('created_at_ms');
    expect(columnOf(path, `SELECT name FROM sqlite_master WHERE name LIKE 'session_notes_fts%'`)).toEqual([]);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    const after = readThroughStore(path, sessionId, FTS_PROBES);
    // The log byte for byte, outputs, session, search, projections and tokens.
    expect(after).toEqual(before);
    expect(rawEventData(path).some((data) => data.includes('"nodeId"') || data.includes('"state"'))).toBe(false);
    expect(columnsOf(path, 'nodes')).not.toContain('created_at_ms');
    expect(columnOf(path, 'SELECT DISTINCT typeof(node_kind) FROM nodes')).toEqual(['integer']);
    // Notes are indexed without per-row sizes; title and goal rows keep theirs.
    expect(columnOf(path, `SELECT name FROM sqlite_master WHERE name LIKE 'session_notes_fts%' ORDER BY name`)).toEqual(
      ['session_notes_fts', 'session_notes_fts_config', 'session_notes_fts_data', 'session_notes_fts_idx'],
    );
    expect(columnOf(path, 'SELECT count(*) FROM session_fts_docsize')).toEqual([1]);
    // The tokens view reads a node's id from its node_created event when the node has no row.
    expect(tokenNodeIdsWithoutNodeRows(path)).toEqual(before.tokens.map((t) => t.nodeId).sort());

    expect(rebuiltProjections(path, FTS_PROBES)).toEqual(before.projections);

    expectFlowContinues(flow);
  });
});

function tokenNodeIdsWithoutNodeRows(path: string): string[] {
  const db = new Database(path);
  try {
    db.exec('BEGIN; DELETE FROM nodes;');
    const ids = db.prepare('SELECT node_id FROM tokens').pluck().all() as string[];
    db.exec('ROLLBACK');
    return ids.sort();
  } finally {
    db.close();
  }
}
