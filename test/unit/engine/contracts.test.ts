import { describe, expect, it } from 'vitest';
import { artifactKindOf, exampleArtifact, isContractRef, validateArtifact } from '../../../src/engine/contracts.js';
import { CONTRACT_REFS, type ContractRef, type JsonObject } from '../../../src/workflow/types.js';

const issuesOf = (ref: ContractRef, artifact: unknown): readonly string[] => {
  const check = validateArtifact(ref, artifact);
  return check.valid ? [] : check.issues;
};

describe('exampleArtifact', () => {
  it.each(CONTRACT_REFS)('gives a minimal example that passes the %s validator', (ref) => {
    const example = exampleArtifact(ref);
    expect(example.kind).toBe(artifactKindOf(ref));
    expect(validateArtifact(ref, example)).toEqual({ valid: true, value: example });
  });
});

describe('validateArtifact', () => {
  it.each(CONTRACT_REFS)('rejects unknown top-level keys for %s', (ref) => {
    expect(issuesOf(ref, { ...exampleArtifact(ref), surprise: 1 })).toContain('surprise: unknown key');
  });

  it.each(CONTRACT_REFS)('rejects an artifact of another kind for %s', (ref) => {
    expect(issuesOf(ref, { ...exampleArtifact(ref), kind: 'wr.other' }).some((i) => i.startsWith('kind:'))).toBe(true);
  });

  it('names the contract artifact kind after the contract', () => {
    expect(artifactKindOf('wr.contracts.review_verdict')).toBe('wr.review_verdict');
    expect(isContractRef('wr.contracts.gate_verdict')).toBe(true);
    expect(isContractRef('wr.contracts.unknown')).toBe(false);
  });

  const cases: [string, ContractRef, JsonObject, string][] = [
    [
      'loop_control metadata is strict',
      'wr.contracts.loop_control',
      { kind: 'wr.loop_control', decision: 'stop', metadata: { note: 'x' } },
      'metadata.note: unknown key',
    ],
    [
      'loop_control decision is an enum',
      'wr.contracts.loop_control',
      { kind: 'wr.loop_control', decision: 'halt' },
      'decision:',
    ],
    [
      'loop_control loopId follows the id pattern',
      'wr.contracts.loop_control',
      { kind: 'wr.loop_control', decision: 'stop', loopId: 'Bad Id' },
      'loopId:',
    ],
    [
      'loop_control confidence is at most 100',
      'wr.contracts.loop_control',
      { kind: 'wr.loop_control', decision: 'stop', metadata: { confidence: 101 } },
      'metadata.confidence:',
    ],
    [
      'review findings need a severity',
      'wr.contracts.review_verdict',
      { kind: 'wr.review_verdict', verdict: 'minor', confidence: 'low', findings: [{ summary: 'x' }], summary: 's' },
      'findings.0.severity:',
    ],
    [
      'review summary must be non-empty',
      'wr.contracts.review_verdict',
      { kind: 'wr.review_verdict', verdict: 'minor', confidence: 'low', findings: [], summary: '' },
      'summary:',
    ],
    [
      'coordinator payload must be an object',
      'wr.contracts.coordinator_signal',
      { kind: 'wr.coordinator_signal', signalKind: 'progress', payload: [] },
      'payload:',
    ],
    [
      'gate rationale needs 20 characters',
      'wr.contracts.gate_verdict',
      { kind: 'wr.gate_verdict', version: 1, verdict: 'approved', confidence: 'high', rationale: 'short' },
      'rationale:',
    ],
    [
      'gate version must be 1',
      'wr.contracts.gate_verdict',
      {
        kind: 'wr.gate_verdict',
        version: 2,
        verdict: 'approved',
        confidence: 'high',
        rationale: 'a long enough rationale here',
      },
      'version:',
    ],
    [
      'discovery keyInvariants holds at most 12',
      'wr.contracts.discovery_handoff',
      { ...exampleArtifact('wr.contracts.discovery_handoff'), keyInvariants: Array(13).fill('x') },
      'keyInvariants:',
    ],
    [
      'shaping selectedShape is at most 200 chars',
      'wr.contracts.shaping_handoff',
      { ...exampleArtifact('wr.contracts.shaping_handoff'), selectedShape: 'x'.repeat(201) },
      'selectedShape:',
    ],
    [
      'coding filesChanged items are non-empty',
      'wr.contracts.coding_handoff',
      { ...exampleArtifact('wr.contracts.coding_handoff'), filesChanged: [''] },
      'filesChanged.0:',
    ],
    [
      'differentiation generatedAt is a date-time',
      'wr.contracts.differentiation_handoff',
      { ...exampleArtifact('wr.contracts.differentiation_handoff'), generatedAt: 'yesterday' },
      'generatedAt:',
    ],
    [
      'assessment needs at least one dimension',
      'wr.contracts.assessment',
      { kind: 'wr.assessment', dimensions: {} },
      'dimensions:',
    ],
    [
      'assessment dimension objects are strict',
      'wr.contracts.assessment',
      { kind: 'wr.assessment', dimensions: { q: { level: 'high', extra: 1 } } },
      'dimensions.q.extra: unknown key',
    ],
  ];
  it.each(cases)('%s', (_name, ref, artifact, expectedPrefix) => {
    expect(issuesOf(ref, artifact).some((issue) => issue.startsWith(expectedPrefix))).toBe(true);
  });

  it('keeps extra keys on review findings', () => {
    const artifact = {
      kind: 'wr.review_verdict',
      verdict: 'minor',
      confidence: 'high',
      findings: [{ severity: 'nit', summary: 'Rename x', file: 'a.ts', startLine: 3, remediation: 'rename' }],
      summary: 'One nit.',
    };
    expect(validateArtifact('wr.contracts.review_verdict', artifact)).toEqual({ valid: true, value: artifact });
  });

  it('reports one issue per problem', () => {
    expect(issuesOf('wr.contracts.gate_verdict', { kind: 'wr.gate_verdict' })).toHaveLength(4);
  });
});
