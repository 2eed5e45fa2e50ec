// Databases written by older schemas migrate on open: their sessions read back event for event, their tokens keep
// working (replay byte-identical, advance on), full-text search finds the same rows, and the projections still rebuild
// to the live tables. Each `downgradeTo…` rewrites a database of the schema after it into its own schema's layout.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SessionId } from '../../src/engine/events.js';
import { EVENT_KINDS } from '../../src/engine/events.js';
import { openSqliteSessionStore } from '../../src/store/index.js';
import { packJson, SPELLED_BEFORE_19, unpackJson, unpackString } from '../../src/store/sqlite/data-dictionary.js';
import { NODE_REF_FIELDS } from '../../src/store/sqlite/event-codec.js';
import { dedupeHash, dedupeHash48, SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { SESSION_EVENTS_VIEW } from '../../src/store/sqlite/migrations/0003-derived-event-columns.js';
import { TOKENS_VIEW as SCHEMA_9_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0009-token-records.js';
import { TOKENS_VIEW as SCHEMA_12_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0012-short-attempt-ids.js';
import { TOKENS_VIEW as SCHEMA_13_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0013-node-keys.js';
import { NODE_CREATED_AT_SQL, NODE_KIND_SQL } from '../../src/store/sqlite/node-kinds.js';
import { columnOf, count, onlySessionId, rawEventData, readThroughStore, rowsOf } from '../support/migration-reads.js';
import { dumpProjections } from '../support/projection-dump.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { expectFlowContinues, recordMigrationFlow } from './migration-flow.js';

/** The node rows of a schema-13 database in the schema-12 layout: keyed by node id, with their session and parent. */
const NODES_AS_SCHEMA_12 = `
  SELECT n.node_id, k.session_id, n.node_kind, coalesce(p.node_id, n.parent_node_id) AS parent_node_id,
         n.workflow_hash, n.context_seq, n.advance_children, n.id & 4294967295 AS created_seq, n.created_at_ms
  FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32 LEFT JOIN nodes p ON p.id = n.parent`;

/**
 * The node rows of the current schema in the schema-12 layout (schema 19: kind as a code, time from the event; schema
 * 20: the node id from the event, the parent as the distance back to its row).
 */
const CURRENT_NODES_AS_SCHEMA_12 = `
  SELECT (SELECT e.data ->> '$.Y' FROM events e WHERE e.id = n.id) AS node_id, k.session_id,
         ${NODE_KIND_SQL} AS node_kind,
         coalesce((SELECT e.data ->> '$.Y' FROM events e WHERE e.id = p.id), n.parent_node_id) AS parent_node_id,
         n.workflow_hash, n.context_seq, n.advance_children, n.id & 4294967295 AS created_seq,
         ${NODE_CREATED_AT_SQL} AS created_at_ms
  FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32 LEFT JOIN nodes p ON p.id = n.id - n.parent_delta`;

/** Rewrites a schema-13 database as schema 12 left it: node rows keyed by node id, with their session and parent. */
function downgradeToSchemaTwelve(db: Database.Database): void {
  db.exec(`
    CREATE TABLE nodes_v12 (
      node_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, node_kind TEXT NOT NULL, parent_node_id TEXT,
      workflow_hash TEXT, context_seq INTEGER, advance_children INTEGER NOT NULL DEFAULT 0,
      created_seq INTEGER NOT NULL, created_at_ms INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO nodes_v12 ${NODES_AS_SCHEMA_12};
    DROP VIEW tokens;
    DROP TABLE nodes;
    ALTER TABLE nodes_v12 RENAME TO nodes;
    CREATE INDEX nodes_by_session ON nodes (session_id, created_seq);
    ${SCHEMA_12_TOKENS_VIEW}`);
  db.pragma('user_version = 12');
}

/** A JSON replacer that writes packed enum values (`~8`, schema 14) whole again. */
function withEnumValues(_key: string, value: unknown): unknown {
  return typeof value === 'string' && /^~[0-9A-Z]$/.test(value) ? unpackString(value) : value;
}

/** A JSON replacer that also writes packed attempt ids (`~a…`, schema 12) whole again. */
function withAttemptPrefix(key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith('~a') ? `attempt_${value.slice(2)}` : withEnumValues(key, value);
}

/** Rewrites a schema-16 database as schema 15 left it: every token row with its creation time. */
function downgradeToSchemaFifteen(db: Database.Database): void {
  db.exec(`
    CREATE TABLE token_records_v15 (
      token TEXT PRIMARY KEY, kind INTEGER NOT NULL, node INTEGER NOT NULL, attempt_id TEXT, run_id TEXT,
      workflow_hash TEXT, created_at_ms INTEGER NOT NULL, node_id TEXT) WITHOUT ROWID;
    INSERT INTO token_records_v15
      SELECT t.token, t.kind, t.node, t.attempt_id, t.run_id, t.workflow_hash, v.created_at_ms, t.node_id
      FROM token_records t JOIN tokens v USING (token);
    DROP VIEW tokens;
    DROP TABLE token_records;
    ALTER TABLE token_records_v15 RENAME TO token_records;
    CREATE INDEX token_records_by_node ON token_records (node, kind);
    ${SCHEMA_13_TOKENS_VIEW}`);
  db.pragma('user_version = 15');
}

/** Rewrites a schema-15 database as schema 14 left it: 48-bit dedupe hashes (of the session's logged events). */
function downgradeToSchemaFourteen(db: Database.Database, events: readonly { seq: number; dedupeKey: string }[]): void {
  const write = db.prepare('UPDATE events SET dedupe_hash = ? WHERE id = (SELECT sk FROM session_keys) << 32 | ?');
  for (const e of events) write.run(dedupeHash48(e.dedupeKey), e.seq);
  db.pragma('user_version = 14');
}

/** Rewrites a schema-14 database as schema 13 left it: enum values spelled out in event data. */
function downgradeToSchemaThirteen(db: Database.Database): void {
  const rows = db.prepare('SELECT id, data FROM events').safeIntegers().all() as { id: bigint; data: string }[];
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  for (const row of rows) write.run(JSON.stringify(JSON.parse(row.data), withEnumValues), row.id);
  db.pragma('user_version = 13');
}

/** Rewrites a schema-12 database as schema 11 left it: attempt ids with their prefix in event data and token rows. */
function downgradeToSchemaEleven(db: Database.Database): void {
  const rows = db.prepare('SELECT id, data FROM events').safeIntegers().all() as { id: bigint; data: string }[];
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  for (const row of rows) write.run(JSON.stringify(JSON.parse(row.data), withAttemptPrefix), row.id);
  db.exec(`
    UPDATE token_records SET attempt_id = CASE WHEN substr(attempt_id, 1, 1) = '~' THEN substr(attempt_id, 2)
                                                ELSE 'attempt_' || attempt_id END;
    DROP VIEW tokens;
    ${SCHEMA_9_TOKENS_VIEW}`);
  db.pragma('user_version = 11');
}

/** Rewrites a schema-11 database as schema 10 left it: event data names nodes by their ids, not by seqs. */
function downgradeToSchemaTen(db: Database.Database): void {
  const rows = db.prepare('SELECT id, kind, data FROM events ORDER BY id').safeIntegers().all() as {
    id: bigint;
    kind: bigint;
    data: string;
  }[];
  const nodeIdAt = db.prepare(`SELECT data ->> '$.nodeId' FROM events WHERE id = ?`).pluck();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  for (const row of rows) {
    const fields = NODE_REF_FIELDS[EVENT_KINDS[Number(row.kind)]!] ?? [];
    const data = unpackJson(JSON.parse(row.data)) as Record<string, unknown>;
    for (const field of fields) {
      const value = data[field];
      if (typeof value === 'number') data[field] = nodeIdAt.get(((row.id >> 32n) << 32n) | BigInt(value));
      else if (Array.isArray(value)) data[field] = value[0];
    }
    // Packed as schema 11 did: attempt ids whole.
    write.run(JSON.stringify(packJson(data, SPELLED_BEFORE_19), withAttemptPrefix), row.id);
  }
  db.pragma('user_version = 10');
}

/** Rewrites a schema-10 database as schema 9 left it: the dedupe index ordered by hash alone. */
function downgradeToSchemaNine(db: Database.Database): void {
  db.exec('DROP INDEX events_by_dedupe; CREATE INDEX events_by_dedupe ON events (dedupe_hash);');
  db.pragma('user_version = 9');
}

/** Rewrites a schema-9 database as schema 8 left it: token rows with their session, node id and kind as text. */
function downgradeToSchemaEight(db: Database.Database): void {
  db.exec(`
    CREATE TABLE tokens_v8 (
      token TEXT PRIMARY KEY, kind TEXT NOT NULL, session_id TEXT NOT NULL, run_id TEXT, node_id TEXT NOT NULL,
      attempt_id TEXT, workflow_hash TEXT, created_at_ms INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO tokens_v8
      SELECT v.token, v.kind, v.session_id, t.run_id, v.node_id, v.attempt_id, t.workflow_hash, v.created_at_ms
      FROM tokens v JOIN token_records t USING (token);
    DROP VIEW tokens;
    DROP TABLE token_records;
    ALTER TABLE tokens_v8 RENAME TO tokens;
    CREATE INDEX tokens_by_node ON tokens (node_id, kind);`);
  db.pragma('user_version = 8');
}

/** Rewrites a schema-8 database as schema 7 left it: event data as plain JSON. */
function downgradeToSchemaSeven(db: Database.Database): void {
  const rows = db.prepare('SELECT id, data FROM events').safeIntegers().all() as { id: bigint; data: string }[];
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  for (const row of rows) write.run(JSON.stringify(unpackJson(JSON.parse(row.data))), row.id);
  db.pragma('user_version = 7');
}

/** Rewrites a schema-7 database as schema 6 left it: a full-text index with columns and positions. */
function downgradeToSchemaSix(db: Database.Database): void {
  db.exec(`
    DROP TABLE session_fts;
    CREATE VIRTUAL TABLE session_fts USING fts5 (
      title, goal, notes, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
    INSERT INTO session_fts (rowid, title, goal) SELECT fts_title_rowid, title, goal FROM sessions;
    INSERT INTO session_fts (rowid, notes) SELECT id, json_extract(data, '$.notesMarkdown') FROM events
      WHERE kind = ${EVENT_KINDS.indexOf('output_appended')} AND json_extract(data, '$.channel') = 'notes';`);
  db.pragma('user_version = 6');
}

/**
 * Rewrites a schema-6 database as schema 5 left it: events keyed by a plain row id with `sk` and `seq` columns (ids
 * 1, 2, … in log order, so full-text rows are renumbered), and the `edges`, `advances`, `checkpoints` and `outputs`
 * projections filled from the events.
 */
function downgradeToSchemaFive(db: Database.Database): void {
  const kind = (name: string) => EVENT_KINDS.indexOf(name as (typeof EVENT_KINDS)[number]);
  db.exec(`
    DROP VIEW session_events;
    CREATE TABLE events_v5 (
      id INTEGER PRIMARY KEY, sk INTEGER NOT NULL REFERENCES session_keys (sk), seq INTEGER NOT NULL,
      kind INTEGER NOT NULL, at_ms INTEGER NOT NULL, dedupe_hash INTEGER, data TEXT NOT NULL,
      event_id TEXT, run_id TEXT, node_id TEXT, dedupe_key TEXT, UNIQUE (sk, seq));
    INSERT INTO events_v5
      SELECT row_number() OVER (ORDER BY id), id >> 32, id & 4294967295, kind, at_ms, dedupe_hash, data, event_id,
             run_id, node_id, dedupe_key
      FROM events;
    UPDATE sessions SET fts_title_rowid =
      (SELECT v.id FROM events_v5 v WHERE (v.sk << 32) | v.seq = sessions.fts_title_rowid);
    INSERT INTO session_fts (session_fts) VALUES ('delete-all');
    INSERT INTO session_fts (rowid, title, goal) SELECT fts_title_rowid, title, goal FROM sessions;
    INSERT INTO session_fts (rowid, notes) SELECT id, json_extract(data, '$.notesMarkdown') FROM events_v5
      WHERE kind = ${kind('output_appended')} AND json_extract(data, '$.channel') = 'notes';
    DROP TABLE events;
    ALTER TABLE events_v5 RENAME TO events;
    CREATE INDEX events_by_dedupe ON events (sk, dedupe_hash);
    ${SESSION_EVENTS_VIEW}
    CREATE TABLE edges (
      session_id TEXT NOT NULL, from_node_id TEXT NOT NULL, to_node_id TEXT NOT NULL, edge_kind TEXT NOT NULL,
      cause TEXT NOT NULL, created_seq INTEGER NOT NULL, PRIMARY KEY (session_id, created_seq)) WITHOUT ROWID;
    INSERT INTO edges SELECT k.session_id, data ->> 'fromNodeId', data ->> 'toNodeId', data ->> 'edgeKind',
        data ->> 'cause', e.seq
      FROM events e JOIN session_keys k USING (sk) WHERE e.kind = ${kind('edge_created')};
    CREATE TABLE advances (
      node_id TEXT NOT NULL, attempt_id TEXT NOT NULL, session_id TEXT NOT NULL, outcome TEXT NOT NULL,
      to_node_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (node_id, attempt_id)) WITHOUT ROWID;
    INSERT INTO advances SELECT data ->> 'fromNodeId', data ->> 'attemptId', k.session_id, data ->> 'outcome',
        data ->> 'toNodeId', e.seq
      FROM events e JOIN session_keys k USING (sk) WHERE e.kind = ${kind('advance_recorded')};
    CREATE TABLE checkpoints (
      node_id TEXT NOT NULL, attempt_id TEXT NOT NULL, session_id TEXT NOT NULL, checkpoint_node_id TEXT NOT NULL,
      PRIMARY KEY (node_id, attempt_id)) WITHOUT ROWID;
    INSERT INTO checkpoints SELECT data ->> 'fromNodeId', data ->> 'attemptId', k.session_id,
        data ->> 'checkpointNodeId'
      FROM events e JOIN session_keys k USING (sk) WHERE e.kind = ${kind('checkpoint_recorded')};
    CREATE TABLE outputs (
      session_id TEXT NOT NULL, seq INTEGER NOT NULL, node_id TEXT NOT NULL, attempt_id TEXT NOT NULL,
      channel TEXT NOT NULL, artifact_kind TEXT, sha256 TEXT, bytes INTEGER NOT NULL,
      PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
    INSERT INTO outputs SELECT k.session_id, e.seq, data ->> 'nodeId', data ->> 'attemptId', data ->> 'channel',
        data ->> '$.artifact.kind', data ->> '$.artifact.sha256',
        coalesce(data ->> '$.artifact.bytes', length(CAST(data ->> 'notesMarkdown' AS BLOB)))
      FROM events e JOIN session_keys k USING (sk) WHERE e.kind = ${kind('output_appended')};`);
  db.pragma('user_version = 5');
}

/**
 * Rewrites a schema-5 database as schema 2 left it: every event column stored, kind as text, random event
 * ids; node rows with their run, workflow hash and state; token rows with their run.
 */
function downgradeToSchemaTwo(path: string, sessionId: SessionId): void {
  const store = openSqliteSessionStore({ path });
  const events = store.read((r) => r.listEvents(sessionId));
  store.close();
  stepBackSchema(path, 16);
  const db = new Database(path);
  try {
    db.transaction(() => {
      downgradeToSchemaFifteen(db);
      downgradeToSchemaFourteen(db, events);
      downgradeToSchemaThirteen(db);
      downgradeToSchemaTwelve(db);
      downgradeToSchemaEleven(db);
      downgradeToSchemaTen(db);
      downgradeToSchemaNine(db);
      downgradeToSchemaEight(db);
      downgradeToSchemaSeven(db);
      downgradeToSchemaSix(db);
      downgradeToSchemaFive(db);
      const ids = db.prepare('SELECT id FROM events ORDER BY sk, seq').pluck().all() as number[];
      db.exec(`
        DROP VIEW session_events;
        DROP TABLE events;
        CREATE TABLE events (
          id INTEGER PRIMARY KEY, sk INTEGER NOT NULL REFERENCES session_keys (sk), seq INTEGER NOT NULL,
          event_id TEXT NOT NULL, kind TEXT NOT NULL, run_id TEXT, node_id TEXT, dedupe_key TEXT NOT NULL,
          dedupe_hash INTEGER, at_ms INTEGER NOT NULL, data TEXT NOT NULL, UNIQUE (sk, seq));
        CREATE INDEX events_by_dedupe ON events (sk, dedupe_hash);
        CREATE VIEW session_events AS
          SELECT k.session_id, e.seq, e.event_id, e.kind, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
          FROM events e JOIN session_keys k ON k.sk = e.sk;
        CREATE TABLE nodes_v2 (
          node_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, run_id TEXT, node_kind TEXT NOT NULL,
          parent_node_id TEXT, workflow_hash TEXT NOT NULL, state TEXT NOT NULL, context_seq INTEGER,
          advance_children INTEGER NOT NULL DEFAULT 0, created_seq INTEGER NOT NULL, created_at_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO nodes_v2
          SELECT n.node_id, n.session_id, k.run_id, n.node_kind, n.parent_node_id,
                 coalesce(n.workflow_hash, k.workflow_hash), '{}', n.context_seq, n.advance_children, n.created_seq,
                 n.created_at_ms
          FROM nodes n JOIN session_keys k ON k.session_id = n.session_id;
        DROP TABLE nodes;
        ALTER TABLE nodes_v2 RENAME TO nodes;
        CREATE INDEX nodes_by_session ON nodes (session_id, created_seq);
        CREATE TABLE tokens_v2 (
          token TEXT PRIMARY KEY, kind TEXT NOT NULL, session_id TEXT NOT NULL, run_id TEXT NOT NULL,
          node_id TEXT NOT NULL, attempt_id TEXT, workflow_hash TEXT, created_at_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO tokens_v2
          SELECT t.token, t.kind, t.session_id, coalesce(t.run_id, k.run_id), t.node_id, t.attempt_id,
                 t.workflow_hash, t.created_at_ms
          FROM tokens t JOIN session_keys k ON k.session_id = t.session_id;
        DROP TABLE tokens;
        ALTER TABLE tokens_v2 RENAME TO tokens;
        CREATE INDEX tokens_by_node ON tokens (node_id, kind, attempt_id);
        ALTER TABLE session_keys DROP COLUMN run_id;
        ALTER TABLE session_keys DROP COLUMN workflow_hash;`);
      const insert = db.prepare(
        `INSERT INTO events (id, sk, seq, event_id, kind, run_id, node_id, dedupe_key, dedupe_hash, at_ms, data)
         VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const setState = db.prepare('UPDATE nodes SET state = ? WHERE node_id = ?');
      events.forEach((e, i) => {
        if (e.kind === 'node_created') setState.run(JSON.stringify(e.data.state), e.data.nodeId);
        insert.run(
          ids[i],
          e.seq,
          `evt_schema2_${e.seq}`,
          e.kind,
          e.runId ?? null,
          e.nodeId ?? null,
          e.dedupeKey,
          dedupeHash48(e.dedupeKey),
          e.atMs,
          JSON.stringify(e.data),
        );
      });
      db.pragma('user_version = 2');
    })();
  } finally {
    db.close();
  }
}

describe('SQLite schema migration 3 (derived event columns)', () => {
  it('keeps the events, tokens and projections of a schema-2 database', () => {
    const flow = recordMigrationFlow();
    const { first, path } = flow;
    first.app.close();
    const sessionId = onlySessionId(path);

    downgradeToSchemaTwo(path, sessionId);
    const before = openRaw(path, sessionId);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.read((r) => r.listEvents(sessionId))).toEqual(before.events);
    // Full-text matches are the same rows (renumbered by schema 6); the projection tables (whose columns later schemas
    // changed) rebuild exactly.
    const migrated = dumpProjections(path, ['ship', 'planned']);
    expect(Object.values(migrated.fts).map((rows) => rows.length)).toEqual(
      Object.values(before.projections.fts).map((rows) => rows.length),
    );
    expect(store.read((r) => r.searchSessions('ship planned', 5).map((m) => m.sessionId))).toEqual([sessionId]);
    const { nodes: nodesBefore, ...othersBefore } = before.projections.tables;
    const { nodes: nodesAfter, ...othersAfter } = migrated.tables;
    // Schema 6 renumbered the full-text rows (event ids), which the session row points at.
    const { sessions: sessionsBefore, ...restBefore } = othersBefore;
    const { sessions: sessionsAfter, ...restAfter } = othersAfter;
    expect(restAfter).toEqual(restBefore);
    const withoutFtsRow = (line: string) => {
      const { fts_title_rowid: _row, ...rest } = JSON.parse(line);
      return rest;
    };
    expect(sessionsAfter!.map(withoutFtsRow)).toEqual(sessionsBefore!.map(withoutFtsRow));
    const sameColumns = (line: string) => {
      const { run_id: _run, workflow_hash: _hash, state: _state, ...rest } = JSON.parse(line);
      return rest;
    };
    // Schema 13 keys node rows by their event: compare them in the layout they had.
    expect(nodesAfter).toHaveLength(nodesBefore!.length);
    expect(rowsOf(path, CURRENT_NODES_AS_SCHEMA_12).map(sameColumns)).toEqual(nodesBefore!.map(sameColumns));
    expect(store.read((r) => r.checkHealth(sessionId))).toEqual({ kind: 'healthy' });
    expect(store.rebuildProjections().ok).toBe(true);
    expect(dumpProjections(path, ['ship', 'planned'])).toEqual(migrated);
    store.close();

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the step advances on.
    expectFlowContinues(flow);
  });
});

describe('SQLite schema migrations 6 to 16 (event keys, search index, packed data, token records, dedupe index, node references, attempt ids, node keys, enum values, dedupe hash, token times)', () => {
  it('keeps the events, tokens, search and projections of a schema-5 database', () => {
    const flow = recordMigrationFlow();
    const { first, path } = flow;
    first.app.close();
    const sessionId = onlySessionId(path);
    const before = readThroughStore(path, sessionId, FTS_PROBES);
    const events = JSON.parse(before.eventsJson) as { seq: number; dedupeKey: string }[];

    stepBackSchema(path, 16);
    const db = new Database(path);
    db.transaction(() => {
      downgradeToSchemaFifteen(db);
      downgradeToSchemaFourteen(db, events);
      downgradeToSchemaThirteen(db);
      downgradeToSchemaTwelve(db);
      downgradeToSchemaEleven(db);
      downgradeToSchemaTen(db);
      downgradeToSchemaNine(db);
      downgradeToSchemaEight(db);
      downgradeToSchemaSeven(db);
      downgradeToSchemaSix(db);
      downgradeToSchemaFive(db);
    })();
    db.close();
    expect(dumpProjections(path, FTS_PROBES).fts).not.toEqual(before.projections.fts);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    const after = readThroughStore(path, sessionId, FTS_PROBES);
    // The log byte for byte, outputs, session, search, projections and tokens.
    expect(after).toEqual(before);
    expect(columnOf(path, "SELECT sql FROM sqlite_master WHERE name = 'session_fts'")[0]).toContain('detail = none');
    expect(rawEventData(path).some((data) => data.includes('"notesMarkdown"'))).toBe(false);
    // Only node_created events spell out a node id (their own); the others name nodes by seq.
    expect(rawEventData(path).filter((data) => data.includes('node_')).length).toBe(
      count(path, 'SELECT count(*) FROM nodes'),
    );
    expect(rawEventData(path).some((data) => /"[ab]":\d+/.test(data))).toBe(true);
    expect(rawEventData(path).some((data) => data.includes('"attempt_'))).toBe(false);
    expect(rawEventData(path).some((data) => data.includes('"advance'))).toBe(false);
    // Nodes, their edges and traces have no dedupe entry (schema 18).
    expect(columnOf(path, 'SELECT dedupe_hash FROM events WHERE dedupe_hash IS NOT NULL ORDER BY id')).toEqual(
      events.filter((e) => !/^(node|edge|trace):/.test(e.dedupeKey)).map((e) => dedupeHash(e.dedupeKey)),
    );
    // Tokens minted with their node leave their time to the node's event.
    expect(rowsOf(path, 'SELECT created_at_ms FROM token_records WHERE created_at_ms IS NOT NULL')).toEqual([]);
    const rebuilt = openSqliteSessionStore({ path });
    expect(rebuilt.rebuildProjections().ok).toBe(true);
    rebuilt.close();
    expect(dumpProjections(path, FTS_PROBES)).toEqual(before.projections);

    expectFlowContinues(flow);
  });
});

const FTS_PROBES = ['ship', 'planned', 'migration'];

/** What the store returns for a session (log, outputs, graph, search), and the projection tables. */

/** The session's events (as the schema-2 rows hold them) and the projections, read without migrating. */
function openRaw(path: string, sessionId: SessionId) {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data FROM events ORDER BY seq')
      .all() as {
      seq: number;
      event_id: string;
      kind: string;
      run_id: string | null;
      node_id: string | null;
      dedupe_key: string;
      at_ms: number;
      data: string;
    }[];
    const events = rows.map((r) => ({
      eventId: r.event_id,
      sessionId,
      seq: r.seq,
      kind: r.kind,
      ...(r.run_id === null ? {} : { runId: r.run_id }),
      ...(r.node_id === null ? {} : { nodeId: r.node_id }),
      dedupeKey: r.dedupe_key,
      atMs: r.at_ms,
      data: JSON.parse(r.data),
    }));
    return { events, projections: dumpProjections(path, ['ship', 'planned']) };
  } finally {
    db.close();
  }
}
