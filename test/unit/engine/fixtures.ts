// Tiny hand-built compiled workflows for engine tests (independent of the compiler).
import type { NodeId } from '../../../src/engine/events.js';
import type {
  CompiledBodyStep,
  CompiledLoop,
  CompiledLoopStep,
  CompiledParallelStep,
  CompiledStandardStep,
  CompiledStep,
  CompiledWorkflow,
  ParallelDelegation,
} from '../../../src/workflow/types.js';

export function std(id: string, overrides: Partial<CompiledStandardStep> = {}): CompiledStandardStep {
  return {
    kind: 'standard',
    id,
    title: `Title ${id}`,
    prompt: `Do ${id}.`,
    guidance: [],
    promptFragments: [],
    notesRequired: true,
    assessmentRefs: [],
    assessmentConsequences: [],
    functionDefinitions: [],
    functionCalls: [],
    functionReferences: [],
    ...overrides,
  };
}

export function par(
  id: string,
  delegations: readonly ParallelDelegation[],
  overrides: Partial<CompiledParallelStep> = {},
): CompiledParallelStep {
  return { kind: 'parallel', id, title: `Title ${id}`, delegations, notesRequired: true, ...overrides };
}

export function loopStep(
  id: string,
  loop: Partial<CompiledLoop> & Pick<CompiledLoop, 'type'>,
  body: readonly CompiledBodyStep[],
  overrides: Partial<CompiledLoopStep> = {},
): CompiledLoopStep {
  return {
    kind: 'loop',
    id,
    title: `Loop ${id}`,
    loop: {
      maxIterations: 10,
      iterationVar: 'currentIteration',
      itemVar: 'currentItem',
      indexVar: 'currentIndex',
      ...loop,
    },
    body,
    ...overrides,
  };
}

export function workflow(steps: readonly CompiledStep[], overrides: Partial<CompiledWorkflow> = {}): CompiledWorkflow {
  return {
    id: 'test.workflow',
    name: 'Test workflow',
    description: 'A workflow for tests.',
    version: '1.0.0',
    examples: [],
    metaGuidance: [],
    preconditions: [],
    clarificationPrompts: [],
    features: [],
    references: [],
    extensionPoints: [],
    assessments: [],
    functionDefinitions: [],
    bindings: {},
    steps,
    workflowHash: 'sha256:0000',
    ...overrides,
  };
}

/** A deterministic id source: node_1, node_2, … */
export function counterIds(): <P extends string>(prefix: P) => `${P}_${string}` {
  let n = 0;
  return <P extends string>(prefix: P) => {
    n += 1;
    return `${prefix}_${n}` as `${P}_${string}`;
  };
}

export const ROOT = 'node_root' as NodeId;
