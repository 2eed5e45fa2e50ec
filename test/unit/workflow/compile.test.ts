import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../src/workflow/templates.js';
import type {
  CompiledLoopStep,
  CompiledParallelStep,
  CompiledStandardStep,
  LoopDefinition,
  Step,
} from '../../../src/workflow/types.js';
import { compileOk, doc, routine, S } from './compile-helpers.js';

const loopStep = (loop: LoopDefinition, body: Step['id'] | Step[] = [S], extra: Record<string, unknown> = {}): Step =>
  ({ id: 'the-loop', type: 'loop', title: 'Loop', loop, body, ...extra }) as Step;
const compiledLoop = (...steps: Step[]) =>
  compileOk(doc(steps)).workflow.steps.find((s) => s.kind === 'loop') as CompiledLoopStep;

describe('compiled loops (workflow-format.md §3.3)', () => {
  const condition = { var: 'testsPass', equals: true };
  it.each([
    ['while with condition', { type: 'while', maxIterations: 5, condition }, { kind: 'context_variable', condition }],
    ['until with condition', { type: 'until', maxIterations: 5, condition }, { kind: 'context_variable', condition }],
    [
      'while with a context_variable conditionSource',
      { type: 'while', maxIterations: 5, conditionSource: { kind: 'context_variable', condition } },
      { kind: 'context_variable', condition },
    ],
    [
      'until with an artifact_contract conditionSource',
      {
        type: 'until',
        maxIterations: 5,
        conditionSource: { kind: 'artifact_contract', contractRef: 'wr.contracts.loop_control' },
      },
      { kind: 'artifact_contract' },
    ],
    [
      'while with an artifact_contract conditionSource and loopId',
      {
        type: 'while',
        maxIterations: 5,
        conditionSource: { kind: 'artifact_contract', contractRef: 'wr.contracts.loop_control', loopId: 'fix_loop' },
      },
      { kind: 'artifact_contract', loopId: 'fix_loop' },
    ],
  ] as const)('%s compiles its control', (_name, loop, control) => {
    const compiled = compiledLoop(loopStep(loop as LoopDefinition));
    expect(compiled.loop).toEqual({
      type: loop.type,
      maxIterations: 5,
      control,
      iterationVar: 'currentIteration',
      itemVar: 'currentItem',
      indexVar: 'currentIndex',
    });
  });

  it('for with a number count keeps the count and fills variable defaults', () => {
    expect(compiledLoop(loopStep({ type: 'for', count: 3, maxIterations: 10 })).loop).toEqual({
      type: 'for',
      maxIterations: 10,
      count: 3,
      iterationVar: 'currentIteration',
      itemVar: 'currentItem',
      indexVar: 'currentIndex',
    });
  });

  it('for with a variable count keeps the variable name and a custom iterationVar', () => {
    const loop = compiledLoop(loopStep({ type: 'for', count: 'passes', iterationVar: 'pass', maxIterations: 10 })).loop;
    expect(loop).toMatchObject({ count: 'passes', iterationVar: 'pass' });
    expect(loop.control).toBeUndefined();
  });

  it('forEach keeps items and custom item, index and iteration variables', () => {
    const loop = compiledLoop(
      loopStep({
        type: 'forEach',
        items: 'modules',
        itemVar: 'module',
        indexVar: 'moduleIndex',
        iterationVar: 'n',
        maxIterations: 50,
      }),
    ).loop;
    expect(loop).toEqual({
      type: 'forEach',
      maxIterations: 50,
      items: 'modules',
      iterationVar: 'n',
      itemVar: 'module',
      indexVar: 'moduleIndex',
    });
  });

  it('moves a string-referenced body step into its loop and out of the top-level sequence', () => {
    const { workflow } = compileOk(
      doc([
        { id: 'first', title: 'F', prompt: 'f' },
        loopStep({ type: 'for', count: 2, maxIterations: 2 }, 'fix-step'),
        { id: 'fix-step', title: 'Fix', prompt: 'Fix it.' },
        { id: 'last', title: 'L', prompt: 'l' },
      ]),
    );
    expect(workflow.steps.map((step) => step.id)).toEqual(['first', 'the-loop', 'last']);
    const loop = workflow.steps[1] as CompiledLoopStep;
    expect(loop.body.map((step) => [step.id, step.title])).toEqual([['fix-step', 'Fix']]);
  });

  it('moves a string-referenced body step that stands before its loop', () => {
    const { workflow } = compileOk(doc([S, loopStep({ type: 'for', count: 2, maxIterations: 2 }, 'step-one')]));
    expect(workflow.steps.map((step) => step.id)).toEqual(['the-loop']);
    expect((workflow.steps[0] as CompiledLoopStep).body.map((step) => step.id)).toEqual(['step-one']);
  });

  it('expands a template call used as a string-referenced body into the loop', () => {
    const templates = buildTemplateCatalog([routine('two', [S, { id: 'step-two', title: 'T', prompt: 't' }])]);
    const { workflow } = compileOk(
      doc([
        loopStep({ type: 'for', count: 2, maxIterations: 2 }, 'caller'),
        { id: 'caller', title: 'C', templateCall: { templateId: 'wr.templates.routine.two' } },
      ]),
      { templates },
    );
    expect(workflow.steps.map((step) => step.id)).toEqual(['the-loop']);
    expect((workflow.steps[0] as CompiledLoopStep).body.map((step) => step.id)).toEqual([
      'caller.step-one',
      'caller.step-two',
    ]);
  });

  it('keeps the loop runCondition and compiles inline body steps in order', () => {
    const runCondition = { var: 'enabled' };
    const loop = compiledLoop(
      loopStep({ type: 'for', count: 1, maxIterations: 1 }, [S, { id: 'step-two', title: 'T', prompt: 't' }], {
        runCondition,
      }),
    );
    expect(loop.runCondition).toEqual(runCondition);
    expect(loop.body.map((step) => step.id)).toEqual(['step-one', 'step-two']);
  });

  it('applies the loop notesOptional and requireConfirmation to body steps that do not set their own', () => {
    const loop = compiledLoop(
      loopStep(
        { type: 'for', count: 1, maxIterations: 1 },
        [S, { id: 'own-values', title: 'O', prompt: 'o', notesOptional: false, requireConfirmation: false }],
        { notesOptional: true, requireConfirmation: true },
      ),
    );
    const [plain, own] = loop.body as CompiledStandardStep[];
    expect([plain?.notesRequired, plain?.requireConfirmation]).toEqual([false, true]);
    expect([own?.notesRequired, own?.requireConfirmation]).toEqual([true, false]);
  });

  it('applies loop defaults to a string-referenced body step', () => {
    const { workflow } = compileOk(
      doc([loopStep({ type: 'for', count: 1, maxIterations: 1 }, 'step-one', { notesOptional: true }), S]),
    );
    expect(((workflow.steps[0] as CompiledLoopStep).body[0] as CompiledStandardStep).notesRequired).toBe(false);
  });
});

