import { describe, expect, it } from 'vitest';
import { buildTemplateCatalog } from '../../../src/workflow/templates.js';
import type { CompiledLoopStep, CompiledStandardStep, StandardStep } from '../../../src/workflow/types.js';
import { compileOk, doc, routine, S } from './compile-helpers.js';

const reviewRoutine = routine(
  'review',
  [
    {
      id: 'gather',
      title: 'Gather {topic}',
      prompt: 'Collect evidence about {topic} for {{goal}} ({depth} passes, strict={strict}).',
      runCondition: { var: 'mode', equals: 'full' },
      outputContract: { contractRef: 'wr.contracts.review_verdict' },
      guidance: ['Own hint.'],
    },
    { id: 'judge', title: 'Judge', prompt: 'Decide about {topic}.', requireConfirmation: false },
  ],
  { metaGuidance: ['Stay neutral.'] },
);
const templates = buildTemplateCatalog([reviewRoutine]);
const call = (extra: Partial<StandardStep> = {}): StandardStep => ({
  id: 'design-review',
  title: 'Ignored title',
  templateCall: { templateId: 'wr.templates.routine.review', args: { topic: 'caching', depth: 2, strict: true } },
  ...extra,
});
const standard = (steps: readonly unknown[]) => steps as CompiledStandardStep[];

describe('buildTemplateCatalog', () => {
  it('maps routine wr.routine-<name> to template wr.templates.routine.<name>', () => {
    expect([...templates.keys()]).toEqual(['wr.templates.routine.review']);
    expect(templates.get('wr.templates.routine.review')).toMatchObject({
      routineId: 'wr.routine-review',
      metaGuidance: ['Stay neutral.'],
    });
  });

  it('ignores workflows that are not routines and routines that break the template rules', () => {
    const catalog = buildTemplateCatalog([
      doc([S]),
      routine('with-loop', [
        { id: 'l-one', type: 'loop', title: 'L', loop: { type: 'for', count: 1, maxIterations: 1 }, body: [S] },
      ]),
      routine('with-blocks', [{ id: 'b-one', title: 'B', promptBlocks: { goal: 'x' } }]),
      routine('with-call', [{ id: 'c-one', title: 'C', templateCall: { templateId: 'wr.templates.routine.review' } }]),
      routine('fine', [S]),
    ]);
    expect([...catalog.keys()]).toEqual(['wr.templates.routine.fine']);
  });
});

describe('templateCall expansion (workflow-format.md §9.2)', () => {
  it('replaces the calling step in place by copies with ids <callerId>.<routineStepId>', () => {
    const { workflow } = compileOk(doc([S, call(), { id: 'step-last', title: 'L', prompt: 'x' }]), { templates });
    expect(workflow.steps.map((step) => step.id)).toEqual([
      'step-one',
      'design-review.gather',
      'design-review.judge',
      'step-last',
    ]);
  });

  it('fills {argName} placeholders in titles and prompts with string, number and boolean arguments', () => {
    const { workflow } = compileOk(doc([call()]), { templates });
    const [gather, judge] = standard(workflow.steps);
    expect(gather?.title).toBe('Gather caching');
    expect(gather?.prompt).toBe('Collect evidence about caching for {{goal}} (2 passes, strict=true).');
    expect(judge?.prompt).toBe('Decide about caching.');
  });

  it('leaves {{var}} templates alone and does not treat them as placeholders', () => {
    const catalog = buildTemplateCatalog([
      routine('braces', [{ id: 'only', title: 'T', prompt: 'Use {{topic}} and {topic}.' }]),
    ]);
    const { workflow } = compileOk(
      doc([
        { id: 'caller', title: 'C', templateCall: { templateId: 'wr.templates.routine.braces', args: { topic: 'x' } } },
      ]),
      { templates: catalog },
    );
    expect(standard(workflow.steps)[0]?.prompt).toBe('Use {{topic}} and x.');
  });

  it('keeps every field of the routine step and appends the routine metaGuidance to guidance', () => {
    const { workflow } = compileOk(doc([call()]), { templates });
    const [gather, judge] = standard(workflow.steps);
    expect(gather?.outputContract).toEqual({ contractRef: 'wr.contracts.review_verdict', required: true });
    expect(gather?.notesRequired).toBe(false);
    expect(gather?.guidance).toEqual(['Own hint.', 'Stay neutral.']);
    expect(judge?.guidance).toEqual(['Stay neutral.']);
  });

  it("makes each copy's runCondition the caller's condition AND its own", () => {
    const callerCondition = { var: 'wantReview' };
    const { workflow } = compileOk(doc([call({ runCondition: callerCondition })]), { templates });
    const [gather, judge] = standard(workflow.steps);
    expect(gather?.runCondition).toEqual({ and: [callerCondition, { var: 'mode', equals: 'full' }] });
    expect(judge?.runCondition).toEqual(callerCondition);
  });

  it("keeps the copy's own runCondition when the caller has none", () => {
    const { workflow } = compileOk(doc([call()]), { templates });
    expect(standard(workflow.steps)[0]?.runCondition).toEqual({ var: 'mode', equals: 'full' });
  });

  it("puts the caller's requireConfirmation on the last copy only", () => {
    const { workflow } = compileOk(doc([call({ requireConfirmation: true })]), { templates });
    const [gather, judge] = standard(workflow.steps);
    expect(gather?.requireConfirmation).toBeUndefined();
    expect(judge?.requireConfirmation).toBe(true);
  });

  it("keeps the last copy's own requireConfirmation when the caller declares none", () => {
    const { workflow } = compileOk(doc([call()]), { templates });
    expect(standard(workflow.steps)[1]?.requireConfirmation).toBe(false);
  });

  it('expands template calls inside inline loop bodies', () => {
    const { workflow } = compileOk(
      doc([
        {
          id: 'review-loop',
          type: 'loop',
          title: 'Loop',
          loop: { type: 'for', count: 2, maxIterations: 2 },
          body: [call(), S],
        },
      ]),
      { templates },
    );
    const loop = workflow.steps[0] as CompiledLoopStep;
    expect(loop.body.map((step) => step.id)).toEqual(['design-review.gather', 'design-review.judge', 'step-one']);
  });

  it('suggests removing arguments the routine never uses', () => {
    const args = { topic: 'x', depth: 1, strict: false, extra: 'unused' };
    const { suggestions } = compileOk(
      doc([call({ templateCall: { templateId: 'wr.templates.routine.review', args } })]),
      { templates },
    );
    expect(suggestions).toHaveLength(1);
    expect(suggestions[0]).toContain('"extra"');
  });
});
