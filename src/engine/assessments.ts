// Assessment submissions (docs: workflow-format.md §6.4): pick the artifact per ref, match levels,
// record valid assessments and fire follow-up consequences.
import type {
  AssessmentConsequence,
  AssessmentDefinition,
  AssessmentDimension,
  JsonObject,
} from '../workflow/types.js';
import { makeBlocker } from './blockers.js';
import { type AssessmentArtifact, exampleArtifact, parseAssessment, type ValidationRecord } from './contracts.js';
import type { Blocker, RecordedAssessment } from './events.js';

const CONTRACT = 'wr.contracts.assessment' as const;
const contractPointer = { kind: 'output_contract', contractRef: CONTRACT } as const;

export interface AssessmentReport {
  readonly blockers: readonly Blocker[];
  readonly validations: readonly ValidationRecord[];
  readonly recorded: readonly RecordedAssessment[];
  readonly normalizationNotes: readonly string[];
  readonly followup?: { readonly title: string; readonly guidance: string };
}

interface StepAssessments {
  readonly stepId: string;
  readonly title: string;
  readonly assessmentRefs: readonly string[];
  readonly assessmentConsequences: readonly AssessmentConsequence[];
}

/** Checks a step's `assessmentRefs` against the submitted artifacts. */
export function checkAssessments(
  step: StepAssessments,
  definitions: readonly AssessmentDefinition[],
  artifacts: readonly JsonObject[],
): AssessmentReport {
  const submitted = artifacts.filter((a) => a.kind === 'wr.assessment');
  const blockers: Blocker[] = [];
  const validations: ValidationRecord[] = [];
  const recorded: RecordedAssessment[] = [];
  const notes: string[] = [];
  for (const ref of step.assessmentRefs) {
    const definition = definitions.find((d) => d.id === ref);
    if (definition === undefined) {
      const pointer = { kind: 'workflow_step', stepId: step.stepId } as const;
      blockers.push(makeBlocker('INVARIANT_VIOLATION', pointer, `Assessment "${ref}" is not defined by the workflow.`));
      continue;
    }
    const candidates = step.assessmentRefs.length === 1 ? submitted : submitted.filter((a) => a.assessmentId === ref);
    const artifact = candidates.at(-1);
    if (artifact === undefined) {
      const fix = `Submit ${JSON.stringify(exampleFor(definition))}`;
      blockers.push(makeBlocker('MISSING_REQUIRED_OUTPUT', contractPointer, `Assessment "${ref}" is missing.`, fix));
      continue;
    }
    const result = checkOne(definition, artifact);
    validations.push({
      contractRef: CONTRACT,
      valid: result.issues.length === 0,
      issues: result.issues,
      suggestions: [],
    });
    blockers.push(...result.blockers);
    if (result.recorded !== undefined) recorded.push(result.recorded);
    notes.push(...result.notes);
  }
  const fired = fireConsequences(step.assessmentConsequences, recorded);
  blockers.push(...fired.map((f) => f.blocker));
  const guidance = fired.map((f) => f.guidance).join('\n');
  const followup = fired.length > 0 ? { title: step.title, guidance } : undefined;
  const base = { blockers, validations, recorded, normalizationNotes: notes };
  return followup === undefined ? base : { ...base, followup };
}

interface OneResult {
  readonly blockers: readonly Blocker[];
  readonly issues: readonly string[];
  readonly notes: readonly string[];
  readonly recorded?: RecordedAssessment;
}

