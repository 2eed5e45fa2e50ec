// The console's workflow catalogue (docs/console.md §3.3, §4.1 GET /workflows[/:id]): every listed workflow with
// where it was loaded from, and the files that failed validation, listed rather than hidden.
import type { CatalogEntry, SourceDescriptor } from '../workflow/catalog.js';
import type { CompiledStep, CompiledWorkflow } from '../workflow/types.js';
import { conditionText } from './console-run.js';
import type { InvalidWorkflowView, OutlineStepView, WorkflowDetailView, WorkflowSummaryView } from './console-views.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

export interface WorkflowCatalogView {
  readonly workflows: readonly WorkflowSummaryView[];
  readonly invalid: readonly InvalidWorkflowView[];
}

/** The catalogue as seen without a workspace, or from `workspacePath` (absolute) when given. */
export function consoleWorkflows(deps: Pick<AppDeps, 'sources'>, workspacePath?: string): WorkflowCatalogView {
  const catalog = deps.sources.list(workspacePath);
  return {
    workflows: catalog.entries.filter((entry) => !entry.internal).map(workflowSummary),
    invalid: catalog.validationWarnings.map((warning) => ({
      file: warning.filePath,
      workflowId: warning.workflowId,
      source: warning.sourceKind,
      errors: warning.issues.map((issue) => ({ pointer: issue.path, message: issue.message })),
    })),
  };
}

/** One workflow with its about text, examples, preconditions and compiled outline; NOT_FOUND for an unknown id. */
export function consoleWorkflow(
  deps: Pick<AppDeps, 'sources'>,
  workflowId: string,
  workspacePath?: string,
): Result<WorkflowDetailView, AppError> {
  const entry = deps.sources.list(workspacePath).entries.find((candidate) => candidate.id === workflowId);
  if (entry === undefined) return err(appError('NOT_FOUND', `No workflow with id "${workflowId}".`));
  const workflow = entry.workflow;
  return ok({
    ...workflowSummary(entry),
    about: workflow.about ?? null,
    examples: workflow.examples,
    preconditions: workflow.preconditions,
    outline: workflow.steps.map(outlineStep),
  });
}

function workflowSummary(entry: CatalogEntry): WorkflowSummaryView {
  const workflow = entry.workflow;
  return {
    id: entry.id,
    name: workflow.name,
    description: workflow.description,
    version: workflow.version,
    tags: entry.tags,
    stepCount: stepCount(workflow),
    workflowHash: workflow.workflowHash,
    source: { kind: entry.source.kind, label: sourceLabel(entry.source), location: entry.source.path },
    shadows: [],
    warnings: [],
  };
}

/** Where the definition came from, in the words of §3.3. */
export function sourceLabel(source: SourceDescriptor): string {
  switch (source.kind) {
    case 'bundled':
      return 'Built-in';
    case 'user':
      return 'User (~/.workrail/workflows)';
    case 'project':
      return `Project (${source.path ?? 'workspace'})`;
    case 'custom':
      return source.displayName;
    default: {
      const unreachable: never = source.kind;
      throw new Error(`unknown source kind ${String(unreachable)}`);
    }
  }
}

function stepCount(workflow: CompiledWorkflow): number {
  return workflow.steps.reduce((n, step) => n + (step.kind === 'loop' ? step.body.length : 1), 0);
}

function outlineStep(step: CompiledStep): OutlineStepView {
  const common = {
    stepId: step.id,
    title: step.title,
    kind: step.kind,
    runCondition: step.runCondition === undefined ? null : conditionText(step.runCondition),
  };
  if (step.kind !== 'loop') return { ...common, loop: null, body: [] };
  const { loop } = step;
  const detail =
    loop.items !== undefined
      ? `over ${loop.items}`
      : loop.count !== undefined
        ? `${loop.count} times`
        : loop.control?.kind === 'context_variable'
          ? conditionText(loop.control.condition)
          : loop.control?.kind === 'artifact_contract'
            ? 'controlled by wr.contracts.loop_control'
            : null;
  return {
    ...common,
    loop: { type: loop.type, maxIterations: loop.maxIterations, detail },
    body: step.body.map(outlineStep),
  };
}
