// Steps (docs: workflow-format.md §3): the kind is chosen from `type` first (a discriminated union), then
// the object is checked only against that kind; fields of another kind are `field-not-allowed`.

import { z } from 'zod';
import { conditionSchema, confirmationSchema } from './schema-conditions.js';
import { criteriaSchema } from './schema-criteria.js';
import { loopStepSchema } from './schema-loop.js';
import {
  assessmentRefsSchema,
  consequencesSchema,
  fragmentsSchema,
  functionCallsSchema,
  functionDefinitionsSchema,
  functionReferencesSchema,
  modelTierSchema,
  outputContractSchema,
  promptBlocksSchema,
} from './schema-parts.js';
import {
  type Ctx,
  closedObject,
  has,
  jsonValue,
  patterned,
  type RawObject,
  report,
  ruledString,
  stringRecord,
  text,
  uniqueItems,
} from './schema-primitives.js';

const STEP_ID = /^[a-z0-9-]+$/;

const stepIdSchema = ruledString('step-id-format', (id) => {
  if (id.length < 3 || id.length > 64) return `Step id must be 3–64 characters long; got ${id.length}`;
  if (!STEP_ID.test(id)) return `Step id must use only lowercase letters, digits and "-"; got ${JSON.stringify(id)}`;
  return undefined;
});

const common = { id: stepIdSchema, title: text(1, 128) };

/** Absent or whitespace-only; an empty or wrong-typed value already has its own issue, so it is not blank here. */
function isBlank(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.length > 0 && value.trim() === '');
}

const auditSchema = closedObject(
  'audit',
  { prompt: text(1, 4096).optional(), rubric: z.array(z.string()).min(1).optional() },
  {
    refine: (audit, ctx) => {
      if (Array.isArray(audit.rubric) && audit.rubric.length === 0) return;
      const rubric = Array.isArray(audit.rubric) ? (audit.rubric as unknown[]) : [];
      const blank = rubric.flatMap((item, index) => (typeof item === 'string' && item.trim() === '' ? [index] : []));
      for (const index of blank) {
        report(
          ctx,
          ['rubric', index],
          'audit-empty',
          'Rubric items must not be blank; write the criterion or remove the item',
        );
      }
      if (blank.length > 0 || !isBlank(audit.prompt) || rubric.length > 0) return;
      report(ctx, [], 'audit-empty', 'audit needs a "prompt" or at least one non-blank "rubric" item');
    },
  },
);

const verificationSchema = closedObject(
  'verification',
  { command: text(1, 1024).optional(), prompt: text(1, 4096).optional() },
  {
    refine: (verification, ctx) => {
      if (!isBlank(verification.command) || !isBlank(verification.prompt)) return;
      report(ctx, [], 'verification-empty', 'verification needs a non-blank "command" or "prompt"');
    },
  },
);

const synthesisSchema = closedObject(
  'synthesis',
  { prompt: text(1, 4096).optional(), outputContract: outputContractSchema.optional() },
  {
    refine: (synthesis, ctx) => {
      if (has(synthesis, 'prompt') || has(synthesis, 'outputContract')) return;
      report(ctx, [], 'synthesis-empty', 'synthesis needs a "prompt" or an "outputContract"');
    },
  },
);

const delegationSchema = closedObject('a parallel delegation', {
  workflowId: text(1, 128),
  goal: z.string().optional(),
  runCondition: conditionSchema.optional(),
  contextMapping: stringRecord.optional(),
  args: stringRecord.optional(),
  modelTier: modelTierSchema.optional(),
  allowedTools: z
    .array(patterned(/^[a-zA-Z][a-zA-Z0-9_:-]*$/, 'a tool name (a letter, then letters, digits, _, : or -)'))
    .min(1)
    .optional(),
});

