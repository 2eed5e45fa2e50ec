// Looking up the pending step of a state, its evaluation context, and its requireConfirmation rule (§7).
import type {
  CompiledBodyStep,
  CompiledLoopStep,
  CompiledWorkflow,
  ConfirmationRule,
  JsonObject,
} from '../workflow/types.js';
import { evaluateCondition } from './conditions.js';
import { bodyContext } from './loops.js';
import type { PendingState } from './state.js';

export interface PendingStep {
  readonly step: CompiledBodyStep;
  /** The enclosing loop when the step is a loop body step. */
  readonly loop: CompiledLoopStep | null;
}

/** The step a pending state points at, or null when the state does not fit the workflow. */
export function pendingStepOf(workflow: CompiledWorkflow, state: PendingState): PendingStep | null {
  const top = workflow.steps[state.cursor];
  if (top === undefined) return null;
  if (state.loop === null) {
    return top.kind !== 'loop' && top.id === state.pendingStepId ? { step: top, loop: null } : null;
  }
  if (top.kind !== 'loop' || top.id !== state.loop.loopId) return null;
  const body = top.body[state.loop.bodyIndex];
  return body !== undefined && body.id === state.pendingStepId ? { step: body, loop: top } : null;
}

/** The context conditions of the pending step see: `context` plus loop variables (§4.5). */
export function stepContext(pending: PendingStep, state: PendingState, context: JsonObject): JsonObject {
  return pending.loop === null || state.loop === null ? context : bodyContext(pending.loop, state.loop, context);
}

export type GateKind = 'coordinator_eval' | 'human_approval';

/** Evaluates a requireConfirmation rule; `true` and condition forms mean `coordinator_eval` (§7, mcp-protocol §5.4). */
export function confirmationOf(
  rule: ConfirmationRule | undefined,
  ctx: JsonObject,
): { required: boolean; gateKind: GateKind } {
  if (rule === undefined || typeof rule === 'boolean') return { required: rule === true, gateKind: 'coordinator_eval' };
  if ('kind' in rule && (rule.kind === 'coordinator_eval' || rule.kind === 'human_approval')) {
    const required = rule.condition === undefined || evaluateCondition(rule.condition, ctx);
    return { required, gateKind: rule.kind };
  }
  return {
    required: evaluateCondition(rule as Exclude<ConfirmationRule, boolean | { kind: unknown }>, ctx),
    gateKind: 'coordinator_eval',
  };
}
