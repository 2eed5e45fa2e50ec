// Event data names nodes by the seq of their `node_created` event (issue 4: <= 1 KB of database growth per step): a
// step's edge, advance, notes and trace events named its two nodes by 25-character ids seven times. NODE_REF_FIELDS in
// event-codec.ts lists the fields; a node the session does not create earlier keeps its id. Every row is rewritten in
// place, in log order per session; ids, seqs and dedupe hashes stay.
import type Database from 'better-sqlite3';
import { EVENT_KINDS } from '../../../engine/events.js';
import { packJson, SPELLED_BEFORE_19, unpackJson } from '../data-dictionary.js';
import { NODE_REF_FIELDS, toNodeRefs } from '../event-codec.js';

export const version = 11;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  const read = db
    .prepare('SELECT id, kind, data FROM events WHERE id > ? ORDER BY id LIMIT ?')
    .safeIntegers() as Database.Statement<[bigint, number], { id: bigint; kind: bigint; data: string }>;
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  let sk = -1n;
  // The current session's nodes, by the seq of their node_created event.
  let nodes = new Map<string, number>();
  for (;;) {
    const rows = read.all(after, BATCH);
    for (const row of rows) {
      if (row.id >> 32n !== sk) {
        sk = row.id >> 32n;
        nodes = new Map();
      }
      const kind = EVENT_KINDS[Number(row.kind)];
      if (kind === undefined) continue;
      const data = unpackJson(JSON.parse(row.data)) as Record<string, unknown>;
      if (NODE_REF_FIELDS[kind] !== undefined) {
        const stored = toNodeRefs(kind, data, (nodeId) => nodes.get(nodeId));
        if (stored !== data) write.run(JSON.stringify(packJson(stored, SPELLED_BEFORE_19)), row.id);
      }
      if (kind === 'node_created' && typeof data.nodeId === 'string') {
        nodes.set(data.nodeId, Number(row.id & 0xffffffffn));
      }
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
}
