// inspect_workflow (docs: mcp-protocol.md §4.2): metadata and the compiled outline of one workflow. Writes no
// session state; the hash is the one start_workflow would pin now for this workspace.

import type { SourceKind } from '../workflow/catalog.js';
import type {
  CompiledLoopStep,
  CompiledStep,
  CompiledWorkflow,
  Condition,
  ConfirmationRule,
  ContractRef,
  LoopType,
} from '../workflow/types.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { similarIds } from './similar-ids.js';
import { checkWorkspacePath } from './workspace-path.js';

export interface InspectWorkflowInput {
  readonly workflowId: string;
  readonly workspacePath?: string;
  readonly mode?: 'metadata' | 'preview';
}

/**
 * One step of the compiled outline. Beyond the protocol's fields it carries `runCondition` (when present),
 * `virtualOf` for generated steps, and the loop's control, so a reader can follow the flow.
 */
export interface StepOutline {
  readonly stepId: string;
  readonly kind: 'standard' | 'loop' | 'parallel';
  readonly title: string;
  readonly hasRunCondition: boolean;
  readonly runCondition?: Condition;
  readonly requireConfirmation: boolean | 'conditional';
  readonly notesRequired: boolean;
  readonly outputContract?: { readonly contractRef: ContractRef; readonly required: boolean };
  readonly loop?: {
    readonly type: LoopType;
    readonly maxIterations: number;
    readonly condition?: Condition;
    readonly controlledBy?: 'wr.contracts.loop_control';
    readonly items?: string;
    readonly count?: number | string;
    readonly body: readonly StepOutline[];
  };
  readonly delegations?: readonly string[];
  readonly virtualOf?: { readonly parentStepId: string; readonly role: 'audit' | 'verification' | 'synthesis' };
}

export interface WorkflowMetadata {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly about?: string;
  readonly examples?: readonly string[];
  readonly tags: readonly string[];
  readonly modelTier?: CompiledWorkflow['modelTier'];
  readonly metricsProfile?: CompiledWorkflow['metricsProfile'];
  readonly recommendedPreferences?: CompiledWorkflow['recommendedPreferences'];
}

export interface WorkflowPreview extends WorkflowMetadata {
  readonly metaGuidance: readonly string[];
  readonly preconditions: readonly string[];
  readonly clarificationPrompts: readonly string[];
  readonly features: readonly string[];
  readonly references: readonly {
    readonly id: string;
    readonly title: string;
    readonly source: string;
    readonly purpose: string;
    readonly authoritative: boolean;
    readonly resolveFrom: 'workspace' | 'package';
    readonly resolvedPath: string | null;
  }[];
  readonly steps: readonly StepOutline[];
  readonly firstStep: { readonly stepId: string; readonly title: string; readonly prompt: string } | null;
}

export interface InspectWorkflowOutput {
  readonly workflowId: string;
  readonly workflowHash: string;
  readonly mode: 'metadata' | 'preview';
  readonly source: { readonly kind: SourceKind; readonly displayName: string; readonly path: string | null };
  readonly workflow: WorkflowMetadata | WorkflowPreview;
}

/** Describes `workflowId` as resolved for the workspace. NOT_FOUND (with similarIds) or PRECONDITION_FAILED (issues). */
export function inspectWorkflow(deps: AppDeps, input: InspectWorkflowInput): Result<InspectWorkflowOutput, AppError> {
  const workspace = checkWorkspacePath(input.workspacePath);
  if (!workspace.ok) return workspace;
  if (workspace.value !== undefined) deps.sources.rememberRoot(workspace.value, deps.clock.now());

  const resolved = deps.sources.get(input.workflowId, workspace.value);
  if (resolved === undefined) {
    const known = deps.sources.list(workspace.value).entries.map((entry) => entry.id);
    const similar = similarIds(input.workflowId, known);
    return err(
      appError('NOT_FOUND', `No workflow with id "${input.workflowId}".`, {
        similarIds: similar,
        suggestion: similar.length > 0 ? `Did you mean ${similar[0]}?` : 'Call list_workflows to see the catalog.',
      }),
    );
  }
  if (!resolved.compiled.ok) {
    return err(
      appError('PRECONDITION_FAILED', `Workflow "${input.workflowId}" does not compile for this workspace.`, {
        issues: resolved.compiled.issues,
      }),
    );
  }

  const { entry } = resolved;
  const workflow = resolved.compiled.workflow;
  const mode = input.mode ?? 'preview';
  const metadata = toMetadata(workflow, entry.tags);
  return ok({
    workflowId: entry.id,
    workflowHash: workflow.workflowHash,
    mode,
    source: { kind: entry.source.kind, displayName: entry.source.displayName, path: entry.source.path },
    workflow:
      mode === 'metadata'
        ? metadata
        : {
            ...metadata,
            metaGuidance: workflow.metaGuidance,
            preconditions: workflow.preconditions,
            clarificationPrompts: workflow.clarificationPrompts,
            features: workflow.features,
            references: workflow.references.map((reference) => ({
              id: reference.id,
              title: reference.title,
              source: reference.source,
              purpose: reference.purpose,
              authoritative: reference.authoritative,
              resolveFrom: reference.resolveFrom ?? 'workspace',
              resolvedPath: deps.sources.resolveReference(reference, workspace.value),
            })),
            steps: workflow.steps.map(outlineStep),
            firstStep: firstStep(workflow),
          },
  });
}

