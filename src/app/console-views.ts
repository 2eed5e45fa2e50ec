// The console's read models (docs/console.md §4.3): plain JSON shapes built from the store and the pinned workflow.
// src/http/schemas.ts holds the zod schemas of the same shapes (checked against these types at compile time).
// Daemon fields stay null until WorkTrain exists.

export type SessionStatus = 'in_progress' | 'blocked' | 'complete' | 'complete_with_gaps';
export type ConsoleNodeKind = 'step' | 'checkpoint' | 'blocked_attempt' | 'gate_checkpoint';
export type TraceKind =
  | 'selected_step'
  | 'skipped_step'
  | 'entered_loop'
  | 'iteration_started'
  | 'exited_loop'
  | 'fork_detected';

export interface SessionSummaryView {
  readonly sessionId: string;
  readonly title: string | null;
  readonly goal: string | null;
  readonly workflowId: string | null;
  readonly workflowName: string | null;
  readonly workflowVersion: string | null;
  readonly workflowHash: string | null;
  readonly status: SessionStatus;
  /** An in-progress editor session idle for more than an hour. */
  readonly dormant: boolean;
  readonly health: 'healthy' | 'corrupt';
  readonly source: 'editor' | 'daemon';
  readonly triggerId: string | null;
  readonly workspacePath: string;
  readonly repoRoot: string | null;
  readonly branch: string | null;
  readonly parentSessionId: string | null;
  readonly coordinatorRunId: string | null;
  readonly childCount: number;
  readonly pendingStepId: string | null;
  readonly stepsCompleted: number;
  readonly blockedAttempts: number;
  readonly hasUnresolvedGaps: boolean;
  readonly recapSnippet: string | null;
  readonly createdAt: number;
  readonly lastActivityAt: number;
  readonly durationMs: number | null;
  readonly daemon: null;
}

export interface LoopTag {
  readonly loopId: string;
  readonly iteration: number;
}

export interface RunNodeView {
  readonly nodeId: string;
  readonly kind: ConsoleNodeKind;
  readonly stepId: string | null;
  readonly stepTitle: string | null;
  readonly parentNodeId: string | null;
  readonly createdAt: number;
  readonly eventIndex: number;
  readonly isTip: boolean;
  readonly isPreferredTip: boolean;
  readonly loop: LoopTag | null;
  readonly hasNotes: boolean;
  readonly hasArtifacts: boolean;
  readonly hasFailedValidation: boolean;
  readonly hasGaps: boolean;
}

export interface RunEdgeView {
  readonly fromNodeId: string;
  readonly toNodeId: string;
  readonly kind: 'advance' | 'checkpoint';
  readonly cause: 'advance' | 'fork' | 'retry' | 'checkpoint' | 'gate';
}

/** A step the run skipped: drawn between `afterNodeId` (null at the start) and `beforeNodeId`. */
export interface GhostView {
  readonly ghostId: string;
  readonly stepId: string;
  readonly stepTitle: string;
  readonly afterNodeId: string | null;
  readonly beforeNodeId: string;
  readonly loop: LoopTag | null;
  readonly reason: string;
  /** The condition that was false, as authored. */
  readonly condition: string | null;
}

export interface LoopView {
  readonly loopId: string;
  readonly title: string;
  readonly loopType: 'while' | 'until' | 'for' | 'forEach';
  readonly iterations: readonly { readonly iteration: number; readonly nodeIds: readonly string[] }[];
  readonly exitReason: string | null;
}

export interface TraceEntryView {
  readonly kind: TraceKind;
  readonly summary: string;
  readonly stepId: string | null;
  readonly loopId: string | null;
  readonly iteration: number | null;
  readonly reason: string | null;
  readonly eventIndex: number;
  readonly at: number;
  readonly nodeId: string;
}

export interface RunView {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowHash: string;
  readonly status: SessionStatus;
  readonly preferredTipNodeId: string | null;
  readonly tipNodeIds: readonly string[];
  readonly nodes: readonly RunNodeView[];
  readonly edges: readonly RunEdgeView[];
  readonly ghostSteps: readonly GhostView[];
  readonly loops: readonly LoopView[];
  readonly trace: readonly TraceEntryView[];
  readonly contextFacts: readonly { readonly key: string; readonly value: string }[];
}

export interface MetricsView {
  readonly durationMs: number | null;
  readonly stepsCompleted: number;
  readonly retriesCount: number;
  readonly outcome: string | null;
  readonly startSha: string | null;
  readonly endSha: string | null;
}

export interface SessionDetailView extends SessionSummaryView {
  readonly run: RunView | null;
  readonly healthReason: string | null;
  readonly injectedContext: string | null;
  readonly metrics: MetricsView | null;
}

export interface ArtifactView {
  readonly nodeId: string;
  readonly stepId: string | null;
  readonly kind: string;
  readonly contentType: string;
  readonly byteLength: number;
  readonly sha256: string;
  readonly content: unknown;
}

export interface NodeDetailView {
  readonly nodeId: string;
  readonly kind: ConsoleNodeKind;
  readonly stepId: string | null;
  readonly stepTitle: string | null;
  readonly parentNodeId: string | null;
  readonly createdAt: number;
  readonly eventIndex: number;
  readonly isTip: boolean;
  readonly isPreferredTip: boolean;
  readonly loop: LoopTag | null;
  readonly prompt: string | null;
  readonly notesMarkdown: string | null;
  readonly artifacts: readonly ArtifactView[];
  readonly contextDelta: { readonly [key: string]: unknown } | null;
  readonly contextAtNode: { readonly [key: string]: unknown } | null;
  readonly validations: readonly {
    readonly validationId: string;
    readonly contractRef: string;
    readonly outcome: 'pass' | 'fail';
    readonly issues: readonly string[];
    readonly suggestions: readonly string[];
  }[];
  readonly gaps: readonly {
    readonly gapId: string;
    readonly severity: 'critical' | 'non_critical';
    readonly summary: string;
    readonly resolved: boolean;
  }[];
  readonly advance: null | {
    readonly attemptId: string;
    readonly outcome: 'advanced' | 'blocked' | 'gated';
    readonly toNodeId: string;
    readonly blockers: readonly {
      readonly code: string;
      readonly message: string;
      readonly suggestedFix: string | null;
      readonly pointer: string;
    }[];
  };
  readonly trace: readonly TraceEntryView[];
  readonly gate: null | {
    readonly gateKind: string;
    readonly verdict: string | null;
    readonly rationale: string | null;
  };
}

export interface WorkflowSummaryView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly tags: readonly string[];
  readonly stepCount: number;
  readonly workflowHash: string | null;
  readonly source: { readonly kind: string; readonly label: string; readonly location: string | null };
  readonly shadows: readonly { readonly kind: string; readonly location: string }[];
  readonly warnings: readonly string[];
}

export interface InvalidWorkflowView {
  readonly file: string;
  readonly workflowId: string | null;
  readonly source: string;
  readonly errors: readonly { readonly pointer: string; readonly message: string }[];
}

export interface OutlineStepView {
  readonly stepId: string;
  readonly title: string;
  readonly kind: 'standard' | 'loop' | 'parallel';
  readonly runCondition: string | null;
  readonly loop: null | { readonly type: string; readonly maxIterations: number; readonly detail: string | null };
  readonly body: readonly OutlineStepView[];
}

export interface WorkflowDetailView extends WorkflowSummaryView {
  readonly about: string | null;
  readonly examples: readonly string[];
  readonly preconditions: readonly string[];
  readonly outline: readonly OutlineStepView[];
}
