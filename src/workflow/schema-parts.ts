// Schemas shared by the document and its steps (docs: workflow-format.md §6, §8, §9): output contracts,
// prompt blocks and fragments, assessments, references, extension points and functions.

import { z } from 'zod';
import { conditionSchema } from './schema-conditions.js';
import {
  arrayOf,
  closedObject,
  isRecord,
  jsonValue,
  patterned,
  quote,
  report,
  text,
  uniqueBy,
  uniqueItems,
} from './schema-primitives.js';
import { CONTRACT_REFS } from './types.js';

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER_TEXT = 'an identifier (letters, digits and _, not starting with a digit)';

export const modelTierSchema = z.enum(['lightweight', 'mid', 'heavy']);

const CONTRACTS: ReadonlySet<string> = new Set(CONTRACT_REFS);

const contractRefSchema = z.string().superRefine((value, ctx) => {
  if (!CONTRACTS.has(value)) {
    report(ctx, [], 'contract-unknown', `contractRef must be one of ${CONTRACT_REFS.join(', ')}; got ${quote(value)}`);
  }
});

export const outputContractSchema = closedObject('an outputContract', {
  contractRef: contractRefSchema,
  required: z.boolean().optional(),
});

// ---------- prompts (§8) ----------

const promptPart = z.discriminatedUnion('kind', [
  closedObject('a text part', { kind: z.literal('text'), text: z.string() }),
  closedObject('a ref part', { kind: z.literal('ref'), refId: z.string() }),
]);
const promptValue = z.union([z.string(), z.array(promptPart)]);

function nonEmptyValue(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  return Array.isArray(value) && value.length > 0;
}

export const promptBlocksSchema = closedObject(
  'promptBlocks',
  {
    goal: promptValue.optional(),
    constraints: z.array(promptValue).optional(),
    procedure: z.array(promptValue).optional(),
    verify: z.array(promptValue).optional(),
    outputRequired: z.record(z.string(), z.string()).optional(),
  },
  {
    refine: (blocks, ctx) => {
      const lists = ['constraints', 'procedure', 'verify'].some((key) => nonEmptyValue(blocks[key]));
      const output = isRecord(blocks.outputRequired) && Object.keys(blocks.outputRequired).length > 0;
      if (nonEmptyValue(blocks.goal) || lists || output) return;
      report(
        ctx,
        [],
        'prompt-blocks-empty',
        'promptBlocks needs at least one non-empty section (goal, constraints, procedure, outputRequired or verify)',
      );
    },
  },
);

const fragmentSchema = closedObject('a prompt fragment', {
  id: patterned(/^[a-z][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter', 1, 64),
  when: conditionSchema.optional(),
  text: text(1, 4096).superRefine((value, ctx) => {
    if (value.includes('{{wr.')) {
      report(
        ctx,
        [],
        'fragment-wr-token',
        'Fragment text must not contain {{wr.…}} tokens; move them into the step prompt',
      );
    }
  }),
});

export const fragmentsSchema = uniqueBy(z.array(fragmentSchema).min(1), 'id', 'fragment-id-duplicate', 'Fragment id');

// ---------- assessments (§6.4) ----------

const ASSESSMENT_ID = /^[a-z0-9_-]+$/;
const ASSESSMENT_ID_TEXT = 'lowercase letters, digits, _ and -';

const dimensionSchema = closedObject('an assessment dimension', {
  id: patterned(ASSESSMENT_ID, ASSESSMENT_ID_TEXT, 1, 64),
  purpose: text(1, 256),
  levels: uniqueItems(text(1, 64), 2),
  required: z.boolean().optional(),
});

const assessmentSchema = closedObject('an assessment', {
  id: patterned(ASSESSMENT_ID, ASSESSMENT_ID_TEXT, 1, 64),
  purpose: text(1, 256),
  dimensions: uniqueBy(z.array(dimensionSchema).min(1), 'id', 'dimension-id-duplicate', 'Dimension id'),
});

export const assessmentsSchema = uniqueBy(z.array(assessmentSchema), 'id', 'assessment-id-duplicate', 'Assessment id');

export const assessmentRefsSchema = uniqueItems(text(1, 64), 1);

const consequenceSchema = closedObject('an assessment consequence', {
  when: closedObject('a consequence condition', {
    anyEqualsLevel: text(1, 64),
    forAssessment: text(1, 128).optional(),
  }),
  effect: closedObject('a consequence effect', { kind: z.literal('require_followup'), guidance: text(1, 512) }),
});

export const consequencesSchema = arrayOf(consequenceSchema, 1, 10);

// ---------- references and extension points (§9.5, §9.6) ----------

const referenceSchema = closedObject('a reference', {
  id: patterned(/^[a-z][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter', 2, 64),
  title: text(1, 128),
  source: text(1, 512),
  purpose: text(1, 512),
  authoritative: z.boolean(),
  resolveFrom: z.enum(['workspace', 'package']).optional(),
});

export const referencesSchema = uniqueBy(z.array(referenceSchema), 'id', 'reference-id-duplicate', 'Reference id');

const extensionPointSchema = closedObject('an extension point', {
  slotId: patterned(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and _, starting with a letter', 2, 64),
  purpose: text(1, 256),
  default: text(1, 128),
  acceptedKinds: uniqueItems(z.enum(['routine', 'workflow'])).optional(),
});

export const extensionPointsSchema = uniqueBy(
  z.array(extensionPointSchema),
  'slotId',
  'extension-point-duplicate',
  'Slot id',
);

// ---------- functions (§9.7) ----------

const parameterSchema = closedObject('a function parameter', {
  name: patterned(IDENTIFIER, IDENTIFIER_TEXT),
  type: z.enum(['string', 'number', 'boolean', 'array', 'object']),
  required: z.boolean().optional(),
  description: z.string().optional(),
  enum: z
    .array(z.union([z.string(), z.number(), z.boolean()]))
    .min(1)
    .optional(),
  default: jsonValue.optional(),
});

const functionDefinitionSchema = closedObject('a function definition', {
  name: patterned(IDENTIFIER, IDENTIFIER_TEXT),
  definition: z.string(),
  parameters: uniqueBy(z.array(parameterSchema), 'name', 'unique-items', 'Parameter name').optional(),
  scope: z.enum(['workflow', 'loop', 'step']).optional(),
});

export const functionDefinitionsSchema = uniqueBy(
  z.array(functionDefinitionSchema),
  'name',
  'function-duplicate',
  'Function name',
);

export const functionCallsSchema = z.array(
  closedObject('a function call', { name: z.string(), args: z.record(z.string(), jsonValue) }),
);

export const functionReferencesSchema = z.array(
  patterned(/^[A-Za-z_][A-Za-z0-9_]*\(\)$/, 'a function name followed by "()", such as "scan()"'),
);
