// Execution responses (docs: mcp-protocol.md §5): the objects start_workflow and continue_workflow return, which
// the MCP adapter sends as structuredContent and renders as text. Built only from plain JSON values, so a response
// stored with its advance replays byte-identical (§6.2).
import type { Blocker, EngineState, PendingState } from '../engine/index.js';
import { type PendingView, pendingStepOf, renderPendingStep } from '../engine/index.js';
import type { CheckpointToken, ContinueToken } from '../tokens/index.js';
import type { CompiledWorkflow, JsonObject, JsonValue } from '../workflow/types.js';

export interface ResponseWarning {
  readonly code: string;
  readonly message: string;
  readonly details?: { readonly [key: string]: JsonValue };
}

export type NextIntent = 'perform_pending_then_continue' | 'await_user_confirmation' | 'rehydrate_only' | 'complete';

export interface NextCall {
  readonly tool: 'continue_workflow';
  readonly params: {
    readonly continueToken: string;
    readonly intent?: 'rehydrate';
    readonly workspacePath?: string;
  };
}

export const PREFERENCES = { autonomy: 'guided', riskPolicy: 'conservative' } as const;

/** Shown before the first step of a start response (§4.3; workflow-format.md §10, §9.6). */
export interface WorkflowGuidance {
  readonly metaGuidance: readonly string[];
  readonly preconditions: readonly string[];
  readonly clarificationPrompts: readonly string[];
  readonly references: readonly {
    readonly id: string;
    readonly title: string;
    readonly purpose: string;
    readonly authoritative: boolean;
    readonly resolvedPath: string | null;
  }[];
}

/** The recovery context of a rehydrate response (§6.3): parts in order, oldest first; `droppedParts` fell off. */
export interface RecoveryContext {
  readonly parts: readonly {
    readonly kind: 'notes' | 'fork' | 'blockers' | 'functions' | 'metaGuidance' | 'references' | 'bindingDrift';
    readonly title: string;
    readonly text: string;
  }[];
  readonly droppedParts: number;
}

export interface StepContextView {
  readonly assessments: readonly {
    readonly assessmentId: string;
    readonly dimensions: readonly {
      readonly dimensionId: string;
      readonly level: string;
      readonly rationale?: string;
    }[];
    readonly normalizationNotes: readonly string[];
  }[];
}

/** `kind: "ok"` or `"blocked"` (§5.1, §5.3). Optional fields are absent, never undefined. */
export interface StepResponse {
  readonly kind: 'ok' | 'blocked';
  readonly isComplete: boolean;
  readonly pending: PendingView | null;
  readonly continueToken?: ContinueToken;
  readonly checkpointToken?: CheckpointToken;
  readonly preferences: typeof PREFERENCES;
  readonly nextIntent: NextIntent;
  readonly nextCall: NextCall | null;
  readonly blockers?: readonly Blocker[];
  readonly retryable?: boolean;
  readonly retryContinueToken?: ContinueToken;
  readonly validation?: { readonly issues: readonly string[]; readonly suggestions: readonly string[] };
  readonly assessmentFollowup?: { readonly title: string; readonly guidance: string };
  readonly stepContext?: StepContextView;
  /** Start responses only. */
  readonly guidance?: WorkflowGuidance;
  /** Rehydrate responses only. */
  readonly recoveryContext?: RecoveryContext;
  /** Complete responses only: how many steps this path completed. */
  readonly summary?: { readonly stepsCompleted: number };
  readonly warnings?: readonly ResponseWarning[];
  readonly staleRoots?: readonly string[];
}

/** An autonomous session parked at a gate (§5.4). */
export interface GateResponse {
  readonly kind: 'gate_checkpoint';
  readonly isComplete: false;
  readonly gateToken: ContinueToken;
  readonly stepId: string;
  readonly gateKind: 'coordinator_eval' | 'human_approval';
  readonly warnings?: readonly ResponseWarning[];
}

export type ExecutionResponse = StepResponse | GateResponse;

export interface TokenPair {
  readonly continueToken: ContinueToken;
  readonly checkpointToken: CheckpointToken;
}

