// The engine: WorkRail's interpreter of a pinned, compiled workflow. Everything here is a pure function of
// its arguments: no I/O, no clock, no randomness (ids come from `newId`, time from `now`), no imports from
// `node:`, store, tokens or app.
//
// Tour:
// - `startRun(compiled, {context, goal, now, newId})` picks the first runnable step and returns the root node's
//   events; a first loop without its input is a `missing_loop_input` failure (PRECONDITION_FAILED).
// - `advance(compiled, from, input, env)` checks every requirement of the pending step together, then either
//   blocks (a blocked_attempt node), parks at a gate (autonomous sessions) or moves to the next step / completion.
//   It returns `{decision, events}`; the caller appends the events, then `runCompletedEvent` when complete.
// - `renderPendingStep(compiled, state, context)` builds the `pending` object an agent reads.
// - `validateContext` / `mergeContext` implement the context rules; `checkpointEvents` records a checkpoint.
// - `replayEvents(events)` folds events back into nodes, edges, outputs and the preferred tip.
//
// Semantics live in docs/workflow-format.md (§4–§8, §10) and docs/mcp-protocol.md (§5–§7, §10).
// Expected refusals are returned as typed failures; a thrown error here is a bug.

export {
  type AdvanceDecision,
  type AdvanceEnv,
  type AdvanceFailure,
  type AdvanceFrom,
  type AdvanceInput,
  type AdvanceResult,
  AUTONOMOUS_RETRY_LIMIT,
  advance,
  RETRY_LIMIT,
} from './advance.js';
export { isRetryable } from './blockers.js';
export {
  evaluateCondition,
  evaluateConditionWithNote,
  evaluationContext,
  lenientEquals,
  lookupVariable,
  stringForm,
} from './conditions.js';
export {
  CONTEXT_MAX_BYTES,
  CONTEXT_MAX_DEPTH,
  type ContextCheck,
  type ContextIssue,
  contextBytes,
  mergeContext,
  mergedBudgetBlocker,
  validateContext,
} from './context.js';
export {
  artifactKindOf,
  type ContractCheck,
  exampleArtifact,
  isContractRef,
  type ValidationRecord,
  validateArtifact,
} from './contracts.js';
export type * from './events.js';
export { EVENT_KINDS } from './events.js';
export type { EngineWarning } from './position.js';
export { checkpointEvents, type NewId, runCompletedEvent } from './records.js';
export { type PendingView, type RenderedStep, renderPendingStep, renderTemplate } from './render.js';
export { type ProjectedEdge, type ProjectedNode, preferredTip, type RunProjection, replayEvents } from './replay.js';
export { type StartDecision, type StartFailure, type StartInput, type StartResult, startRun } from './start.js';
export type { CompleteState, EngineState, GateMark, LoopFrame, PendingState } from './state.js';
export { type GateKind, pendingStepOf } from './steps.js';
