import { describe, expect, it } from 'vitest';
import { finalizeBlockers, truncateBytes } from '../../../src/engine/blockers.js';
import type { Blocker } from '../../../src/engine/events.js';
import { checkRequirements, type SubmittedOutput } from '../../../src/engine/requirements.js';
import type {
  AssessmentDefinition,
  CompiledBodyStep,
  CompiledLoopStep,
  JsonObject,
  ValidationCriteria,
} from '../../../src/workflow/types.js';
import { loopStep, par, std, workflow } from './fixtures.js';

const quality: AssessmentDefinition = {
  id: 'quality',
  purpose: 'How good is it',
  dimensions: [
    { id: 'correctness', purpose: 'Is it right', levels: ['Low', 'Medium', 'High'] },
    { id: 'style', purpose: 'Is it tidy', levels: ['low', 'high'], required: false },
  ],
};
const risk: AssessmentDefinition = {
  id: 'risk',
  purpose: 'How risky',
  dimensions: [{ id: 'level', purpose: 'Risk level', levels: ['low', 'LOW', 'high'] }],
};
const wf = workflow([std('only')], { assessments: [quality, risk] });

function check(
  step: CompiledBodyStep,
  output: SubmittedOutput,
  loop: CompiledLoopStep | null = null,
  ctx: JsonObject = {},
) {
  return checkRequirements({ workflow: wf, step, loop, output, ctx });
}
const codes = (blockers: readonly Blocker[]) => blockers.map((b) => b.code);
const notes = 'Did the work.';

describe('notes requirement', () => {
  it('blocks with MISSING_REQUIRED_NOTES when notes are absent or whitespace only', () => {
    for (const output of [{}, { notes: '  \n ' }]) {
      const report = check(std('s1'), output);
      expect(report.blockers).toEqual([
        expect.objectContaining({ code: 'MISSING_REQUIRED_NOTES', pointer: { kind: 'workflow_step', stepId: 's1' } }),
      ]);
    }
  });
  it('accepts a step whose notes are waived without notes', () => {
    expect(check(std('s1', { notesRequired: false }), {}).blockers).toEqual([]);
  });
  it('applies to parallel steps too', () => {
    expect(codes(check(par('p1', [{ workflowId: 'x.y' }]), {}).blockers)).toEqual(['MISSING_REQUIRED_NOTES']);
  });
});

describe('output contract requirement', () => {
  const step = std('s1', {
    notesRequired: false,
    outputContract: { contractRef: 'wr.contracts.gate_verdict', required: true },
  });
  it('blocks with MISSING_REQUIRED_OUTPUT and suggests a valid example when the artifact is missing', () => {
    const report = check(step, { artifacts: [{ kind: 'other' }] });
    expect(report.blockers).toHaveLength(1);
    expect(report.blockers[0]).toMatchObject({
      code: 'MISSING_REQUIRED_OUTPUT',
      pointer: { kind: 'output_contract', contractRef: 'wr.contracts.gate_verdict' },
    });
    expect(report.blockers[0]?.suggestedFix).toContain('"kind":"wr.gate_verdict"');
    expect(report.validations[0]?.valid).toBe(false);
  });
  it('accepts a missing artifact when the contract is not required', () => {
    const optional = std('s1', {
      notesRequired: false,
      outputContract: { contractRef: 'wr.contracts.gate_verdict', required: false },
    });
    expect(check(optional, {}).blockers).toEqual([]);
  });
  it('blocks with INVALID_REQUIRED_OUTPUT and records the issues when an artifact fails its shape', () => {
    const report = check(step, { artifacts: [{ kind: 'wr.gate_verdict', version: 1 }] });
    expect(codes(report.blockers)).toEqual(['INVALID_REQUIRED_OUTPUT']);
    expect(report.validations[0]).toMatchObject({ contractRef: 'wr.contracts.gate_verdict', valid: false });
    expect(report.validations[0]?.issues).toContain(
      'verdict: Invalid option: expected one of "approved"|"rejected"|"uncertain"',
    );
  });
  it('records a passing validation for a valid artifact', () => {
    const artifact = {
      kind: 'wr.gate_verdict',
      version: 1,
      verdict: 'approved',
      confidence: 'low',
      rationale: 'x'.repeat(20),
    };
    const report = check(step, { artifacts: [artifact] });
    expect(report.blockers).toEqual([]);
    expect(report.validations).toEqual([
      { contractRef: 'wr.contracts.gate_verdict', valid: true, issues: [], suggestions: [] },
    ]);
  });
  it('checks every requirement together', () => {
    const both = std('s1', { outputContract: { contractRef: 'wr.contracts.gate_verdict', required: true } });
    expect(codes(check(both, {}).blockers).sort()).toEqual(['MISSING_REQUIRED_NOTES', 'MISSING_REQUIRED_OUTPUT']);
  });
});

