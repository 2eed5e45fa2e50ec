// Starting a run (docs: workflow-format.md §5.1 start; mcp-protocol.md §4.3, §7.1): the root node at the first
// runnable step, with the initial context recorded on it.
import type { CompiledWorkflow, JsonObject } from '../workflow/types.js';
import type { DecisionTraceEntry, NewEvent, NodeId, RunId } from './events.js';
import { type EngineWarning, firstPosition } from './position.js';
import { contextSet, makeEvent, type NewId, nodeCreated } from './records.js';
import type { EngineState } from './state.js';

export interface StartInput {
  /** The `start_workflow` context, already checked with `validateContext`. */
  readonly context?: JsonObject;
  readonly goal: string;
  readonly now: number;
  readonly newId: NewId;
  readonly runId?: RunId;
}

export interface StartDecision {
  readonly rootNodeId: NodeId;
  readonly state: EngineState;
  /** `{...context, goal}`. */
  readonly context: JsonObject;
  readonly isComplete: boolean;
  readonly trace: readonly DecisionTraceEntry[];
  readonly warnings: readonly EngineWarning[];
}

/** A loop reached at start lacks its `items`/`count` input: the app answers PRECONDITION_FAILED, creating nothing. */
export type StartFailure = { readonly kind: 'missing_loop_input'; readonly loopId: string; readonly key: string };

export type StartResult =
  | { readonly ok: true; readonly decision: StartDecision; readonly events: readonly NewEvent[] }
  | { readonly ok: false; readonly failure: StartFailure };

/**
 * Selects the first runnable step and returns the root node's events (`node_created`, the initial
 * `context_set`, the decision trace). `session_created`/`run_started` and, when nothing is runnable,
 * `run_completed` are the caller's (they need source, workspace and git facts).
 */
export function startRun(workflow: CompiledWorkflow, input: StartInput): StartResult {
  const context: JsonObject = { ...(input.context ?? {}), goal: input.goal };
  const position = firstPosition(workflow, context);
  if (!position.ok) {
    return { ok: false, failure: { kind: 'missing_loop_input', loopId: position.loopId, key: position.missingKey } };
  }
  const rootNodeId = input.newId('node');
  const env = input.runId === undefined ? { now: input.now } : { now: input.now, runId: input.runId };
  const root = { nodeId: rootNodeId, nodeKind: 'step' as const, parentNodeId: null, state: position.state };
  const events: NewEvent[] = [
    nodeCreated(env, root, workflow.workflowHash),
    contextSet(env, rootNodeId, context, 'initial'),
  ];
  if (position.trace.length > 0) {
    const data = { nodeId: rootNodeId, entries: position.trace };
    events.push(makeEvent(env, 'decision_trace_appended', `trace:${rootNodeId}`, data, rootNodeId));
  }
  const decision: StartDecision = {
    rootNodeId,
    state: position.state,
    context,
    isComplete: position.state.kind === 'complete',
    trace: position.trace,
    warnings: position.warnings,
  };
  return { ok: true, decision, events };
}
