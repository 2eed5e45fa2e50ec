// The events one advance appends (docs: mcp-protocol.md §6.1 steps 8–9, §10), in the order the store applies them:
// the new node and its edge first, then the advance record, outputs, checks, context and decision trace.
import type { CompiledWorkflow, JsonObject } from '../workflow/types.js';
import type { AttemptId, Blocker, DecisionTraceEntry, EdgeCause, NewEvent, NodeId, NodeKind, RunId } from './events.js';
import {
  artifactAppended,
  contextSet,
  edgeCreated,
  makeEvent,
  type NewId,
  nodeCreated,
  notesAppended,
} from './records.js';
import { isBlank, type RequirementReport, type SubmittedOutput } from './requirements.js';
import type { EngineState } from './state.js';

export interface AdvanceRecordArgs {
  readonly workflow: CompiledWorkflow;
  readonly from: {
    readonly nodeId: NodeId;
    readonly nodeKind: NodeKind;
    readonly state: EngineState;
    readonly context: JsonObject;
    readonly attemptId: AttemptId;
  };
  readonly input: SubmittedOutput & { readonly contextDelta?: JsonObject };
  readonly env: { readonly now: number; readonly newId: NewId; readonly runId?: RunId };
  readonly nodeId: NodeId;
  readonly cause: EdgeCause;
  readonly mergedContext: JsonObject;
}

export interface AdvanceOutcomeSpec {
  readonly outcome: 'advanced' | 'blocked' | 'gated';
  readonly nodeKind: NodeKind;
  readonly state: EngineState;
  readonly report: RequirementReport;
  readonly trace: readonly DecisionTraceEntry[];
  readonly blockers?: readonly Blocker[];
}

/**
 * Notes and artifacts of an accepted advance are recorded on the completed (from) node; a blocked advance stores
 * no notes and records its artifacts on the blocked_attempt node. Context is set on the new node only when an
 * accepted advance carried a non-empty delta.
 */
export function buildAdvanceEvents(args: AdvanceRecordArgs, spec: AdvanceOutcomeSpec): NewEvent[] {
  const { from, env, nodeId, input } = args;
  const isBlocked = spec.outcome === 'blocked';
  const node = { nodeId, nodeKind: spec.nodeKind, parentNodeId: from.nodeId, state: spec.state };
  const advanceData = {
    fromNodeId: from.nodeId,
    attemptId: from.attemptId,
    outcome: spec.outcome,
    toNodeId: nodeId,
    ...(spec.blockers === undefined ? {} : { blockers: spec.blockers }),
  };
  const events: NewEvent[] = [
    nodeCreated(env, node, args.workflow.workflowHash),
    edgeCreated(env, from.nodeId, nodeId, args.cause),
    makeEvent(env, 'advance_recorded', `advance:${from.nodeId}:${from.attemptId}`, advanceData, from.nodeId),
  ];
  const outputNode = isBlocked ? nodeId : from.nodeId;
  if (!isBlocked && !isBlank(input.notes))
    events.push(notesAppended(env, outputNode, from.attemptId, input.notes as string));
  (input.artifacts ?? []).forEach((artifact, index) => {
    events.push(artifactAppended(env, outputNode, from.attemptId, index, artifact));
  });
  spec.report.validations.forEach((validation, index) => {
    const data = { attemptId: from.attemptId, ...validation };
    events.push(makeEvent(env, 'validation_performed', `validation:${from.attemptId}:${index}`, data, outputNode));
  });
  for (const assessment of spec.report.assessments) {
    const data = { attemptId: from.attemptId, ...assessment };
    events.push(
      makeEvent(
        env,
        'assessment_recorded',
        `assessment:${from.attemptId}:${assessment.assessmentId}`,
        data,
        outputNode,
      ),
    );
  }
  if (!isBlocked && Object.keys(input.contextDelta ?? {}).length > 0) {
    events.push(contextSet(env, nodeId, args.mergedContext, 'agent_delta'));
  }
  const entries: DecisionTraceEntry[] = [];
  if (args.cause === 'fork') entries.push(forkEntry(from.state));
  entries.push(...spec.trace);
  if (entries.length > 0) {
    events.push(makeEvent(env, 'decision_trace_appended', `trace:${nodeId}`, { nodeId, entries }, nodeId));
  }
  return events;
}

function forkEntry(state: EngineState): DecisionTraceEntry {
  const base = { kind: 'fork_detected' as const, reason: 'the node already has a successor' };
  return state.kind === 'pending' ? { ...base, stepId: state.pendingStepId } : base;
}
