// Which events have an `events_by_dedupe` entry (schema 18). A `node_created`, `edge_created` or
// `decision_trace_appended` event whose dedupe key is the derived one (`node:X`, `edge:F:T`, `trace:X`) and whose node
// (X, or the edge's T) the session already holds has none: whether it is recorded is answered from the node instead
// (session-writer.ts `seen`). A node named by such a key that the session held before the append is the slow path:
// normal flows only ever create edges and traces for the node created in the same append.
import type { SessionEvent } from '../../engine/events.js';
import type { NodeSeqOf, StoredEvent } from './event-codec.js';

/** Whether the stored row of `event` gets a dedupe index entry. */
export function hasDedupeEntry(event: SessionEvent, row: StoredEvent, seqOf: NodeSeqOf): boolean {
  if (row.dedupe_key !== null) return true;
  switch (event.kind) {
    case 'node_created':
      return false;
    case 'edge_created':
      return !heldNode(event.data.toNodeId, seqOf);
    case 'decision_trace_appended':
      return !heldNode(event.data.nodeId, seqOf);
    default:
      return true;
  }
}

function heldNode(nodeId: unknown, seqOf: NodeSeqOf): boolean {
  return typeof nodeId === 'string' && seqOf(nodeId) !== undefined;
}

/**
 * The nodes a dedupe key may name as the node of an unindexed event: X of `node:X` and `trace:X`, and every possible
 * T of `edge:F:T` (a node id may hold a colon, so each split is a candidate).
 */
export function nodesNamedBy(dedupeKey: string): { kind: 'node' | 'edge' | 'trace'; nodeIds: string[] } | null {
  if (dedupeKey.startsWith('node:')) return { kind: 'node', nodeIds: [dedupeKey.slice(5)] };
  if (dedupeKey.startsWith('trace:')) return { kind: 'trace', nodeIds: [dedupeKey.slice(6)] };
  if (!dedupeKey.startsWith('edge:')) return null;
  const nodeIds: string[] = [];
  for (let i = dedupeKey.indexOf(':', 5); i !== -1; i = dedupeKey.indexOf(':', i + 1)) {
    nodeIds.push(dedupeKey.slice(i + 1));
  }
  return { kind: 'edge', nodeIds };
}
