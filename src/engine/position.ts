// Selecting the next pending step (docs: workflow-format.md §5.1–§5.3): a cursor over the top-level steps,
// skipped steps never revisited, loop bodies re-evaluated each iteration. Every choice goes into the trace.
import type {
  CompiledBodyStep,
  CompiledLoopStep,
  CompiledStep,
  CompiledWorkflow,
  JsonObject,
} from '../workflow/types.js';
import { type EvalContext, evaluateConditionWithNote } from './conditions.js';
import type { DecisionTraceEntry } from './events.js';
import { bodyContext, checkIteration, type ExitReason } from './loops.js';
import type { EngineState, LoopFrame, PendingState } from './state.js';

/** A warning for the response (mcp-protocol §5.1 `warnings`). */
export interface EngineWarning {
  readonly code: 'LOOP_MAX_ITERATIONS';
  readonly message: string;
  readonly details: { readonly loopId: string };
}

export type PositionResult =
  | {
      readonly ok: true;
      readonly state: EngineState;
      readonly trace: readonly DecisionTraceEntry[];
      readonly warnings: readonly EngineWarning[];
    }
  | { readonly ok: false; readonly missingKey: string; readonly loopId: string };

interface Scan {
  readonly workflow: CompiledWorkflow;
  readonly context: JsonObject;
  readonly completedCount: number;
  readonly trace: DecisionTraceEntry[];
  readonly warnings: EngineWarning[];
}

/** The first runnable position of a run (§5.1 start). */
export function firstPosition(workflow: CompiledWorkflow, context: JsonObject): PositionResult {
  return scanTopLevel({ workflow, context, completedCount: 0, trace: [], warnings: [] }, 0);
}

/**
 * The position after the pending step of `from` completes, given the merged context and the decision of a
 * valid loop-control artifact submitted with it.
 */
export function nextPosition(
  workflow: CompiledWorkflow,
  from: PendingState,
  context: JsonObject,
  loopDecision?: 'continue' | 'stop',
): PositionResult {
  const scan: Scan = { workflow, context, completedCount: from.completedCount + 1, trace: [], warnings: [] };
  const frame = from.loop;
  const step = workflow.steps[from.cursor];
  if (frame === null || step?.kind !== 'loop') return scanTopLevel(scan, from.cursor + 1);
  if (loopDecision === 'stop') {
    exitLoop(scan, step, frame.iteration, 'stop_artifact');
    return scanTopLevel(scan, from.cursor + 1);
  }
  const inLoop = runLoop(scan, step, from.cursor, { ...frame, bodyIndex: frame.bodyIndex + 1 }, false);
  return inLoop ?? scanTopLevel(scan, from.cursor + 1);
}

function scanTopLevel(scan: Scan, cursor: number): PositionResult {
  const { steps } = scan.workflow;
  for (let index = cursor; index < steps.length; index++) {
    const step = steps[index] as (typeof steps)[number];
    if (!runs(scan, step, scan.context)) continue;
    if (step.kind === 'loop') {
      scan.trace.push({ kind: 'entered_loop', loopId: step.id });
      const inLoop = runLoop(scan, step, index, { loopId: step.id, iteration: 1, bodyIndex: 0 }, true);
      if (inLoop !== null) return inLoop;
      continue;
    }
    scan.trace.push({ kind: 'selected_step', stepId: step.id });
    return done(scan, {
      kind: 'pending',
      pendingStepId: step.id,
      cursor: index,
      loop: null,
      completedCount: scan.completedCount,
    });
  }
  return done(scan, { kind: 'complete', completedCount: scan.completedCount });
}

/**
 * Runs a loop from `start` (iteration and body index); `check` says whether `start.iteration` still needs its
 * pre-iteration check. Returns a pending position or a missing input, or null once the loop has exited.
 */
function runLoop(
  scan: Scan,
  loop: CompiledLoopStep,
  cursor: number,
  start: LoopFrame,
  check: boolean,
): PositionResult | null {
  let frame = start;
  let needsCheck = check;
  for (;;) {
    if (needsCheck) {
      const decision = checkIteration(loop, frame.iteration, scan.context, frame.count);
      if (decision.kind === 'missing') return { ok: false, missingKey: decision.key, loopId: loop.id };
      if (decision.kind === 'exit') {
        exitLoop(scan, loop, frame.iteration - 1, decision.reason, decision.note);
        return null;
      }
      frame = { ...frame, ...withoutUndefined({ itemsLength: decision.itemsLength, count: decision.count }) };
      scan.trace.push({ kind: 'iteration_started', loopId: loop.id, iteration: frame.iteration });
    }
    const ctx = bodyContext(loop, frame, scan.context);
    for (let bodyIndex = frame.bodyIndex; bodyIndex < loop.body.length; bodyIndex++) {
      const step = loop.body[bodyIndex] as CompiledBodyStep;
      if (!runs(scan, step, ctx)) continue;
      scan.trace.push({ kind: 'selected_step', stepId: step.id, loopId: loop.id, iteration: frame.iteration });
      const state: PendingState = {
        kind: 'pending',
        pendingStepId: step.id,
        cursor,
        loop: { ...frame, bodyIndex },
        completedCount: scan.completedCount,
      };
      return done(scan, state);
    }
    frame = {
      loopId: loop.id,
      iteration: frame.iteration + 1,
      bodyIndex: 0,
      ...withoutUndefined({ count: frame.count }),
    };
    needsCheck = true;
  }
}

/** Whether a step runs when reached; records the skip otherwise. Parallel steps need an active delegation. */
function runs(scan: Scan, step: CompiledStep, ctx: EvalContext): boolean {
  if (step.runCondition !== undefined) {
    const outcome = evaluateConditionWithNote(step.runCondition, ctx);
    if (!outcome.value) {
      const reason = outcome.note === undefined ? 'run_condition' : `condition_error: ${outcome.note}`;
      scan.trace.push({ kind: 'skipped_step', stepId: step.id, reason });
      return false;
    }
  }
  if (step.kind === 'parallel' && activeDelegations(step, ctx).length === 0) {
    scan.trace.push({ kind: 'skipped_step', stepId: step.id, reason: 'no_active_delegations' });
    return false;
  }
  return true;
}

/** Delegations of a parallel step whose `runCondition` is absent or true (§3.4). */
export function activeDelegations(step: Extract<CompiledBodyStep, { kind: 'parallel' }>, ctx: EvalContext) {
  return step.delegations.filter(
    (d) => d.runCondition === undefined || evaluateConditionWithNote(d.runCondition, ctx).value,
  );
}

function exitLoop(scan: Scan, loop: CompiledLoopStep, iteration: number, reason: ExitReason, note?: string): void {
  const why = note === undefined ? reason : `${reason} (${note})`;
  scan.trace.push({ kind: 'exited_loop', loopId: loop.id, iteration, reason: why });
  if (reason === 'max_iterations') {
    scan.warnings.push({
      code: 'LOOP_MAX_ITERATIONS',
      message: `Loop "${loop.title}" stopped after reaching its limit of ${loop.loop.maxIterations} iterations.`,
      details: { loopId: loop.id },
    });
  }
}

function done(scan: Scan, state: EngineState): PositionResult {
  return { ok: true, state, trace: scan.trace, warnings: scan.warnings };
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
