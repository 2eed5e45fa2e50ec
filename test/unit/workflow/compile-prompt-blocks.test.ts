import { describe, expect, it } from 'vitest';
import { FEATURE_ITEMS, REF_TEXT } from '../../../src/workflow/refs.js';
import type { CompiledStandardStep, PromptBlocks, StandardStep } from '../../../src/workflow/types.js';
import { compileOk, doc, S } from './compile-helpers.js';

const blocksStep = (promptBlocks: PromptBlocks, extra: Partial<StandardStep> = {}): StandardStep => ({
  id: 'step-one',
  title: 'One',
  promptBlocks,
  ...extra,
});
const firstPrompt = (...args: Parameters<typeof compileOk>) =>
  (compileOk(...args).workflow.steps[0] as CompiledStandardStep).prompt;

describe('promptBlocks rendering (workflow-format.md §8.1)', () => {
  it('renders all five sections in fixed order, separated by one blank line', () => {
    const prompt = firstPrompt(
      doc([
        blocksStep({
          verify: ['Tests pass.', 'No lint errors.'],
          outputRequired: { summary: 'What changed', risks: 'Open risks' },
          procedure: ['Read the code.', 'Change it.'],
          constraints: ['Keep the API.', 'No new dependencies.'],
          goal: 'Fix {{goal}}.',
        }),
      ]),
    );
    expect(prompt).toBe(
      [
        '## Goal',
        'Fix {{goal}}.',
        '',
        '## Constraints',
        '- Keep the API.',
        '- No new dependencies.',
        '',
        '## Procedure',
        '1. Read the code.',
        '2. Change it.',
        '',
        '## Output Required',
        '- **summary**: What changed',
        '- **risks**: Open risks',
        '',
        '## Verify',
        '- Tests pass.',
        '- No lint errors.',
      ].join('\n'),
    );
  });

  it('omits empty sections', () => {
    const prompt = firstPrompt(
      doc([blocksStep({ goal: '', constraints: [], procedure: ['Only step.'], outputRequired: {} })]),
    );
    expect(prompt).toBe('## Procedure\n1. Only step.');
  });

  it('concatenates text and ref parts with no separator', () => {
    const prompt = firstPrompt(
      doc([
        blocksStep({
          goal: [
            { kind: 'text', text: 'Remember: ' },
            { kind: 'ref', refId: 'wr.refs.notes_first_durability' },
          ],
        }),
      ]),
    );
    expect(prompt).toBe(`## Goal\nRemember: ${REF_TEXT.get('wr.refs.notes_first_durability')}`);
  });

  it('keeps a plain prompt unchanged', () => {
    expect(firstPrompt(doc([S]))).toBe('Do it.');
  });
});

