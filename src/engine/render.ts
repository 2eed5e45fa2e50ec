// Rendering the pending step (docs: workflow-format.md §8.2–§8.4, §3.4; mcp-protocol.md §5.1–§5.2).
import type {
  CompiledLoopStep,
  CompiledParallelStep,
  CompiledStandardStep,
  CompiledWorkflow,
  JsonObject,
  ModelTier,
} from '../workflow/types.js';
import { type EvalContext, evaluateCondition, lookupVariable, stringForm } from './conditions.js';
import { activeDelegations } from './position.js';
import {
  assessmentSection,
  contractSection,
  criteriaSection,
  functionsSection,
  metricsFooter,
  NOTES_REMINDER,
} from './render-sections.js';
import type { LoopFrame, PendingState } from './state.js';
import { confirmationOf, type GateKind, pendingStepOf, stepContext } from './steps.js';

/** The `pending` object of an execution response (mcp-protocol §5.1). */
export interface PendingView {
  readonly stepId: string;
  readonly title: string;
  readonly prompt: string;
  readonly agentRole?: string;
  readonly modelTier?: ModelTier;
}

export interface RenderedStep {
  readonly pending: PendingView;
  /** True when the step's requireConfirmation rule holds: nextIntent is `await_user_confirmation` (§7). */
  readonly requireConfirmation: boolean;
  readonly gateKind: GateKind;
}

const TEMPLATE = /\{\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}\}/g;

/** Replaces `{{name}}` tokens (§8.2); missing or null values render `[unset: name]`, other braces stay verbatim. */
export function renderTemplate(text: string, ctx: EvalContext): string {
  return text.replace(TEMPLATE, (token, name: string) => {
    if (name.startsWith('wr.')) return token;
    const value = lookupVariable(ctx, name);
    if (value === undefined || value === null) return `[unset: ${name}]`;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * Renders the pending step of `state` with the stored `context` (plus loop variables). Throws when the state does
 * not point into the workflow: callers render only states the engine produced for this pinned workflow.
 */
export function renderPendingStep(workflow: CompiledWorkflow, state: PendingState, context: JsonObject): RenderedStep {
  const found = pendingStepOf(workflow, state);
  if (found === null) throw new Error(`state points at unknown step "${state.pendingStepId}"`);
  const { step, loop } = found;
  const ctx = stepContext(found, state, context);
  const banner = loop !== null && state.loop !== null ? loopBanner(loop, state.loop, ctx) : null;
  const body = step.kind === 'parallel' ? parallelPrompt(step, ctx) : standardPrompt(workflow, step, loop, ctx);
  const footer = metricsFooter(workflow, step.id);
  const prompt = [banner, ...body, footer].filter((part): part is string => part !== null && part !== '').join('\n\n');

  const modelTier = (step.kind === 'standard' ? step.modelTier : undefined) ?? workflow.modelTier;
  const agentRole =
    step.kind === 'standard' && step.agentRole !== undefined ? renderTemplate(step.agentRole, ctx) : undefined;
  const pending: PendingView = {
    stepId: step.id,
    title: renderTemplate(step.title, ctx),
    prompt,
    ...(agentRole === undefined ? {} : { agentRole }),
    ...(modelTier === undefined ? {} : { modelTier }),
  };
  const confirmation = confirmationOf(step.requireConfirmation, ctx);
  return { pending, requireConfirmation: confirmation.required, gateKind: confirmation.gateKind };
}

/** `Loop "<title>": pass n of at most max`, or `item n of length` for forEach (§8.4). */
export function loopBanner(loop: CompiledLoopStep, frame: LoopFrame, ctx: EvalContext): string {
  const title = renderTemplate(loop.title, ctx);
  if (loop.loop.type === 'forEach') return `Loop "${title}": item ${frame.iteration} of ${frame.itemsLength ?? '?'}`;
  return `Loop "${title}": pass ${frame.iteration} of at most ${loop.loop.maxIterations}`;
}

function standardPrompt(
  workflow: CompiledWorkflow,
  step: CompiledStandardStep,
  loop: CompiledLoopStep | null,
  ctx: EvalContext,
): (string | null)[] {
  const fragments = step.promptFragments
    .filter((f) => f.when === undefined || evaluateCondition(f.when, ctx))
    .map((f) => renderTemplate(f.text, ctx));
  const guidance =
    step.guidance.length === 0 ? null : step.guidance.map((g) => `- ${renderTemplate(g, ctx)}`).join('\n');
  return [
    renderTemplate(step.prompt, ctx),
    ...fragments,
    guidance,
    functionsSection(step),
    criteriaSection(step),
    contractSection(step, loop),
    assessmentSection(step, workflow.assessments),
    step.notesRequired ? NOTES_REMINDER : null,
  ];
}

/** The generated prompt of a parallel step (§3.4): the active delegations and how to run them. */
export function parallelPrompt(step: CompiledParallelStep, ctx: EvalContext): (string | null)[] {
  const items = activeDelegations(step, ctx).map((d, index) => {
    const inputs: { [key: string]: string } = {};
    for (const [parentKey, childKey] of Object.entries(d.contextMapping ?? {})) {
      inputs[childKey] = stringForm(lookupVariable(ctx, parentKey));
    }
    Object.assign(inputs, d.args ?? {});
    const goal = renderTemplate(d.goal ?? `Run ${d.workflowId}`, ctx);
    const lines = [`${index + 1}. **${d.workflowId}**: ${goal}`];
    const inputText = Object.entries(inputs).map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`);
    if (inputText.length > 0) lines.push(`   - Inputs: ${inputText.join(', ')}`);
    if (d.modelTier !== undefined) lines.push(`   - Model tier: ${d.modelTier}`);
    if (d.allowedTools !== undefined) lines.push(`   - Allowed tools: ${d.allowedTools.join(', ')}`);
    return lines.join('\n');
  });
  return [
    'Run the following delegations concurrently, one sub-agent each (for example a sub-agent that calls `start_workflow` with the workflow id, the goal as `goal` and the inputs as `context`).',
    items.join('\n'),
    'Wait for all of them to finish, check each deliverable, then call `continue_workflow` with notes summarising the results.',
    step.notesRequired ? NOTES_REMINDER : null,
  ];
}
