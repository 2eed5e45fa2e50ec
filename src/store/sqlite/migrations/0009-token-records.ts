// Token rows that name their node by its integer key (issue 4: <= 1 KB of database growth per step). A token row held
// its session and node ids as text (and the node again in its index); `token_records` holds the node's
// `node_created` event id instead, `(sk << 32) | seq`, which also says the session, and its kind as a small integer.
// A token minted before its node is appended (the use cases mint the next tokens first) names the node by id as text,
// with seq 4294967295, until the writer appends that node's `node_created` event and points the token at it. The
// `tokens` view reads like the old table.
export const version = 9;

/** The `kind` codes of `token_records`. */
export const TOKEN_KIND_CODES = { continue: 0, checkpoint: 1, state: 2 } as const;

/** `token_records.node` of a token whose node the store does not hold. */
export const UNHELD_NODE_SEQ = 4294967295;

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  SELECT t.token, CASE t.kind WHEN 0 THEN 'continue' WHEN 1 THEN 'checkpoint' ELSE 'state' END AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, n.node_id,
                  (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '$.nodeId' END FROM events e
                   WHERE e.id = t.node)) AS node_id,
         t.attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash, t.created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32
    LEFT JOIN nodes n ON n.session_id = k.session_id AND n.created_seq = t.node & 4294967295;`;

export const sql = `
CREATE TABLE token_records (
  token TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  -- (sk << 32) | seq of the node's node_created event
  node INTEGER NOT NULL,
  attempt_id TEXT,
  -- NULL: the session's run
  run_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  created_at_ms INTEGER NOT NULL,
  -- only for a node the store does not hold
  node_id TEXT
) WITHOUT ROWID;
INSERT OR IGNORE INTO session_keys (session_id) SELECT DISTINCT session_id FROM tokens;
INSERT INTO token_records (token, kind, node, attempt_id, run_id, workflow_hash, created_at_ms, node_id)
  SELECT t.token,
         CASE t.kind WHEN 'continue' THEN 0 WHEN 'checkpoint' THEN 1 ELSE 2 END,
         (k.sk << 32) | coalesce(n.created_seq, ${UNHELD_NODE_SEQ}),
         t.attempt_id, t.run_id,
         CASE WHEN coalesce(t.workflow_hash, r.workflow_hash) IS k.workflow_hash THEN NULL
              ELSE coalesce(t.workflow_hash, r.workflow_hash) END,
         t.created_at_ms,
         CASE WHEN n.node_id IS NULL THEN t.node_id END
  FROM tokens t JOIN session_keys k ON k.session_id = t.session_id
    LEFT JOIN nodes n ON n.node_id = t.node_id AND n.session_id = t.session_id
    LEFT JOIN runs r ON r.session_id = t.session_id;
DROP TABLE tokens;
CREATE INDEX token_records_by_node ON token_records (node, kind);
${TOKENS_VIEW}
`;