describe('refs (workflow-format.md §9.4)', () => {
  const refIds = [
    'wr.refs.memory_usage',
    'wr.refs.memory_store',
    'wr.refs.memory_query',
    'wr.refs.notes_first_durability',
    'wr.refs.synthesis_under_disagreement',
    'wr.refs.parallelize_cognition_serialize_synthesis',
    'wr.refs.adversarial_challenge_rules',
  ];

  it('knows exactly the seven refs of the closed set', () => {
    expect([...REF_TEXT.keys()].sort()).toEqual([...refIds].sort());
  });

  it.each(refIds)('inserts the single-line canonical text of %s', (refId) => {
    const text = REF_TEXT.get(refId)!;
    expect(text).not.toMatch(/\n|\{\{/);
    expect(firstPrompt(doc([blocksStep({ constraints: [[{ kind: 'ref', refId }]] })]))).toBe(
      `## Constraints\n- ${text}`,
    );
  });
});

describe('features (workflow-format.md §9.3)', () => {
  const features = ['wr.features.memory_context', 'wr.features.capabilities', 'wr.features.subagent_guidance'];

  it('knows exactly the three features of the closed set', () => {
    expect([...FEATURE_ITEMS.keys()].sort()).toEqual([...features].sort());
  });

  it.each(features)('%s appends constraint, procedure and verify items after the step own items', (feature) => {
    const prompt = firstPrompt(
      doc([blocksStep({ goal: 'G', constraints: ['Own constraint.'], procedure: ['Own step.'] })], {
        features: [feature],
      }),
    );
    const sections = prompt.split('\n\n');
    expect(sections[0]).toBe('## Goal\nG');
    const constraints = sections[1]!.split('\n');
    const procedure = sections[2]!.split('\n');
    const verify = sections[3]!.split('\n');
    expect(constraints.slice(0, 2)).toEqual(['## Constraints', '- Own constraint.']);
    expect(constraints.length).toBeGreaterThan(2);
    expect(procedure.slice(0, 2)).toEqual(['## Procedure', '1. Own step.']);
    expect(procedure[2]).toMatch(/^2\. \S/);
    expect(verify[0]).toBe('## Verify');
    expect(verify.length).toBeGreaterThan(1);
  });

  it('memory_context brings the memory_usage ref text', () => {
    const prompt = firstPrompt(doc([blocksStep({ goal: 'G' })], { features: ['wr.features.memory_context'] }));
    expect(prompt).toContain(`- ${REF_TEXT.get('wr.refs.memory_usage')}`);
  });

  it('subagent_guidance brings the parallelize_cognition_serialize_synthesis ref text', () => {
    const prompt = firstPrompt(doc([blocksStep({ goal: 'G' })], { features: ['wr.features.subagent_guidance'] }));
    expect(prompt).toContain(`- ${REF_TEXT.get('wr.refs.parallelize_cognition_serialize_synthesis')}`);
  });

  it('applies features in declared order', () => {
    const prompt = firstPrompt(
      doc([blocksStep({ goal: 'G' })], { features: ['wr.features.subagent_guidance', 'wr.features.memory_context'] }),
    );
    expect(prompt.indexOf('sub-agent')).toBeLessThan(prompt.indexOf('memory'));
  });

  it('leaves steps with a plain prompt unchanged', () => {
    const { workflow } = compileOk(
      doc([S, blocksStep({ goal: 'G' }, { id: 'step-two' })], { features: ['wr.features.capabilities'] }),
    );
    expect((workflow.steps[0] as CompiledStandardStep).prompt).toBe('Do it.');
    expect((workflow.steps[1] as CompiledStandardStep).prompt).toContain('## Verify');
  });

  it('suggests removing a feature when no step uses promptBlocks', () => {
    const { suggestions } = compileOk(doc([S], { features: ['wr.features.capabilities'] }));
    expect(suggestions).toEqual([expect.stringContaining('wr.features.capabilities')]);
  });

  it('makes no suggestion when a step uses promptBlocks', () => {
    const { suggestions } = compileOk(doc([blocksStep({ goal: 'G' })], { features: ['wr.features.capabilities'] }));
    expect(suggestions).toEqual([]);
  });
});

describe('bindings substitution (workflow-format.md §9.5)', () => {
  const extensionPoints = [
    { slotId: 'reviewer', purpose: 'Who reviews.', default: 'wr.routine-review' },
    { slotId: 'linter', purpose: 'Lint tool.', default: 'eslint' },
  ];

  it('replaces a binding in prompt with the slot default', () => {
    const { workflow } = compileOk(
      doc([{ ...S, prompt: 'Run {{wr.bindings.reviewer}} then {{wr.bindings.linter}}.' }], { extensionPoints }),
    );
    expect((workflow.steps[0] as CompiledStandardStep).prompt).toBe('Run wr.routine-review then eslint.');
    expect(workflow.bindings).toEqual({ reviewer: 'wr.routine-review', linter: 'eslint' });
  });

  it('prefers the project override over the default and pins it', () => {
    const { workflow } = compileOk(doc([{ ...S, prompt: 'Run {{wr.bindings.reviewer}}.' }], { extensionPoints }), {
      templates: new Map(),
      bindings: { reviewer: 'acme.security-review', unrelated: 'x' },
    });
    expect((workflow.steps[0] as CompiledStandardStep).prompt).toBe('Run acme.security-review.');
    expect(workflow.bindings).toEqual({ reviewer: 'acme.security-review', linter: 'eslint' });
  });

  it('replaces bindings in every string of promptBlocks', () => {
    const prompt = firstPrompt(
      doc(
        [
          blocksStep({
            goal: [{ kind: 'text', text: 'Use {{wr.bindings.linter}}' }],
            constraints: ['By {{wr.bindings.reviewer}}'],
            outputRequired: { tool: '{{wr.bindings.linter}}' },
          }),
        ],
        { extensionPoints },
      ),
    );
    expect(prompt).toBe(
      '## Goal\nUse eslint\n\n## Constraints\n- By wr.routine-review\n\n## Output Required\n- **tool**: eslint',
    );
  });
});