describe('notes and output contracts (workflow-format.md §6.2)', () => {
  const contract = { contractRef: 'wr.contracts.review_verdict' } as const;
  it.each([
    ['no notesOptional and no contract', {}, true],
    ['notesOptional true', { notesOptional: true }, false],
    ['an output contract', { outputContract: contract }, false],
    ['an output contract with notesOptional false', { outputContract: contract, notesOptional: false }, true],
  ])('with %s notesRequired is %s', (_name, extra, expected) => {
    const step = compileOk(doc([{ ...S, ...extra }])).workflow.steps[0] as CompiledStandardStep;
    expect(step.notesRequired).toBe(expected);
  });

  it('defaults outputContract.required to true and keeps an explicit false', () => {
    const { workflow } = compileOk(
      doc([
        { ...S, outputContract: contract },
        { id: 'step-two', title: 'T', prompt: 't', outputContract: { ...contract, required: false } },
      ]),
    );
    const [a, b] = workflow.steps as CompiledStandardStep[];
    expect(a?.outputContract).toEqual({ contractRef: 'wr.contracts.review_verdict', required: true });
    expect(b?.outputContract).toEqual({ contractRef: 'wr.contracts.review_verdict', required: false });
  });
});

describe('function definitions (workflow-format.md §9.7)', () => {
  const def = (name: string, definition: string) => ({ name, definition });

  it('gives each step the union of workflow, loop and own definitions, innermost winning', () => {
    const { workflow } = compileOk(
      doc(
        [
          S,
          loopStep(
            { type: 'for', count: 1, maxIterations: 1 },
            [
              {
                id: 'inner',
                title: 'I',
                prompt: 'i',
                functionDefinitions: [def('scan', 'step scan'), def('own', 'own')],
                functionReferences: ['scan()', 'shared()'],
              },
            ],
            { functionDefinitions: [def('shared', 'loop shared'), def('loopOnly', 'loop only')] },
          ),
        ],
        { functionDefinitions: [def('scan', 'workflow scan'), def('shared', 'workflow shared')] },
      ),
    );
    const top = workflow.steps[0] as CompiledStandardStep;
    expect(top.functionDefinitions).toEqual([def('scan', 'workflow scan'), def('shared', 'workflow shared')]);
    const inner = (workflow.steps[1] as CompiledLoopStep).body[0] as CompiledStandardStep;
    expect(inner.functionDefinitions).toEqual([
      def('scan', 'step scan'),
      def('shared', 'loop shared'),
      def('loopOnly', 'loop only'),
      def('own', 'own'),
    ]);
    expect(inner.functionReferences).toEqual(['scan', 'shared']);
  });

  it('keeps functionCalls as authored', () => {
    const functionCalls = [{ name: 'scan', args: { path: 'src' } }];
    const step = compileOk(doc([{ ...S, functionCalls }], { functionDefinitions: [def('scan', 's')] })).workflow
      .steps[0] as CompiledStandardStep;
    expect(step.functionCalls).toEqual(functionCalls);
  });
});

