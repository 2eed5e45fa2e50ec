// Everything a completed step must satisfy, checked together (docs: workflow-format.md §6.1, §5.5).
import type { CompiledBodyStep, CompiledLoopStep, CompiledWorkflow, JsonObject } from '../workflow/types.js';
import { checkAssessments } from './assessments.js';
import { makeBlocker } from './blockers.js';
import type { EvalContext } from './conditions.js';
import {
  artifactKindOf,
  exampleArtifact,
  parseLoopControl,
  type ValidationRecord,
  validateArtifact,
} from './contracts.js';
import { evaluateCriteria } from './criteria.js';
import type { Blocker, RecordedAssessment } from './events.js';

/** What the agent submitted with `continue_workflow` (already parsed and size-checked by the caller). */
export interface SubmittedOutput {
  readonly notes?: string;
  readonly artifacts?: readonly JsonObject[];
}

export interface RequirementReport {
  readonly blockers: readonly Blocker[];
  readonly validations: readonly ValidationRecord[];
  readonly assessments: readonly RecordedAssessment[];
  readonly normalizationNotes: readonly string[];
  readonly followup?: { readonly title: string; readonly guidance: string };
  /** The decision of the last valid `wr.loop_control` artifact that applies to the enclosing loop. */
  readonly loopDecision?: 'continue' | 'stop';
}

export const CRITERIA_REF = 'wr.validationCriteria';
const LOOP_CONTROL_REF = 'wr.contracts.loop_control';

/** True when notes are absent or whitespace only (§6.2). */
export function isBlank(notes: string | undefined): boolean {
  return notes === undefined || notes.trim() === '';
}

/** Checks notes, output contract, assessments, validation criteria and loop control of `step`. */
export function checkRequirements(args: {
  readonly workflow: CompiledWorkflow;
  readonly step: CompiledBodyStep;
  readonly loop: CompiledLoopStep | null;
  readonly output: SubmittedOutput;
  readonly ctx: EvalContext;
}): RequirementReport {
  const { workflow, step, loop, output, ctx } = args;
  const artifacts = output.artifacts ?? [];
  const blockers: Blocker[] = [];
  const validations: ValidationRecord[] = [];
  const stepPointer = { kind: 'workflow_step', stepId: step.id } as const;

  if (step.notesRequired && isBlank(output.notes)) {
    blockers.push(
      makeBlocker(
        'MISSING_REQUIRED_NOTES',
        stepPointer,
        'Notes are required: recap the work done in this step.',
        'Send output.notesMarkdown with a short markdown recap.',
      ),
    );
  }
  if (step.kind === 'parallel') return { blockers, validations, assessments: [], normalizationNotes: [] };

  if (step.outputContract !== undefined) {
    const contract = checkContract(step.outputContract.contractRef, step.outputContract.required, artifacts);
    blockers.push(...contract.blockers);
    validations.push(...contract.validations);
  }

  const assessment = checkAssessments(
    {
      stepId: step.id,
      title: step.title,
      assessmentRefs: step.assessmentRefs,
      assessmentConsequences: step.assessmentConsequences,
    },
    workflow.assessments,
    artifacts,
  );
  blockers.push(...assessment.blockers);
  validations.push(...assessment.validations);

  if (step.validationCriteria !== undefined) {
    const criteriaPointer = { kind: 'output_contract', contractRef: CRITERIA_REF } as const;
    if (isBlank(output.notes)) {
      if (!step.notesRequired) {
        blockers.push(
          makeBlocker('MISSING_REQUIRED_OUTPUT', criteriaPointer, 'Notes are needed for the validation criteria.'),
        );
      }
    } else {
      const result = evaluateCriteria(step.validationCriteria, output.notes as string, ctx);
      if (result.kind === 'error') {
        blockers.push(
          makeBlocker(
            'INVARIANT_VIOLATION',
            stepPointer,
            `Validation criteria could not be evaluated: ${result.message}`,
          ),
        );
      } else {
        const issues = result.kind === 'fail' ? result.failed : [];
        validations.push({ contractRef: CRITERIA_REF, valid: issues.length === 0, issues, suggestions: [] });
        if (issues.length > 0) {
          blockers.push(
            makeBlocker(
              'INVALID_REQUIRED_OUTPUT',
              criteriaPointer,
              `Notes fail the validation criteria: ${issues.join('; ')}`,
            ),
          );
        }
      }
    }
  }

  const loopControl: LoopControlCheck = loop === null ? { blockers: [] } : checkLoopControl(loop, artifacts);
  blockers.push(...loopControl.blockers);
  const report = {
    blockers,
    validations,
    assessments: assessment.recorded,
    normalizationNotes: assessment.normalizationNotes,
  };
  const withFollowup = assessment.followup === undefined ? report : { ...report, followup: assessment.followup };
  return loopControl.decision === undefined ? withFollowup : { ...withFollowup, loopDecision: loopControl.decision };
}

