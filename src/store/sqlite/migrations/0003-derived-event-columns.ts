// Event rows store only what cannot be derived (issue 4: <= 1 KB of database growth per step); event-codec.ts has the
// rules. `session_keys` gains the session's run (id and workflow hash), the fact the derivations need. Rows keep their
// ids (the full-text row ids) and seqs; ids of existing events stay stored as they are (they are random, not derived).
import type Database from 'better-sqlite3';
import type { RunId, SessionId } from '../../../engine/events.js';
import { EVENT_KINDS } from '../../../engine/events.js';
import type { WorkflowHash } from '../../../workflow/types.js';
import { encodeEnvelope } from '../event-codec.js';

export const version = 3;

/** The read view of the log: one row per event, with its session id and kind name; NULL columns are derived. */
export const SESSION_EVENTS_VIEW = `
CREATE VIEW session_events AS
  SELECT k.session_id, e.seq, CASE e.kind ${EVENT_KINDS.map((k, i) => `WHEN ${i} THEN '${k}'`).join(' ')} END AS kind,
         e.event_id, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.sk;`;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  db.exec(`
DROP VIEW session_events;
ALTER TABLE session_keys ADD COLUMN run_id TEXT;
ALTER TABLE session_keys ADD COLUMN workflow_hash TEXT;
UPDATE session_keys SET
  run_id = (SELECT json_extract(e.data, '$.runId') FROM events e
            WHERE e.sk = session_keys.sk AND e.kind = 'run_started' ORDER BY e.seq LIMIT 1),
  workflow_hash = (SELECT json_extract(e.data, '$.workflowHash') FROM events e
                   WHERE e.sk = session_keys.sk AND e.kind = 'run_started' ORDER BY e.seq LIMIT 1);
CREATE TABLE events_v3 (
  id INTEGER PRIMARY KEY,
  sk INTEGER NOT NULL REFERENCES session_keys (sk),
  seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  dedupe_hash INTEGER,
  data TEXT NOT NULL,
  -- NULL: derived (event-codec.ts); '': absent
  event_id TEXT,
  run_id TEXT,
  node_id TEXT,
  dedupe_key TEXT,
  UNIQUE (sk, seq)
);`);
  const read = db.prepare(
    `SELECT e.id, e.sk, e.seq, e.event_id, e.kind, e.run_id, e.node_id, e.dedupe_key, e.dedupe_hash, e.at_ms, e.data,
            k.session_id, k.run_id AS session_run_id, k.workflow_hash AS session_workflow_hash
     FROM events e JOIN session_keys k ON k.sk = e.sk WHERE e.id > ? ORDER BY e.id LIMIT ?`,
  );
  const insert = db.prepare(
    `INSERT INTO events_v3 (id, sk, seq, kind, at_ms, dedupe_hash, data, event_id, run_id, node_id, dedupe_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let after = 0;
  for (;;) {
    const rows = read.all(after, BATCH) as V2Row[];
    for (const row of rows) {
      const session = {
        sessionId: row.session_id,
        runId: row.session_run_id,
        workflowHash: row.session_workflow_hash,
      };
      const event = {
        eventId: row.event_id,
        sessionId: row.session_id,
        seq: row.seq,
        kind: row.kind,
        ...(row.run_id === null ? {} : { runId: row.run_id }),
        ...(row.node_id === null ? {} : { nodeId: row.node_id }),
        dedupeKey: row.dedupe_key,
        atMs: row.at_ms,
        data: JSON.parse(row.data),
      } as Parameters<typeof encodeEnvelope>[0];
      const s = encodeEnvelope(event, session);
      insert.run(
        row.id,
        row.sk,
        s.seq,
        s.kind,
        s.at_ms,
        row.dedupe_hash,
        s.data,
        s.event_id,
        s.run_id,
        s.node_id,
        s.dedupe_key,
      );
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
  db.exec(`
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_by_dedupe ON events (sk, dedupe_hash);
${SESSION_EVENTS_VIEW}`);
}

interface V2Row {
  id: number;
  sk: number;
  seq: number;
  event_id: string;
  kind: string;
  run_id: string | null;
  node_id: string | null;
  dedupe_key: string;
  dedupe_hash: number;
  at_ms: number;
  data: string;
  session_id: SessionId;
  session_run_id: RunId | null;
  session_workflow_hash: WorkflowHash | null;
}
