// The workflow compiler (docs: workflow-format.md §9): turns a structurally valid document into the
// immutable, hashed `CompiledWorkflow` that sessions pin. Pure; per-step work lives in compile-step.ts.

import { resolveSlotValues } from './bindings.js';
import {
  type CompileContext,
  compileBodyStep,
  mergeFunctionDefinitions,
  type StepScope,
  scanForWrTokens,
} from './compile-step.js';
import { pinCompiledWorkflow } from './hash.js';
import { FEATURE_ITEMS, type FeatureItems } from './refs.js';
import type {
  CompiledBodyStep,
  CompiledLoop,
  CompiledLoopStep,
  CompiledStep,
  CompiledWorkflow,
  LoopDefinition,
  LoopStep,
  TemplateCatalog,
  ValidationIssue,
  WorkflowDocument,
} from './types.js';

export interface CompileOptions {
  readonly templates: TemplateCatalog;
  /** Project overrides already read from `.workrail/bindings.json` (see resolveBindingsFile). */
  readonly bindings?: { readonly [slotId: string]: string };
}

export type CompileResult =
  | { readonly ok: true; readonly workflow: CompiledWorkflow; readonly suggestions: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Compiles `doc` (which has passed structural validation) in the order of §9.1. Returns the deep-frozen,
 * hashed compiled workflow and suggestions, or every compile issue found, in document order.
 */
export function compileWorkflow(doc: WorkflowDocument, options: CompileOptions): CompileResult {
  const slots = resolveSlotValues(doc.extensionPoints ?? [], options.bindings);
  const issues: ValidationIssue[] = [];
  const ctx: CompileContext = {
    catalog: options.templates,
    slots,
    features: resolveFeatures(doc.features ?? [], issues),
    issues,
    suggestions: [],
    usesPromptBlocks: false,
  };
  const steps = compileSteps(doc, ctx);
  if (issues.length > 0) return { ok: false, issues };
  if (!ctx.usesPromptBlocks) {
    for (const feature of doc.features ?? []) {
      ctx.suggestions.push(`Feature "${feature}" affects no step (no step uses promptBlocks); remove it.`);
    }
  }

  const workflow = pinCompiledWorkflow({
    id: doc.id,
    name: doc.name,
    description: doc.description,
    version: doc.version,
    about: doc.about,
    examples: doc.examples ?? [],
    metaGuidance: doc.metaGuidance ?? [],
    preconditions: doc.preconditions ?? [],
    clarificationPrompts: doc.clarificationPrompts ?? [],
    modelTier: doc.modelTier,
    recommendedPreferences: doc.recommendedPreferences,
    metricsProfile: doc.metricsProfile,
    features: doc.features ?? [],
    references: doc.references ?? [],
    extensionPoints: doc.extensionPoints ?? [],
    assessments: doc.assessments ?? [],
    functionDefinitions: doc.functionDefinitions ?? [],
    bindings: Object.fromEntries(slots),
    steps,
  });
  return { ok: true, workflow, suggestions: ctx.suggestions };
}

/** The items of all known features concatenated in declaration order; unknown ones are reported. */
function resolveFeatures(features: readonly string[], issues: ValidationIssue[]): FeatureItems | undefined {
  const known: FeatureItems[] = [];
  features.forEach((feature, i) => {
    const items = FEATURE_ITEMS.get(feature);
    if (items !== undefined) {
      known.push(items);
      return;
    }
    issues.push({
      path: `/features/${i}`,
      rule: 'feature-unknown',
      message: `Unknown feature "${feature}"; known features: ${[...FEATURE_ITEMS.keys()].join(', ')}.`,
    });
  });
  if (known.length === 0) return undefined;
  return {
    constraints: known.flatMap((items) => items.constraints),
    procedure: known.flatMap((items) => items.procedure),
    verify: known.flatMap((items) => items.verify),
  };
}

/**
 * Compiles the top-level sequence in document order, so issues come out in document order too. A step
 * named by a loop's string body is compiled where it stands, with that loop's scope, and placed inside the loop.
 */
function compileSteps(doc: WorkflowDocument, ctx: CompileContext): CompiledStep[] {
  const workflowScope: StepScope = { functionDefinitions: doc.functionDefinitions ?? [] };
  const loopScopes = new Map<LoopStep, StepScope>();
  const bodyOwner = new Map<string, LoopStep>();
  for (const step of doc.steps) {
    if (step.type !== 'loop') continue;
    loopScopes.set(step, {
      functionDefinitions: mergeFunctionDefinitions(workflowScope.functionDefinitions, step.functionDefinitions),
      notesOptional: step.notesOptional,
      requireConfirmation: step.requireConfirmation,
    });
    if (typeof step.body === 'string') bodyOwner.set(step.body, step);
  }

  const sequence: (CompiledBodyStep[] | { loop: LoopStep; inlineBody?: CompiledBodyStep[] })[] = [];
  const referencedBodies = new Map<string, CompiledBodyStep[]>();
  doc.steps.forEach((step, i) => {
    const path = `/steps/${i}`;
    if (step.type === 'loop') {
      scanForWrTokens(ctx, step.title, `${path}/title`);
      const scope = loopScopes.get(step)!;
      const inlineBody =
        typeof step.body === 'string'
          ? undefined
          : step.body.flatMap((bodyStep, j) => compileBodyStep(bodyStep, `${path}/body/${j}`, scope, ctx));
      sequence.push({ loop: step, inlineBody });
      return;
    }
    const owner = bodyOwner.get(step.id);
    const compiled = compileBodyStep(step, path, owner === undefined ? workflowScope : loopScopes.get(owner)!, ctx);
    if (owner === undefined) sequence.push(compiled);
    else referencedBodies.set(step.id, compiled);
  });

  return sequence.flatMap((entry): CompiledStep | CompiledBodyStep[] => {
    if (Array.isArray(entry)) return entry;
    const body = entry.inlineBody ?? referencedBodies.get(entry.loop.body as string);
    if (body === undefined) throw new Error(`compileWorkflow: loop ${entry.loop.id} names a missing body step`);
    return compileLoop(entry.loop, body);
  });
}

function compileLoop(step: LoopStep, body: CompiledBodyStep[]): CompiledLoopStep {
  return {
    kind: 'loop',
    id: step.id,
    title: step.title,
    loop: compileLoopDefinition(step.loop),
    body,
    runCondition: step.runCondition,
  };
}

function compileLoopDefinition(loop: LoopDefinition): CompiledLoop {
  return {
    type: loop.type,
    maxIterations: loop.maxIterations,
    control: compileLoopControl(loop),
    count: loop.count,
    items: loop.items,
    iterationVar: loop.iterationVar ?? 'currentIteration',
    itemVar: loop.itemVar ?? 'currentItem',
    indexVar: loop.indexVar ?? 'currentIndex',
  };
}

function compileLoopControl(loop: LoopDefinition): CompiledLoop['control'] {
  if (loop.type !== 'while' && loop.type !== 'until') return undefined;
  if (loop.condition !== undefined) return { kind: 'context_variable', condition: loop.condition };
  const source = loop.conditionSource;
  if (source === undefined) return undefined;
  if (source.kind === 'context_variable') return { kind: 'context_variable', condition: source.condition };
  return source.loopId === undefined
    ? { kind: 'artifact_contract' }
    : { kind: 'artifact_contract', loopId: source.loopId };
}
