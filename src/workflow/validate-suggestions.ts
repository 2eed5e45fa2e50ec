// Structural suggestions (docs: workflow-format.md §13.3). They never make a document invalid.
// Suggestions about features and template arguments come from compilation.

import { isLegacyWorkflowId } from './schema.js';
import { LOOP_VAR_DEFAULTS } from './schema-loop.js';
import type { LoopStep, ParallelStep, PromptValue, StandardStep, Step, WorkflowDocument } from './types.js';

const TEMPLATE_VARIABLE = /\{\{([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*\}\}/g;

type BodyStep = StandardStep | ParallelStep;

export function structuralSuggestions(doc: WorkflowDocument): string[] {
  const suggestions: string[] = [];
  if (isLegacyWorkflowId(doc.id)) {
    suggestions.push(`Workflow id "${doc.id}" has no namespace; prefer a namespaced id such as "acme.${doc.id}".`);
  }
  const loops = doc.steps.filter((step): step is LoopStep => step.type === 'loop');
  const enclosing = new Map<BodyStep, LoopStep>();
  for (const loop of loops) {
    if (loop.loop.maxIterations > 100) {
      suggestions.push(
        `Loop "${loop.id}" allows ${loop.loop.maxIterations} iterations; a limit of 100 or less is usually enough.`,
      );
    }
    const body =
      typeof loop.body === 'string' ? doc.steps.filter((step) => step.id === loop.body).slice(0, 1) : loop.body;
    for (const step of body) {
      if (step.type === 'loop') continue;
      enclosing.set(step, loop);
      if (typeof loop.body === 'string' && step.runCondition !== undefined) {
        suggestions.push(
          `Step "${step.id}" is the body of loop "${loop.id}" and has its own runCondition, which is checked on every iteration; consider a condition on the loop instead.`,
        );
      }
    }
  }
  for (const step of allBodySteps(doc.steps)) {
    if (step.type !== 'parallel' && step.validationCriteria !== undefined) {
      suggestions.push(`Step "${step.id}" uses validationCriteria; prefer an outputContract for new workflows.`);
    }
    if (loops.length > 0) suggestions.push(...foreignLoopVariables(step, enclosing.get(step), loops));
  }
  return suggestions;
}

function allBodySteps(steps: readonly Step[]): BodyStep[] {
  const result: BodyStep[] = [];
  for (const step of steps) {
    if (step.type !== 'loop') result.push(step);
    else if (typeof step.body !== 'string') result.push(...step.body);
  }
  return result;
}

function loopVariables(loop: LoopStep): string[] {
  const names = [loop.loop.iterationVar ?? LOOP_VAR_DEFAULTS.iterationVar];
  if (loop.loop.type === 'forEach') {
    names.push(loop.loop.itemVar ?? LOOP_VAR_DEFAULTS.itemVar, loop.loop.indexVar ?? LOOP_VAR_DEFAULTS.indexVar);
  }
  return names;
}

function valueTexts(value: PromptValue | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  return value.flatMap((part) => (part.kind === 'text' ? [part.text] : []));
}

function stepTexts(step: BodyStep): string[] {
  if (step.type === 'parallel')
    return [step.title, ...step.parallelDelegations.flatMap((d) => (d.goal === undefined ? [] : [d.goal]))];
  const blocks = step.promptBlocks;
  return [
    step.title,
    step.prompt ?? '',
    step.agentRole ?? '',
    ...(step.guidance ?? []),
    ...(step.promptFragments ?? []).map((fragment) => fragment.text),
    ...valueTexts(blocks?.goal),
    ...[...(blocks?.constraints ?? []), ...(blocks?.procedure ?? []), ...(blocks?.verify ?? [])].flatMap(valueTexts),
    ...Object.values(blocks?.outputRequired ?? {}),
  ];
}

/** `{{name}}` tokens naming a variable of a loop the step is not in. */
function foreignLoopVariables(step: BodyStep, own: LoopStep | undefined, loops: readonly LoopStep[]): string[] {
  const ownNames = new Set(own === undefined ? [] : loopVariables(own));
  const used = new Set<string>();
  for (const text of stepTexts(step)) {
    if (!text.includes('{{')) continue;
    for (const match of text.matchAll(TEMPLATE_VARIABLE)) used.add(match[1]!);
  }
  const suggestions: string[] = [];
  for (const name of used) {
    if (ownNames.has(name) || name === 'goal') continue;
    const loop = loops.find((candidate) => candidate !== own && loopVariables(candidate).includes(name));
    if (loop === undefined) continue;
    suggestions.push(
      `Step "${step.id}" uses {{${name}}}, a variable of loop "${loop.id}", but is not in that loop; it will render as [unset: ${name}].`,
    );
  }
  return suggestions;
}