describe('assessment requirement', () => {
  const one = std('s1', { notesRequired: false, assessmentRefs: ['quality'] });
  const assess = (dimensions: JsonObject, extra: JsonObject = {}) => ({ kind: 'wr.assessment', dimensions, ...extra });

  it('records a valid assessment, normalising a unique case-insensitive level', () => {
    const report = check(one, {
      artifacts: [assess({ correctness: 'high', style: { level: 'low', rationale: 'ok' } })],
    });
    expect(report.blockers).toEqual([]);
    expect(report.assessments).toEqual([
      {
        assessmentId: 'quality',
        dimensions: [
          { dimensionId: 'correctness', level: 'High', normalized: true },
          { dimensionId: 'style', level: 'low', rationale: 'ok', normalized: false },
        ],
      },
    ]);
    expect(report.normalizationNotes).toEqual(['quality.correctness: "high" recorded as "High"']);
  });
  it('uses the last assessment artifact when several are submitted', () => {
    const report = check(one, { artifacts: [assess({ correctness: 'nope' }), assess({ correctness: 'Low' })] });
    expect(report.blockers).toEqual([]);
  });
  it('blocks with MISSING_REQUIRED_OUTPUT when no assessment is submitted', () => {
    expect(check(one, {}).blockers[0]).toMatchObject({
      code: 'MISSING_REQUIRED_OUTPUT',
      pointer: { kind: 'output_contract', contractRef: 'wr.contracts.assessment' },
    });
  });
  it.each<[string, JsonObject, string]>([
    ['an unknown level', { correctness: 'great' }, 'correctness'],
    ['an unknown dimension', { correctness: 'Low', speed: 'low' }, 'speed'],
    ['a missing required dimension', { style: 'low' }, 'correctness'],
  ])('blocks %s with INVALID_REQUIRED_OUTPUT pointing at the dimension', (_name, dimensions, dimensionId) => {
    const report = check(one, { artifacts: [assess(dimensions)] });
    expect(report.blockers).toContainEqual(
      expect.objectContaining({
        code: 'INVALID_REQUIRED_OUTPUT',
        pointer: { kind: 'assessment_dimension', assessmentId: 'quality', dimensionId },
      }),
    );
    expect(report.assessments).toEqual([]);
  });
  it('rejects an ambiguous case-insensitive level', () => {
    const step = std('s1', { notesRequired: false, assessmentRefs: ['risk'] });
    expect(codes(check(step, { artifacts: [assess({ level: 'Low' })] }).blockers)).toEqual(['INVALID_REQUIRED_OUTPUT']);
  });
  it('rejects an assessmentId that names another assessment', () => {
    const report = check(one, { artifacts: [assess({ correctness: 'Low' }, { assessmentId: 'risk' })] });
    expect(codes(report.blockers)).toEqual(['INVALID_REQUIRED_OUTPUT']);
  });
  it('matches artifacts to refs by assessmentId when the step has several refs', () => {
    const two = std('s1', { notesRequired: false, assessmentRefs: ['quality', 'risk'] });
    const report = check(two, {
      artifacts: [
        assess({ level: 'high' }, { assessmentId: 'risk' }),
        assess({ correctness: 'Low' }, { assessmentId: 'quality' }),
      ],
    });
    expect(report.blockers).toEqual([]);
    expect(report.assessments.map((a) => a.assessmentId)).toEqual(['quality', 'risk']);
    expect(codes(check(two, { artifacts: [assess({ level: 'high' })] }).blockers)).toEqual([
      'MISSING_REQUIRED_OUTPUT',
      'MISSING_REQUIRED_OUTPUT',
    ]);
  });
  it('fires a consequence as ASSESSMENT_FOLLOWUP_REQUIRED carrying its guidance', () => {
    const gated = std('s1', {
      notesRequired: false,
      assessmentRefs: ['quality'],
      assessmentConsequences: [
        { when: { anyEqualsLevel: 'Low' }, effect: { kind: 'require_followup', guidance: 'Fix it first.' } },
      ],
    });
    const report = check(gated, { artifacts: [assess({ correctness: 'low' })] });
    expect(report.blockers).toEqual([
      expect.objectContaining({
        code: 'ASSESSMENT_FOLLOWUP_REQUIRED',
        pointer: { kind: 'assessment_dimension', assessmentId: 'quality', dimensionId: 'correctness' },
        suggestedFix: 'Fix it first.',
      }),
    ]);
    expect(report.followup).toEqual({ title: 'Title s1', guidance: 'Fix it first.' });
    expect(check(gated, { artifacts: [assess({ correctness: 'High' })] }).blockers).toEqual([]);
  });
  it('limits a consequence to forAssessment', () => {
    const gated = std('s1', {
      notesRequired: false,
      assessmentRefs: ['quality'],
      assessmentConsequences: [
        { when: { anyEqualsLevel: 'low', forAssessment: 'risk' }, effect: { kind: 'require_followup', guidance: 'g' } },
      ],
    });
    expect(check(gated, { artifacts: [assess({ correctness: 'Low' })] }).blockers).toEqual([]);
  });
});

