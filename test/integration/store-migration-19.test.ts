// Schema 19 (small packing savings): a database in the schema-18 layout migrates on open and reads back the same
// events, outputs, session, tokens, search and projections; old tokens replay byte-identically and advance on.
// `downgradeToSchemaEighteen` touches only what migration 19 changes, so it composes with the other downgrades.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import type { SessionId } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { dumpProjections } from '../support/projection-dump.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { asStep, expectOk, LOOP_WORKFLOW, testApp, workspaceWith } from './app-helpers.js';

const FTS_PROBES = ['ship', 'planned', 'migration', 'pass'];

describe('SQLite schema migration 19 (small packing savings)', () => {
  it('keeps the events, tokens, search and projections of a schema-18 database', () => {
    const ws = workspaceWith(LOOP_WORKFLOW);
    const first = testApp();
    const started = asStep(
      expectOk(startWorkflow(first.app, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: 'Ship it' })),
    );
    const advance = { continueToken: started.continueToken!, output: { notesMarkdown: 'Planned the migration.' } };
    const advanced = asStep(expectOk(continueWorkflow(first.app, advance)));
    const checkpoint = expectOk(checkpointWorkflow(first.app, { checkpointToken: advanced.checkpointToken! }));
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const sessionId = onlySessionId(path);
    const before = readThroughStore(path, sessionId);
    expect(before.search).toEqual([sessionId]);
    expect(before.projections.fts.migration).toHaveLength(1);

    stepBackSchema(path, 18);
    expect(rawEventData(path).some((data) => data.includes('"nodeId"') && data.includes('"state"'))).toBe(true);
    expect(columnsOf(path, 'nodes')).toContain('created_at_ms');
    expect(rowsOf(path, `SELECT name FROM sqlite_master WHERE name LIKE 'session_notes_fts%'`)).toEqual([]);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    const after = readThroughStore(path, sessionId);
    expect(after.eventsJson).toBe(before.eventsJson);
    expect(after.outputs).toEqual(before.outputs);
    expect(after.session).toEqual(before.session);
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    expect(after.tokens).toEqual(before.tokens);
    expect(rawEventData(path).some((data) => data.includes('"nodeId"') || data.includes('"state"'))).toBe(false);
    expect(columnsOf(path, 'nodes')).not.toContain('created_at_ms');
    expect(rowsOf(path, 'SELECT DISTINCT typeof(node_kind) FROM nodes')).toEqual(['integer']);
    // Notes are indexed without per-row sizes; title and goal rows keep theirs.
    expect(rowsOf(path, `SELECT name FROM sqlite_master WHERE name LIKE 'session_notes_fts%' ORDER BY name`)).toEqual([
      'session_notes_fts',
      'session_notes_fts_config',
      'session_notes_fts_data',
      'session_notes_fts_idx',
    ]);
    expect(rowsOf(path, 'SELECT count(*) FROM session_fts_docsize')).toEqual([1]);
    // The tokens view reads a node's id from its node_created event when the node has no row.
    expect(tokenNodeIdsWithoutNodeRows(path)).toEqual(before.tokens.map((t) => t.nodeId).sort());

    const rebuilt = openSqliteSessionStore({ path });
    expect(rebuilt.rebuildProjections().ok).toBe(true);
    rebuilt.close();
    expect(dumpProjections(path, FTS_PROBES)).toEqual(before.projections);

    const second = testApp({ home: first.home });
    expect(JSON.stringify(expectOk(continueWorkflow(second.app, advance)))).toBe(JSON.stringify(advanced));
    expect(
      JSON.stringify(expectOk(checkpointWorkflow(second.app, { checkpointToken: advanced.checkpointToken! }))),
    ).toBe(JSON.stringify(checkpoint));
    const next = asStep(
      expectOk(
        continueWorkflow(second.app, { continueToken: advanced.continueToken!, output: { notesMarkdown: 'Pass 1.' } }),
      ),
    );
    expect(next.pending?.stepId).toBe('verify');
  });
});

/** What the store returns for a session (log, outputs, graph, tokens, search), and the projection tables. */
function readThroughStore(path: string, sessionId: SessionId) {
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => ({
      eventsJson: JSON.stringify(r.listEvents(sessionId)),
      outputs: r.listOutputs(sessionId),
      session: r.loadSession(sessionId),
      tokens: r.listTokens(sessionId),
      // bm25 scores depend on the index's history: compare the order only.
      search: r.searchSessions('ship planned', 5).map((m) => m.sessionId),
      projections: dumpProjections(path, FTS_PROBES),
    }));
  } finally {
    store.close();
  }
}

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

function columnsOf(path: string, table: string): string[] {
  return rowsOf(path, `SELECT name FROM pragma_table_info('${table}')`) as string[];
}

function rowsOf(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().all();
  } finally {
    db.close();
  }
}

function rawEventData(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT data FROM events').pluck().all() as string[];
  } finally {
    db.close();
  }
}

function onlySessionId(path: string): SessionId {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT session_id FROM session_keys').pluck().get() as SessionId;
  } finally {
    db.close();
  }
}
