// Smaller rows per advanced step (issue 4: <= 1 KB of database growth per step).
// - Event deduplication through a 48-bit hash of the dedupe key (`dedupe_hash`, see `dedupeHash`) in a plain index,
//   instead of a unique index over the key text; the writer compares the key itself before inserting, so a hash
//   collision never drops an event. The table is rebuilt with the same rowids (they are the full-text row ids).
// - Token rows no longer repeat the pinned workflow hash: NULL means the hash of the session's run, the only hash a
//   token is ever minted for. The pinned workflow check (§3) still compares it.
// - The `attempts` table is dropped: nothing read it; a token row names its attempt.
export const version = 2;

export const sql = `
DROP VIEW session_events;
CREATE TABLE events_v2 (
  id INTEGER PRIMARY KEY,
  sk INTEGER NOT NULL REFERENCES session_keys (sk),
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT,
  node_id TEXT,
  dedupe_key TEXT NOT NULL,
  dedupe_hash INTEGER,
  at_ms INTEGER NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (sk, seq)
);
INSERT INTO events_v2 (id, sk, seq, event_id, kind, run_id, node_id, dedupe_key, dedupe_hash, at_ms, data)
  SELECT id, sk, seq, event_id, kind, run_id, node_id, dedupe_key, workrail_dedupe_hash(dedupe_key), at_ms, data
  FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_by_dedupe ON events (sk, dedupe_hash);
CREATE VIEW session_events AS
  SELECT k.session_id, e.seq, e.event_id, e.kind, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.sk;

CREATE TABLE tokens_v2 (
  token TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  attempt_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tokens_v2 (token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms)
  SELECT t.token, t.kind, t.session_id, t.run_id, t.node_id, t.attempt_id,
         CASE WHEN t.workflow_hash = r.workflow_hash THEN NULL ELSE t.workflow_hash END, t.created_at_ms
  FROM tokens t LEFT JOIN runs r ON r.session_id = t.session_id;
DROP TABLE tokens;
ALTER TABLE tokens_v2 RENAME TO tokens;
CREATE INDEX tokens_by_node ON tokens (node_id, kind, attempt_id);

DROP TABLE attempts;
`;
