// Session events (docs: mcp-protocol.md §10): the source of truth of a session. The engine produces them,
// the store appends them and derives its current-state tables from them.
import type { JsonObject, JsonValue, WorkflowHash } from '../workflow/types.js';
import type { EngineState } from './state.js';

export type SessionId = `sess_${string}`;
export type RunId = `run_${string}`;
export type NodeId = `node_${string}`;
export type AttemptId = `attempt_${string}`;
export type EventId = `evt_${string}`;

export type NodeKind = 'step' | 'blocked_attempt' | 'checkpoint' | 'gate_checkpoint';
export type EdgeCause = 'advance' | 'fork' | 'retry' | 'checkpoint' | 'gate';

export type BlockerCode =
  | 'MISSING_REQUIRED_NOTES'
  | 'MISSING_REQUIRED_OUTPUT'
  | 'INVALID_REQUIRED_OUTPUT'
  | 'ASSESSMENT_FOLLOWUP_REQUIRED'
  | 'MISSING_CONTEXT_KEY'
  | 'CONTEXT_BUDGET_EXCEEDED'
  | 'INVARIANT_VIOLATION'
  | 'STORAGE_CORRUPTION_DETECTED';

export type BlockerPointer =
  | { readonly kind: 'workflow_step'; readonly stepId: string }
  | { readonly kind: 'output_contract'; readonly contractRef: string }
  | { readonly kind: 'assessment_dimension'; readonly assessmentId: string; readonly dimensionId: string }
  | { readonly kind: 'context_key'; readonly key: string }
  | { readonly kind: 'context_budget' };

export interface Blocker {
  readonly code: BlockerCode;
  readonly pointer: BlockerPointer;
  readonly message: string;
  readonly suggestedFix?: string;
}

export type DecisionTraceEntry = {
  readonly kind:
    | 'selected_step'
    | 'skipped_step'
    | 'entered_loop'
    | 'iteration_started'
    | 'exited_loop'
    | 'fork_detected';
  readonly stepId?: string;
  readonly loopId?: string;
  readonly iteration?: number;
  readonly reason?: string;
};

export interface ResolvedReference {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly purpose: string;
  readonly authoritative: boolean;
  readonly resolveFrom: 'workspace' | 'package';
  readonly resolvedPath: string | null;
}

export interface RecordedAssessment {
  readonly assessmentId: string;
  readonly dimensions: readonly {
    readonly dimensionId: string;
    readonly level: string;
    readonly rationale?: string;
    readonly normalized: boolean;
  }[];
}

export interface EventDataByKind {
  session_created: { readonly workspacePath: string; readonly createdAtMs: number };
  observation_recorded: {
    readonly key: 'repo_root' | 'repo_root_hash' | 'git_branch' | 'git_head_sha';
    readonly value: string;
    readonly confidence: 'low' | 'med' | 'high';
  };
  run_started: {
    readonly runId: RunId;
    readonly workflowId: string;
    readonly workflowHash: WorkflowHash;
    readonly sourceKind: string;
    readonly sourcePath: string | null;
    readonly goal: string;
    readonly modelTier?: string;
    readonly bindings: { readonly [slotId: string]: string };
    readonly references: readonly ResolvedReference[];
  };
  node_created: {
    readonly nodeId: NodeId;
    readonly nodeKind: NodeKind;
    readonly parentNodeId: NodeId | null;
    readonly workflowHash: WorkflowHash;
    readonly state: EngineState;
  };
  edge_created: {
    readonly fromNodeId: NodeId;
    readonly toNodeId: NodeId;
    readonly edgeKind: 'advance' | 'checkpoint';
    readonly cause: EdgeCause;
  };
  advance_recorded: {
    readonly fromNodeId: NodeId;
    readonly attemptId: AttemptId;
    readonly outcome: 'advanced' | 'blocked' | 'gated';
    readonly toNodeId: NodeId;
    readonly blockers?: readonly Blocker[];
    /** The rendered response, stored so a replay is byte-identical (§6.2). Filled in by the use case. */
    readonly response?: JsonValue;
  };
  output_appended:
    | {
        readonly nodeId: NodeId;
        readonly attemptId: AttemptId;
        readonly channel: 'notes';
        readonly notesMarkdown: string;
      }
    | {
        readonly nodeId: NodeId;
        readonly attemptId: AttemptId;
        readonly channel: 'artifact';
        readonly artifact: {
          readonly kind: string;
          readonly sha256: string;
          readonly bytes: number;
          readonly content: JsonObject;
        };
      };
  context_set: { readonly nodeId: NodeId; readonly context: JsonObject; readonly source: 'initial' | 'agent_delta' };
  validation_performed: {
    readonly attemptId: AttemptId;
    readonly contractRef: string;
    readonly valid: boolean;
    readonly issues: readonly string[];
    readonly suggestions: readonly string[];
  };
  assessment_recorded: { readonly attemptId: AttemptId } & RecordedAssessment;
  decision_trace_appended: { readonly nodeId: NodeId; readonly entries: readonly DecisionTraceEntry[] };
  checkpoint_recorded: {
    readonly checkpointNodeId: NodeId;
    readonly fromNodeId: NodeId;
    readonly attemptId: AttemptId;
  };
  run_completed: {
    readonly finalNodeId: NodeId;
    readonly durationMs: number;
    readonly git: {
      readonly startSha: string | null;
      readonly endSha: string | null;
      readonly branch: string | null;
      readonly commitShas: readonly string[];
    } | null;
  };
}

export type EventKind = keyof EventDataByKind;

/** Every event kind. The SQLite store saves a kind as its index here: append new kinds at the end, never reorder. */
export const EVENT_KINDS = [
  'session_created',
  'observation_recorded',
  'run_started',
  'node_created',
  'edge_created',
  'advance_recorded',
  'output_appended',
  'context_set',
  'validation_performed',
  'assessment_recorded',
  'decision_trace_appended',
  'checkpoint_recorded',
  'run_completed',
] as const satisfies readonly EventKind[];

/** An event as the engine produces it; the store assigns `eventId`, `sessionId` and `seq` when appending. */
export type NewEvent = {
  [K in EventKind]: {
    readonly kind: K;
    readonly runId?: RunId;
    readonly nodeId?: NodeId;
    readonly dedupeKey: string;
    readonly atMs: number;
    readonly data: EventDataByKind[K];
  };
}[EventKind];

/** An event as stored: the envelope of §10. */
export type SessionEvent = NewEvent & {
  readonly eventId: EventId;
  readonly sessionId: SessionId;
  readonly seq: number;
};
