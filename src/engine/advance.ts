// One advance from a node (docs: mcp-protocol.md §6.1, §5.3–§5.4; workflow-format.md §5–§6): check every
// requirement, compute the next position, and describe the outcome as a decision plus the events to append.
import type { CompiledWorkflow, JsonObject } from '../workflow/types.js';
import { type AdvanceRecordArgs, buildAdvanceEvents } from './advance-events.js';
import { finalizeBlockers, isRetryable, makeBlocker } from './blockers.js';
import { mergeContext, mergedBudgetBlocker } from './context.js';
import type { AttemptId, Blocker, EdgeCause, NewEvent, NodeId, NodeKind, RecordedAssessment, RunId } from './events.js';
import { type EngineWarning, nextPosition } from './position.js';
import type { NewId } from './records.js';
import { checkRequirements, type RequirementReport, type SubmittedOutput } from './requirements.js';
import type { EngineState } from './state.js';
import { confirmationOf, pendingStepOf, stepContext } from './steps.js';

/** The node the advance starts from, as the caller loaded it. */
export interface AdvanceFrom {
  readonly nodeId: NodeId;
  readonly nodeKind: NodeKind;
  readonly state: EngineState;
  /** The context at this node (the latest recorded on its path from the root). */
  readonly context: JsonObject;
  /** The attempt named by the token. */
  readonly attemptId: AttemptId;
  /** Whether the node already has a `step`, `blocked_attempt` or `gate_checkpoint` child (-> edge cause `fork`). */
  readonly hasAdvanceSuccessor: boolean;
  /** Consecutive `blocked_attempt` nodes ending at this node, this one included (0 when it is not one). */
  readonly blockedStreak: number;
}

export interface AdvanceInput extends SubmittedOutput {
  /** The context delta, already checked with `validateContext`. */
  readonly contextDelta?: JsonObject;
}

export interface AdvanceEnv {
  readonly now: number;
  readonly newId: NewId;
  readonly isAutonomous: boolean;
  readonly runId?: RunId;
}

export const RETRY_LIMIT = 10;
export const AUTONOMOUS_RETRY_LIMIT = 3;

/** Expected refusals the app maps to PRECONDITION_FAILED. */
export type AdvanceFailure =
  | { readonly kind: 'run_complete' }
  | { readonly kind: 'retry_limit_reached'; readonly limit: number };

interface DecisionBase {
  /** The node created by this advance (step, blocked_attempt or gate_checkpoint). */
  readonly nodeId: NodeId;
  readonly state: EngineState;
  /** The context at the new node. */
  readonly context: JsonObject;
  readonly assessments: readonly RecordedAssessment[];
  readonly normalizationNotes: readonly string[];
}

export type AdvanceDecision =
  | (DecisionBase & {
      readonly outcome: 'advanced';
      readonly isComplete: boolean;
      readonly warnings: readonly EngineWarning[];
    })
  | (DecisionBase & {
      readonly outcome: 'gated';
      readonly stepId: string;
      readonly gateKind: 'coordinator_eval' | 'human_approval';
      readonly warnings: readonly EngineWarning[];
    })
  | (DecisionBase & {
      readonly outcome: 'blocked';
      readonly blockers: readonly Blocker[];
      readonly retryable: boolean;
      readonly validation?: { readonly issues: readonly string[]; readonly suggestions: readonly string[] };
      readonly assessmentFollowup?: { readonly title: string; readonly guidance: string };
    });

export type AdvanceResult =
  | { readonly ok: true; readonly decision: AdvanceDecision; readonly events: readonly NewEvent[] }
  | { readonly ok: false; readonly failure: AdvanceFailure };

const NO_REPORT: RequirementReport = { blockers: [], validations: [], assessments: [], normalizationNotes: [] };

/**
 * Advances from `from` with the agent's output. Pure: ids and time come from `env`. A refused advance is a
 * `blocked` decision (recorded as events), not a failure; failures are the PRECONDITION_FAILED cases.
 * `run_completed` is not emitted: when `isComplete` is true the caller appends `runCompletedEvent(...)`.
 */
