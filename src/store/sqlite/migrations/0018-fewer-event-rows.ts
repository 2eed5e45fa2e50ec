// Fewer event rows and dedupe index entries (issue 4: <= 1 KB of database growth per step).
// - A `node_created`, `edge_created` or `decision_trace_appended` row with the derived dedupe key whose node the session
//   already held when it was appended (an edge's `toNodeId`, a trace's `nodeId`: stored as a node seq, schema 11) has
//   no `events_by_dedupe` entry: the writer answers "already recorded?" for it from the node (dedupe-entries.ts). The
//   index covers only the rows that have a hash.
// - An edge appended right after its node's `node_created`, at the same time and with a derived envelope, is folded
//   into the node's row as a code in the new `edge` column (edge-fold.ts) and its own row goes.
import type Database from 'better-sqlite3';
import { dataPath } from '../data-dictionary.js';
import { foldedEdgeCode, type StoredRow } from '../edge-fold.js';
import { decodeEvent, eventKey, kindCode, type SessionKey, storedNodeId } from '../event-codec.js';

export const version = 18;

// Schema 19 packs `nodeId`; up to schema 18 event data spelled it out, so this migration reads it by its full name.
const NODE_ID_AT_SQL_V18 = `SELECT data ->> '$.nodeId' FROM events WHERE id = ? AND kind = ${kindCode('node_created')}`;

export function apply(db: Database.Database): void {
  db.exec(`
    ALTER TABLE events ADD COLUMN edge INTEGER;
    UPDATE events SET dedupe_hash = NULL
      WHERE dedupe_key IS NULL AND (kind = ${kindCode('node_created')}
        OR (kind = ${kindCode('edge_created')} AND json_type(data, '${dataPath('toNodeId')}') = 'integer')
        OR (kind = ${kindCode('decision_trace_appended')} AND json_type(data, '$.nodeId') = 'integer'));
    DROP INDEX events_by_dedupe;
    CREATE INDEX events_by_dedupe ON events (id >> 32, dedupe_hash) WHERE dedupe_hash IS NOT NULL;`);
  foldEdges(db);
}

interface Pair {
  sk: number;
  session_id: SessionKey['sessionId'];
  run_id: SessionKey['runId'];
  workflow_hash: SessionKey['workflowHash'];
  node: StoredRow;
  edge: StoredRow;
}

/** Folds each edge whose row follows its node's `node_created` row at the same time, when it decodes back exactly. */
function foldEdges(db: Database.Database): void {
  const columns = (e: string) =>
    ['seq', 'kind', 'at_ms', 'data', 'event_id', 'run_id', 'node_id', 'dedupe_key', 'edge']
      .map((c) => `'${c}', ${c === 'seq' ? `${e}.id & 4294967295` : `${e}.${c}`}`)
      .join(', ');
  const pairs = db
    .prepare(
      `SELECT k.sk, k.session_id, k.run_id, k.workflow_hash,
              json_object(${columns('n')}) AS node, json_object(${columns('e')}) AS edge
       FROM events e JOIN events n ON n.id = e.id - 1 JOIN session_keys k ON k.sk = e.id >> 32
       WHERE e.kind = ${kindCode('edge_created')} AND n.kind = ${kindCode('node_created')} AND n.at_ms = e.at_ms
         AND e.event_id IS NULL AND e.run_id IS NULL AND e.node_id IS NULL AND e.dedupe_key IS NULL
       ORDER BY e.id`,
    )
    .all() as (Omit<Pair, 'node' | 'edge'> & { node: string; edge: string })[];
  const nodeIdAt = db.prepare(NODE_ID_AT_SQL_V18).pluck();
  const fold = db.prepare('UPDATE events SET edge = ? WHERE id = ?');
  const drop = db.prepare('DELETE FROM events WHERE id = ?');
  for (const pair of pairs) {
    const session = { sessionId: pair.session_id, runId: pair.run_id, workflowHash: pair.workflow_hash };
    const nodeAt = (seq: number) => storedNodeId(nodeIdAt.get(eventKey(pair.sk, seq)), pair.session_id, seq);
    const node = decodeEvent(JSON.parse(pair.node) as StoredRow, session, nodeAt);
    const edge = decodeEvent(JSON.parse(pair.edge) as StoredRow, session, nodeAt);
    const code = foldedEdgeCode(node, edge, session);
    if (code === null) continue;
    fold.run(code, eventKey(pair.sk, node.seq));
    drop.run(eventKey(pair.sk, edge.seq));
  }
}
