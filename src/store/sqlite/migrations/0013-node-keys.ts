// Node rows keyed by their `node_created` event (issue 4: <= 1 KB of database growth per step). A node row held its
// session id and its parent's id as text, and `nodes_by_session` repeated the session id and node id; now `id` is the
// event's id, `(sk << 32) | seq`, which says the session and the seq (a session's nodes are one id range), and `parent`
// is the parent's row id. Only `node_id` stays text, with its unique index for lookups by id. A parent without a row
// (an imported log may name one) keeps its id in `parent_node_id`.
import { ATTEMPT_ID } from './0012-short-attempt-ids.js';

export const version = 13;

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  SELECT t.token, CASE t.kind WHEN 0 THEN 'continue' WHEN 1 THEN 'checkpoint' ELSE 'state' END AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, n.node_id,
                  (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '$.nodeId' END FROM events e
                   WHERE e.id = t.node)) AS node_id,
         ${ATTEMPT_ID} AS attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash, t.created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32 LEFT JOIN nodes n ON n.id = t.node;`;

export const sql = `
DROP VIEW tokens;
CREATE TABLE nodes_v13 (
  -- the id of the node's node_created event: (sk << 32) | seq
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL UNIQUE,
  node_kind TEXT NOT NULL,
  -- the parent's row id; NULL for a root and for a parent without a row
  parent INTEGER,
  -- only for a parent without a row
  parent_node_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  context_seq INTEGER,
  advance_children INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL
);
INSERT INTO nodes_v13 (id, node_id, node_kind, parent, parent_node_id, workflow_hash, context_seq, advance_children,
                       created_at_ms)
  SELECT (k.sk << 32) | n.created_seq, n.node_id, n.node_kind, (pk.sk << 32) | p.created_seq,
         CASE WHEN p.node_id IS NULL THEN n.parent_node_id END,
         n.workflow_hash, n.context_seq, n.advance_children, n.created_at_ms
  FROM nodes n JOIN session_keys k ON k.session_id = n.session_id
    LEFT JOIN nodes p ON p.node_id = n.parent_node_id LEFT JOIN session_keys pk ON pk.session_id = p.session_id
  ORDER BY 1;
DROP TABLE nodes;
ALTER TABLE nodes_v13 RENAME TO nodes;
${TOKENS_VIEW}
`;
