import { describe, expect, it } from 'vitest';
import { validateArtifact } from '../../../src/engine/contracts.js';
import { renderPendingStep, renderTemplate } from '../../../src/engine/render.js';
import type { PendingState } from '../../../src/engine/state.js';
import type { CompiledStep, CompiledWorkflow, JsonObject } from '../../../src/workflow/types.js';
import { loopStep, par, std, workflow } from './fixtures.js';

const at = (stepId: string, cursor = 0, loop: PendingState['loop'] = null): PendingState => ({
  kind: 'pending',
  pendingStepId: stepId,
  cursor,
  loop,
  completedCount: 0,
});
const render = (wf: CompiledWorkflow, state: PendingState, context: JsonObject = {}) =>
  renderPendingStep(wf, state, context);
const one = (step: CompiledStep, overrides: Partial<CompiledWorkflow> = {}) => workflow([step], overrides);

describe('renderTemplate', () => {
  const ctx = { name: 'Ada', n: 3, ok: true, list: [1, 'a'], obj: { a: { b: 'deep' } }, nil: null, 'x.y': 'literal' };
  it.each<[string, string]>([
    ['Hi {{name}}', 'Hi Ada'],
    ['{{n}} {{ok}}', '3 true'],
    ['{{list}} {{obj}}', '[1,"a"] {"a":{"b":"deep"}}'],
    ['{{obj.a.b}} {{x.y}}', 'deep literal'],
    ['{{missing}} {{nil}}', '[unset: missing] [unset: nil]'],
    ['{{ name }} {{1abc}} {name} {{wr.bindings.slot}}', '{{ name }} {{1abc}} {name} {{wr.bindings.slot}}'],
  ])('renders %j as %j', (text, expected) => {
    expect(renderTemplate(text, ctx)).toBe(expected);
  });
});

describe('renderPendingStep for a standard step', () => {
  it('templates title, prompt and agentRole, and takes the step or workflow model tier', () => {
    const step = std('s1', {
      title: 'Fix {{goal}}',
      prompt: 'Work on {{goal}}.',
      agentRole: 'You are {{role}}.',
      notesRequired: false,
    });
    const rendered = render(one(step, { modelTier: 'mid' }), at('s1'), { goal: 'bug 7', role: 'a reviewer' });
    expect(rendered.pending).toEqual({
      stepId: 's1',
      title: 'Fix bug 7',
      prompt: 'Work on bug 7.',
      agentRole: 'You are a reviewer.',
      modelTier: 'mid',
    });
    const own = render(one(std('s1', { modelTier: 'heavy' }), { modelTier: 'mid' }), at('s1'));
    expect(own.pending.modelTier).toBe('heavy');
    expect(render(one(std('s1')), at('s1')).pending).not.toHaveProperty('modelTier');
  });

  it('appends active fragments, guidance bullets, referenced functions and the notes reminder in order', () => {
    const step = std('s1', {
      prompt: 'Main.',
      promptFragments: [
        { id: 'on', when: { var: 'level', equals: 'high' }, text: 'Extra {{level}}.' },
        { id: 'off', when: { var: 'level', equals: 'low' }, text: 'Never shown.' },
        { id: 'always', text: 'Always.' },
      ],
      guidance: ['Be brief.', 'Cite {{source}}.'],
      functionDefinitions: [
        {
          name: 'check',
          definition: 'Run the checks.',
          parameters: [{ name: 'path', type: 'string', required: true }],
        },
        { name: 'unused', definition: 'Not referenced.' },
      ],
      functionReferences: ['check'],
    });
    const { prompt } = render(one(step), at('s1'), { level: 'HIGH', source: 'docs' }).pending;
    expect(prompt).toBe(
      [
        'Main.',
        'Extra HIGH.',
        'Always.',
        '- Be brief.\n- Cite docs.',
        '## Functions\n- `check(path: string)`: Run the checks.',
        'Notes: send `output.notesMarkdown` with a short markdown recap of the work done in this step.',
      ].join('\n\n'),
    );
  });

  it('shows the output contract with a minimal valid continue_workflow call', () => {
    const step = std('s1', {
      notesRequired: false,
      outputContract: { contractRef: 'wr.contracts.review_verdict', required: true },
    });
    const { prompt } = render(one(step), at('s1')).pending;
    expect(prompt).toContain('Required: one `wr.review_verdict` artifact');
    const json = /```json\n(.*)\n```/.exec(prompt)?.[1] ?? '';
    const call = JSON.parse(json);
    expect(call.continueToken).toBe('<continueToken>');
    expect(validateArtifact('wr.contracts.review_verdict', call.output.artifacts[0]).valid).toBe(true);
    expect(prompt).not.toContain('Notes: send');
  });

  it('lists validation criteria messages and assessment requirements', () => {
    const step = std('s1', {
      validationCriteria: [{ type: 'contains', value: 'PASS', message: 'Say PASS.' }],
      assessmentRefs: ['quality'],
    });
    const assessments = [
      {
        id: 'quality',
        purpose: 'Rate it.',
        dimensions: [{ id: 'depth', purpose: 'How deep.', levels: ['low', 'high'] }],
      },
    ];
    const { prompt } = render(one(step, { assessments }), at('s1')).pending;
    expect(prompt).toContain('## Validation\nYour notes are checked against these rules:\n- Say PASS.');
    expect(prompt).toContain('- `depth` (required): How deep. Levels: low, high.');
    expect(prompt).toContain('{"kind":"wr.assessment","dimensions":{"depth":"low"},"assessmentId":"quality"}');
  });

  it('reports a true requireConfirmation rule and its gate kind', () => {
    const wf = one(std('s1', { requireConfirmation: { var: 'risky' } }));
    expect(render(wf, at('s1'), { risky: true })).toMatchObject({
      requireConfirmation: true,
      gateKind: 'coordinator_eval',
    });
    expect(render(wf, at('s1'), {}).requireConfirmation).toBe(false);
    const human = one(std('s1', { requireConfirmation: { kind: 'human_approval' } }));
    expect(render(human, at('s1'))).toMatchObject({ requireConfirmation: true, gateKind: 'human_approval' });
  });
});

