// Leaner event rows (issue 4: <= 1 KB of database growth per step), about 4 rows a step:
// - a row stores `at_ms` only where its time differs from the row before it in its session, and always on a
//   `node_created` row and every 16th seq (event-times.ts); elsewhere NULL, 6 bytes less;
// - `event_id`, `run_id`, `node_id` and `dedupe_key`, almost always NULL, become one `envelope` column holding the ones
//   that are not (envelope-overrides.ts): three header bytes less.
// The table is rebuilt (ids, data, dedupe hashes and folded edges stay); its indexes and every view (the `tokens` view
// reads `events`) are dropped and created again as they were, but `session_events`, which reads the time and the
// envelope fields as before from the new columns.
import type Database from 'better-sqlite3';
import { EVENT_KINDS } from '../../../engine/events.js';
import { ENVELOPE_FROM_COLUMNS_SQL, envelopeColumnsSql } from '../envelope-overrides.js';
import { eventTimeSql, STORED_TIME_SQL } from '../event-times.js';

export const version = 21;

export function apply(db: Database.Database): void {
  const saved = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE (type = 'view' OR (type = 'index' AND tbl_name = 'events')) AND sql IS NOT NULL`,
    )
    .all() as { type: 'view' | 'index'; name: string; sql: string }[];
  for (const view of saved.filter((s) => s.type === 'view')) db.exec(`DROP VIEW "${view.name}"`);
  db.exec(`
    CREATE TABLE events_v21 (
      -- (sk << 32) | seq
      id INTEGER PRIMARY KEY,
      kind INTEGER NOT NULL,
      -- NULL: the time of the nearest earlier row of the session that has one (event-times.ts)
      at_ms INTEGER,
      dedupe_hash INTEGER,
      data TEXT NOT NULL,
      edge INTEGER,
      -- NULL: the envelope is derived whole; else the fields that are not, as JSON (envelope-overrides.ts)
      envelope TEXT
    );
    INSERT INTO events_v21 (id, kind, at_ms, dedupe_hash, data, edge, envelope)
      SELECT id, kind, ${STORED_TIME_SQL}, dedupe_hash, data, edge, ${ENVELOPE_FROM_COLUMNS_SQL}
      FROM events WINDOW session_rows AS (PARTITION BY id >> 32 ORDER BY id) ORDER BY id;
    DROP TABLE events;
    ALTER TABLE events_v21 RENAME TO events;`);
  for (const index of saved.filter((s) => s.type === 'index')) db.exec(index.sql);
  for (const view of saved.filter((s) => s.type === 'view')) {
    db.exec(view.name === 'session_events' ? SESSION_EVENTS_VIEW : view.sql);
  }
}

/** The raw events with their session, seq, kind name, envelope fields and time, as schemas 6 to 20 showed them. */
const SESSION_EVENTS_VIEW = `
CREATE VIEW session_events AS
  SELECT k.session_id, e.id & 4294967295 AS seq,
         CASE e.kind ${EVENT_KINDS.map((k, i) => `WHEN ${i} THEN '${k}'`).join(' ')} END AS kind,
         ${envelopeColumnsSql('e')}, ${eventTimeSql('e')} AS at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.id >> 32`;
