// Small builders shared by the compiler tests.
import { type CompileOptions, type CompileResult, compileWorkflow } from '../../../src/workflow/compile.js';
import { buildTemplateCatalog } from '../../../src/workflow/templates.js';
import type { CompiledWorkflow, Step, ValidationIssue, WorkflowDocument } from '../../../src/workflow/types.js';

export const S = { id: 'step-one', title: 'One', prompt: 'Do it.' } as const;

/** Base document B of workflow-format.md §13.2 with the given steps and extra top-level fields. */
export function doc(steps: readonly Step[] = [S], extra: Partial<WorkflowDocument> = {}): WorkflowDocument {
  return { id: 'acme.demo', name: 'Demo', description: 'Demo.', version: '1.0.0', steps, ...extra };
}

export function routine(name: string, steps: readonly Step[], extra: Partial<WorkflowDocument> = {}): WorkflowDocument {
  return {
    id: `wr.routine-${name}`,
    name: `Routine ${name}`,
    description: 'A routine.',
    version: '1.0.0',
    steps,
    ...extra,
  };
}

export const noTemplates: CompileOptions = { templates: buildTemplateCatalog([]) };

export function compileOk(
  d: WorkflowDocument,
  options: CompileOptions = noTemplates,
): { workflow: CompiledWorkflow; suggestions: readonly string[] } {
  const result = compileWorkflow(d, options);
  if (!result.ok) throw new Error(`expected compile to succeed: ${JSON.stringify(result.issues)}`);
  return result;
}

export function compileIssues(d: WorkflowDocument, options: CompileOptions = noTemplates): readonly ValidationIssue[] {
  const result: CompileResult = compileWorkflow(d, options);
  if (result.ok) throw new Error('expected compile to fail');
  return result.issues;
}

/** `[rule, path]` pairs, for exact comparison. */
export function rulesAndPaths(issues: readonly ValidationIssue[]): [string, string][] {
  return issues.map((issue) => [issue.rule, issue.path]);
}