describe('virtual steps (workflow-format.md §3.5)', () => {
  const runCondition = { var: 'deep' };

  it('inserts verification then audit directly after the parent, inheriting its runCondition', () => {
    const { workflow } = compileOk(
      doc([
        { ...S, runCondition, verification: { command: 'npm test' }, audit: { rubric: ['Covers edge cases'] } },
        { id: 'after', title: 'A', prompt: 'a' },
      ]),
    );
    const steps = workflow.steps as CompiledStandardStep[];
    expect(steps.map((step) => [step.id, step.title])).toEqual([
      ['step-one', 'One'],
      ['step-one__verification', 'Verify: One'],
      ['step-one__audit', 'Audit: One'],
      ['after', 'A'],
    ]);
    expect(steps[1]?.runCondition).toEqual(runCondition);
    expect(steps[2]?.runCondition).toEqual(runCondition);
    expect(steps[1]?.virtualOf).toEqual({ parentStepId: 'step-one', role: 'verification' });
    expect(steps[2]?.virtualOf).toEqual({ parentStepId: 'step-one', role: 'audit' });
    expect(steps[1]?.notesRequired).toBe(true);
  });

  it('writes a verification prompt that names the command, followed by the prompt text', () => {
    const { workflow } = compileOk(
      doc([{ ...S, verification: { command: 'npm test', prompt: 'Also check the UI.' } }]),
    );
    const prompt = (workflow.steps[1] as CompiledStandardStep).prompt;
    expect(prompt).toMatch(/^Run `npm test` and report its exit status/);
    expect(prompt.endsWith('\n\nAlso check the UI.')).toBe(true);
  });

  it('uses the verification prompt alone when no command is given', () => {
    const { workflow } = compileOk(doc([{ ...S, verification: { prompt: 'Check the UI.' } }]));
    expect((workflow.steps[1] as CompiledStandardStep).prompt).toBe('Check the UI.');
  });

  it('writes the audit prompt followed by the rubric as bullets', () => {
    const { workflow } = compileOk(doc([{ ...S, audit: { prompt: 'Review it.', rubric: ['Correct', 'Complete'] } }]));
    expect((workflow.steps[1] as CompiledStandardStep).prompt).toBe('Review it.\n\n- Correct\n- Complete');
  });

  it('uses a default audit instruction naming the parent when no audit prompt is given', () => {
    const { workflow } = compileOk(doc([{ ...S, audit: { rubric: ['Correct'] } }]));
    const prompt = (workflow.steps[1] as CompiledStandardStep).prompt;
    expect(prompt).toContain('"One"');
    expect(prompt.endsWith('\n\n- Correct')).toBe(true);
  });

  it('adds a synthesis step after a parallel step, carrying its outputContract', () => {
    const { workflow } = compileOk(
      doc([
        {
          id: 'fan-out',
          type: 'parallel',
          title: 'Research',
          runCondition,
          parallelDelegations: [{ workflowId: 'acme.other', goal: 'Look around' }],
          synthesis: { outputContract: { contractRef: 'wr.contracts.discovery_handoff' } },
        },
      ]),
    );
    const [parallel, synthesis] = workflow.steps as [CompiledParallelStep, CompiledStandardStep];
    expect(parallel).toEqual({
      kind: 'parallel',
      id: 'fan-out',
      title: 'Research',
      runCondition,
      delegations: [{ workflowId: 'acme.other', goal: 'Look around' }],
      notesRequired: true,
    });
    expect(synthesis).toMatchObject({
      id: 'fan-out__synthesis',
      title: 'Synthesize: Research',
      runCondition,
      outputContract: { contractRef: 'wr.contracts.discovery_handoff', required: true },
      notesRequired: false,
      virtualOf: { parentStepId: 'fan-out', role: 'synthesis' },
    });
    expect(synthesis.prompt).toContain('"Research"');
  });

  it('uses the synthesis prompt when one is given', () => {
    const { workflow } = compileOk(
      doc([
        {
          id: 'fan-out',
          type: 'parallel',
          title: 'Research',
          parallelDelegations: [{ workflowId: 'acme.other' }],
          synthesis: { prompt: 'Merge the findings.' },
        },
      ]),
    );
    expect((workflow.steps[1] as CompiledStandardStep).prompt).toBe('Merge the findings.');
  });

  it('adds virtual steps inside loop bodies and after template-expanded steps in the same list', () => {
    const loop = compiledLoop(
      loopStep({ type: 'for', count: 1, maxIterations: 1 }, [
        { ...S, audit: { prompt: 'Check.' } },
        { id: 'two', title: 'T', prompt: 't' },
      ]),
    );
    expect(loop.body.map((step) => step.id)).toEqual(['step-one', 'step-one__audit', 'two']);
  });
});

