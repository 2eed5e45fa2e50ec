// Shapes of the nine output-contract artifacts (docs: workflow-format.md §5.5, §6.3).
// Top-level objects, loop-control metadata and assessment dimension objects are strict; review findings keep extra keys.
import { z } from 'zod';
import type { ContractRef } from '../workflow/types.js';

const text = (min = 1, max?: number) => (max === undefined ? z.string().min(min) : z.string().min(min).max(max));
const list = <T extends z.ZodType>(item: T, max?: number) =>
  max === undefined ? z.array(item) : z.array(item).max(max);
const level3 = z.enum(['high', 'medium', 'low']);
const dateTime = z.iso.datetime({ offset: true });

const loopControl = z.strictObject({
  kind: z.literal('wr.loop_control'),
  decision: z.enum(['continue', 'stop']),
  loopId: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .min(1)
    .max(64)
    .optional(),
  metadata: z
    .strictObject({
      reason: z.string().max(1024).optional(),
      issuesFound: z.int().min(0).optional(),
      iterationIndex: z.int().min(0).optional(),
      confidence: z.int().min(0).max(100).optional(),
    })
    .optional(),
});

const reviewVerdict = z.strictObject({
  kind: z.literal('wr.review_verdict'),
  verdict: z.enum(['clean', 'minor', 'blocking']),
  confidence: level3,
  findings: z.array(
    z.looseObject({
      severity: z.enum(['critical', 'major', 'minor', 'nit']),
      summary: text(),
      findingCategory: z
        .enum(['correctness', 'security', 'architecture', 'ux', 'performance', 'testing', 'style'])
        .optional(),
    }),
  ),
  summary: text(),
});

const coordinatorSignal = z.strictObject({
  kind: z.literal('wr.coordinator_signal'),
  signalKind: z.enum(['progress', 'finding', 'data_needed', 'approval_needed', 'blocked']),
  payload: z.record(z.string(), z.unknown()),
  sessionId: z.string().optional(),
});

const gateVerdict = z.strictObject({
  kind: z.literal('wr.gate_verdict'),
  version: z.literal(1),
  verdict: z.enum(['approved', 'rejected', 'uncertain']),
  confidence: level3,
  rationale: text(20),
});

const discoveryHandoff = z.strictObject({
  kind: z.literal('wr.discovery_handoff'),
  version: z.literal(1),
  selectedDirection: text(),
  designDocPath: z.string(),
  confidenceBand: level3,
  keyInvariants: list(text(1, 200), 12),
  rejectedDirections: list(z.object({ direction: text(1, 200), reason: text(1, 300) }), 5).optional(),
  implementationConstraints: list(text(1, 200), 8).optional(),
  keyCodebaseLocations: list(z.object({ path: text(1, 300), relevance: text(1, 150) }), 10).optional(),
  selectionTier: z.enum(['strong_recommendation', 'provisional_recommendation', 'insufficient_signal']).optional(),
});

const shapingHandoff = z.strictObject({
  kind: z.literal('wr.shaping_handoff'),
  version: z.literal(1),
  pitchPath: text(),
  selectedShape: text(1, 200),
  appetite: text(1, 100),
  keyConstraints: list(text(1, 200), 8),
  rabbitHoles: list(text(1, 200), 6),
  outOfScope: list(text(1, 200), 6),
  validationChecklist: list(text(1, 200), 10),
});

const codingHandoff = z.strictObject({
  kind: z.literal('wr.coding_handoff'),
  version: z.literal(1),
  branchName: text().optional(),
  keyDecisions: list(text(1, 200), 8),
  knownLimitations: list(text(1, 200), 6),
  testsAdded: list(text(1, 200), 10),
  filesChanged: list(text(1, 300), 20),
  correctedAssumptions: list(z.object({ assumed: text(1, 200), actual: text(1, 200) }), 6).optional(),
});

const POWERS = [
  'Counter-Positioning',
  'Switching Costs',
  'Network Economies',
  'Scale Economies',
  'Cornered Resource',
  'Process Power',
  'Branding',
  'None_Imitable',
] as const;

const differentiationHandoff = z.strictObject({
  kind: z.literal('wr.differentiation_handoff'),
  version: z.literal(1),
  schemaVersion: z.literal('1.0.0'),
  generatedAt: dateTime,
  evidenceFreshness: z.object({ oldestCapturedAt: dateTime, newestCapturedAt: dateTime }),
  validationChecklist: list(text(1, 200), 10),
  shapingHandoff: z.object({
    rawIdea: text(),
    problem: text(),
    baseline: text(),
    appetiteHint: z.enum(['small_batch', 'big_batch']),
    noGosHints: z.array(text()),
    constraints: z.object({
      teamSize: z.int().min(1),
      technicalCapabilities: z.array(text()).min(1),
      exclusions: z.array(text()).optional(),
    }),
    evidenceTopK: list(z.uuid(), 10),
    defensibilityClaim: z.object({ power: z.enum(POWERS), cannibalization: z.string() }),
  }),
});

/** A dimension value: a level name, or `{level, rationale?}` (strict). */
export const assessmentDimensionValue = z.union([
  text(),
  z.strictObject({ level: text(), rationale: text(1, 512).optional() }),
]);

const assessment = z.strictObject({
  kind: z.literal('wr.assessment'),
  assessmentId: text(1, 64).optional(),
  dimensions: z
    .record(z.string(), assessmentDimensionValue)
    .refine((dims) => Object.keys(dims).length >= 1, 'needs at least one dimension'),
  summary: z.string().max(1024).optional(),
});

/** The artifact shape required by each contract ref. */
export const CONTRACT_SCHEMAS: { readonly [ref in ContractRef]: z.ZodType } = {
  'wr.contracts.loop_control': loopControl,
  'wr.contracts.review_verdict': reviewVerdict,
  'wr.contracts.coordinator_signal': coordinatorSignal,
  'wr.contracts.gate_verdict': gateVerdict,
  'wr.contracts.discovery_handoff': discoveryHandoff,
  'wr.contracts.shaping_handoff': shapingHandoff,
  'wr.contracts.coding_handoff': codingHandoff,
  'wr.contracts.differentiation_handoff': differentiationHandoff,
  'wr.contracts.assessment': assessment,
};

export type LoopControlArtifact = z.infer<typeof loopControl>;
export type AssessmentArtifact = z.infer<typeof assessment>;