export function advance(
  workflow: CompiledWorkflow,
  from: AdvanceFrom,
  input: AdvanceInput,
  env: AdvanceEnv,
): AdvanceResult {
  const { state } = from;
  if (state.kind === 'complete' && state.gate === undefined) return { ok: false, failure: { kind: 'run_complete' } };
  const limit = env.isAutonomous ? AUTONOMOUS_RETRY_LIMIT : RETRY_LIMIT;
  if (from.nodeKind === 'blocked_attempt' && from.blockedStreak >= limit) {
    return { ok: false, failure: { kind: 'retry_limit_reached', limit } };
  }

  const delta = input.contextDelta ?? {};
  const merged = mergeContext(from.context, delta);
  const blockers: Blocker[] = [];
  const budget = mergedBudgetBlocker(merged);
  if (budget !== null) blockers.push(budget);

  const nodeId = env.newId('node');
  const recordArgs = { workflow, from, input, env, nodeId, cause: edgeCause(from), mergedContext: merged };

  if (state.gate !== undefined) {
    const { gate: _passed, ...target } = state;
    if (blockers.length > 0) return blocked(recordArgs, blockers, NO_REPORT);
    return advanced(recordArgs, target, [], NO_REPORT, []);
  }
  if (state.kind !== 'pending') return { ok: false, failure: { kind: 'run_complete' } };

  const pending = pendingStepOf(workflow, state);
  if (pending === null) {
    const pointer = { kind: 'workflow_step', stepId: state.pendingStepId } as const;
    const message = `The stored position (step "${state.pendingStepId}") does not exist in the pinned workflow.`;
    return blocked(recordArgs, [makeBlocker('STORAGE_CORRUPTION_DETECTED', pointer, message)], NO_REPORT);
  }
  const report = checkRequirements({
    workflow,
    step: pending.step,
    loop: pending.loop,
    output: input,
    ctx: stepContext(pending, state, merged),
  });
  blockers.push(...report.blockers);
  if (blockers.length > 0) return blocked(recordArgs, blockers, report);

  const next = nextPosition(workflow, state, merged, report.loopDecision);
  if (!next.ok) {
    const pointer = { kind: 'context_key', key: next.missingKey } as const;
    const message = `Loop "${next.loopId}" needs context "${next.missingKey}" (an array for forEach, an integer ≥ 0 for for).`;
    const fix = `Send context.${next.missingKey} with this call.`;
    return blocked(recordArgs, [makeBlocker('MISSING_CONTEXT_KEY', pointer, message, fix)], report);
  }

  const confirmation = confirmationOf(pending.step.requireConfirmation, stepContext(pending, state, from.context));
  if (env.isAutonomous && confirmation.required) {
    const gate = { stepId: pending.step.id, gateKind: confirmation.gateKind };
    const gateState: EngineState = { ...next.state, gate };
    const events = buildAdvanceEvents(recordArgs, {
      outcome: 'gated',
      nodeKind: 'gate_checkpoint',
      state: gateState,
      report,
      trace: next.trace,
    });
    const decision = {
      outcome: 'gated' as const,
      ...base(recordArgs, gateState, report),
      ...gate,
      warnings: next.warnings,
    };
    return { ok: true, decision, events };
  }
  return advanced(recordArgs, next.state, next.trace, report, next.warnings);
}

type RecordArgs = AdvanceRecordArgs;

/** mcp-protocol §6.4: a second successor is a fork; out of a blocked attempt a retry; out of a gate a gate pass. */
function edgeCause(from: AdvanceFrom): EdgeCause {
  if (from.hasAdvanceSuccessor) return 'fork';
  if (from.nodeKind === 'blocked_attempt') return 'retry';
  return from.state.gate === undefined ? 'advance' : 'gate';
}

function base(args: RecordArgs, state: EngineState, report: RequirementReport): DecisionBase {
  return {
    nodeId: args.nodeId,
    state,
    context: args.mergedContext,
    assessments: report.assessments,
    normalizationNotes: report.normalizationNotes,
  };
}

function advanced(
  args: RecordArgs,
  state: EngineState,
  trace: Parameters<typeof buildAdvanceEvents>[1]['trace'],
  report: RequirementReport,
  warnings: readonly EngineWarning[],
): AdvanceResult {
  const events = buildAdvanceEvents(args, { outcome: 'advanced', nodeKind: 'step', state, report, trace });
  const decision = {
    outcome: 'advanced' as const,
    ...base(args, state, report),
    isComplete: state.kind === 'complete',
    warnings,
  };
  return { ok: true, decision, events };
}

function blocked(args: RecordArgs, found: readonly Blocker[], report: RequirementReport): AdvanceResult {
  const blockers = finalizeBlockers(found);
  const state = args.from.state;
  const events = buildAdvanceEvents(args, {
    outcome: 'blocked',
    nodeKind: 'blocked_attempt',
    state,
    report,
    trace: [],
    blockers,
  });
  const issues = report.validations.flatMap((v) => v.issues);
  const suggestions = report.validations.flatMap((v) => v.suggestions);
  const decision = {
    outcome: 'blocked' as const,
    ...base(args, state, report),
    context: args.from.context,
    blockers,
    retryable: isRetryable(blockers),
    ...(issues.length > 0 || suggestions.length > 0 ? { validation: { issues, suggestions } } : {}),
    ...(report.followup === undefined ? {} : { assessmentFollowup: report.followup }),
  };
  return { ok: true, decision, events };
}
