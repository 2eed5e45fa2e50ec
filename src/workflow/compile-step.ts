// Compiles one authored standard or parallel step (docs: workflow-format.md §9.1) into compiled steps:
// template expansion, bindings, features, refs, promptBlocks rendering, virtual steps and the final
// `{{wr.` scan. compile.ts drives it over the whole document.

import { type BindingProblem, substituteBindings } from './bindings.js';
import { appendFeatureItems, mapBlockStrings, renderPromptBlocks } from './prompt-blocks.js';
import { type FeatureItems, REF_TEXT } from './refs.js';
import { expandTemplateCall } from './templates.js';
import type {
  CompiledBodyStep,
  CompiledParallelStep,
  CompiledStandardStep,
  ConfirmationRule,
  FunctionDefinition,
  OutputContract,
  ParallelStep,
  StandardStep,
  TemplateCatalog,
  ValidationIssue,
} from './types.js';
import { virtualStepsOf } from './virtual-steps.js';

/** Document-wide inputs and outputs shared by every step compilation. */
export interface CompileContext {
  readonly catalog: TemplateCatalog;
  readonly slots: ReadonlyMap<string, string>;
  /** Items of all declared features, in declaration order; undefined when no feature is declared. */
  readonly features: FeatureItems | undefined;
  readonly issues: ValidationIssue[];
  readonly suggestions: string[];
  /** Set once any step (after template expansion) uses promptBlocks. */
  usesPromptBlocks: boolean;
}

/** What the enclosing scope (workflow, or workflow + loop) gives a step. */
export interface StepScope {
  readonly functionDefinitions: readonly FunctionDefinition[];
  /** Loop defaults for body steps that do not set their own. */
  readonly notesOptional?: boolean;
  readonly requireConfirmation?: ConfirmationRule;
}

/** Maps a pointer suffix of the step being compiled (e.g. `/prompt`) to the authored field to blame. */
type Blame = (suffix: string) => string;

/** Compiles the authored step at `path` into its compiled steps, generated virtual steps included. */
export function compileBodyStep(
  step: StandardStep | ParallelStep,
  path: string,
  scope: StepScope,
  ctx: CompileContext,
): CompiledBodyStep[] {
  if (step.type === 'parallel') return compileParallel(step, (suffix) => path + suffix, scope, ctx);
  if (step.templateCall === undefined) return compileStandard(step, (suffix) => path + suffix, scope, ctx);

  const callPath = `${path}/templateCall`;
  const expansion = expandTemplateCall(step, ctx.catalog, callPath);
  ctx.issues.push(...expansion.issues);
  ctx.suggestions.push(...expansion.suggestions);
  return expansion.steps.flatMap((copy) => compileStandard(copy, () => callPath, scope, ctx));
}

function compileStandard(step: StandardStep, blame: Blame, scope: StepScope, ctx: CompileContext) {
  const scan = scanner(ctx, blame);
  const prompt =
    step.promptBlocks === undefined
      ? compilePlainPrompt(step.prompt ?? '', blame, ctx)
      : compileBlocks(step, blame, ctx);
  scan(step.title, '/title');
  if (step.agentRole !== undefined) scan(step.agentRole, '/agentRole');
  step.guidance?.forEach((item, i) => {
    scan(item, `/guidance/${i}`);
  });
  step.promptFragments?.forEach((fragment, i) => {
    scan(fragment.text, `/promptFragments/${i}/text`);
  });
  scan(step.audit?.prompt, '/audit/prompt');
  step.audit?.rubric?.forEach((item, i) => {
    scan(item, `/audit/rubric/${i}`);
  });
  scan(step.verification?.prompt, '/verification/prompt');
  scan(step.verification?.command, '/verification/command');

  const compiled: CompiledStandardStep = {
    kind: 'standard',
    id: step.id,
    title: step.title,
    prompt,
    agentRole: step.agentRole,
    guidance: step.guidance ?? [],
    promptFragments: step.promptFragments ?? [],
    runCondition: step.runCondition,
    requireConfirmation: step.requireConfirmation ?? scope.requireConfirmation,
    outputContract: compileContract(step.outputContract),
    notesRequired: notesRequired(step.notesOptional ?? scope.notesOptional, step.outputContract !== undefined),
    assessmentRefs: step.assessmentRefs ?? [],
    assessmentConsequences: step.assessmentConsequences ?? [],
    validationCriteria: step.validationCriteria,
    modelTier: step.modelTier,
    functionDefinitions: mergeFunctionDefinitions(scope.functionDefinitions, step.functionDefinitions),
    functionCalls: step.functionCalls ?? [],
    functionReferences: (step.functionReferences ?? []).map((ref) => ref.replace(/\(\)$/, '')),
  };
  return [compiled, ...compileVirtualSteps(step, scope)];
}

