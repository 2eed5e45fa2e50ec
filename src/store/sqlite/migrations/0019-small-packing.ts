// Small packing savings (issue 4: <= 1 KB of database growth per step):
// - event data packs `nodeId` and `state` like every other §10 field name (`Y`, `Z`), which it spelled out so SQL
//   could read a node's state at `$.state`: about 20 bytes of a step's events. Rows are rewritten in place (ids, seqs
//   and dedupe hashes stay), and every view that read those paths is defined again with the packed ones;
// - a node row leaves out its creation time, the `at_ms` of its `node_created` event (whose id is the row's), and
//   stores its kind as a small integer (node-kinds.ts): about 11 bytes a node;
// - notes are indexed in their own full-text table without per-row sizes (about 20 bytes a step). With
//   `detail = none` bm25 ranks every match 0 in either table, so search orders sessions as before (by id).
import type Database from 'better-sqlite3';
import { dataPath, dataValue, packJson, unpackJson } from '../data-dictionary.js';
import { kindCode } from '../event-codec.js';
import { dropViews, storedViews } from './stored-views.js';

export const version = 19;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  repackNodeKeys(db);
  repackViewPaths(db);
  slimNodes(db);
  splitNotesIndex(db);
}

function repackNodeKeys(db: Database.Database): void {
  const read = db
    .prepare(
      `SELECT id, data FROM events WHERE id > ? AND (instr(data, '"nodeId"') OR instr(data, '"state"'))
       ORDER BY id LIMIT ?`,
    )
    .safeIntegers();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  for (;;) {
    const rows = read.all(after, BATCH) as { id: bigint; data: string }[];
    for (const row of rows) {
      const data = JSON.stringify(packJson(unpackJson(JSON.parse(row.data))));
      if (data !== row.data) write.run(data, row.id);
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
}

/** A view's SQL with the spelled-out paths of `nodeId` and `state` (and fields under `state`) packed. */
export function packedViewSql(sql: string): string {
  return sql
    .replaceAll(`'$.nodeId'`, `'${dataPath('nodeId')}'`)
    .replace(/'\$\.state([.'])/g, (_match, next: string) => `'${dataPath('state')}${next}`);
}

/** Views are stored SQL: the ones that read a node's id or state from event data are dropped and created again. */
function repackViewPaths(db: Database.Database): void {
  const views = storedViews(db);
  for (const view of views) {
    const sql = packedViewSql(view.sql);
    if (sql === view.sql) continue;
    db.exec(`DROP VIEW "${view.name}"; ${sql}`);
  }
}

function slimNodes(db: Database.Database): void {
  const views = dropViews(db);
  db.exec(`
    CREATE TABLE nodes_v19 (
      -- the id of the node's node_created event: (sk << 32) | seq; the node's time is that event's at_ms
      id INTEGER PRIMARY KEY,
      node_id TEXT NOT NULL UNIQUE,
      -- 0 step, 1 blocked_attempt, 2 checkpoint, 3 gate_checkpoint (node-kinds.ts)
      node_kind INTEGER NOT NULL,
      -- the parent's row id; NULL for a root and for a parent without a row
      parent INTEGER,
      -- only for a parent without a row
      parent_node_id TEXT,
      -- NULL: the workflow hash of the session's run
      workflow_hash TEXT,
      context_seq INTEGER,
      advance_children INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO nodes_v19 (id, node_id, node_kind, parent, parent_node_id, workflow_hash, context_seq,
                           advance_children)
      SELECT id, node_id,
             CASE node_kind WHEN 'step' THEN 0 WHEN 'blocked_attempt' THEN 1 WHEN 'checkpoint' THEN 2
                            WHEN 'gate_checkpoint' THEN 3 END,
             parent, parent_node_id, workflow_hash, context_seq, advance_children
      FROM nodes ORDER BY id;
    DROP TABLE nodes;
    ALTER TABLE nodes_v19 RENAME TO nodes;`);
  for (const view of views) db.exec(view.sql);
}

/**
 * The notes of `session_fts` move to `session_notes_fts`, which keeps no per-row sizes (`columnsize=0`, which
 * `contentless_delete` rules out; notes rows are never deleted one by one). The contentless index cannot be copied:
 * notes are indexed again from their events, and `session_fts` again from the session rows' titles and goals.
 */
function splitNotesIndex(db: Database.Database): void {
  db.exec(`
    CREATE VIRTUAL TABLE session_notes_fts USING fts5 (
      notes,
      content = '', columnsize = 0, detail = none,
      tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO session_notes_fts (rowid, notes)
      SELECT id, json_extract(data, '${dataPath('notesMarkdown')}') FROM events
      WHERE kind = ${kindCode('output_appended')} AND json_extract(data, '${dataPath('channel')}') = ${dataValue('notes')}
      ORDER BY id;
    INSERT INTO session_fts (session_fts) VALUES ('delete-all');
    INSERT INTO session_fts (rowid, title, goal, notes)
      SELECT fts_title_rowid, title, goal, NULL FROM sessions WHERE fts_title_rowid IS NOT NULL ORDER BY fts_title_rowid;`);
}
