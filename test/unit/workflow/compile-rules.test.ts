import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../src/workflow/templates.js';
import type { ParallelStep, StandardStep, Step, WorkflowDocument } from '../../../src/workflow/types.js';
import { compileIssues, doc, routine, rulesAndPaths, S } from './compile-helpers.js';

const templates = buildTemplateCatalog([
  routine('write-doc', [{ id: 'draft', title: 'Draft {deliverableName}', prompt: 'Write {deliverableName}.' }]),
]);
const reviewer = { slotId: 'reviewer', purpose: 'Who reviews.', default: 'wr.routine-review' };

interface RuleCase {
  readonly name: string;
  readonly document: WorkflowDocument;
  readonly expected: [string, string][];
}

const loopWith = (body: (StandardStep | ParallelStep)[]): Step => ({
  id: 'review-loop',
  type: 'loop',
  title: 'Loop',
  loop: { type: 'for', count: 2, maxIterations: 3 },
  body,
});

const cases: RuleCase[] = [
  {
    name: 'template-unknown: a templateId outside the catalog is reported at the calling templateCall',
    document: doc([S, { id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.nope' } }]),
    expected: [['template-unknown', '/steps/1/templateCall']],
  },
  {
    name: 'template-arg-missing: a placeholder without an argument is reported at the calling templateCall',
    document: doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.write-doc' } }]),
    expected: [['template-arg-missing', '/steps/0/templateCall']],
  },
  {
    name: 'template-arg-type: an array argument is reported at the calling templateCall',
    document: doc([
      S,
      S2(),
      {
        id: 'design',
        title: 'D',
        templateCall: { templateId: 'wr.templates.routine.write-doc', args: { deliverableName: ['a.md'] } },
      },
    ]),
    expected: [['template-arg-type', '/steps/2/templateCall']],
  },
  {
    name: 'template-arg-type: object and null arguments are reported once each',
    document: doc([
      {
        id: 'design',
        title: 'D',
        templateCall: {
          templateId: 'wr.templates.routine.write-doc',
          args: { deliverableName: 'a.md', x: {}, y: null },
        },
      },
    ]),
    expected: [
      ['template-arg-type', '/steps/0/templateCall'],
      ['template-arg-type', '/steps/0/templateCall'],
    ],
  },
  {
    name: 'template problems inside an inline loop body point at the body step templateCall',
    document: doc([
      S,
      loopWith([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.nope' } }]),
    ]),
    expected: [['template-unknown', '/steps/1/body/0/templateCall']],
  },
  {
    name: 'ref-unknown: an unknown refId in a goal part is reported at that part',
    document: doc([{ id: 'step-one', title: 'One', promptBlocks: { goal: [{ kind: 'ref', refId: 'wr.refs.nope' }] } }]),
    expected: [['ref-unknown', '/steps/0/promptBlocks/goal/0/refId']],
  },
  {
    name: 'ref-unknown: an unknown ref inside a constraint item is reported at that item part',
    document: doc([
      {
        id: 'step-one',
        title: 'One',
        promptBlocks: {
          constraints: [
            'Fine.',
            [
              { kind: 'text', text: 'See ' },
              { kind: 'ref', refId: 'wr.refs.x' },
            ],
          ],
        },
      },
    ]),
    expected: [['ref-unknown', '/steps/0/promptBlocks/constraints/1/1/refId']],
  },
  {
    name: 'feature-unknown: a feature outside the closed set is reported at its index',
    document: doc([S], { features: ['wr.features.capabilities', 'wr.features.nope'] }),
    expected: [['feature-unknown', '/features/1']],
  },
  {
    name: 'binding-without-extension-points: a binding token in prompt needs extensionPoints',
    document: doc([{ ...S, prompt: 'Run {{wr.bindings.reviewer}}' }]),
    expected: [['binding-without-extension-points', '/steps/0/prompt']],
  },
  {
    name: 'binding-slot-undeclared: a binding token must name a declared slot',
    document: doc([{ ...S, prompt: 'Run {{wr.bindings.reviewr}}' }], { extensionPoints: [reviewer] }),
    expected: [['binding-slot-undeclared', '/steps/0/prompt']],
  },
  {
    name: 'binding-slot-undeclared in promptBlocks points at the block string',
    document: doc(
      [{ id: 'step-one', title: 'One', promptBlocks: { procedure: ['a', 'Ask {{wr.bindings.nobody}}'] } }],
      {
        extensionPoints: [reviewer],
      },
    ),
    expected: [['binding-slot-undeclared', '/steps/0/promptBlocks/procedure/1']],
  },
  {
    name: 'wr-token-unresolved: a binding in a title is not substituted',
    document: doc([{ ...S, title: 'Run {{wr.bindings.reviewer}}' }], { extensionPoints: [reviewer] }),
    expected: [['wr-token-unresolved', '/steps/0/title']],
  },
  {
    name: 'wr-token-unresolved: an unknown wr token in a prompt',
    document: doc([{ ...S, prompt: '{{wr.refs.memory_usage}}' }]),
    expected: [['wr-token-unresolved', '/steps/0/prompt']],
  },
  {
    name: 'wr-token-unresolved: guidance, agentRole and fragment text are scanned',
    document: doc([
      {
        ...S,
        agentRole: 'You are {{wr.role}} today.',
        guidance: ['ok', 'use {{wr.x}}'],
        promptFragments: [{ id: 'extra', text: 'More {{wr.y}}' }],
      },
    ]),
    expected: [
      ['wr-token-unresolved', '/steps/0/agentRole'],
      ['wr-token-unresolved', '/steps/0/guidance/1'],
      ['wr-token-unresolved', '/steps/0/promptFragments/0/text'],
    ],
  },
  {
    name: 'wr-token-unresolved: audit, verification and synthesis texts are scanned',
    document: doc([
      { ...S, audit: { rubric: ['{{wr.a}}'] }, verification: { prompt: '{{wr.b}}' } },
      {
        id: 'fan-out',
        type: 'parallel',
        title: 'Fan out {{wr.c}}',
        parallelDelegations: [{ workflowId: 'acme.other', goal: '{{wr.d}}' }],
        synthesis: { prompt: '{{wr.e}}' },
      },
    ]),
    expected: [
      ['wr-token-unresolved', '/steps/0/audit/rubric/0'],
      ['wr-token-unresolved', '/steps/0/verification/prompt'],
      ['wr-token-unresolved', '/steps/1/title'],
      ['wr-token-unresolved', '/steps/1/parallelDelegations/0/goal'],
      ['wr-token-unresolved', '/steps/1/synthesis/prompt'],
    ],
  },
  {
    name: 'wr-token-unresolved: a loop title is scanned',
    document: doc([{ ...loopWith([S]), title: 'Loop {{wr.x}}' }]),
    expected: [['wr-token-unresolved', '/steps/0/title']],
  },
  {
    name: 'wr-token-unresolved in a routine step is reported at the calling templateCall',
    document: doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.bad' } }]),
    expected: [['wr-token-unresolved', '/steps/0/templateCall']],
  },
  {
    name: 'a binding problem in a routine step is reported at the calling templateCall',
    document: doc([{ id: 'design', title: 'D', templateCall: { templateId: 'wr.templates.routine.binds' } }]),
    expected: [['binding-without-extension-points', '/steps/0/templateCall']],
  },
  {
    name: 'issues from several steps and loop bodies are reported in document order',
    document: doc([
      { ...S, prompt: '{{wr.a}}' },
      loopWith([{ id: 'inner-one', title: 'I', prompt: '{{wr.b}}' }]),
      { id: 'step-three', title: 'T', prompt: '{{wr.c}}' },
    ]),
    expected: [
      ['wr-token-unresolved', '/steps/0/prompt'],
      ['wr-token-unresolved', '/steps/1/body/0/prompt'],
      ['wr-token-unresolved', '/steps/2/prompt'],
    ],
  },
];

function S2(): Step {
  return { id: 'step-two', title: 'Two', prompt: 'Do more.' };
}

describe('compileWorkflow compile checks (workflow-format.md §13.2)', () => {
  const withBad = new Map(templates);
  for (const [id, template] of buildTemplateCatalog([
    routine('bad', [{ id: 'x-step', title: 'X', prompt: '{{wr.zzz}}' }]),
    routine('binds', [{ id: 'y-step', title: 'Y', prompt: 'Ask {{wr.bindings.reviewer}}.' }]),
  ])) {
    withBad.set(id, template);
  }
  it.each(cases)('$name', ({ document, expected }) => {
    expect(rulesAndPaths(compileIssues(document, { templates: withBad }))).toEqual(expected);
  });

  it('reports an unresolvable binding once per field, not again as wr-token-unresolved', () => {
    const issues = compileIssues(doc([{ ...S, prompt: 'A {{wr.bindings.x}} and {{wr.bindings.x}}' }]));
    expect(rulesAndPaths(issues)).toEqual([['binding-without-extension-points', '/steps/0/prompt']]);
  });

  it('gives every issue a message that names the offending value', () => {
    const [issue] = compileIssues(doc([S], { features: ['wr.features.nope'] }));
    expect(issue?.message).toContain('wr.features.nope');
    expect(issue?.message).toContain('wr.features.capabilities');
  });
});
