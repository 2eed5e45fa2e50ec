// fast-check generators of small valid compiled workflows and of agent inputs for property tests.
import fc from 'fast-check';
import type { AdvanceInput } from '../../../src/engine/advance.js';
import type {
  CompiledLoop,
  CompiledLoopStep,
  CompiledStandardStep,
  CompiledStep,
  CompiledWorkflow,
  Condition,
  JsonObject,
} from '../../../src/workflow/types.js';
import { loopStep, std, workflow } from './fixtures.js';

const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.constantFrom<Condition>(
    { var: 'a' },
    { var: 'b', equals: 'yes' },
    { var: 'n', gt: 1 },
    { var: 'currentIteration', lte: 2 },
    { var: 'currentItem', equals: 1 },
    { not: { var: 'c' } },
    { or: [{ var: 'a' }, { var: 'c' }] },
  ),
);

const maybeCondition = fc.option(condition, { nil: undefined, freq: 2 });

function standard(id: string, inLoop: boolean): fc.Arbitrary<CompiledStandardStep> {
  return fc
    .record({
      runCondition: maybeCondition,
      notesRequired: fc.boolean(),
      loopControl: inLoop ? fc.boolean() : fc.constant(false),
      confirm: fc.constantFrom<CompiledStandardStep['requireConfirmation']>(undefined, undefined, true, { var: 'a' }),
    })
    .map(({ runCondition, notesRequired, loopControl, confirm }) =>
      std(id, {
        notesRequired,
        ...(runCondition === undefined ? {} : { runCondition }),
        ...(confirm === undefined ? {} : { requireConfirmation: confirm }),
        ...(loopControl
          ? { outputContract: { contractRef: 'wr.contracts.loop_control' as const, required: true } }
          : {}),
      }),
    );
}

const loopDefinition: fc.Arbitrary<Partial<CompiledLoop> & Pick<CompiledLoop, 'type'>> = fc.oneof(
  fc.record({
    type: fc.constantFrom('while' as const, 'until' as const),
    maxIterations: fc.integer({ min: 1, max: 4 }),
    control: fc.oneof(
      condition.map((c) => ({ kind: 'context_variable' as const, condition: c })),
      fc.constant({ kind: 'artifact_contract' as const }),
    ),
  }),
  fc.record({
    type: fc.constant('for' as const),
    maxIterations: fc.integer({ min: 1, max: 4 }),
    count: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('n')),
  }),
  fc.record({
    type: fc.constant('forEach' as const),
    maxIterations: fc.integer({ min: 1, max: 4 }),
    items: fc.constant('items'),
  }),
);

function loop(id: string): fc.Arbitrary<CompiledLoopStep> {
  return fc
    .record({
      definition: loopDefinition,
      bodySize: fc.integer({ min: 1, max: 3 }),
      runCondition: maybeCondition,
    })
    .chain(({ definition, bodySize, runCondition }) =>
      fc
        .tuple(...Array.from({ length: bodySize }, (_, i) => standard(`${id}-b${i}`, true)))
        .map((body) => loopStep(id, definition, body, runCondition === undefined ? {} : { runCondition })),
    );
}

/** 1–5 top-level steps, each a standard step or a loop of 1–3 standard body steps. */
export const compiledWorkflow: fc.Arbitrary<CompiledWorkflow> = fc
  .array(fc.boolean(), { minLength: 1, maxLength: 5 })
  .chain((isLoop) =>
    fc.tuple(...isLoop.map((l, i): fc.Arbitrary<CompiledStep> => (l ? loop(`loop${i}`) : standard(`step${i}`, false)))),
  )
  .map((steps) => workflow(steps));

const contextValue = fc.oneof(
  fc.constantFrom<JsonObject[string]>(true, false, 'yes', 'no', 0, 1, 2, 3, null),
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
);

/** A context delta over the variables the generated conditions and loops read. */
export const contextDelta: fc.Arbitrary<JsonObject> = fc.dictionary(
  fc.constantFrom('a', 'b', 'c', 'n', 'items'),
  contextValue,
  {
    maxKeys: 3,
  },
);

export const agentInput: fc.Arbitrary<AdvanceInput> = fc.record(
  {
    notes: fc.constantFrom('Did the work.', '  ', ''),
    contextDelta,
    artifacts: fc.array(
      fc.oneof(
        fc.constantFrom('continue', 'stop').map((decision) => ({ kind: 'wr.loop_control', decision })),
        fc.constant({ kind: 'wr.loop_control', decision: 'stop', loopId: 'elsewhere' }),
        fc.constant({ kind: 'unrelated', value: 1 }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
