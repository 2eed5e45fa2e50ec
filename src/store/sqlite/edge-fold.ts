// Edges folded into their node's row (schema 18). The use cases append a node's `node_created` event and then the
// `edge_created` event from its parent to it, at the same time and with an envelope the codec derives whole. Such an
// edge has no row: the `node_created` row's `edge` column holds a small code for its edge kind and cause, and the edge
// is the event at the next seq. Only an edge that decodes back exactly as appended is folded.
import type { EdgeCause, SessionEvent } from '../../engine/events.js';
import { packJson } from './data-dictionary.js';
import { decodeEvent, kindCode, type NodeIdAt, type SessionKey, type StoredEvent } from './event-codec.js';

type EdgeKind = 'advance' | 'checkpoint';

/** Append-only: a folded edge's code is its index here (the common ones first: 0 and 1 take no bytes in a row). */
export const FOLDED_EDGES: readonly (readonly [EdgeKind, EdgeCause])[] = [
  ['advance', 'advance'],
  ['advance', 'retry'],
  ['advance', 'fork'],
  ['checkpoint', 'checkpoint'],
  ['advance', 'gate'],
  ['advance', 'checkpoint'],
  ['checkpoint', 'advance'],
  ['checkpoint', 'retry'],
  ['checkpoint', 'fork'],
  ['checkpoint', 'gate'],
];

/** An event row as read back with the code of the edge folded into it (NULL: none). */
export interface StoredRow extends StoredEvent {
  edge: number | null;
}

/** The code under which `edge` folds into the row of `node`, the event just before it; null when it cannot. */
export function foldedEdgeCode(node: SessionEvent, edge: SessionEvent, session: SessionKey): number | null {
  if (node.kind !== 'node_created' || edge.kind !== 'edge_created' || edge.seq !== node.seq + 1) return null;
  const code = FOLDED_EDGES.findIndex(([kind, cause]) => kind === edge.data.edgeKind && cause === edge.data.cause);
  if (code === -1 || typeof node.data.parentNodeId !== 'string') return null;
  return inOrder(unfoldedEdge(node, code, session)) === inOrder(edge) ? code : null;
}

/** An event as JSON with its envelope fields in the order decoding gives them (the data keeps its own order). */
function inOrder(e: SessionEvent): string {
  const { eventId, sessionId, seq, kind, runId, nodeId, dedupeKey, atMs, data } = e;
  return JSON.stringify({ eventId, sessionId, seq, kind, runId, nodeId, dedupeKey, atMs, data });
}

/** The edge folded into the row of `node` under `code`: the event at the seq after it. */
export function unfoldedEdge(node: SessionEvent, code: number, session: SessionKey): SessionEvent {
  const folded = FOLDED_EDGES[code];
  if (node.kind !== 'node_created' || folded === undefined) {
    throw new Error(`event ${node.seq} of session ${session.sessionId} holds an unknown folded edge ${code}`);
  }
  const data = {
    fromNodeId: node.data.parentNodeId,
    toNodeId: node.data.nodeId,
    edgeKind: folded[0],
    cause: folded[1],
  };
  const row: StoredEvent = {
    seq: node.seq + 1,
    kind: EDGE_KIND_CODE,
    at_ms: node.atMs,
    data: JSON.stringify(packJson(data)),
    event_id: null,
    run_id: null,
    node_id: null,
    dedupe_key: null,
  };
  return decodeEvent(row, session, noNodeRefs);
}

/** The events a row holds: its own, then the edge folded into it. */
export function decodeRow(row: StoredRow, session: SessionKey, nodeAt: NodeIdAt): SessionEvent[] {
  const event = decodeEvent(row, session, nodeAt);
  return row.edge === null ? [event] : [event, unfoldedEdge(event, row.edge, session)];
}

const EDGE_KIND_CODE = kindCode('edge_created');
const noNodeRefs: NodeIdAt = (seq) => {
  throw new Error(`a folded edge names node ${seq} by seq`);
};