describe('validation criteria requirement', () => {
  const withCriteria = (criteria: ValidationCriteria, notesRequired = true) =>
    std('s1', { validationCriteria: criteria, notesRequired });
  const contains = (value: string, extra: object = {}) => ({
    type: 'contains' as const,
    value,
    message: `needs ${value}`,
    ...extra,
  });

  it.each<[string, ValidationCriteria, string, boolean]>([
    ['contains passes', contains('done'), 'all done', true],
    ['contains is case-sensitive', contains('Done'), 'all done', false],
    ['regex with flags', { type: 'regex', pattern: '^ALL', flags: 'i', message: 'm' }, 'all done', true],
    ['length within bounds', { type: 'length', min: 3, max: 5, message: 'm' }, 'abcd', true],
    ['length too long', { type: 'length', max: 2, message: 'm' }, 'abcd', false],
    [
      'schema passes on JSON notes',
      { type: 'schema', schema: { type: 'object', required: ['a'] }, message: 'm' },
      '{"a":1}',
      true,
    ],
    ['schema fails on non-JSON notes', { type: 'schema', schema: { type: 'object' }, message: 'm' }, 'plain', false],
    ['an array needs every rule', [contains('a'), contains('b')], 'a only', false],
    ['and needs every member', { and: [contains('a'), contains('b')] }, 'a b', true],
    ['or needs one member', { or: [contains('x'), contains('b')] }, 'a b', true],
    ['not inverts', { not: contains('x') }, 'a b', true],
    ['a rule whose condition is false does not apply', contains('x', { condition: { var: 'strict' } }), 'a', true],
    ['a rule whose condition is true applies', contains('x', { condition: { var: 'strict' } }), 'a', false],
  ])('%s', (name, criteria, text, passes) => {
    const ctx: JsonObject = name.includes('condition is true') ? { strict: true } : {};
    const report = check(withCriteria(criteria), { notes: text }, null, ctx);
    expect(report.blockers.length === 0).toBe(passes);
  });
  it('lists each failing rule message in the validation issues', () => {
    const report = check(withCriteria([contains('a'), contains('b'), contains('c')]), { notes: 'b' });
    expect(report.blockers[0]).toMatchObject({
      code: 'INVALID_REQUIRED_OUTPUT',
      pointer: { kind: 'output_contract', contractRef: 'wr.validationCriteria' },
    });
    expect(report.validations).toEqual([
      { contractRef: 'wr.validationCriteria', valid: false, issues: ['needs a', 'needs c'], suggestions: [] },
    ]);
  });
  it('reports missing notes once, as MISSING_REQUIRED_NOTES when notes are required', () => {
    expect(codes(check(withCriteria(contains('a')), {}).blockers)).toEqual(['MISSING_REQUIRED_NOTES']);
  });
  it('reports missing notes as MISSING_REQUIRED_OUTPUT when notes are waived', () => {
    expect(check(withCriteria(contains('a'), false), {}).blockers).toEqual([
      expect.objectContaining({
        code: 'MISSING_REQUIRED_OUTPUT',
        pointer: { kind: 'output_contract', contractRef: 'wr.validationCriteria' },
      }),
    ]);
  });
  it('blocks with INVARIANT_VIOLATION when a rule cannot be evaluated', () => {
    const report = check(withCriteria({ type: 'regex', pattern: '([', message: 'm' }), { notes });
    expect(codes(report.blockers)).toEqual(['INVARIANT_VIOLATION']);
  });
});

