// Builders for the events the engine emits (docs: mcp-protocol.md §10), with their dedupe keys.
import { canonicalJson, sha256Hex, utf8Length } from '../workflow/canonical.js';
import type { JsonObject, WorkflowHash } from '../workflow/types.js';
import type { AttemptId, EdgeCause, EventDataByKind, EventKind, NewEvent, NodeId, NodeKind, RunId } from './events.js';
import type { EngineState } from './state.js';

/** Id source passed in by the caller: `newId('node')` returns a fresh `node_…` id. The engine never makes ids. */
export type NewId = <P extends 'node' | 'attempt'>(prefix: P) => `${P}_${string}`;

/** Values every emitted event shares. */
export interface EventEnv {
  readonly now: number;
  readonly runId?: RunId;
}

export function makeEvent<K extends EventKind>(
  env: EventEnv,
  kind: K,
  dedupeKey: string,
  data: EventDataByKind[K],
  nodeId?: NodeId,
): NewEvent {
  const envelope = { kind, dedupeKey, atMs: env.now, data };
  const withRun = env.runId === undefined ? envelope : { ...envelope, runId: env.runId };
  return (nodeId === undefined ? withRun : { ...withRun, nodeId }) as NewEvent;
}

export function nodeCreated(
  env: EventEnv,
  node: { nodeId: NodeId; nodeKind: NodeKind; parentNodeId: NodeId | null; state: EngineState },
  workflowHash: WorkflowHash,
): NewEvent {
  return makeEvent(env, 'node_created', `node:${node.nodeId}`, { ...node, workflowHash }, node.nodeId);
}

export function edgeCreated(env: EventEnv, fromNodeId: NodeId, toNodeId: NodeId, cause: EdgeCause): NewEvent {
  const edgeKind = cause === 'checkpoint' ? 'checkpoint' : 'advance';
  return makeEvent(
    env,
    'edge_created',
    `edge:${fromNodeId}:${toNodeId}`,
    { fromNodeId, toNodeId, edgeKind, cause },
    fromNodeId,
  );
}

export function contextSet(
  env: EventEnv,
  nodeId: NodeId,
  context: JsonObject,
  source: 'initial' | 'agent_delta',
): NewEvent {
  return makeEvent(env, 'context_set', `context:${nodeId}`, { nodeId, context, source }, nodeId);
}

export function notesAppended(env: EventEnv, nodeId: NodeId, attemptId: AttemptId, notesMarkdown: string): NewEvent {
  const data = { nodeId, attemptId, channel: 'notes' as const, notesMarkdown };
  return makeEvent(env, 'output_appended', `notes:${nodeId}:${attemptId}`, data, nodeId);
}

export function artifactAppended(
  env: EventEnv,
  nodeId: NodeId,
  attemptId: AttemptId,
  index: number,
  content: JsonObject,
): NewEvent {
  const text = canonicalJson(content);
  const artifact = { kind: String(content.kind), sha256: sha256Hex(text), bytes: utf8Length(text), content };
  const data = { nodeId, attemptId, channel: 'artifact' as const, artifact };
  return makeEvent(env, 'output_appended', `artifact:${nodeId}:${attemptId}:${index}`, data, nodeId);
}

/**
 * The `run_completed` event. The engine does not emit it: the use case appends it after an advance or start
 * whose decision is complete, because it needs the run's start time and git facts.
 */
export function runCompletedEvent(env: EventEnv, data: EventDataByKind['run_completed']): NewEvent {
  return makeEvent(env, 'run_completed', `run_completed:${env.runId ?? data.finalNodeId}`, data, data.finalNodeId);
}

/** Events of `checkpoint_workflow` (mcp-protocol §6.5): a checkpoint node with the same state, its edge, the record. */
export function checkpointEvents(args: {
  readonly from: { readonly nodeId: NodeId; readonly state: EngineState; readonly attemptId: AttemptId };
  readonly workflowHash: WorkflowHash;
  readonly env: EventEnv & { readonly newId: NewId };
}): { checkpointNodeId: NodeId; events: NewEvent[] } {
  const { from, env } = args;
  const checkpointNodeId = env.newId('node');
  const node = {
    nodeId: checkpointNodeId,
    nodeKind: 'checkpoint' as const,
    parentNodeId: from.nodeId,
    state: from.state,
  };
  const record = { checkpointNodeId, fromNodeId: from.nodeId, attemptId: from.attemptId };
  return {
    checkpointNodeId,
    events: [
      nodeCreated(env, node, args.workflowHash),
      edgeCreated(env, from.nodeId, checkpointNodeId, 'checkpoint'),
      makeEvent(env, 'checkpoint_recorded', `checkpoint:${from.nodeId}:${from.attemptId}`, record, checkpointNodeId),
    ],
  };
}
