// Downgrades for the migration tests: each rewrites a database of the schema after it into its own schema's layout,
// touching only what that migration changed, so they compose into a chain from the current schema back.
import Database from 'better-sqlite3';
import { EVENT_KINDS, type NodeId, type RunId, type SessionEvent, type SessionId } from '../../src/engine/events.js';
import { openSqliteSessionStore } from '../../src/store/index.js';
import { dataPath, dataValue } from '../../src/store/sqlite/data-dictionary.js';
import { ENVELOPE_KEYS } from '../../src/store/sqlite/envelope-overrides.js';
import { encodeEvent } from '../../src/store/sqlite/event-codec.js';
import { eventTimeSql } from '../../src/store/sqlite/event-times.js';
import { dedupeHash, userVersion } from '../../src/store/sqlite/migrate.js';
import { TOKENS_VIEW as SCHEMA_16_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0016-token-times.js';
import { TOKENS_VIEW as SCHEMA_17_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0017-token-pairs.js';
import { packedViewSql } from '../../src/store/sqlite/migrations/0019-small-packing.js';
import { dropViews, storedViews } from '../../src/store/sqlite/migrations/stored-views.js';
import type { WorkflowHash } from '../../src/workflow/types.js';

type SessionLogs = ReadonlyMap<SessionId, SessionEvent[]>;

/** The downgrade from each schema to the one before it, newest first. */
const STEPS: readonly [from: number, (db: Database.Database, logs: SessionLogs) => void][] = [
  [21, (db) => downgradeToSchemaTwenty(db)],
  [20, (db) => downgradeToSchemaNineteen(db)],
  [19, (db) => downgradeToSchemaEighteen(db)],
  [18, (db, logs) => downgradeToSchemaSeventeen(db, logs)],
  [17, (db) => downgradeToSchemaSixteen(db)],
];

/**
 * Steps the database at `path` back from the current schema to `version` (not below 16; the older steps live in
 * store-migration.test.ts), in one transaction. Reads every session's events through the store first.
 */
export function stepBackSchema(path: string, version: number): void {
  const store = openSqliteSessionStore({ path });
  const logs = store.read(
    (r) => new Map(r.listRecentSessions(1_000_000).map((s) => [s.sessionId, r.listEvents(s.sessionId)])),
  );
  store.close();
  const db = new Database(path);
  try {
    db.transaction(() => {
      for (const [from, step] of STEPS) if (userVersion(db) === from && version < from) step(db, logs);
    })();
    if (userVersion(db) !== version) throw new Error(`stepped back to schema ${userVersion(db)}, not ${version}`);
  } finally {
    db.close();
  }
}

/** Rewrites a schema-17 database as schema 16 left it: one token row per token string. Touches only the tokens. */
export function downgradeToSchemaSixteen(db: Database.Database): void {
  const rowsOfKind = (code: number, prefix: string, tag: string) =>
    `SELECT '${prefix}' || nonce || ${tag}, ${code}, node, attempt_id, run_id, workflow_hash, created_at_ms, node_id
     FROM token_records WHERE ${tag} IS NOT NULL`;
  db.exec(`
    CREATE TABLE token_records_v16 (
      token TEXT PRIMARY KEY, kind INTEGER NOT NULL, node INTEGER NOT NULL, attempt_id TEXT, run_id TEXT,
      workflow_hash TEXT, created_at_ms INTEGER, node_id TEXT) WITHOUT ROWID;
    INSERT INTO token_records_v16
      ${rowsOfKind(0, 'ct_', 'ct_tag')} UNION ALL ${rowsOfKind(1, 'ck_', 'ck_tag')}
      UNION ALL ${rowsOfKind(2, 'st_', 'st_tag')};
    DROP VIEW tokens;
    DROP TABLE token_records;
    ALTER TABLE token_records_v16 RENAME TO token_records;
    CREATE INDEX token_records_by_node ON token_records (node, kind);
    ${SCHEMA_16_TOKENS_VIEW}`);
  db.pragma('user_version = 16');
}

/**
 * Rewrites a schema-18 database as schema 17 left it: every event row with its dedupe index entry, and each folded
 * edge in its own row. `events`: each session's logged events, read before.
 */
export function downgradeToSchemaSeventeen(db: Database.Database, events: SessionLogs) {
  const key = db.prepare('SELECT sk, run_id, workflow_hash FROM session_keys WHERE session_id = ?');
  const folded = db.prepare('SELECT id & 4294967295 FROM events WHERE id >> 32 = ? AND edge IS NOT NULL').pluck();
  const insert = db.prepare(
    `INSERT INTO events (id, kind, at_ms, dedupe_hash, data, event_id, run_id, node_id, dedupe_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const write = db.prepare('UPDATE events SET dedupe_hash = ? WHERE id = (? << 32) | ? AND dedupe_hash IS NULL');
  for (const [sessionId, log] of events) {
    const {
      sk,
      run_id: runId,
      workflow_hash: workflowHash,
    } = key.get(sessionId) as {
      sk: number;
      run_id: RunId;
      workflow_hash: WorkflowHash;
    };
    const nodeSeqs = new Map(log.flatMap((e) => (e.kind === 'node_created' ? [[e.data.nodeId, e.seq]] : [])));
    for (const seq of folded.all(sk) as number[]) {
      const edge = log[seq + 1]!;
      const row = encodeEvent(edge, { sessionId, runId, workflowHash }, (id) => nodeSeqs.get(id as NodeId));
      const { kind, at_ms, data, event_id, run_id, node_id, dedupe_key } = row;
      const id = (BigInt(sk) << 32n) | BigInt(edge.seq);
      insert.run(id, kind, at_ms, dedupeHash(edge.dedupeKey), data, event_id, run_id, node_id, dedupe_key);
    }
    for (const e of log) write.run(dedupeHash(e.dedupeKey), sk, e.seq);
  }
  db.exec(`
    ALTER TABLE events DROP COLUMN edge;
    DROP INDEX events_by_dedupe;
    CREATE INDEX events_by_dedupe ON events (id >> 32, dedupe_hash);`);
  db.pragma('user_version = 17');
}

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
  const views = dropViews(db);
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
export function downgradeToSchemaEighteen(db: Database.Database): void {
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
  const views = storedViews(db);
  for (const view of views) {
    const sql = spelledViewSql(view.sql);
    if (sql !== view.sql) db.exec(`DROP VIEW "${view.name}"; ${sql}`);
  }
  db.pragma('user_version = 18');
}

/**
 * Rewrites a schema-20 database as schema 19 left it: node rows with their node id (read from their node_created
 * event) under a unique index and their parent's row id; the tokens view reading a held node's id from its row.
 */
export function downgradeToSchemaNineteen(db: Database.Database): void {
  const views = dropViews(db);
  db.exec(`
    CREATE TABLE nodes_v19 (
      id INTEGER PRIMARY KEY, node_id TEXT NOT NULL UNIQUE, node_kind INTEGER NOT NULL, parent INTEGER,
      parent_node_id TEXT, workflow_hash TEXT, context_seq INTEGER, advance_children INTEGER NOT NULL DEFAULT 0);
    INSERT INTO nodes_v19
      SELECT n.id, e.data ->> '${dataPath('nodeId')}', n.node_kind, n.id - n.parent_delta, n.parent_node_id,
             n.workflow_hash, n.context_seq, n.advance_children
      FROM nodes n JOIN events e ON e.id = n.id ORDER BY n.id;
    DROP TABLE nodes;
    ALTER TABLE nodes_v19 RENAME TO nodes;`);
  for (const view of views) db.exec(view.name === 'tokens' ? packedViewSql(SCHEMA_17_TOKENS_VIEW) : view.sql);
  db.pragma('user_version = 19');
}

/**
 * Rewrites a schema-21 database as schema 20 left it: every event row with its time, and the envelope fields in their
 * own columns. Touches only `events` (its indexes and the views over it are created again as they were).
 */
export function downgradeToSchemaTwenty(db: Database.Database): void {
  const saved = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE (type = 'view' OR (type = 'index' AND tbl_name = 'events')) AND sql IS NOT NULL`,
    )
    .all() as { type: string; name: string; sql: string }[];
  for (const view of saved.filter((s) => s.type === 'view')) db.exec(`DROP VIEW "${view.name}"`);
  db.exec(`
    CREATE TABLE events_v20 (
      id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, at_ms INTEGER NOT NULL, dedupe_hash INTEGER, data TEXT NOT NULL,
      event_id TEXT, run_id TEXT, node_id TEXT, dedupe_key TEXT, edge INTEGER);
    INSERT INTO events_v20
      SELECT e.id, e.kind, ${eventTimeSql('e')}, e.dedupe_hash, e.data,
             ${ENVELOPE_KEYS.map(([, key]) => `e.envelope ->> '${key}'`).join(', ')}, e.edge
      FROM events e ORDER BY e.id;
    DROP TABLE events;
    ALTER TABLE events_v20 RENAME TO events;`);
  for (const index of saved.filter((s) => s.type === 'index')) db.exec(index.sql);
  for (const view of saved.filter((s) => s.type === 'view')) {
    db.exec(view.name === 'session_events' ? SCHEMA_20_SESSION_EVENTS_VIEW : view.sql);
  }
  db.pragma('user_version = 20');
}

/** The `session_events` view as schemas 6 to 20 defined it. */
const SCHEMA_20_SESSION_EVENTS_VIEW = `
CREATE VIEW session_events AS
  SELECT k.session_id, e.id & 4294967295 AS seq,
         CASE e.kind ${EVENT_KINDS.map((k, i) => `WHEN ${i} THEN '${k}'`).join(' ')} END AS kind,
         e.event_id, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.id >> 32;`;
