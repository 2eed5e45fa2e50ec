// Token rows without their creation time when it is their node's (issue 4: <= 1 KB of database growth per step): the
// use cases mint a step's tokens in the call that appends its node, at the same `now`, so `created_at_ms` repeated the
// `at_ms` of the node's `node_created` event in every token row. It is NULL then; the `tokens` view reads the event's
// time back. A token of a node the store does not hold keeps its time.
import { ATTEMPT_ID } from './0012-short-attempt-ids.js';

export const version = 16;

/** `created_at_ms` of the token row `t`, as the view reads it. */
export const TOKEN_CREATED_AT = 'coalesce(t.created_at_ms, (SELECT e.at_ms FROM events e WHERE e.id = t.node))';

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  SELECT t.token, CASE t.kind WHEN 0 THEN 'continue' WHEN 1 THEN 'checkpoint' ELSE 'state' END AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, n.node_id,
                  (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '$.nodeId' END FROM events e
                   WHERE e.id = t.node)) AS node_id,
         ${ATTEMPT_ID} AS attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash,
         ${TOKEN_CREATED_AT} AS created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32 LEFT JOIN nodes n ON n.id = t.node;`;

export const sql = `
DROP VIEW tokens;
CREATE TABLE token_records_v16 (
  token TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  -- (sk << 32) | seq of the node's node_created event
  node INTEGER NOT NULL,
  attempt_id TEXT,
  -- NULL: the session's run
  run_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  -- NULL: the at_ms of the node's node_created event
  created_at_ms INTEGER,
  -- only for a node the store does not hold
  node_id TEXT
) WITHOUT ROWID;
INSERT INTO token_records_v16 (token, kind, node, attempt_id, run_id, workflow_hash, created_at_ms, node_id)
  SELECT t.token, t.kind, t.node, t.attempt_id, t.run_id, t.workflow_hash,
         CASE WHEN t.created_at_ms IS (SELECT e.at_ms FROM events e WHERE e.id = t.node) THEN NULL
              ELSE t.created_at_ms END,
         t.node_id
  FROM token_records t;
DROP TABLE token_records;
ALTER TABLE token_records_v16 RENAME TO token_records;
CREATE INDEX token_records_by_node ON token_records (node, kind);
${TOKENS_VIEW}
`;
