// Routine templates (docs: workflow-format.md §9.2): the catalog built from bundled routines, and the
// expansion of one `templateCall` step into copies of the routine's steps.

import type {
  Condition,
  JsonValue,
  RoutineTemplate,
  StandardStep,
  TemplateCatalog,
  ValidationIssue,
  WorkflowDocument,
} from './types.js';

const ROUTINE_ID = /^wr\.routine-(.+)$/;
/** `{argName}`: single braces around an identifier, not part of `{{…}}`. */
const PLACEHOLDER = /(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g;

/**
 * Builds the template catalog from bundled routine workflows: id `wr.routine-<name>` provides template
 * `wr.templates.routine.<name>`. Documents with other ids are ignored, and so is a routine that breaks
 * §9.2 (a step that is not a standard step with a `prompt`, or any `templateCall`).
 */
export function buildTemplateCatalog(routines: readonly WorkflowDocument[]): TemplateCatalog {
  const catalog = new Map<string, RoutineTemplate>();
  for (const doc of routines) {
    const name = ROUTINE_ID.exec(doc.id)?.[1];
    if (name === undefined) continue;
    const steps: StandardStep[] = [];
    for (const step of doc.steps) {
      if (step.type !== undefined || step.prompt === undefined || step.templateCall !== undefined) break;
      steps.push(step);
    }
    if (steps.length !== doc.steps.length) continue;
    const templateId = `wr.templates.routine.${name}`;
    catalog.set(templateId, { templateId, routineId: doc.id, metaGuidance: doc.metaGuidance ?? [], steps });
  }
  return catalog;
}

export interface TemplateExpansion {
  readonly steps: readonly StandardStep[];
  readonly issues: readonly ValidationIssue[];
  readonly suggestions: readonly string[];
}

/**
 * Replaces a `templateCall` step by copies of the routine's steps: ids `<callerId>.<routineStepId>`,
 * `{argName}` placeholders filled in titles and prompts, routine metaGuidance appended to guidance,
 * runCondition = caller AND own, and the caller's requireConfirmation on the last copy.
 * Problems are reported at `callPath` (the caller's `/templateCall`).
 */
export function expandTemplateCall(
  caller: StandardStep,
  catalog: TemplateCatalog,
  callPath: string,
): TemplateExpansion {
  const call = caller.templateCall;
  if (call === undefined) throw new Error(`expandTemplateCall: step ${caller.id} has no templateCall`);
  const template = catalog.get(call.templateId);
  if (template === undefined) {
    const issue = {
      path: callPath,
      rule: 'template-unknown',
      message: `Unknown template "${call.templateId}". ${describeCatalog(catalog)}`,
    };
    return { steps: [], issues: [issue], suggestions: [] };
  }

  const args = call.args ?? {};
  const issues: ValidationIssue[] = [];
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(args)) {
    const text = argumentText(value);
    if (text === undefined) {
      issues.push({
        path: callPath,
        rule: 'template-arg-type',
        message: `Argument "${name}" must be a string, number or boolean, not ${describeJson(value)}.`,
      });
    } else {
      values.set(name, text);
    }
  }

  const used = new Set<string>();
  const missing = new Set<string>();
  const fill = (text: string): string =>
    text.replace(PLACEHOLDER, (token, name: string) => {
      used.add(name);
      const value = values.get(name);
      if (value === undefined && !Object.hasOwn(args, name)) missing.add(name);
      return value ?? token;
    });

  const last = template.steps.length - 1;
  const steps = template.steps.map((routineStep, index): StandardStep => {
    const copy: StandardStep = {
      ...routineStep,
      id: `${caller.id}.${routineStep.id}`,
      title: fill(routineStep.title),
      prompt: routineStep.prompt === undefined ? undefined : fill(routineStep.prompt),
      guidance: [...(routineStep.guidance ?? []), ...template.metaGuidance],
      runCondition: conjoin(caller.runCondition, routineStep.runCondition),
    };
    if (index === last && caller.requireConfirmation !== undefined) {
      return { ...copy, requireConfirmation: caller.requireConfirmation };
    }
    return copy;
  });

  for (const name of missing) {
    issues.push({
      path: callPath,
      rule: 'template-arg-missing',
      message: `Template "${call.templateId}" uses {${name}}; add "${name}" to templateCall.args.`,
    });
  }
  const suggestions = Object.keys(args)
    .filter((name) => !used.has(name))
    .map((name) => `Step "${caller.id}": template argument "${name}" is not used by "${call.templateId}"; remove it.`);
  return { steps: issues.length > 0 ? [] : steps, issues, suggestions };
}

function argumentText(value: JsonValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : 'an object';
}

function conjoin(caller: Condition | undefined, own: Condition | undefined): Condition | undefined {
  if (caller === undefined) return own;
  if (own === undefined) return caller;
  return { and: [caller, own] };
}

function describeCatalog(catalog: TemplateCatalog): string {
  if (catalog.size === 0) return 'No templates are available.';
  const ids = [...catalog.keys()].sort();
  const shown = ids.slice(0, 10).join(', ');
  return `Known templates: ${shown}${ids.length > 10 ? ', …' : ''}.`;
}
