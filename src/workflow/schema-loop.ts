// The loop step (docs: workflow-format.md §3.3, rules 60–66, 68, 72).

import { z } from 'zod';
import { conditionSchema, confirmationSchema } from './schema-conditions.js';
import { functionDefinitionsSchema, IDENTIFIER } from './schema-parts.js';
import {
  type Ctx,
  closedObject,
  has,
  integerRange,
  isRecord,
  patterned,
  quote,
  type RawObject,
  report,
} from './schema-primitives.js';

const LOOP_TYPES = ['while', 'until', 'for', 'forEach'] as const;

const LOOP_VAR_TEXT = 'an identifier (letters, digits and _, not starting with a digit)';

/** Keys that a loop of each type does not use (rule `loop-field-for-type`). */
const NOT_FOR_TYPE: { readonly [type: string]: readonly string[] } = {
  while: ['count', 'items', 'itemVar', 'indexVar'],
  until: ['count', 'items', 'itemVar', 'indexVar'],
  for: ['condition', 'conditionSource', 'items', 'itemVar', 'indexVar'],
  forEach: ['condition', 'conditionSource', 'count'],
};

export const LOOP_VAR_DEFAULTS = { iterationVar: 'currentIteration', itemVar: 'currentItem', indexVar: 'currentIndex' };

const conditionSourceSchema = z.discriminatedUnion('kind', [
  closedObject('a context_variable conditionSource', {
    kind: z.literal('context_variable'),
    condition: conditionSchema,
  }),
  closedObject('an artifact_contract conditionSource', {
    kind: z.literal('artifact_contract'),
    contractRef: z.string().superRefine((value, ctx) => {
      if (value === 'wr.contracts.loop_control') return;
      const message = `An artifact-controlled loop uses contractRef "wr.contracts.loop_control"; got ${quote(value)}`;
      report(ctx, [], 'loop-condition-source', message);
    }),
    loopId: patterned(/^[a-z0-9_-]+$/, 'lowercase letters, digits, _ and -', 1, 64).optional(),
  }),
]);

function checkMaxIterations(loop: RawObject, ctx: Ctx): void {
  const max = loop.maxIterations;
  if (!has(loop, 'maxIterations')) {
    report(ctx, ['maxIterations'], 'loop-max-iterations', `maxIterations is required: ${integerRange(1, 1000)}`);
  } else if (typeof max === 'number' && !(Number.isInteger(max) && max >= 1 && max <= 1000)) {
    report(ctx, ['maxIterations'], 'loop-max-iterations', `maxIterations ${integerRange(1, 1000)}; got ${max}`);
  }
}

function checkTypeFields(loop: RawObject, type: string, ctx: Ctx): void {
  for (const key of NOT_FOR_TYPE[type] ?? []) {
    if (has(loop, key)) report(ctx, [key], 'loop-field-for-type', `${key} does not apply to a ${type} loop; remove it`);
  }
  if (type === 'while' || type === 'until') {
    const condition = has(loop, 'condition');
    const source = has(loop, 'conditionSource');
    if (!condition && !source) {
      report(ctx, [], 'loop-condition-required', `A ${type} loop needs "condition" or "conditionSource"`);
    } else if (condition && source) {
      report(
        ctx,
        ['conditionSource'],
        'loop-condition-required',
        'Use either "condition" or "conditionSource", not both',
      );
    }
  }
  if (type === 'for') {
    const count = loop.count;
    if (!has(loop, 'count')) {
      report(
        ctx,
        ['count'],
        'loop-count',
        'A for loop needs "count": an integer from 1 to 1000 or a context variable name',
      );
    } else if (typeof count === 'number' && !(Number.isInteger(count) && count >= 1 && count <= 1000)) {
      report(ctx, ['count'], 'loop-count', `count ${integerRange(1, 1000)} or a context variable name; got ${count}`);
    } else if (typeof count === 'string' && count.trim() === '') {
      report(ctx, ['count'], 'loop-count', 'count must name a context variable; got an empty string');
    }
  }
  if (type === 'forEach' && (!has(loop, 'items') || (typeof loop.items === 'string' && loop.items.trim() === ''))) {
    report(
      ctx,
      ['items'],
      'loop-items',
      'A forEach loop needs "items": the name of a context variable holding an array',
    );
  }
}

function checkLoopVars(loop: RawObject, type: string, ctx: Ctx): void {
  const names = (type === 'forEach' ? ['iterationVar', 'itemVar', 'indexVar'] : ['iterationVar']) as (
    | 'iterationVar'
    | 'itemVar'
    | 'indexVar'
  )[];
  const seen = new Map<string, string>();
  for (const key of names) {
    const value = has(loop, key) ? loop[key] : LOOP_VAR_DEFAULTS[key];
    if (typeof value !== 'string') continue;
    const other = seen.get(value);
    if (other === undefined) seen.set(value, key);
    else {
      report(
        ctx,
        [has(loop, key) ? key : other],
        'loop-var-conflict',
        `${key} and ${other} are both "${value}"; give each loop variable its own name`,
      );
    }
  }
}

const loopDefinitionSchema = closedObject(
  'a loop definition',
  {
    type: z.enum(LOOP_TYPES),
    maxIterations: z.number().optional(),
    condition: conditionSchema.optional(),
    conditionSource: conditionSourceSchema.optional(),
    count: z.union([z.number(), z.string()]).optional(),
    items: z.string().optional(),
    iterationVar: patterned(IDENTIFIER, LOOP_VAR_TEXT).optional(),
    itemVar: patterned(IDENTIFIER, LOOP_VAR_TEXT).optional(),
    indexVar: patterned(IDENTIFIER, LOOP_VAR_TEXT).optional(),
  },
  {
    refine: (loop, ctx) => {
      checkMaxIterations(loop, ctx);
      const type = loop.type;
      if (typeof type !== 'string' || !(LOOP_TYPES as readonly string[]).includes(type)) return;
      checkTypeFields(loop, type, ctx);
      checkLoopVars(loop, type, ctx);
    },
  },
);

function checkBody(step: RawObject, ctx: Ctx): void {
  const body = step.body;
  if (!Array.isArray(body)) return;
  if (body.length === 0) {
    report(ctx, ['body'], 'loop-body-empty', 'body needs at least one step, or the id of a top-level step as a string');
  }
  body.forEach((item: unknown, index) => {
    if (isRecord(item) && item.type === 'loop') {
      report(ctx, ['body', index], 'loop-nested', 'Loops cannot be nested; move this loop to the top level');
    }
  });
}

/** The loop step schema; `bodyStep` validates inline body items (any step kind, nested loops are reported). */
export function loopStepSchema(
  common: z.ZodRawShape,
  foreign: { readonly [key: string]: string },
  bodyStep: z.ZodType,
) {
  return closedObject(
    'a loop step',
    {
      ...common,
      type: z.literal('loop'),
      loop: loopDefinitionSchema,
      body: z.union([z.string(), z.array(bodyStep)]),
      runCondition: conditionSchema.optional(),
      requireConfirmation: confirmationSchema.optional(),
      notesOptional: z.boolean().optional(),
      functionDefinitions: functionDefinitionsSchema.optional(),
    },
    { foreign, refine: checkBody },
  );
}
