// Output contracts (docs: workflow-format.md §6.3): validators that report one issue per problem as
// "<path>: <message>", and a minimal valid example artifact for each contract.
import type { z } from 'zod';
import { CONTRACT_REFS, type ContractRef, type JsonObject } from '../workflow/types.js';
import { type AssessmentArtifact, CONTRACT_SCHEMAS, type LoopControlArtifact } from './contract-schemas.js';

export type { AssessmentArtifact, LoopControlArtifact } from './contract-schemas.js';

/** One contract or criteria check, recorded as a `validation_performed` event. */
export interface ValidationRecord {
  readonly contractRef: string;
  readonly valid: boolean;
  readonly issues: readonly string[];
  readonly suggestions: readonly string[];
}

/** Result of checking one artifact against a contract. */
export type ContractCheck<T = JsonObject> =
  | { readonly valid: true; readonly value: T }
  | { readonly valid: false; readonly issues: readonly string[] };

/** True for the nine known `wr.contracts.*` refs. */
export function isContractRef(ref: string): ref is ContractRef {
  return (CONTRACT_REFS as readonly string[]).includes(ref);
}

/** The artifact kind a contract requires: `wr.contracts.<name>` -> `wr.<name>`. */
export function artifactKindOf(contractRef: ContractRef): string {
  return `wr.${contractRef.slice('wr.contracts.'.length)}`;
}

/** Validates an artifact against a contract's exact shape; never throws. */
export function validateArtifact(contractRef: ContractRef, artifact: unknown): ContractCheck {
  const result = CONTRACT_SCHEMAS[contractRef].safeParse(artifact);
  if (result.success) return { valid: true, value: artifact as JsonObject };
  return { valid: false, issues: result.error.issues.flatMap(formatIssue) };
}

/** Validates a `wr.loop_control` artifact (§5.5). */
export function parseLoopControl(artifact: unknown): ContractCheck<LoopControlArtifact> {
  const check = validateArtifact('wr.contracts.loop_control', artifact);
  return check.valid ? { valid: true, value: artifact as LoopControlArtifact } : check;
}

/** Validates a `wr.assessment` artifact (§6.3; the §6.4 rules are applied separately). */
export function parseAssessment(artifact: unknown): ContractCheck<AssessmentArtifact> {
  const check = validateArtifact('wr.contracts.assessment', artifact);
  return check.valid ? { valid: true, value: artifact as AssessmentArtifact } : check;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path === '' ? key : `${path}.${key}`}: unknown key`);
  }
  return [`${path === '' ? '(root)' : path}: ${issue.message}`];
}

const EXAMPLES: { readonly [ref in ContractRef]: JsonObject } = {
  'wr.contracts.loop_control': { kind: 'wr.loop_control', decision: 'stop' },
  'wr.contracts.review_verdict': {
    kind: 'wr.review_verdict',
    verdict: 'clean',
    confidence: 'high',
    findings: [],
    summary: 'No defects found.',
  },
  'wr.contracts.coordinator_signal': { kind: 'wr.coordinator_signal', signalKind: 'progress', payload: {} },
  'wr.contracts.gate_verdict': {
    kind: 'wr.gate_verdict',
    version: 1,
    verdict: 'approved',
    confidence: 'high',
    rationale: 'All checks pass and the change is complete.',
  },
  'wr.contracts.discovery_handoff': {
    kind: 'wr.discovery_handoff',
    version: 1,
    selectedDirection: 'The chosen direction',
    designDocPath: '',
    confidenceBand: 'medium',
    keyInvariants: [],
  },
  'wr.contracts.shaping_handoff': {
    kind: 'wr.shaping_handoff',
    version: 1,
    pitchPath: 'docs/pitch.md',
    selectedShape: 'The chosen shape',
    appetite: 'small batch',
    keyConstraints: [],
    rabbitHoles: [],
    outOfScope: [],
    validationChecklist: [],
  },
  'wr.contracts.coding_handoff': {
    kind: 'wr.coding_handoff',
    version: 1,
    keyDecisions: [],
    knownLimitations: [],
    testsAdded: [],
    filesChanged: [],
  },
  'wr.contracts.differentiation_handoff': {
    kind: 'wr.differentiation_handoff',
    version: 1,
    schemaVersion: '1.0.0',
    generatedAt: '2025-01-01T00:00:00Z',
    evidenceFreshness: { oldestCapturedAt: '2025-01-01T00:00:00Z', newestCapturedAt: '2025-01-01T00:00:00Z' },
    validationChecklist: [],
    shapingHandoff: {
      rawIdea: 'The raw idea',
      problem: 'The problem',
      baseline: 'The baseline',
      appetiteHint: 'small_batch',
      noGosHints: [],
      constraints: { teamSize: 1, technicalCapabilities: ['typescript'] },
      evidenceTopK: [],
      defensibilityClaim: { power: 'None_Imitable', cannibalization: '' },
    },
  },
  'wr.contracts.assessment': { kind: 'wr.assessment', dimensions: { quality: 'high' } },
};

/** A minimal artifact that passes `validateArtifact(contractRef, …)`. */
export function exampleArtifact(contractRef: ContractRef): JsonObject {
  return EXAMPLES[contractRef];
}