describe('loop control inside a loop', () => {
  const body = std('decide', { notesRequired: false });
  const loop = loopStep('fix-loop', { type: 'while', control: { kind: 'artifact_contract', loopId: 'alias' } }, [body]);
  const stop = (extra: JsonObject = {}) => ({ kind: 'wr.loop_control', decision: 'stop', ...extra });

  it.each([undefined, 'fix-loop', 'alias'])('accepts loopId %s and reports the decision', (loopId) => {
    const report = check(body, { artifacts: [stop(loopId === undefined ? {} : { loopId })] }, loop);
    expect(report.blockers).toEqual([]);
    expect(report.loopDecision).toBe('stop');
  });
  it('blocks a loopId naming another loop with INVALID_REQUIRED_OUTPUT', () => {
    const report = check(body, { artifacts: [stop({ loopId: 'other-loop' })] }, loop);
    expect(codes(report.blockers)).toEqual(['INVALID_REQUIRED_OUTPUT']);
    expect(report.loopDecision).toBeUndefined();
  });
  it('lets the last valid artifact win', () => {
    const report = check(body, { artifacts: [stop(), { kind: 'wr.loop_control', decision: 'continue' }] }, loop);
    expect(report.loopDecision).toBe('continue');
  });
  it('ignores loop-control artifacts outside any loop', () => {
    const report = check(body, { artifacts: [stop({ loopId: 'other-loop' })] });
    expect(report).toMatchObject({ blockers: [] });
    expect(report.loopDecision).toBeUndefined();
  });
});

describe('finalizeBlockers', () => {
  it('sorts by code, then pointer kind, then pointer value, drops repeats and keeps ten', () => {
    const b = (code: Blocker['code'], pointer: Blocker['pointer']): Blocker => ({ code, pointer, message: 'm' });
    const input = [
      b('MISSING_REQUIRED_OUTPUT', { kind: 'output_contract', contractRef: 'b' }),
      b('INVALID_REQUIRED_OUTPUT', { kind: 'workflow_step', stepId: 'a' }),
      b('MISSING_REQUIRED_OUTPUT', { kind: 'output_contract', contractRef: 'a' }),
      b('INVALID_REQUIRED_OUTPUT', { kind: 'assessment_dimension', assessmentId: 'z', dimensionId: 'y' }),
      b('MISSING_REQUIRED_OUTPUT', { kind: 'output_contract', contractRef: 'a' }),
    ];
    expect(finalizeBlockers(input).map((x) => [x.code, x.pointer.kind])).toEqual([
      ['INVALID_REQUIRED_OUTPUT', 'assessment_dimension'],
      ['INVALID_REQUIRED_OUTPUT', 'workflow_step'],
      ['MISSING_REQUIRED_OUTPUT', 'output_contract'],
      ['MISSING_REQUIRED_OUTPUT', 'output_contract'],
    ]);
    const many = Array.from({ length: 12 }, (_, i) => b('MISSING_CONTEXT_KEY', { kind: 'context_key', key: `k${i}` }));
    expect(finalizeBlockers(many)).toHaveLength(10);
  });
  it('truncates text to a UTF-8 byte budget', () => {
    const cut = truncateBytes('é'.repeat(600), 512);
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(512);
    expect(cut.endsWith('…')).toBe(true);
  });
});