describe('renderPendingStep inside a loop', () => {
  it('opens with a pass banner and sees loop variables', () => {
    const wf = workflow([
      loopStep('l', { type: 'for', count: 3, maxIterations: 5 }, [std('b', { title: 'Pass {{currentIteration}}' })], {
        title: 'Fix loop',
      }),
    ]);
    const rendered = render(wf, at('b', 0, { loopId: 'l', iteration: 2, bodyIndex: 0, count: 3 }));
    expect(rendered.pending.title).toBe('Pass 2');
    expect(rendered.pending.prompt.startsWith('Loop "Fix loop": pass 2 of at most 5\n\nDo b.')).toBe(true);
  });
  it('shows item n of length for forEach and renders the item', () => {
    const body = [std('b', { prompt: 'Migrate {{module.name}} ({{idx}}).', notesRequired: false })];
    const wf = workflow([
      loopStep('l', { type: 'forEach', items: 'modules', itemVar: 'module', indexVar: 'idx' }, body, { title: 'Each' }),
    ]);
    const context = { modules: [{ name: 'a' }, { name: 'b' }] };
    const { prompt } = render(
      wf,
      at('b', 0, { loopId: 'l', iteration: 2, bodyIndex: 0, itemsLength: 2 }),
      context,
    ).pending;
    expect(prompt).toBe('Loop "Each": item 2 of 2\n\nMigrate b (1).');
  });
  it('adds the loop id to a loop_control example', () => {
    const body = [
      std('d', { notesRequired: false, outputContract: { contractRef: 'wr.contracts.loop_control', required: true } }),
    ];
    const wf = workflow([loopStep('my-loop', { type: 'while', control: { kind: 'artifact_contract' } }, body)]);
    const { prompt } = render(wf, at('d', 0, { loopId: 'my-loop', iteration: 1, bodyIndex: 0 })).pending;
    expect(prompt).toContain('"loopId":"my-loop"');
  });
});

describe('renderPendingStep for a parallel step', () => {
  it('lists active delegations with goal, resolved inputs, tier and tools', () => {
    const step = par('p', [
      {
        workflowId: 'acme.audit',
        goal: 'Audit {{area}}',
        contextMapping: { area: 'scope', count: 'n', missing: 'gone' },
        args: { gone: 'static' },
        modelTier: 'lightweight',
        allowedTools: ['Read', 'Grep'],
      },
      { workflowId: 'acme.skip', runCondition: { var: 'never' } },
      { workflowId: 'acme.plain' },
    ]);
    const { prompt } = render(one(step), at('p'), { area: 'auth', count: 3 }).pending;
    expect(prompt).toContain('1. **acme.audit**: Audit auth');
    expect(prompt).toContain('   - Inputs: `scope` = "auth", `n` = "3", `gone` = "static"');
    expect(prompt).toContain('   - Model tier: lightweight');
    expect(prompt).toContain('   - Allowed tools: Read, Grep');
    expect(prompt).toContain('2. **acme.plain**: Run acme.plain');
    expect(prompt).not.toContain('acme.skip');
    expect(prompt).toContain('concurrently');
    expect(prompt).toContain('continue_workflow');
  });
});

describe('metrics footer', () => {
  const steps = [
    std('a'),
    loopStep('l', { type: 'for', count: 1 }, [
      std('b'),
      std('decide', { outputContract: { contractRef: 'wr.contracts.loop_control', required: true } }),
    ]),
  ];
  it('asks coding workflows for commit shas on every step and outcome facts on the final step', () => {
    const wf = workflow(steps, { metricsProfile: 'coding' });
    const first = render(wf, at('a')).pending.prompt;
    expect(first).toContain('metrics_commit_shas');
    expect(first).not.toContain('metrics_outcome');
    const final = render(wf, at('b', 1, { loopId: 'l', iteration: 1, bodyIndex: 0 })).pending.prompt;
    expect(final).toContain('`metrics_lines_removed`');
  });
  it('asks research workflows only for the outcome on the final step', () => {
    const wf = workflow([std('a'), std('z')], { metricsProfile: 'research' });
    expect(render(wf, at('a')).pending.prompt).not.toContain('## Metrics');
    expect(render(wf, at('z', 1)).pending.prompt).toContain('send context `metrics_outcome`');
  });
  it('adds nothing without a profile', () => {
    expect(render(workflow([std('a')]), at('a')).pending.prompt).not.toContain('## Metrics');
  });
});
