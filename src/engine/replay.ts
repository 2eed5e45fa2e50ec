// Rebuilding a run from its events (docs: mcp-protocol.md §6.4, §10): a pure fold. The store's SQL projections
// follow the same semantics.
import type { JsonObject } from '../workflow/types.js';
import type { AttemptId, EdgeCause, EventDataByKind, NewEvent, NodeId, NodeKind } from './events.js';
import type { EngineState } from './state.js';

export interface ProjectedNode {
  readonly nodeId: NodeId;
  readonly kind: NodeKind;
  readonly parentNodeId: NodeId | null;
  readonly state: EngineState;
  /** The latest context recorded on the path from the root to this node. */
  readonly context: JsonObject;
  readonly createdAtMs: number;
}

export interface ProjectedEdge {
  readonly fromNodeId: NodeId;
  readonly toNodeId: NodeId;
  readonly edgeKind: 'advance' | 'checkpoint';
  readonly cause: EdgeCause;
}

export interface RunProjection {
  /** Nodes in creation order. */
  readonly nodes: ReadonlyMap<NodeId, ProjectedNode>;
  readonly edges: readonly ProjectedEdge[];
  readonly outputs: readonly EventDataByKind['output_appended'][];
  /** Advances keyed by `<fromNodeId>:<attemptId>` (replay of a re-used token, §6.2). */
  readonly advances: ReadonlyMap<`${NodeId}:${AttemptId}`, EventDataByKind['advance_recorded']>;
  readonly preferredTipNodeId: NodeId | null;
  readonly completed: EventDataByKind['run_completed'] | null;
}

/** Folds events (in append order) into the run's current state. Events repeating a dedupe key are ignored. */
export function replayEvents(events: readonly NewEvent[]): RunProjection {
  const nodes = new Map<NodeId, ProjectedNode>();
  const contexts = new Map<NodeId, JsonObject>();
  const edges: ProjectedEdge[] = [];
  const outputs: EventDataByKind['output_appended'][] = [];
  const advances = new Map<`${NodeId}:${AttemptId}`, EventDataByKind['advance_recorded']>();
  const seen = new Set<string>();
  let completed: EventDataByKind['run_completed'] | null = null;

  for (const event of events) {
    if (seen.has(event.dedupeKey)) continue;
    seen.add(event.dedupeKey);
    switch (event.kind) {
      case 'node_created': {
        const { nodeId, nodeKind, parentNodeId, state } = event.data;
        const inherited = parentNodeId === null ? {} : (contexts.get(parentNodeId) ?? {});
        contexts.set(nodeId, inherited);
        nodes.set(nodeId, { nodeId, kind: nodeKind, parentNodeId, state, context: inherited, createdAtMs: event.atMs });
        break;
      }
      case 'context_set': {
        contexts.set(event.data.nodeId, event.data.context);
        const node = nodes.get(event.data.nodeId);
        if (node !== undefined) nodes.set(node.nodeId, { ...node, context: event.data.context });
        break;
      }
      case 'edge_created':
        edges.push(event.data);
        break;
      case 'output_appended':
        outputs.push(event.data);
        break;
      case 'advance_recorded':
        advances.set(`${event.data.fromNodeId}:${event.data.attemptId}`, event.data);
        break;
      case 'run_completed':
        completed = event.data;
        break;
      default:
        break;
    }
  }
  return { nodes, edges, outputs, advances, preferredTipNodeId: preferredTip(nodes, edges), completed };
}

/** Among step and blocked_attempt nodes without advance successors, the one created last (§6.4). */
export function preferredTip(
  nodes: ReadonlyMap<NodeId, ProjectedNode>,
  edges: readonly ProjectedEdge[],
): NodeId | null {
  const hasSuccessor = new Set(edges.filter((e) => e.edgeKind === 'advance').map((e) => e.fromNodeId));
  let tip: NodeId | null = null;
  for (const node of nodes.values()) {
    if ((node.kind === 'step' || node.kind === 'blocked_attempt') && !hasSuccessor.has(node.nodeId)) tip = node.nodeId;
  }
  return tip;
}
