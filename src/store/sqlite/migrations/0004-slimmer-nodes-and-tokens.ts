// Node and token rows without the run they repeat (issue 4: <= 1 KB of database growth per step).
// - `nodes.run_id` is dropped (nothing read it) and `nodes.workflow_hash` is NULL when it is the run's hash.
// - `tokens.run_id` is NULL when it is the session's run; `tokens_by_node` indexes (node, kind) only: a node has a
//   token or two of each kind, so the attempt is checked on the row.
export const version = 4;

export const sql = `
CREATE TABLE nodes_v4 (
  node_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  node_kind TEXT NOT NULL,
  parent_node_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  state TEXT NOT NULL,
  context_seq INTEGER,
  advance_children INTEGER NOT NULL DEFAULT 0,
  created_seq INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO nodes_v4 (node_id, session_id, node_kind, parent_node_id, workflow_hash, state, context_seq,
                      advance_children, created_seq, created_at_ms)
  SELECT n.node_id, n.session_id, n.node_kind, n.parent_node_id,
         CASE WHEN n.workflow_hash = r.workflow_hash THEN NULL ELSE n.workflow_hash END,
         n.state, n.context_seq, n.advance_children, n.created_seq, n.created_at_ms
  FROM nodes n LEFT JOIN runs r ON r.session_id = n.session_id;
DROP TABLE nodes;
ALTER TABLE nodes_v4 RENAME TO nodes;
CREATE INDEX nodes_by_session ON nodes (session_id, created_seq);

CREATE TABLE tokens_v4 (
  token TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  -- NULL: the session's run
  run_id TEXT,
  node_id TEXT NOT NULL,
  attempt_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tokens_v4 (token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms)
  SELECT t.token, t.kind, t.session_id, CASE WHEN t.run_id = k.run_id THEN NULL ELSE t.run_id END,
         t.node_id, t.attempt_id, t.workflow_hash, t.created_at_ms
  FROM tokens t LEFT JOIN session_keys k ON k.session_id = t.session_id;
DROP TABLE tokens;
ALTER TABLE tokens_v4 RENAME TO tokens;
CREATE INDEX tokens_by_node ON tokens (node_id, kind);
`;
