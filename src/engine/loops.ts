// Loops at run time (docs: workflow-format.md §5.2–§5.4): loop variables and the check made before each iteration.
import type { CompiledLoopStep, JsonObject } from '../workflow/types.js';
import { evaluateConditionWithNote, evaluationContext, lookupVariable } from './conditions.js';
import type { LoopFrame } from './state.js';

export type ExitReason = 'condition' | 'stop_artifact' | 'count_reached' | 'items_exhausted' | 'max_iterations';

/** Loop variables for `frame` (§5.4); forEach items are read from the current context. */
export function loopVariables(
  step: CompiledLoopStep,
  frame: Pick<LoopFrame, 'iteration'>,
  context: JsonObject,
): JsonObject {
  const { loop } = step;
  if (loop.type !== 'forEach') return { [loop.iterationVar]: frame.iteration };
  const items = loop.items === undefined ? undefined : lookupVariable(context, loop.items);
  const item = Array.isArray(items) ? items[frame.iteration - 1] : undefined;
  return {
    [loop.iterationVar]: frame.iteration,
    [loop.indexVar]: frame.iteration - 1,
    ...(item === undefined ? {} : { [loop.itemVar]: item }),
  };
}

/** The evaluation context of a body step: the run context with the loop variables laid over it. */
export function bodyContext(
  step: CompiledLoopStep,
  frame: Pick<LoopFrame, 'iteration'>,
  context: JsonObject,
): JsonObject {
  return evaluationContext(context, loopVariables(step, frame, context));
}

export type IterationCheck =
  | { readonly kind: 'run'; readonly itemsLength?: number; readonly count?: number }
  | { readonly kind: 'exit'; readonly reason: ExitReason; readonly note?: string }
  | { readonly kind: 'missing'; readonly key: string };

/**
 * Decides whether iteration `n` runs (§5.2 table). Natural exits (condition, count, items) take precedence over
 * `maxIterations`. `count` is the value resolved at loop entry (undefined when entering).
 */
export function checkIteration(step: CompiledLoopStep, n: number, context: JsonObject, count?: number): IterationCheck {
  const { loop } = step;
  const capped = (run: IterationCheck): IterationCheck =>
    n > loop.maxIterations ? { kind: 'exit', reason: 'max_iterations' } : run;
  switch (loop.type) {
    case 'for': {
      const resolved = count ?? resolveCount(loop.count, context);
      if (resolved === undefined) return { kind: 'missing', key: String(loop.count) };
      if (n > resolved) return { kind: 'exit', reason: 'count_reached' };
      return capped({ kind: 'run', count: resolved });
    }
    case 'forEach': {
      const items = loop.items === undefined ? undefined : lookupVariable(context, loop.items);
      if (!Array.isArray(items)) return { kind: 'missing', key: loop.items ?? '' };
      if (n > items.length) return { kind: 'exit', reason: 'items_exhausted' };
      return capped({ kind: 'run', itemsLength: items.length });
    }
    case 'while':
    case 'until': {
      if (loop.control?.kind !== 'context_variable') return capped({ kind: 'run' });
      const outcome = evaluateConditionWithNote(loop.control.condition, bodyContext(step, { iteration: n }, context));
      const runs = loop.type === 'while' ? outcome.value : !outcome.value;
      if (outcome.note !== undefined) return { kind: 'exit', reason: 'condition', note: outcome.note };
      return runs ? capped({ kind: 'run' }) : { kind: 'exit', reason: 'condition' };
    }
  }
}

function resolveCount(count: number | string | undefined, context: JsonObject): number | undefined {
  if (typeof count === 'number') return count;
  if (count === undefined) return undefined;
  const value = lookupVariable(context, count);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
