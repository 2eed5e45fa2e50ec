// Fewer dedupe index entries (issue 4: <= 1 KB of database growth per step). A `node_created`, `edge_created` or
// `decision_trace_appended` row with the derived dedupe key whose node the session already held when it was appended
// (an edge's `toNodeId`, a trace's `nodeId`: stored as a node seq, schema 11) has no entry: the writer answers
// "already recorded?" for it from the node (dedupe-entries.ts). The index covers only the rows that have a hash.
import { dataPath } from '../data-dictionary.js';
import { kindCode } from '../event-codec.js';

export const version = 18;

export const sql = `
UPDATE events SET dedupe_hash = NULL
  WHERE dedupe_key IS NULL AND (kind = ${kindCode('node_created')}
    OR (kind = ${kindCode('edge_created')} AND json_type(data, '${dataPath('toNodeId')}') = 'integer')
    OR (kind = ${kindCode('decision_trace_appended')} AND json_type(data, '${dataPath('nodeId')}') = 'integer'));
DROP INDEX events_by_dedupe;
CREATE INDEX events_by_dedupe ON events (id >> 32, dedupe_hash) WHERE dedupe_hash IS NOT NULL;
`;
