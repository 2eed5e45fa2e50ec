// Schema 19 (small packing savings): a database in the schema-18 layout migrates on open and reads back the same
// events, outputs, session, tokens, search and projections; old tokens replay byte-identically and advance on.
// `downgradeToSchemaEighteen` touches only what migration 19 changes, so it composes with the other downgrades.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { EVENT_KINDS, type SessionId } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { dataPath, dataValue } from '../../src/store/sqlite/data-dictionary.js';
import { dumpProjections } from '../support/projection-dump.js';
import { asStep, expectOk, LOOP_WORKFLOW, testApp, workspaceWith } from './app-helpers.js';

/** Schema 19 packs these event data keys; schema 18 spelled them out. */
const SPELLED_KEYS: Readonly<Record<string, string>> = { Y: 'nodeId', Z: 'state' };

function withSpelledKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSpelledKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [SPELLED_KEYS[k] ?? k, withSpelledKeys(v)]));
}

/** A view's SQL with the spelled-out paths schema 18 read. */
function spelledViewSql(sql: string): string {
  return sql.replaceAll(`'$.Y'`, `'$.nodeId'`).replace(/'\$\.Z([.'])/g, (_m, next: string) => `'$.state${next}`);
}

/** Node rows as schema 18 kept them: kind as text, with their creation time. */
function nodesAsSchemaEighteen(db: Database.Database): void {
  const views = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'view'`).all() as {
    name: string;
    sql: string;
  }[];
  for (const view of views) db.exec(`DROP VIEW "${view.name}"`);
  db.exec(`
    CREATE TABLE nodes_v18 (
      id INTEGER PRIMARY KEY, node_id TEXT NOT NULL UNIQUE, node_kind TEXT NOT NULL, parent INTEGER,
      parent_node_id TEXT, workflow_hash TEXT, context_seq INTEGER, advance_children INTEGER NOT NULL DEFAULT 0,
      created_at_ms INTEGER NOT NULL);
    INSERT INTO nodes_v18
      SELECT n.id, n.node_id,
             CASE n.node_kind WHEN 0 THEN 'step' WHEN 1 THEN 'blocked_attempt' WHEN 2 THEN 'checkpoint'
                              WHEN 3 THEN 'gate_checkpoint' END,
             n.parent, n.parent_node_id, n.workflow_hash, n.context_seq, n.advance_children, e.at_ms
      FROM nodes n JOIN events e ON e.id = n.id;
    DROP TABLE nodes;
    ALTER TABLE nodes_v18 RENAME TO nodes;`);
  for (const view of views) db.exec(view.sql);
}

/**
 * Rewrites a schema-19 database as schema 18 left it: `nodeId` and `state` spelled out in event data and views, node
 * rows with their kind as text and their creation time, notes indexed in `session_fts`.
 */
function downgradeToSchemaEighteen(db: Database.Database): void {
  nodesAsSchemaEighteen(db);
  db.exec(`
    DROP TABLE session_notes_fts;
    INSERT INTO session_fts (rowid, title, goal, notes)
      SELECT id, NULL, NULL, json_extract(data, '${dataPath('notesMarkdown')}') FROM events
      WHERE kind = ${EVENT_KINDS.indexOf('output_appended')}
        AND json_extract(data, '${dataPath('channel')}') = ${dataValue('notes')};`);
  const rows = db.prepare('SELECT id, data FROM events').safeIntegers().all() as { id: bigint; data: string }[];
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  for (const row of rows) {
    const data = JSON.stringify(withSpelledKeys(JSON.parse(row.data)));
    if (data !== row.data) write.run(data, row.id);
  }
  const views = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'view'`).all() as {
    name: string;
    sql: string;
  }[];
  for (const view of views) {
    const sql = spelledViewSql(view.sql);
    if (sql !== view.sql) db.exec(`DROP VIEW "${view.name}"; ${sql}`);
  }
  db.pragma('user_version = 18');
}

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

    const db = new Database(path);
    db.transaction(() => downgradeToSchemaEighteen(db))();
    db.close();
    expect(rawEventData(path).some((data) => data.includes('"nodeId"') && data.includes('"state"'))).toBe(true);
    expect(columnsOf(path, 'nodes')).toContain('created_at_ms');
    expect(rowsOf(path, `SELECT name FROM sqlite_master WHERE name LIKE 'session_notes_fts%'`)).toEqual([]);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(19);
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
