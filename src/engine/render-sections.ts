// System sections appended to a rendered step (docs: workflow-format.md §8.4 items 4–6, §9.7, §10).
import type {
  AssessmentDefinition,
  CompiledLoopStep,
  CompiledStandardStep,
  CompiledWorkflow,
  FunctionDefinition,
  JsonObject,
  ValidationCriteria,
  ValidationRule,
} from '../workflow/types.js';
import { exampleFor } from './assessments.js';
import { artifactKindOf, exampleArtifact } from './contracts.js';

/** `name(param: type, optional?: type): definition` for each definition the step references. */
export function functionsSection(step: CompiledStandardStep): string | null {
  const referenced = step.functionReferences
    .map((name) => step.functionDefinitions.find((d) => d.name === name))
    .filter((d): d is FunctionDefinition => d !== undefined);
  if (referenced.length === 0) return null;
  return ['## Functions', ...referenced.map(functionLine)].join('\n');
}

function functionLine(definition: FunctionDefinition): string {
  const params = (definition.parameters ?? []).map((p) => `${p.name}${p.required === true ? '' : '?'}: ${p.type}`);
  return `- \`${definition.name}(${params.join(', ')})\`: ${definition.definition}`;
}

/** The messages of every rule, in declaration order. */
export function criteriaMessages(criteria: ValidationCriteria): string[] {
  if (Array.isArray(criteria)) return (criteria as readonly ValidationCriteria[]).flatMap(criteriaMessages);
  if ('and' in criteria) return criteria.and.flatMap(criteriaMessages);
  if ('or' in criteria) return criteria.or.flatMap(criteriaMessages);
  if ('not' in criteria) return criteriaMessages(criteria.not).map((m) => `Must NOT hold: ${m}`);
  return [(criteria as ValidationRule).message];
}

export function criteriaSection(step: CompiledStandardStep): string | null {
  if (step.validationCriteria === undefined) return null;
  const lines = criteriaMessages(step.validationCriteria).map((m) => `- ${m}`);
  return ['## Validation', 'Your notes are checked against these rules:', ...lines].join('\n');
}

/** The contract requirement with a minimal valid `continue_workflow` call. */
export function contractSection(step: CompiledStandardStep, loop: CompiledLoopStep | null): string | null {
  if (step.outputContract === undefined) return null;
  const { contractRef, required } = step.outputContract;
  const example: JsonObject =
    contractRef === 'wr.contracts.loop_control' && loop !== null
      ? { ...exampleArtifact(contractRef), loopId: loop.id }
      : exampleArtifact(contractRef);
  const output: JsonObject = step.notesRequired
    ? { notesMarkdown: '<recap of this step>', artifacts: [example] }
    : { artifacts: [example] };
  const call = { continueToken: '<continueToken>', output };
  const need = required ? 'Required' : 'Optional';
  return [
    '## Required output',
    `${need}: one \`${artifactKindOf(contractRef)}\` artifact (contract \`${contractRef}\`) in \`output.artifacts\`.`,
    'A minimal valid call:',
    '```json',
    JSON.stringify(call),
    '```',
  ].join('\n');
}

export function assessmentSection(
  step: CompiledStandardStep,
  definitions: readonly AssessmentDefinition[],
): string | null {
  const referenced = step.assessmentRefs
    .map((ref) => definitions.find((d) => d.id === ref))
    .filter((d): d is AssessmentDefinition => d !== undefined);
  if (referenced.length === 0) return null;
  const parts = ['## Assessment', 'Submit one `wr.assessment` artifact per assessment below.'];
  for (const definition of referenced) {
    parts.push(`### ${definition.id}: ${definition.purpose}`);
    for (const d of definition.dimensions) {
      const requirement = d.required === false ? 'optional' : 'required';
      parts.push(`- \`${d.id}\` (${requirement}): ${d.purpose} Levels: ${d.levels.join(', ')}.`);
    }
    parts.push(`Example: \`${JSON.stringify(exampleFor(definition))}\``);
  }
  return parts.join('\n');
}

export const NOTES_REMINDER =
  'Notes: send `output.notesMarkdown` with a short markdown recap of the work done in this step.';

/** The final step: the last top-level step, or the last body step of a final loop not declaring loop control (§10). */
export function isFinalStep(workflow: CompiledWorkflow, stepId: string): boolean {
  const last = workflow.steps.at(-1);
  if (last === undefined) return false;
  if (last.kind !== 'loop') return last.id === stepId;
  const candidates = last.body.filter(
    (s) => s.kind !== 'standard' || s.outputContract?.contractRef !== 'wr.contracts.loop_control',
  );
  return candidates.at(-1)?.id === stepId;
}

/** The metrics footer of `metricsProfile` for this step, or null. */
export function metricsFooter(workflow: CompiledWorkflow, stepId: string): string | null {
  const profile = workflow.metricsProfile;
  if (profile === undefined || profile === 'none') return null;
  const final = isFinalStep(workflow, stepId);
  const lines: string[] = [];
  if (profile === 'coding') {
    lines.push(
      '- Keep context `metrics_commit_shas` up to date: always send the full list of commit SHAs made so far.',
    );
  }
  if (final) {
    const keys =
      profile === 'coding'
        ? [
            'metrics_outcome',
            'metrics_pr_numbers',
            'metrics_files_changed',
            'metrics_lines_added',
            'metrics_lines_removed',
          ]
        : profile === 'review'
          ? ['metrics_pr_numbers', 'metrics_outcome']
          : ['metrics_outcome'];
    lines.push(`- This is the final step: send context ${keys.map((k) => `\`${k}\``).join(', ')}.`);
    lines.push('- `metrics_outcome` is one of `success`, `partial`, `abandoned`, `error`.');
  }
  return lines.length === 0 ? null : ['## Metrics', ...lines].join('\n');
}
