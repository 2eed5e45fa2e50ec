// Node rows without their node id text (issue 4: <= 1 KB of database growth per step). A node row held its id (25
// characters) under a unique index; the id is already in the node's `node_created` event, whose id is the row's. The
// row keeps a 32-bit hash of it instead (`node_hash`, node-hashes.ts) under a plain index, and a lookup by id probes
// the hash and compares the event's id. `parent` becomes `parent_delta`, the row's id minus its parent's (the seqs
// between them: a byte or two instead of six). The `tokens` view reads a node's id from its event.
import type Database from 'better-sqlite3';
import type { TokenKind } from '../../../tokens/index.js';
import { ATTEMPT_ID } from './0012-short-attempt-ids.js';
import { TOKEN_CREATED_AT } from './0016-token-times.js';
import { TAG_COLUMN, TOKEN_KINDS, TOKEN_PREFIX } from './0017-token-pairs.js';
import { dropViews } from './stored-views.js';

export const version = 20;

/** Event data keys and kind codes as schema 20 stores them (`nodeId` is `Y`; `node_created` is 3). */
const NODE_ID_PATH = '$.Y';
const NODE_CREATED = 3;

/**
 * The view's columns for the tokens of one kind, from `token_records t`; callers append conditions with AND. A held
 * node's id is read from its `node_created` event (`t.node`).
 */
export function tokensOfKindSql(kind: TokenKind): string {
  const tag = `t.${TAG_COLUMN[kind]}`;
  return `SELECT '${TOKEN_PREFIX[kind]}' || t.nonce || ${tag} AS token, '${kind}' AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '${NODE_ID_PATH}' END FROM events e
                              WHERE e.id = t.node)) AS node_id,
         ${ATTEMPT_ID} AS attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash,
         ${TOKEN_CREATED_AT} AS created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32
  WHERE ${tag} IS NOT NULL`;
}

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  ${TOKEN_KINDS.map(tokensOfKindSql).join('\n  UNION ALL\n  ')};`;

/** Needs `workrail_node_hash` on the connection (migrate.ts registers it). */
export function apply(db: Database.Database): void {
  const views = dropViews(db);
  // A row whose event does not hold its id (a damaged file) hashes the id the row held.
  db.exec(`
    CREATE TABLE nodes_v20 (
      -- the id of the node's node_created event: (sk << 32) | seq; the node's id and time are that event's
      id INTEGER PRIMARY KEY,
      -- workrail_node_hash of the node id (node-hashes.ts), indexed by nodes_by_hash
      node_hash INTEGER NOT NULL,
      -- 0 step, 1 blocked_attempt, 2 checkpoint, 3 gate_checkpoint (node-kinds.ts)
      node_kind INTEGER NOT NULL,
      -- id minus the parent's row id; NULL for a root and for a parent without a row
      parent_delta INTEGER,
      -- only for a parent without a row
      parent_node_id TEXT,
      -- NULL: the workflow hash of the session's run
      workflow_hash TEXT,
      context_seq INTEGER,
      advance_children INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO nodes_v20 (id, node_hash, node_kind, parent_delta, parent_node_id, workflow_hash, context_seq,
                           advance_children)
      SELECT n.id,
             workrail_node_hash(coalesce(
               (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '${NODE_ID_PATH}' END FROM events e
                WHERE e.id = n.id AND e.kind = ${NODE_CREATED}),
               n.node_id)),
             n.node_kind, n.id - n.parent, n.parent_node_id, n.workflow_hash, n.context_seq, n.advance_children
      FROM nodes n ORDER BY n.id;
    DROP TABLE nodes;
    ALTER TABLE nodes_v20 RENAME TO nodes;
    CREATE INDEX nodes_by_hash ON nodes (node_hash);`);
  for (const view of views) db.exec(view.name === 'tokens' ? TOKENS_VIEW : view.sql);
}