function checkOne(definition: AssessmentDefinition, raw: JsonObject): OneResult {
  const parsed = parseAssessment(raw);
  if (!parsed.valid) {
    const message = `Assessment "${definition.id}" does not match the wr.assessment shape.`;
    return {
      blockers: [makeBlocker('INVALID_REQUIRED_OUTPUT', contractPointer, message)],
      issues: parsed.issues,
      notes: [],
    };
  }
  const artifact: AssessmentArtifact = parsed.value;
  if (artifact.assessmentId !== undefined && artifact.assessmentId !== definition.id) {
    const issue = `assessmentId: expected "${definition.id}", got "${artifact.assessmentId}"`;
    const blocker = makeBlocker('INVALID_REQUIRED_OUTPUT', contractPointer, issue);
    return { blockers: [blocker], issues: [issue], notes: [] };
  }
  const blockers: Blocker[] = [];
  const issues: string[] = [];
  const notes: string[] = [];
  const dimensions: RecordedAssessment['dimensions'][number][] = [];
  const invalid = (dimensionId: string, message: string) => {
    const pointer = { kind: 'assessment_dimension', assessmentId: definition.id, dimensionId } as const;
    issues.push(`dimensions.${dimensionId}: ${message}`);
    blockers.push(makeBlocker('INVALID_REQUIRED_OUTPUT', pointer, `${definition.id}.${dimensionId}: ${message}`));
  };
  for (const [dimensionId, value] of Object.entries(artifact.dimensions)) {
    const declared = definition.dimensions.find((d) => d.id === dimensionId);
    if (declared === undefined) {
      invalid(dimensionId, `unknown dimension; declared: ${definition.dimensions.map((d) => d.id).join(', ')}`);
      continue;
    }
    const given = typeof value === 'string' ? value : value.level;
    const match = matchLevel(declared, given);
    if (match.kind !== 'ok') {
      invalid(dimensionId, `${match.kind} level "${given}"; levels: ${declared.levels.join(', ')}`);
      continue;
    }
    if (match.normalized) notes.push(`${definition.id}.${dimensionId}: "${given}" recorded as "${match.level}"`);
    const rationale = typeof value === 'string' ? undefined : value.rationale;
    const entry = { dimensionId, level: match.level, normalized: match.normalized };
    dimensions.push(rationale === undefined ? entry : { ...entry, rationale });
  }
  for (const declared of definition.dimensions) {
    if (declared.required !== false && !(declared.id in artifact.dimensions)) {
      invalid(declared.id, 'required dimension is missing');
    }
  }
  if (blockers.length > 0) return { blockers, issues, notes: [] };
  return { blockers, issues, notes, recorded: { assessmentId: definition.id, dimensions } };
}

type LevelMatch =
  | { readonly kind: 'ok'; readonly level: string; readonly normalized: boolean }
  | { readonly kind: 'unknown' | 'ambiguous' };

/** Exact match first, otherwise a unique case-insensitive match (§6.4). */
export function matchLevel(dimension: AssessmentDimension, given: string): LevelMatch {
  if (dimension.levels.includes(given)) return { kind: 'ok', level: given, normalized: false };
  const folded = given.toLowerCase();
  const matches = dimension.levels.filter((level) => level.toLowerCase() === folded);
  if (matches.length === 1) return { kind: 'ok', level: matches[0] as string, normalized: true };
  return { kind: matches.length === 0 ? 'unknown' : 'ambiguous' };
}

function fireConsequences(
  consequences: readonly AssessmentConsequence[],
  recorded: readonly RecordedAssessment[],
): { blocker: Blocker; guidance: string }[] {
  const fired: { blocker: Blocker; guidance: string }[] = [];
  for (const consequence of consequences) {
    const scope = recorded.filter(
      (r) => consequence.when.forAssessment === undefined || r.assessmentId === consequence.when.forAssessment,
    );
    const wanted = consequence.when.anyEqualsLevel.toLowerCase();
    const hit = scope
      .flatMap((r) => r.dimensions.map((d) => ({ assessmentId: r.assessmentId, ...d })))
      .find((d) => d.level.toLowerCase() === wanted);
    if (hit === undefined) continue;
    const pointer = {
      kind: 'assessment_dimension',
      assessmentId: hit.assessmentId,
      dimensionId: hit.dimensionId,
    } as const;
    const guidance = consequence.effect.guidance;
    const message = `${hit.assessmentId}.${hit.dimensionId} is "${hit.level}": follow-up required. ${guidance}`;
    fired.push({ blocker: makeBlocker('ASSESSMENT_FOLLOWUP_REQUIRED', pointer, message, guidance), guidance });
  }
  return fired;
}

/** A valid example artifact for one assessment definition. */
export function exampleFor(definition: AssessmentDefinition): JsonObject {
  const dimensions: { [id: string]: string } = {};
  for (const d of definition.dimensions) dimensions[d.id] = d.levels[0] ?? '';
  return { ...exampleArtifact(CONTRACT), assessmentId: definition.id, dimensions };
}
