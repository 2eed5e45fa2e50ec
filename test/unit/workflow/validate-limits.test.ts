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

/** One limit of §2–§9: values just inside are valid; each value just outside yields exactly one issue. */
interface Limit {
  readonly field: string;
  readonly build: (value: Json) => unknown;
  readonly inside: readonly Json[];
  readonly outside: readonly Json[];
  readonly rule: string;
  readonly path: string;
}

const x = (length: number) => 'x'.repeat(length);
const items = (count: number, make: (i: number) => Json): Json[] => Array.from({ length: count }, (_, i) => make(i));
const goal = (i: number) => `Example goal number ${i}`;
const reference = (extra: JsonObject) =>
  doc([S], {
    references: [{ id: 'docs', title: 'T', source: 's.md', purpose: 'p', authoritative: true, ...extra }],
  });
const extensionPoint = (extra: JsonObject) =>
  doc([S], {
    extensionPoints: [{ slotId: 'reviewer', purpose: 'p', default: 'd', ...extra }],
  });
const assessment = (extra: JsonObject) => doc([S], { assessments: [{ ...QUALITY, ...extra }] });
const dimension = (extra: JsonObject) =>
  assessment({ dimensions: [{ id: 'depth', purpose: 'p', levels: ['low', 'high'], ...extra }] });
const LEVELS = ['low', 'high', ...Array.from({ length: 10 }, (_, i) => `l${i}`)];
const LEVELED: JsonObject = { ...QUALITY, dimensions: [{ id: 'depth', purpose: 'p', levels: LEVELS }] };
const consequenceStep = (consequences: Json) =>
  withStep({ assessmentRefs: ['quality'], assessmentConsequences: consequences }, { assessments: [LEVELED] });
const consequence = (when: JsonObject, guidance: Json = 'Dig deeper.'): JsonObject => ({
  when: { anyEqualsLevel: 'low', ...when },
  effect: { kind: 'require_followup', guidance },
});
const parallel = (extra: JsonObject) => doc([{ ...P, ...extra }]);
const delegation = (extra: JsonObject) => parallel({ parallelDelegations: [{ workflowId: 'acme.other', ...extra }] });
const loop = (extra: JsonObject) => doc([S, loopStep({ type: 'for', count: 2, maxIterations: 5, ...extra })]);
const artifactLoop = (loopId: Json) =>
  doc([
    loopStep(
      {
        type: 'while',
        maxIterations: 3,
        conditionSource: { kind: 'artifact_contract', contractRef: 'wr.contracts.loop_control', loopId },
      },
      [
        {
          id: 'decide',
          title: 'Decide',
          prompt: 'Decide.',
          outputContract: { contractRef: 'wr.contracts.loop_control' },
        },
      ],
    ),
  ]);

