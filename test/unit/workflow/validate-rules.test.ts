import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '../../../src/workflow/validate.js';
import {
  doc,
  type Json,
  type JsonObject,
  loopStep,
  P,
  QUALITY,
  S,
  TEMPLATES,
  withStep,
} from '../../fixtures/validate/base.js';

interface RuleCase {
  readonly rule: string;
  readonly input: unknown;
  readonly path: string;
  /** False when the violation legitimately comes with other issues; default: it is the only issue. */
  readonly only?: boolean;
  /** Compile issues may point below the named field; then `path` is a prefix. */
  readonly pathPrefix?: boolean;
}

const B = doc();
const { version: _version, ...withoutVersion } = B;
const { title: _title, ...untitled } = S;
const C: JsonObject = { var: 'x', equals: 'a' };
const R: JsonObject = { type: 'contains', value: 'done', message: 'Say done.' };
const steps = (extra: Json[]) => doc([S, ...extra]);
const forLoop = { type: 'for', count: 3, maxIterations: 5 };
const assessed = (extra: JsonObject) => withStep({ assessmentRefs: ['quality'], ...extra }, { assessments: [QUALITY] });
const consequence = (when: JsonObject): JsonObject => ({
  when,
  effect: { kind: 'require_followup', guidance: 'Dig deeper.' },
});
const scan: JsonObject = {
  name: 'scan',
  definition: 'Scan the path.',
  parameters: [{ name: 'path', type: 'string', required: true }],
};
const artifactLoop = (body: Json) =>
  steps([
    loopStep(
      {
        type: 'while',
        maxIterations: 3,
        conditionSource: { kind: 'artifact_contract', contractRef: 'wr.contracts.loop_control' },
      },
      body,
    ),
  ]);