const standardShape = {
  ...common,
  type: z.undefined().optional(),
  prompt: text(1, 8192).optional(),
  promptBlocks: promptBlocksSchema.optional(),
  templateCall: closedObject('a templateCall', {
    templateId: text(1, 128),
    args: z.record(z.string(), jsonValue).optional(),
  }).optional(),
  agentRole: text(10, 1024).optional(),
  guidance: z.array(z.string()).optional(),
  promptFragments: fragmentsSchema.optional(),
  runCondition: conditionSchema.optional(),
  requireConfirmation: confirmationSchema.optional(),
  outputContract: outputContractSchema.optional(),
  notesOptional: z.boolean().optional(),
  assessmentRefs: assessmentRefsSchema.optional(),
  assessmentConsequences: consequencesSchema.optional(),
  validationCriteria: criteriaSchema.optional(),
  modelTier: modelTierSchema.optional(),
  functionDefinitions: functionDefinitionsSchema.optional(),
  functionCalls: functionCallsSchema.optional(),
  functionReferences: functionReferencesSchema.optional(),
  audit: auditSchema.optional(),
  verification: verificationSchema.optional(),
  askForFiles: z.boolean().optional(),
  hasValidation: z.boolean().optional(),
};

const parallelShape = {
  ...common,
  type: z.literal('parallel'),
  parallelDelegations: uniqueItems(delegationSchema, 1),
  runCondition: conditionSchema.optional(),
  requireConfirmation: confirmationSchema.optional(),
  notesOptional: z.boolean().optional(),
  synthesis: synthesisSchema.optional(),
};

const LOOP_KEYS = ['id', 'type', 'title', 'loop', 'body', 'runCondition', 'requireConfirmation', 'notesOptional'];
const KIND_KEYS: readonly (readonly [string, readonly string[]])[] = [
  ['standard steps', Object.keys(standardShape)],
  ['loop steps', [...LOOP_KEYS, 'functionDefinitions']],
  ['parallel steps', Object.keys(parallelShape)],
];

/** Keys of the other step kinds that this kind does not define, mapped to where they belong. */
function foreignKeys(kind: string): { [key: string]: string } {
  const own = new Set(KIND_KEYS.find(([name]) => name === kind)![1]);
  const foreign: { [key: string]: string } = {};
  for (const [name, keys] of KIND_KEYS) {
    for (const key of keys) {
      if (own.has(key) || name === kind) continue;
      foreign[key] = foreign[key] === undefined ? name : `${foreign[key]} and ${name}`;
    }
  }
  return foreign;
}

export const PROMPT_SOURCES = ['prompt', 'promptBlocks', 'templateCall'];
const TEMPLATE_CALL_FIELDS = new Set(['id', 'title', 'type', 'templateCall', 'runCondition', 'requireConfirmation']);

function checkStandard(step: RawObject, ctx: Ctx): void {
  // prompt-source-multiple is checked on the raw step (validate-references.ts), which knows the key order.
  if (!PROMPT_SOURCES.some((key) => has(step, key))) {
    const message = 'A standard step needs a prompt source: add "prompt", "promptBlocks" or "templateCall"';
    report(ctx, [], 'prompt-source-missing', message);
  }
  if (!has(step, 'templateCall')) return;
  for (const key of Object.keys(step)) {
    if (TEMPLATE_CALL_FIELDS.has(key) || PROMPT_SOURCES.includes(key) || !Object.hasOwn(standardShape, key)) continue;
    report(
      ctx,
      [key],
      'template-call-fields',
      `A templateCall step carries only id, title, templateCall, runCondition and requireConfirmation; remove ${key}`,
    );
  }
}

const standardStepSchema = closedObject('a standard step', standardShape, {
  foreign: foreignKeys('standard steps'),
  refine: checkStandard,
});

const parallelStepSchema = closedObject('a parallel step', parallelShape, { foreign: foreignKeys('parallel steps') });

/** Any step; inline loop bodies use the same schema and report nested loops separately. */
export const stepSchema: z.ZodType<unknown> = z.discriminatedUnion('type', [
  standardStepSchema,
  loopStepSchema(
    common,
    foreignKeys('loop steps'),
    z.lazy(() => stepSchema),
  ),
  parallelStepSchema,
]);