function compileParallel(step: ParallelStep, blame: Blame, scope: StepScope, ctx: CompileContext) {
  const scan = scanner(ctx, blame);
  scan(step.title, '/title');
  step.parallelDelegations.forEach((delegation, i) => {
    scan(delegation.goal, `/parallelDelegations/${i}/goal`);
  });
  scan(step.synthesis?.prompt, '/synthesis/prompt');

  const compiled: CompiledParallelStep = {
    kind: 'parallel',
    id: step.id,
    title: step.title,
    delegations: step.parallelDelegations,
    runCondition: step.runCondition,
    requireConfirmation: step.requireConfirmation ?? scope.requireConfirmation,
    notesRequired: notesRequired(step.notesOptional ?? scope.notesOptional, false),
  };
  return [compiled, ...compileVirtualSteps(step, scope)];
}

function compileVirtualSteps(parent: StandardStep | ParallelStep, scope: StepScope): CompiledStandardStep[] {
  return virtualStepsOf(parent).map((virtual) => ({
    kind: 'standard',
    id: virtual.id,
    title: virtual.title,
    prompt: virtual.prompt,
    guidance: [],
    promptFragments: [],
    runCondition: parent.runCondition,
    requireConfirmation: scope.requireConfirmation,
    outputContract: compileContract(virtual.outputContract),
    notesRequired: notesRequired(scope.notesOptional, virtual.outputContract !== undefined),
    assessmentRefs: [],
    assessmentConsequences: [],
    functionDefinitions: scope.functionDefinitions,
    functionCalls: [],
    functionReferences: [],
    virtualOf: { parentStepId: parent.id, role: virtual.role },
  }));
}

function compilePlainPrompt(prompt: string, blame: Blame, ctx: CompileContext): string {
  const bound = substituteBindings(prompt, ctx.slots, reporter(ctx, blame('/prompt')));
  scanner(ctx, blame)(bound, '/prompt');
  return bound;
}

function compileBlocks(step: StandardStep, blame: Blame, ctx: CompileContext): string {
  ctx.usesPromptBlocks = true;
  const scan = scanner(ctx, blame);
  const bound = mapBlockStrings(step.promptBlocks ?? {}, (text, pointer) => {
    const result = substituteBindings(text, ctx.slots, reporter(ctx, blame(`/promptBlocks${pointer}`)));
    scan(result, `/promptBlocks${pointer}`);
    return result;
  });
  const withFeatures = ctx.features === undefined ? bound : appendFeatureItems(bound, ctx.features);
  return renderPromptBlocks(withFeatures, (refId, pointer) => {
    const text = REF_TEXT.get(refId);
    if (text !== undefined) return text;
    ctx.issues.push({
      path: blame(`/promptBlocks${pointer}/refId`),
      rule: 'ref-unknown',
      message: `Unknown ref "${refId}"; known refs: ${[...REF_TEXT.keys()].join(', ')}.`,
    });
    return '';
  });
}

/** Reports `{{wr.` left in a compiled string at `path` (rule wr-token-unresolved). */
export function scanForWrTokens(ctx: CompileContext, text: string | undefined, path: string): void {
  if (text === undefined || !text.includes('{{wr.')) return;
  const token = /\{\{wr\.[^}]*\}?\}?/.exec(text)?.[0] ?? '{{wr.';
  ctx.issues.push({
    path,
    rule: 'wr-token-unresolved',
    message:
      `${token} is not resolved at compile time; only {{wr.bindings.<slotId>}} in prompt or promptBlocks ` +
      'is substituted, and refs are written as {"kind": "ref", "refId": …} parts of promptBlocks.',
  });
}

function scanner(ctx: CompileContext, blame: Blame) {
  return (text: string | undefined, suffix: string): void => scanForWrTokens(ctx, text, blame(suffix));
}

function reporter(ctx: CompileContext, path: string) {
  return (problem: BindingProblem): void => {
    ctx.issues.push({ path, rule: problem.rule, message: problem.message });
  };
}

function compileContract(contract: OutputContract | undefined): CompiledStandardStep['outputContract'] {
  return contract === undefined
    ? undefined
    : { contractRef: contract.contractRef, required: contract.required ?? true };
}

/** §6.2: notes are required unless waived by notesOptional, or by an output contract without `notesOptional: false`. */
function notesRequired(notesOptional: boolean | undefined, hasOutputContract: boolean): boolean {
  if (notesOptional === true) return false;
  return !(hasOutputContract && notesOptional !== false);
}

/** Union of outer and inner definitions; an inner definition replaces an outer one of the same name in place. */
export function mergeFunctionDefinitions(
  outer: readonly FunctionDefinition[],
  inner: readonly FunctionDefinition[] | undefined,
): readonly FunctionDefinition[] {
  if (inner === undefined || inner.length === 0) return outer;
  if (outer.length === 0) return inner;
  const byName = new Map(outer.map((definition) => [definition.name, definition]));
  for (const definition of inner) byName.set(definition.name, definition);
  return [...byName.values()];
}