function toMetadata(workflow: CompiledWorkflow, tags: readonly string[]): WorkflowMetadata {
  return {
    name: workflow.name,
    description: workflow.description,
    version: workflow.version,
    ...(workflow.about === undefined ? {} : { about: workflow.about }),
    ...(workflow.examples.length === 0 ? {} : { examples: workflow.examples }),
    tags,
    ...(workflow.modelTier === undefined ? {} : { modelTier: workflow.modelTier }),
    ...(workflow.metricsProfile === undefined ? {} : { metricsProfile: workflow.metricsProfile }),
    ...(workflow.recommendedPreferences === undefined
      ? {}
      : { recommendedPreferences: workflow.recommendedPreferences }),
  };
}

function outlineStep(step: CompiledStep): StepOutline {
  const common = {
    stepId: step.id,
    title: step.title,
    hasRunCondition: step.runCondition !== undefined,
    ...(step.runCondition === undefined ? {} : { runCondition: step.runCondition }),
  };
  switch (step.kind) {
    case 'standard':
      return {
        ...common,
        kind: 'standard',
        requireConfirmation: confirmation(step.requireConfirmation),
        notesRequired: step.notesRequired,
        ...(step.outputContract === undefined ? {} : { outputContract: step.outputContract }),
        ...(step.virtualOf === undefined ? {} : { virtualOf: step.virtualOf }),
      };
    case 'parallel':
      return {
        ...common,
        kind: 'parallel',
        requireConfirmation: confirmation(step.requireConfirmation),
        notesRequired: step.notesRequired,
        delegations: step.delegations.map((delegation) => delegation.workflowId),
      };
    case 'loop':
      return { ...common, kind: 'loop', requireConfirmation: false, notesRequired: false, loop: outlineLoop(step) };
    default: {
      const unreachable: never = step;
      throw new Error(`unknown step kind ${JSON.stringify(unreachable)}`);
    }
  }
}

function outlineLoop(step: CompiledLoopStep): NonNullable<StepOutline['loop']> {
  const { loop } = step;
  return {
    type: loop.type,
    maxIterations: loop.maxIterations,
    ...(loop.control?.kind === 'context_variable' ? { condition: loop.control.condition } : {}),
    ...(loop.control?.kind === 'artifact_contract' ? { controlledBy: 'wr.contracts.loop_control' as const } : {}),
    ...(loop.items === undefined ? {} : { items: loop.items }),
    ...(loop.count === undefined ? {} : { count: loop.count }),
    body: step.body.map(outlineStep),
  };
}

function confirmation(rule: ConfirmationRule | undefined): boolean | 'conditional' {
  if (rule === undefined || typeof rule === 'boolean') return rule === true;
  if ('kind' in rule) return rule.condition === undefined ? true : 'conditional';
  return 'conditional';
}

function firstStep(workflow: CompiledWorkflow): WorkflowPreview['firstStep'] {
  const first = workflow.steps[0];
  const step = first?.kind === 'loop' ? first.body[0] : first;
  if (step === undefined) return null;
  const prompt =
    step.kind === 'standard'
      ? step.prompt
      : `Run these delegations in parallel: ${step.delegations.map((d) => d.workflowId).join(', ')}.`;
  return { stepId: step.id, title: step.title, prompt };
}