export interface PendingArgs {
  readonly workflow: CompiledWorkflow;
  readonly state: PendingState;
  readonly context: JsonObject;
  readonly tokens: TokenPair;
  /** Defaults to the step's own intent (`await_user_confirmation` when its rule holds). */
  readonly rehydrate?: boolean;
}

/** The pending step with its tokens (§5.1). */
export function pendingResponse(args: PendingArgs): StepResponse {
  const rendered = renderPending(args.workflow, args.state, args.context);
  const nextIntent: NextIntent =
    args.rehydrate === true
      ? 'rehydrate_only'
      : rendered.requireConfirmation
        ? 'await_user_confirmation'
        : 'perform_pending_then_continue';
  return {
    kind: 'ok',
    isComplete: false,
    pending: rendered.pending,
    continueToken: args.tokens.continueToken,
    checkpointToken: args.tokens.checkpointToken,
    preferences: PREFERENCES,
    nextIntent,
    nextCall: nextCallFor(args.tokens.continueToken),
  };
}

/** The same pending step, refused (§5.3): tokens name a fresh attempt at the blocked_attempt node. */
export function blockedResponse(
  args: PendingArgs & {
    readonly blockers: readonly Blocker[];
    readonly retryable: boolean;
    readonly validation?: StepResponse['validation'];
    readonly assessmentFollowup?: StepResponse['assessmentFollowup'];
  },
): StepResponse {
  const base = pendingResponse(args);
  return {
    ...base,
    kind: 'blocked',
    nextIntent: 'perform_pending_then_continue',
    blockers: args.blockers,
    retryable: args.retryable,
    retryContinueToken: args.tokens.continueToken,
    ...(args.validation === undefined ? {} : { validation: args.validation }),
    ...(args.assessmentFollowup === undefined ? {} : { assessmentFollowup: args.assessmentFollowup }),
  };
}

/** The finished run: no pending step, no tokens, no next call. */
export function completeResponse(state: EngineState): StepResponse {
  return {
    kind: 'ok',
    isComplete: true,
    pending: null,
    preferences: PREFERENCES,
    nextIntent: 'complete',
    nextCall: null,
    summary: { stepsCompleted: state.completedCount },
  };
}

export function gateResponse(
  gateToken: ContinueToken,
  stepId: string,
  gateKind: GateResponse['gateKind'],
): GateResponse {
  return { kind: 'gate_checkpoint', isComplete: false, gateToken, stepId, gateKind };
}

export function nextCallFor(continueToken: string): NextCall {
  return { tool: 'continue_workflow', params: { continueToken } };
}

/** Adds optional fields only when they carry something, keeping responses free of empty arrays. */
export function withExtras<R extends ExecutionResponse>(
  response: R,
  extras: {
    readonly warnings?: readonly ResponseWarning[];
    readonly staleRoots?: readonly string[];
    readonly stepContext?: StepContextView;
    readonly guidance?: WorkflowGuidance;
    readonly recoveryContext?: RecoveryContext;
  },
): R {
  const stepOnly = response.kind !== 'gate_checkpoint';
  return {
    ...response,
    ...(stepOnly && extras.stepContext !== undefined && extras.stepContext.assessments.length > 0
      ? { stepContext: extras.stepContext }
      : {}),
    ...(stepOnly && extras.guidance !== undefined ? { guidance: extras.guidance } : {}),
    ...(stepOnly && extras.recoveryContext !== undefined ? { recoveryContext: extras.recoveryContext } : {}),
    ...(extras.warnings !== undefined && extras.warnings.length > 0 ? { warnings: extras.warnings } : {}),
    ...(stepOnly && extras.staleRoots !== undefined && extras.staleRoots.length > 0
      ? { staleRoots: extras.staleRoots }
      : {}),
  };
}

/** Renders the pending step; a state that no longer fits the pinned workflow shows the bare step id. */
function renderPending(
  workflow: CompiledWorkflow,
  state: PendingState,
  context: JsonObject,
): { pending: PendingView; requireConfirmation: boolean } {
  if (pendingStepOf(workflow, state) === null) {
    return {
      pending: { stepId: state.pendingStepId, title: state.pendingStepId, prompt: '' },
      requireConfirmation: false,
    };
  }
  return renderPendingStep(workflow, state, context);
}
