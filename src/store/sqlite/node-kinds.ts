// How `nodes.node_kind` stores a node's kind (schema 19): its index in NODE_KINDS, a small integer instead of text.
import type { NodeKind } from '../../engine/events.js';
import { eventTimeSql } from './event-times.js';

/** Append-only: a kind's code is its index. */
export const NODE_KINDS: readonly NodeKind[] = ['step', 'blocked_attempt', 'checkpoint', 'gate_checkpoint'];

export function nodeKindCode(kind: NodeKind): number {
  const code = NODE_KINDS.indexOf(kind);
  if (code < 0) throw new Error(`node kind ${kind} has no stored code`);
  return code;
}

/** SQL for the kind (text) of the node row `n`. */
export const NODE_KIND_SQL = `CASE n.node_kind ${NODE_KINDS.map((kind, code) => `WHEN ${code} THEN '${kind}'`).join(' ')} END`;

/** SQL for the creation time of the node row `n`: the time of its `node_created` event, whose id is the row's. */
export const NODE_CREATED_AT_SQL = `(SELECT ${eventTimeSql('e')} FROM events e WHERE e.id = n.id)`;