const LIMITS: readonly Limit[] = [
  // §2 top level
  {
    field: 'id',
    build: (v) => doc([S], { id: v }),
    inside: ['abc', x(64)],
    outside: ['ab', x(65)],
    rule: 'workflow-id-format',
    path: '/id',
  },
  {
    field: 'name',
    build: (v) => doc([S], { name: v }),
    inside: ['x', x(128)],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/name',
  },
  {
    field: 'description',
    build: (v) => doc([S], { description: v }),
    inside: [x(512)],
    outside: ['', x(513)],
    rule: 'string-length',
    path: '/description',
  },
  {
    field: 'about',
    build: (v) => doc([S], { about: v }),
    inside: ['x', x(4096)],
    outside: ['', x(4097)],
    rule: 'string-length',
    path: '/about',
  },
  {
    field: 'examples[0]',
    build: (v) => doc([S], { examples: [v] }),
    inside: [x(10), x(120)],
    outside: [x(9), x(121)],
    rule: 'string-length',
    path: '/examples/0',
  },
  {
    field: 'examples',
    build: (v) => doc([S], { examples: v }),
    inside: [items(1, goal), items(6, goal)],
    outside: [[], items(7, goal)],
    rule: 'array-length',
    path: '/examples',
  },
  {
    field: 'metaGuidance[0]',
    build: (v) => doc([S], { metaGuidance: [v] }),
    inside: ['x', x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/metaGuidance/0',
  },
  {
    field: 'preconditions[0]',
    build: (v) => doc([S], { preconditions: [v] }),
    inside: [x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/preconditions/0',
  },
  {
    field: 'clarificationPrompts[0]',
    build: (v) => doc([S], { clarificationPrompts: [v] }),
    inside: [x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/clarificationPrompts/0',
  },
  {
    field: 'features[0]',
    build: (v) => doc([S], { features: [v] }),
    inside: ['wr.features.capabilities'],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/features/0',
  },
  {
    field: 'validatedAgainstSpecVersion',
    build: (v) => doc([S], { validatedAgainstSpecVersion: v }),
    inside: [1, 7],
    outside: [0, -1, 1.5],
    rule: 'number-range',
    path: '/validatedAgainstSpecVersion',
  },
  {
    field: 'steps',
    build: (v) => doc([S], { steps: v }),
    inside: [[S]],
    outside: [[]],
    rule: 'array-length',
    path: '/steps',
  },
  // §3.2 standard step
  {
    field: 'step id',
    build: (v) => withStep({ id: v }),
    inside: ['abc', x(64)],
    outside: ['ab', x(65)],
    rule: 'step-id-format',
    path: '/steps/0/id',
  },
  {
    field: 'title',
    build: (v) => withStep({ title: v }),
    inside: ['x', x(128)],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/steps/0/title',
  },
  {
    field: 'prompt',
    build: (v) => withStep({ prompt: v }),
    inside: ['x', x(8192)],
    outside: ['', x(8193)],
    rule: 'string-length',
    path: '/steps/0/prompt',
  },
  {
    field: 'agentRole',
    build: (v) => withStep({ agentRole: v }),
    inside: [x(10), x(1024)],
    outside: [x(9), x(1025)],
    rule: 'string-length',
    path: '/steps/0/agentRole',
  },
  {
    field: 'templateId',
    build: (v) =>
      doc([{ id: 'design', title: 'D', templateCall: { templateId: v, args: { deliverableName: 'a.md' } } }]),
    inside: ['wr.templates.routine.write'],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/steps/0/templateCall/templateId',
  },
  {
    field: 'promptFragments',
    build: (v) => withStep({ promptFragments: v }),
    inside: [[{ id: 'a', text: 't' }]],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/promptFragments',
  },
  {
    field: 'fragment id',
    build: (v) => withStep({ promptFragments: [{ id: v, text: 't' }] }),
    inside: ['a', x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/steps/0/promptFragments/0/id',
  },
  {
    field: 'fragment text',
    build: (v) => withStep({ promptFragments: [{ id: 'a', text: v }] }),
    inside: ['t', x(4096)],
    outside: ['', x(4097)],
    rule: 'string-length',
    path: '/steps/0/promptFragments/0/text',
  },
  {
    field: 'assessmentRefs',
    build: (v) => withStep({ assessmentRefs: v }, { assessments: [QUALITY] }),
    inside: [['quality']],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/assessmentRefs',
  },
  {
    field: 'assessmentRefs[0]',
    build: (v) => withStep({ assessmentRefs: [v] }, { assessments: [{ ...QUALITY, id: x(64) }] }),
    inside: [x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/steps/0/assessmentRefs/0',
  },
  {
    field: 'assessmentConsequences',
    build: consequenceStep,
    inside: [[consequence({})], items(10, (i) => consequence({ anyEqualsLevel: `l${i}` }))],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/assessmentConsequences',
  },
  {
    field: 'anyEqualsLevel',
    build: (v) => consequenceStep([consequence({ anyEqualsLevel: v })]),
    inside: ['low'],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/steps/0/assessmentConsequences/0/when/anyEqualsLevel',
  },
  {
    field: 'forAssessment',
    build: (v) => consequenceStep([consequence({ forAssessment: v })]),
    inside: ['quality'],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/steps/0/assessmentConsequences/0/when/forAssessment',
  },
  {
    field: 'consequence guidance',
    build: (v) => consequenceStep([consequence({}, v)]),
    inside: ['g', x(512)],
    outside: ['', x(513)],
    rule: 'string-length',
    path: '/steps/0/assessmentConsequences/0/effect/guidance',
  },
  {
    field: 'audit.prompt',
    build: (v) => withStep({ audit: { prompt: v } }),
    inside: ['a', x(4096)],
    outside: ['', x(4097)],
    rule: 'string-length',
    path: '/steps/0/audit/prompt',
  },
  {
    field: 'audit.rubric',
    build: (v) => withStep({ audit: { rubric: v } }),
    inside: [['Is it correct?']],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/audit/rubric',
  },
  {
    field: 'verification.command',
    build: (v) => withStep({ verification: { command: v } }),
    inside: ['npm test', x(1024)],
    outside: ['', x(1025)],
    rule: 'string-length',
    path: '/steps/0/verification/command',
  },
  {
    field: 'verification.prompt',
    build: (v) => withStep({ verification: { prompt: v } }),
    inside: ['p', x(4096)],
    outside: ['', x(4097)],
    rule: 'string-length',
    path: '/steps/0/verification/prompt',
  },
  // §3.3 loops
  {
    field: 'maxIterations',
    build: (v) => loop({ maxIterations: v }),
    inside: [1, 1000],
    outside: [0, 1001, 2.5],
    rule: 'loop-max-iterations',
    path: '/steps/1/loop/maxIterations',
  },
  {
    field: 'count',
    build: (v) => loop({ count: v }),
    inside: [1, 1000, 'n'],
    outside: [0, 1001, 1.5, ''],
    rule: 'loop-count',
    path: '/steps/1/loop/count',
  },
  {
    field: 'loopId',
    build: artifactLoop,
    inside: ['a', x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/steps/0/loop/conditionSource/loopId',
  },
  // §3.4 parallel
  {
    field: 'parallelDelegations',
    build: (v) => parallel({ parallelDelegations: v }),
    inside: [[{ workflowId: 'acme.other' }]],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/parallelDelegations',
  },
  {
    field: 'workflowId',
    build: (v) => delegation({ workflowId: v }),
    inside: ['w', x(128)],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/steps/0/parallelDelegations/0/workflowId',
  },
  {
    field: 'allowedTools',
    build: (v) => delegation({ allowedTools: v }),
    inside: [['Read', 'mcp:git-log']],
    outside: [[]],
    rule: 'array-length',
    path: '/steps/0/parallelDelegations/0/allowedTools',
  },
  {
    field: 'synthesis.prompt',
    build: (v) => parallel({ synthesis: { prompt: v } }),
    inside: ['s', x(4096)],
    outside: ['', x(4097)],
    rule: 'string-length',
    path: '/steps/0/synthesis/prompt',
  },
  // §6.4 assessments
  {
    field: 'assessment id',
    build: (v) => assessment({ id: v }),
    inside: ['q', x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/assessments/0/id',
  },
  {
    field: 'assessment purpose',
    build: (v) => assessment({ purpose: v }),
    inside: ['p', x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/assessments/0/purpose',
  },
  {
    field: 'dimensions',
    build: (v) => assessment({ dimensions: v }),
    inside: [QUALITY.dimensions!],
    outside: [[]],
    rule: 'array-length',
    path: '/assessments/0/dimensions',
  },
  {
    field: 'dimension id',
    build: (v) => dimension({ id: v }),
    inside: ['d', x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/assessments/0/dimensions/0/id',
  },
  {
    field: 'dimension purpose',
    build: (v) => dimension({ purpose: v }),
    inside: ['p', x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/assessments/0/dimensions/0/purpose',
  },
  {
    field: 'levels',
    build: (v) => dimension({ levels: v }),
    inside: [['a', 'b']],
    outside: [['a']],
    rule: 'array-length',
    path: '/assessments/0/dimensions/0/levels',
  },
  {
    field: 'level',
    build: (v) => dimension({ levels: [v, 'other'] }),
    inside: ['l', x(64)],
    outside: ['', x(65)],
    rule: 'string-length',
    path: '/assessments/0/dimensions/0/levels/0',
  },
  // §9.5, §9.6 extension points and references
  {
    field: 'slotId',
    build: (v) => extensionPoint({ slotId: v }),
    inside: ['ab', x(64)],
    outside: ['a', x(65)],
    rule: 'string-length',
    path: '/extensionPoints/0/slotId',
  },
  {
    field: 'slot purpose',
    build: (v) => extensionPoint({ purpose: v }),
    inside: [x(256)],
    outside: ['', x(257)],
    rule: 'string-length',
    path: '/extensionPoints/0/purpose',
  },
  {
    field: 'slot default',
    build: (v) => extensionPoint({ default: v }),
    inside: [x(128)],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/extensionPoints/0/default',
  },
  {
    field: 'reference id',
    build: (v) => reference({ id: v }),
    inside: ['ab', x(64)],
    outside: ['a', x(65)],
    rule: 'string-length',
    path: '/references/0/id',
  },
  {
    field: 'reference title',
    build: (v) => reference({ title: v }),
    inside: [x(128)],
    outside: ['', x(129)],
    rule: 'string-length',
    path: '/references/0/title',
  },
  {
    field: 'reference source',
    build: (v) => reference({ source: v }),
    inside: [x(512)],
    outside: ['', x(513)],
    rule: 'string-length',
    path: '/references/0/source',
  },
  {
    field: 'reference purpose',
    build: (v) => reference({ purpose: v }),
    inside: [x(512)],
    outside: ['', x(513)],
    rule: 'string-length',
    path: '/references/0/purpose',
  },
  // §9.7 functions
  {
    field: 'parameter enum',
    build: (v) =>
      doc([S], {
        functionDefinitions: [
          { name: 'scan', definition: 'd', parameters: [{ name: 'mode', type: 'string', enum: v }] },
        ],
      }),
    inside: [['fast']],
    outside: [[]],
    rule: 'array-length',
    path: '/functionDefinitions/0/parameters/0/enum',
  },
];

const cases = (kind: 'inside' | 'outside') =>
  LIMITS.flatMap((limit) =>
    limit[kind].map((value) => [`${limit.field} = ${JSON.stringify(value).slice(0, 30)}`, limit, value] as const),
  );

describe('validateWorkflow limits (workflow-format.md §2–§9)', () => {
  it.each(cases('inside'))('accepts %s (just inside the limit)', (_, limit, value) => {
    const report = validateWorkflow(limit.build(value), { templates: TEMPLATES });
    expect(report.issues).toEqual([]);
  });

  it.each(cases('outside'))('rejects %s with one issue (just outside the limit)', (_, limit, value) => {
    const report = validateWorkflow(limit.build(value), { templates: TEMPLATES });
    expect(report.issues.map(({ rule, path }) => ({ rule, path }))).toEqual([{ rule: limit.rule, path: limit.path }]);
  });
});