describe('compiled workflow shape', () => {
  it('fills array defaults so the compiled form is uniform', () => {
    const { workflow } = compileOk(doc());
    expect(workflow).toMatchObject({
      examples: [],
      metaGuidance: [],
      preconditions: [],
      clarificationPrompts: [],
      features: [],
      references: [],
      extensionPoints: [],
      assessments: [],
      functionDefinitions: [],
      bindings: {},
    });
    expect(workflow.steps[0]).toEqual({
      kind: 'standard',
      id: 'step-one',
      title: 'One',
      prompt: 'Do it.',
      guidance: [],
      promptFragments: [],
      notesRequired: true,
      assessmentRefs: [],
      assessmentConsequences: [],
      functionDefinitions: [],
      functionCalls: [],
      functionReferences: [],
    });
  });

  it('keeps workflow metadata, references and step fields', () => {
    const references = [
      { id: 'style-guide', title: 'Style', source: 'docs/style.md', purpose: 'Style rules', authoritative: true },
    ];
    const { workflow } = compileOk(
      doc(
        [
          {
            ...S,
            agentRole: 'You are a careful reviewer.',
            modelTier: 'heavy',
            promptFragments: [{ id: 'extra', when: { var: 'x' }, text: 'More.' }],
            assessmentRefs: ['quality'],
            validationCriteria: [{ type: 'contains', value: 'ok', message: 'Say ok' }],
          },
        ],
        { about: 'About.', modelTier: 'mid', metricsProfile: 'coding', references, preconditions: ['Repo cloned'] },
      ),
    );
    expect(workflow).toMatchObject({
      about: 'About.',
      modelTier: 'mid',
      metricsProfile: 'coding',
      references,
      preconditions: ['Repo cloned'],
    });
    expect(workflow.steps[0]).toMatchObject({
      agentRole: 'You are a careful reviewer.',
      modelTier: 'heavy',
      promptFragments: [{ id: 'extra', when: { var: 'x' }, text: 'More.' }],
      assessmentRefs: ['quality'],
      validationCriteria: [{ type: 'contains', value: 'ok', message: 'Say ok' }],
    });
  });

  it('is deeply immutable: mutation throws in strict mode', () => {
    const { workflow } = compileOk(doc([loopStep({ type: 'for', count: 1, maxIterations: 1 })]));
    const loop = workflow.steps[0] as CompiledLoopStep;
    expect(() => {
      (workflow as { name: string }).name = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (workflow.steps as unknown[]).push({});
    }).toThrow(TypeError);
    expect(() => {
      (loop.loop as { maxIterations: number }).maxIterations = 9;
    }).toThrow(TypeError);
    expect(() => {
      ((loop.body[0] as CompiledStandardStep).guidance as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('leaves the input document unchanged', () => {
    const input = doc(
      [
        { ...S, promptBlocks: undefined, audit: { prompt: 'Check.' } },
        loopStep({ type: 'while', maxIterations: 2, condition: { var: 'x' } }, [
          { id: 'b-one', title: 'B', promptBlocks: { goal: 'G' } },
        ]),
      ],
      { features: ['wr.features.capabilities'] },
    );
    const before = structuredClone(input);
    compileOk(input);
    expect(input).toEqual(before);
  });

  it('does not freeze or share objects with the input document', () => {
    const input = doc([{ ...S, runCondition: { var: 'x' } }]);
    const { workflow } = compileOk(input);
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(input.steps[0]!.runCondition)).toBe(false);
    expect((workflow.steps[0] as CompiledStandardStep).runCondition).not.toBe(input.steps[0]!.runCondition);
  });

  it('compiles a 200-step workflow with loops, blocks and templates', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 200; i++) {
      steps.push(
        i % 20 === 0
          ? loopStep({ type: 'for', count: 2, maxIterations: 2 }, [{ id: `body-${i}`, title: 'B', prompt: 'b' }], {
              id: `loop-${i}`,
            })
          : {
              id: `step-${i}`,
              title: `Step ${i}`,
              promptBlocks: { goal: 'G', procedure: ['a', 'b'] },
              audit: { prompt: 'Check.' },
            },
      );
    }
    const { workflow } = compileOk(doc(steps, { features: ['wr.features.capabilities'] }));
    expect(workflow.steps).toHaveLength(200 + 190);
  });
});