const CASES: readonly RuleCase[] = [
  { rule: 'json-syntax', input: '{"id":"acme.demo",', path: '' },
  { rule: 'root-object', input: [B], path: '' },
  { rule: 'document-size', input: JSON.stringify(B) + ' '.repeat(2 * 1024 * 1024), path: '' },
  { rule: 'required', input: withoutVersion, path: '/version' },
  { rule: 'required', input: doc([untitled]), path: '/steps/0/title' },
  { rule: 'unknown-field', input: doc([S], { tags: ['x'] }), path: '/tags' },
  { rule: 'unknown-field', input: withStep({ promt: 'x' }), path: '/steps/0/promt' },
  { rule: 'type', input: doc([S], { name: 5 }), path: '/name' },
  { rule: 'type', input: doc([S], { steps: {} }), path: '/steps' },
  { rule: 'string-length', input: doc([S], { description: '' }), path: '/description' },
  { rule: 'string-length', input: withStep({ prompt: 'x'.repeat(8193) }), path: '/steps/0/prompt' },
  { rule: 'number-range', input: doc([S], { validatedAgainstSpecVersion: 0 }), path: '/validatedAgainstSpecVersion' },
  { rule: 'number-range', input: doc([S], { validatedAgainstSpecVersion: 1.5 }), path: '/validatedAgainstSpecVersion' },
  { rule: 'enum', input: doc([S], { modelTier: 'huge' }), path: '/modelTier' },
  { rule: 'enum', input: doc([S], { metricsProfile: 'ops' }), path: '/metricsProfile' },
  {
    rule: 'pattern',
    input: doc([S], { references: [{ id: 'Docs', title: 'T', source: 's.md', purpose: 'p', authoritative: true }] }),
    path: '/references/0/id',
  },
  {
    rule: 'pattern',
    input: doc([S, { ...P, parallelDelegations: [{ workflowId: 'acme.other', allowedTools: ['9tool'] }] }]),
    path: '/steps/1/parallelDelegations/0/allowedTools/0',
  },
  { rule: 'pattern', input: withStep({ functionReferences: ['foo'] }), path: '/steps/0/functionReferences/0' },
  { rule: 'array-length', input: doc([S], { examples: [] }), path: '/examples' },
  {
    rule: 'array-length',
    input: doc([S], { assessments: [{ ...QUALITY, dimensions: [{ id: 'depth', purpose: 'p', levels: ['only'] }] }] }),
    path: '/assessments/0/dimensions/0/levels',
  },
  {
    rule: 'array-length',
    input: withStep(
      {
        assessmentRefs: ['quality'],
        assessmentConsequences: Array.from({ length: 11 }, (_, i) => consequence({ anyEqualsLevel: `l${i}` })),
      },
      {
        assessments: [
          {
            ...QUALITY,
            dimensions: [{ id: 'depth', purpose: 'p', levels: Array.from({ length: 11 }, (_, i) => `l${i}`) }],
          },
        ],
      },
    ),
    path: '/steps/0/assessmentConsequences',
  },
  { rule: 'unique-items', input: doc([S], { metaGuidance: ['Be brief.', 'Be brief.'] }), path: '/metaGuidance/1' },
  { rule: 'workflow-id-format', input: doc([S], { id: 'Acme.Demo' }), path: '/id' },
  { rule: 'workflow-id-format', input: doc([S], { id: 'a.b.c' }), path: '/id' },
  { rule: 'workflow-id-format', input: doc([S], { id: 'ab' }), path: '/id' },
  { rule: 'workflow-id-reserved', input: doc([S], { id: 'wr.demo' }), path: '/id' },
  { rule: 'version-semver', input: doc([S], { version: '1.0' }), path: '/version' },
  { rule: 'step-id-format', input: withStep({ id: 'Step_1' }), path: '/steps/0/id' },
  { rule: 'step-id-format', input: withStep({ id: 'ab' }), path: '/steps/0/id' },
  { rule: 'step-id-duplicate', input: doc([S, S]), path: '/steps/1/id' },
  { rule: 'step-kind', input: withStep({ type: 'task' }), path: '/steps/0/type' },
  { rule: 'prompt-source-missing', input: doc([{ id: 'step-one', title: 'One' }]), path: '/steps/0' },
  { rule: 'prompt-source-multiple', input: withStep({ promptBlocks: { goal: 'x' } }), path: '/steps/0/promptBlocks' },
  {
    rule: 'field-not-allowed',
    input: steps([loopStep(forLoop, 'step-one', { prompt: 'x' })]),
    path: '/steps/1/prompt',
  },
  { rule: 'field-not-allowed', input: doc([{ ...P, audit: {} }]), path: '/steps/0/audit' },
  { rule: 'field-not-allowed', input: withStep({ synthesis: {} }), path: '/steps/0/synthesis' },
  {
    rule: 'template-call-fields',
    input: doc([
      { id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.write' }, notesOptional: true },
    ]),
    path: '/steps/0/notesOptional',
  },
  {
    rule: 'template-unknown',
    input: doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.nope' } }]),
    path: '/steps/0/templateCall',
    pathPrefix: true,
  },
  {
    rule: 'template-arg-missing',
    input: doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.write' } }]),
    path: '/steps/0/templateCall',
    pathPrefix: true,
  },
  {
    rule: 'template-arg-type',
    input: doc([
      {
        id: 'design',
        title: 'D',
        templateCall: { templateId: 'wr.templates.routine.write', args: { deliverableName: ['a.md'] } },
      },
    ]),
    path: '/steps/0/templateCall',
    pathPrefix: true,
  },
  {
    rule: 'prompt-blocks-empty',
    input: withStep({ prompt: undefined, promptBlocks: { constraints: [] } }),
    path: '/steps/0/promptBlocks',
  },
  {
    rule: 'ref-unknown',
    input: withStep({ prompt: undefined, promptBlocks: { goal: [{ kind: 'ref', refId: 'wr.refs.nope' }] } }),
    path: '/steps/0/promptBlocks',
    pathPrefix: true,
  },
  { rule: 'feature-unknown', input: doc([S], { features: ['wr.features.nope'] }), path: '/features', pathPrefix: true },
  {
    rule: 'fragment-id-duplicate',
    input: withStep({
      promptFragments: [
        { id: 'extra', text: 'A' },
        { id: 'extra', text: 'B' },
      ],
    }),
    path: '/steps/0/promptFragments/1/id',
  },
  {
    rule: 'fragment-wr-token',
    input: withStep({ promptFragments: [{ id: 'extra', text: 'Use {{wr.bindings.reviewer}}' }] }),
    path: '/steps/0/promptFragments/0/text',
  },
  {
    rule: 'binding-without-extension-points',
    input: withStep({ prompt: 'Run {{wr.bindings.reviewer}}' }),
    path: '/steps/0/prompt',
    pathPrefix: true,
  },
  {
    rule: 'binding-slot-undeclared',
    input: withStep(
      { prompt: 'Run {{wr.bindings.reviewr}}' },
      { extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews.', default: 'acme.review' }] },
    ),
    path: '/steps/0/prompt',
    pathPrefix: true,
  },
  {
    rule: 'wr-token-unresolved',
    input: withStep({ prompt: '{{wr.refs.memory_usage}}' }),
    path: '/steps/0/prompt',
    pathPrefix: true,
  },
  {
    rule: 'extension-point-duplicate',
    input: doc([S], {
      extensionPoints: [
        { slotId: 'reviewer', purpose: 'Who reviews.', default: 'acme.review' },
        { slotId: 'reviewer', purpose: 'Again.', default: 'acme.other' },
      ],
    }),
    path: '/extensionPoints/1/slotId',
  },
  {
    rule: 'reference-id-duplicate',
    input: doc([S], {
      references: [
        { id: 'style-guide', title: 'Style', source: 'a.md', purpose: 'p', authoritative: true },
        { id: 'style-guide', title: 'Style 2', source: 'b.md', purpose: 'p', authoritative: false },
      ],
    }),
    path: '/references/1/id',
  },
  {
    rule: 'contract-unknown',
    input: withStep({ outputContract: { contractRef: 'wr.contracts.summary' } }),
    path: '/steps/0/outputContract/contractRef',
  },
  {
    rule: 'loop-control-outside-loop',
    input: withStep({ outputContract: { contractRef: 'wr.contracts.loop_control' } }),
    path: '/steps/0/outputContract/contractRef',
  },
  { rule: 'assessment-id-duplicate', input: doc([S], { assessments: [QUALITY, QUALITY] }), path: '/assessments/1/id' },
  {
    rule: 'dimension-id-duplicate',
    input: doc([S], {
      assessments: [
        {
          ...QUALITY,
          dimensions: [
            { id: 'depth', purpose: 'p', levels: ['low', 'high'] },
            { id: 'depth', purpose: 'q', levels: ['a', 'b'] },
          ],
        },
      ],
    }),
    path: '/assessments/0/dimensions/1/id',
  },
  {
    rule: 'assessment-refs-without-assessments',
    input: withStep({ assessmentRefs: ['quality'] }),
    path: '/steps/0/assessmentRefs',
  },
  {
    rule: 'assessment-ref-undeclared',
    input: withStep({ assessmentRefs: ['qualty'] }, { assessments: [QUALITY] }),
    path: '/steps/0/assessmentRefs/0',
  },
  {
    rule: 'consequence-without-refs',
    input: withStep({ assessmentConsequences: [consequence({ anyEqualsLevel: 'low' })] }, { assessments: [QUALITY] }),
    path: '/steps/0/assessmentConsequences',
  },
  {
    rule: 'consequence-scope-unknown',
    input: assessed({ assessmentConsequences: [consequence({ anyEqualsLevel: 'low', forAssessment: 'other' })] }),
    path: '/steps/0/assessmentConsequences/0/when/forAssessment',
  },
  {
    rule: 'consequence-level-undeclared',
    input: assessed({ assessmentConsequences: [consequence({ anyEqualsLevel: 'terrible' })] }),
    path: '/steps/0/assessmentConsequences/0/when/anyEqualsLevel',
  },
  {
    rule: 'consequence-duplicate',
    input: assessed({
      assessmentConsequences: [consequence({ anyEqualsLevel: 'low' }), consequence({ anyEqualsLevel: 'low' })],
    }),
    path: '/steps/0/assessmentConsequences/1/when',
  },
  {
    rule: 'validation-rule-fields',
    input: withStep({ validationCriteria: { type: 'regex', message: 'm' } }),
    path: '/steps/0/validationCriteria/pattern',
  },
  {
    rule: 'validation-rule-regex',
    input: withStep({ validationCriteria: { type: 'regex', pattern: '(', message: 'm' } }),
    path: '/steps/0/validationCriteria/pattern',
  },
  {
    rule: 'validation-rule-bounds',
    input: withStep({ validationCriteria: { type: 'length', min: 10, max: 5, message: 'm' } }),
    path: '/steps/0/validationCriteria/max',
  },
  {
    rule: 'validation-composition',
    input: withStep({ validationCriteria: { and: [R], or: [R] } }),
    path: '/steps/0/validationCriteria/or',
  },
  { rule: 'condition-empty', input: withStep({ runCondition: {} }), path: '/steps/0/runCondition' },
  {
    rule: 'condition-operator-unknown',
    input: withStep({ runCondition: { var: 'x', like: 'a' } }),
    path: '/steps/0/runCondition/like',
  },
  {
    rule: 'condition-operator-without-var',
    input: withStep({ runCondition: { equals: 'a' } }),
    path: '/steps/0/runCondition/equals',
  },
  {
    rule: 'condition-multiple-operators',
    input: withStep({ runCondition: { var: 'x', equals: 'a', contains: 'b' } }),
    path: '/steps/0/runCondition/contains',
  },
  {
    rule: 'condition-mixed-forms',
    input: withStep({ runCondition: { var: 'x', and: [C] } }),
    path: '/steps/0/runCondition/and',
  },
  {
    rule: 'condition-mixed-forms',
    input: withStep({ runCondition: { and: [C], or: [C] } }),
    path: '/steps/0/runCondition/or',
  },
  {
    rule: 'condition-operand-type',
    input: withStep({ runCondition: { var: 'n', gt: '5' } }),
    path: '/steps/0/runCondition/gt',
  },
  {
    rule: 'condition-operand-type',
    input: withStep({ runCondition: { var: 'x', in: 'a' } }),
    path: '/steps/0/runCondition/in',
  },
  {
    rule: 'condition-regex',
    input: withStep({ runCondition: { var: 'x', matches: '(' } }),
    path: '/steps/0/runCondition/matches',
  },
  { rule: 'condition-logic-empty', input: withStep({ runCondition: { and: [] } }), path: '/steps/0/runCondition/and' },
  { rule: 'condition-var-empty', input: withStep({ runCondition: { var: '' } }), path: '/steps/0/runCondition/var' },
  { rule: 'confirmation-form', input: withStep({ requireConfirmation: 'yes' }), path: '/steps/0/requireConfirmation' },
  {
    rule: 'loop-max-iterations',
    input: steps([loopStep({ type: 'for', count: 3 })]),
    path: '/steps/1/loop/maxIterations',
  },
  {
    rule: 'loop-condition-required',
    input: steps([loopStep({ type: 'while', maxIterations: 3 })]),
    path: '/steps/1/loop',
  },
  {
    rule: 'loop-field-for-type',
    input: steps([loopStep({ type: 'while', maxIterations: 3, condition: C, items: 'xs' })]),
    path: '/steps/1/loop/items',
  },
  {
    rule: 'loop-field-for-type',
    input: steps([loopStep({ ...forLoop, condition: C })]),
    path: '/steps/1/loop/condition',
  },
  {
    rule: 'loop-count',
    input: steps([loopStep({ type: 'for', count: 0, maxIterations: 5 })]),
    path: '/steps/1/loop/count',
  },
  { rule: 'loop-items', input: steps([loopStep({ type: 'forEach', maxIterations: 5 })]), path: '/steps/1/loop/items' },
  {
    rule: 'loop-var-conflict',
    input: steps([loopStep({ type: 'forEach', items: 'xs', maxIterations: 5, itemVar: 'x', indexVar: 'x' })]),
    path: '/steps/1/loop/indexVar',
  },
  {
    rule: 'loop-condition-source',
    input: doc([
      { ...S, outputContract: { contractRef: 'wr.contracts.loop_control' } },
      loopStep({
        type: 'while',
        maxIterations: 3,
        conditionSource: { kind: 'artifact_contract', contractRef: 'wr.contracts.review_verdict' },
      }),
    ]),
    path: '/steps/1/loop/conditionSource/contractRef',
  },
  {
    rule: 'loop-decision-step-missing',
    input: artifactLoop([{ id: 'review', title: 'R', prompt: 'Review.' }]),
    path: '/steps/1/loop/conditionSource',
  },
  { rule: 'loop-body-empty', input: steps([loopStep(forLoop, [])]), path: '/steps/1/body' },
  { rule: 'loop-body-ref-missing', input: steps([loopStep(forLoop, 'no-such-step')]), path: '/steps/1/body' },
  { rule: 'loop-body-ref-invalid', input: steps([loopStep(forLoop, 'review-loop')]), path: '/steps/1/body' },
  {
    rule: 'loop-body-ref-shared',
    input: steps([loopStep(forLoop), { ...loopStep(forLoop), id: 'second-loop' }]),
    path: '/steps/2/body',
  },
  {
    rule: 'loop-nested',
    input: steps([
      loopStep(forLoop, [{ ...loopStep(forLoop, [{ id: 'inner-step', title: 'I', prompt: 'p' }]), id: 'inner' }]),
    ]),
    path: '/steps/1/body/0',
  },
  {
    rule: 'parallel-self-delegation',
    input: doc([{ ...P, parallelDelegations: [{ workflowId: 'acme.demo' }] }]),
    path: '/steps/0/parallelDelegations/0/workflowId',
  },
  {
    rule: 'function-duplicate',
    input: doc([S], { functionDefinitions: [scan, scan] }),
    path: '/functionDefinitions/1/name',
  },
  {
    rule: 'function-call-unknown',
    input: withStep({ functionCalls: [{ name: 'nope', args: {} }] }),
    path: '/steps/0/functionCalls/0/name',
  },
  {
    rule: 'function-call-args',
    input: withStep({ functionCalls: [{ name: 'scan', args: {} }] }, { functionDefinitions: [scan] }),
    path: '/steps/0/functionCalls/0/args',
  },
  {
    rule: 'function-reference-unknown',
    input: withStep({ functionReferences: ['nope()'] }),
    path: '/steps/0/functionReferences/0',
  },
  { rule: 'audit-empty', input: withStep({ audit: {} }), path: '/steps/0/audit' },
  { rule: 'audit-empty', input: withStep({ audit: { rubric: [' '] } }), path: '/steps/0/audit/rubric/0' },
  { rule: 'verification-empty', input: withStep({ verification: { command: '  ' } }), path: '/steps/0/verification' },
  { rule: 'synthesis-empty', input: doc([{ ...P, synthesis: {} }]), path: '/steps/0/synthesis' },
];

/** The 80 rule ids of docs/workflow-format.md §13.2, in table order. */
const RULE_IDS =
  `json-syntax root-object document-size required unknown-field type string-length number-range enum pattern
array-length unique-items workflow-id-format workflow-id-reserved version-semver step-id-format step-id-duplicate step-kind
prompt-source-missing prompt-source-multiple field-not-allowed template-call-fields template-unknown template-arg-missing
template-arg-type prompt-blocks-empty ref-unknown feature-unknown fragment-id-duplicate fragment-wr-token
binding-without-extension-points binding-slot-undeclared wr-token-unresolved extension-point-duplicate reference-id-duplicate
contract-unknown loop-control-outside-loop assessment-id-duplicate dimension-id-duplicate assessment-refs-without-assessments
assessment-ref-undeclared consequence-without-refs consequence-scope-unknown consequence-level-undeclared consequence-duplicate
validation-rule-fields validation-rule-regex validation-rule-bounds validation-composition condition-empty
condition-operator-unknown condition-operator-without-var condition-multiple-operators condition-mixed-forms
condition-operand-type condition-regex condition-logic-empty condition-var-empty confirmation-form loop-max-iterations
loop-condition-required loop-field-for-type loop-count loop-items loop-var-conflict loop-condition-source
loop-decision-step-missing loop-body-empty loop-body-ref-missing loop-body-ref-invalid loop-body-ref-shared loop-nested
parallel-self-delegation function-duplicate function-call-unknown function-call-args function-reference-unknown audit-empty
verification-empty synthesis-empty`.split(/\s+/);

describe('validateWorkflow rules (workflow-format.md §13.2)', () => {
  it('has a violating example for each of the 80 rule ids', () => {
    expect(RULE_IDS).toHaveLength(80);
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(RULE_IDS));
  });

  it('accepts the base document B', () => {
    const report = validateWorkflow(B, { templates: TEMPLATES });
    expect(report.issues).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it.each(CASES.map((c, index) => [`${c.rule} #${index} at "${c.path}"`, c] as const))('reports %s', (_, c) => {
    const report = validateWorkflow(c.input, { templates: TEMPLATES });
    expect(report.valid).toBe(false);
    const matching = report.issues.filter(
      (issue) => issue.rule === c.rule && (c.pathPrefix ? issue.path.startsWith(c.path) : issue.path === c.path),
    );
    expect(matching, JSON.stringify(report.issues)).toHaveLength(1);
    if (c.only !== false) expect(report.issues, JSON.stringify(report.issues)).toHaveLength(1);
    expect(matching[0]!.message.length).toBeGreaterThan(10);
  });

  it('allows wr. ids for the bundled source', () => {
    const report = validateWorkflow(doc([S], { id: 'wr.demo' }), { templates: TEMPLATES, allowReservedIds: true });
    expect(report.issues).toEqual([]);
  });
});
