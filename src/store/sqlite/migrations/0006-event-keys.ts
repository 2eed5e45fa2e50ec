// Events keyed by (session, seq) and four projections answered from the log (issue 4: <= 1 KB of database growth per
// step).
// - `events.id` is `(sk << 32) | seq`: the row id says the session and the seq, so the `sk` and `seq` columns and their
//   unique index go (`eventKey` in event-codec.ts). Full-text row ids are event ids too, so the index is rebuilt.
// - `events_by_dedupe` indexes the dedupe hash alone: a session's candidates are the ids in its range, and an advance
//   or checkpoint is found by the hash of its dedupe key, which replaces the `advances` and `checkpoints` tables.
// - `edges` and `outputs` become partial indexes over the `edge_created` and `output_appended` events.
// Full-text rows are keyed by event id: they are written again under the new ids (a session's title/goal row holds
// `sessions.title`/`goal`, a notes row its event's notes).
import { EVENT_KINDS } from '../../../engine/events.js';
import { kindCode } from '../event-codec.js';

export const version = 6;

export const sql = `
DROP VIEW session_events;
CREATE TABLE events_v6 (
  -- (sk << 32) | seq
  id INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  dedupe_hash INTEGER,
  data TEXT NOT NULL,
  event_id TEXT,
  run_id TEXT,
  node_id TEXT,
  dedupe_key TEXT
);
INSERT INTO events_v6 (id, kind, at_ms, dedupe_hash, data, event_id, run_id, node_id, dedupe_key)
  SELECT (sk << 32) | seq, kind, at_ms, dedupe_hash, data, event_id, run_id, node_id, dedupe_key
  FROM events ORDER BY sk, seq;
UPDATE sessions SET fts_title_rowid = (SELECT (sk << 32) | seq FROM events WHERE id = sessions.fts_title_rowid)
  WHERE fts_title_rowid IS NOT NULL;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE INDEX events_by_dedupe ON events (dedupe_hash);
CREATE INDEX events_edges ON events (kind) WHERE kind = ${kindCode('edge_created')};
CREATE INDEX events_outputs ON events (kind) WHERE kind = ${kindCode('output_appended')};
CREATE VIEW session_events AS
  SELECT k.session_id, e.id & 4294967295 AS seq,
         CASE e.kind ${EVENT_KINDS.map((k, i) => `WHEN ${i} THEN '${k}'`).join(' ')} END AS kind,
         e.event_id, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.id >> 32;

DROP TABLE advances;
DROP TABLE checkpoints;
DROP TABLE edges;
DROP TABLE outputs;

INSERT INTO session_fts (session_fts) VALUES ('delete-all');
INSERT INTO session_fts (rowid, title, goal, notes)
  SELECT fts_title_rowid, title, goal, NULL FROM sessions WHERE fts_title_rowid IS NOT NULL;
INSERT INTO session_fts (rowid, title, goal, notes)
  SELECT id, NULL, NULL, json_extract(data, '$.notesMarkdown') FROM events
  WHERE kind = ${kindCode('output_appended')} AND json_extract(data, '$.channel') = 'notes' ORDER BY id;
`;