function checkContract(
  contractRef: NonNullable<Extract<CompiledBodyStep, { kind: 'standard' }>['outputContract']>['contractRef'],
  required: boolean,
  artifacts: readonly JsonObject[],
): { blockers: Blocker[]; validations: ValidationRecord[] } {
  const kind = artifactKindOf(contractRef);
  const pointer = { kind: 'output_contract', contractRef } as const;
  const matching = artifacts.filter((a) => a.kind === kind);
  if (matching.length === 0) {
    if (!required) return { blockers: [], validations: [] };
    const fix = `Add to output.artifacts, for example: ${JSON.stringify(exampleArtifact(contractRef))}`;
    const issue = `artifacts: no artifact of kind "${kind}"`;
    return {
      blockers: [makeBlocker('MISSING_REQUIRED_OUTPUT', pointer, `A "${kind}" artifact is required.`, fix)],
      validations: [{ contractRef, valid: false, issues: [issue], suggestions: [fix] }],
    };
  }
  const issues = matching.flatMap((artifact) => {
    const check = validateArtifact(contractRef, artifact);
    return check.valid ? [] : check.issues;
  });
  const validations = [{ contractRef, valid: issues.length === 0, issues, suggestions: [] }];
  if (issues.length === 0) return { blockers: [], validations };
  const message = `The "${kind}" artifact does not match its contract: ${issues.join('; ')}`;
  return { blockers: [makeBlocker('INVALID_REQUIRED_OUTPUT', pointer, message)], validations };
}

type LoopControlCheck = { blockers: Blocker[]; decision?: 'continue' | 'stop' };

/** Loop-control artifacts inside a loop must be valid and name this loop when they name one (§5.5). */
function checkLoopControl(loop: CompiledLoopStep, artifacts: readonly JsonObject[]): LoopControlCheck {
  const pointer = { kind: 'output_contract', contractRef: LOOP_CONTROL_REF } as const;
  const accepted = new Set([loop.id]);
  if (loop.loop.control?.kind === 'artifact_contract' && loop.loop.control.loopId !== undefined) {
    accepted.add(loop.loop.control.loopId);
  }
  const blockers: Blocker[] = [];
  let decision: 'continue' | 'stop' | undefined;
  for (const artifact of artifacts.filter((a) => a.kind === 'wr.loop_control')) {
    const parsed = parseLoopControl(artifact);
    if (!parsed.valid) {
      blockers.push(
        makeBlocker(
          'INVALID_REQUIRED_OUTPUT',
          pointer,
          `Invalid wr.loop_control artifact: ${parsed.issues.join('; ')}`,
        ),
      );
      continue;
    }
    if (parsed.value.loopId !== undefined && !accepted.has(parsed.value.loopId)) {
      const expected = [...accepted].map((id) => `"${id}"`).join(' or ');
      blockers.push(
        makeBlocker(
          'INVALID_REQUIRED_OUTPUT',
          pointer,
          `wr.loop_control loopId "${parsed.value.loopId}" does not name this loop; use ${expected}.`,
        ),
      );
      continue;
    }
    decision = parsed.value.decision;
  }
  return decision === undefined ? { blockers } : { blockers, decision };
}
