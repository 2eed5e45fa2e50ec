// Rows of the PostgreSQL tables and their conversion to the SessionStore's values (column names stay snake_case here
// and in the SQL, nowhere else). bigint and integer columns arrive as numbers, booleans as booleans (connection.ts).
import type { AttemptId, NodeId, RunId, SessionEvent, SessionId } from '../../engine/events.js';
import type { EngineState } from '../../engine/state.js';
import type { Token, TokenKind } from '../../tokens/index.js';
import type { WorkflowHash } from '../../workflow/types.js';
import type {
  SessionMetrics,
  SessionObservations,
  SessionSummary,
  StoredEdge,
  StoredNode,
  StoredOutput,
  StoredRun,
  TokenRecord,
} from '../session-store.js';

export interface ObservationColumns {
  repo_root: string | null;
  repo_root_hash: string | null;
  git_branch: string | null;
  git_head_sha: string | null;
}
export interface RunColumns {
  run_id: RunId | null;
  workflow_id: string;
  workflow_hash: WorkflowHash;
  source_kind: string;
  source_path: string | null;
  run_goal: string;
  model_tier: string | null;
  bindings: string;
  refs: string;
  started_at_ms: number;
  is_complete: boolean;
  completed_at_ms: number | null;
  final_node_id: NodeId | null;
  preferred_tip_node_id: NodeId | null;
}
export interface NodeRow {
  node_id: NodeId;
  node_kind: StoredNode['nodeKind'];
  parent_node_id: NodeId | null;
  workflow_hash: WorkflowHash;
  state: string;
  created_seq: number;
  created_at_ms: number;
}
export interface EdgeRow {
  from_node_id: NodeId;
  to_node_id: NodeId;
  edge_kind: StoredEdge['edgeKind'];
  cause: StoredEdge['cause'];
  created_seq: number;
}
export interface EventRow {
  session_id: SessionId;
  seq: number;
  event_id: string;
  kind: SessionEvent['kind'];
  run_id: string | null;
  node_id: string | null;
  dedupe_key: string;
  at_ms: number;
  data: string;
}
export interface TokenRow {
  token: Token;
  kind: TokenKind;
  session_id: SessionId;
  run_id: RunId;
  node_id: NodeId;
  attempt_id: AttemptId | null;
  workflow_hash: WorkflowHash;
  created_at_ms: number;
}
export interface OutputRow {
  node_id: NodeId;
  attempt_id: AttemptId;
  seq: number;
  channel: 'notes' | 'artifact';
  at_ms: number;
  data: string;
}
export interface SummaryRow extends ObservationColumns {
  session_id: SessionId;
  workspace_path: string;
  created_at_ms: number;
  last_activity_ms: number;
  title: string | null;
  goal: string | null;
  run_id: RunId | null;
  workflow_id: string | null;
  workflow_hash: WorkflowHash | null;
  is_complete: boolean;
  preferred_tip_node_id: NodeId | null;
  tip_state: string | null;
}
export interface MetricsRow {
  session_id: SessionId;
  started_at_ms: number;
  ended_at_ms: number | null;
  duration_ms: number | null;
  steps_advanced: number;
  blocked_attempts: number;
  outcome: string | null;
  is_complete: boolean;
  start_sha: string | null;
  end_sha: string | null;
}

export function toObservations(row: ObservationColumns): SessionObservations {
  return {
    repoRoot: row.repo_root,
    repoRootHash: row.repo_root_hash,
    gitBranch: row.git_branch,
    gitHeadSha: row.git_head_sha,
  };
}

/** Null when the row carries no run (a LEFT JOIN that found none). */
export function toRun(row: RunColumns): StoredRun | null {
  if (row.run_id === null) return null;
  return {
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowHash: row.workflow_hash,
    sourceKind: row.source_kind,
    sourcePath: row.source_path,
    goal: row.run_goal,
    modelTier: row.model_tier,
    bindings: JSON.parse(row.bindings) as StoredRun['bindings'],
    references: JSON.parse(row.refs) as StoredRun['references'],
    startedAtMs: row.started_at_ms,
    isComplete: row.is_complete,
    completedAtMs: row.completed_at_ms,
    finalNodeId: row.final_node_id,
    preferredTipNodeId: row.preferred_tip_node_id,
  };
}

/** A node's engine state, or null when the stored text is not a pending/complete state (§9 `missing_node_state`). */
export function parseState(text: string | null): EngineState | null {
  if (text === null) return null;
  try {
    const state = JSON.parse(text) as { kind?: unknown } | null;
    if (typeof state !== 'object' || state === null) return null;
    return state.kind === 'pending' || state.kind === 'complete' ? (state as EngineState) : null;
  } catch {
    return null;
  }
}

export function toNode(row: NodeRow, state: EngineState): StoredNode {
  return {
    nodeId: row.node_id,
    nodeKind: row.node_kind,
    parentNodeId: row.parent_node_id,
    workflowHash: row.workflow_hash,
    state,
    createdAtMs: row.created_at_ms,
    seq: row.created_seq,
  };
}

export function toEdge(row: EdgeRow): StoredEdge {
  return {
    fromNodeId: row.from_node_id,
    toNodeId: row.to_node_id,
    edgeKind: row.edge_kind,
    cause: row.cause,
    seq: row.created_seq,
  };
}

export function toEvent(row: EventRow): SessionEvent {
  return {
    eventId: row.event_id,
    sessionId: row.session_id,
    seq: row.seq,
    kind: row.kind,
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(row.node_id === null ? {} : { nodeId: row.node_id }),
    dedupeKey: row.dedupe_key,
    atMs: row.at_ms,
    data: JSON.parse(row.data),
  } as SessionEvent;
}

export function toTokenRecord(row: TokenRow): TokenRecord {
  return {
    token: row.token,
    kind: row.kind,
    sessionId: row.session_id,
    runId: row.run_id,
    nodeId: row.node_id,
    attemptId: row.attempt_id,
    workflowHash: row.workflow_hash,
    createdAtMs: row.created_at_ms,
  };
}

export function toOutput(row: OutputRow): StoredOutput {
  const base = { nodeId: row.node_id, attemptId: row.attempt_id, seq: row.seq, atMs: row.at_ms };
  const data = JSON.parse(row.data) as {
    notesMarkdown?: string;
    artifact?: Extract<StoredOutput, { channel: 'artifact' }>['artifact'];
  };
  if (row.channel === 'notes') return { channel: 'notes', ...base, notesMarkdown: data.notesMarkdown ?? '' };
  return { channel: 'artifact', ...base, artifact: data.artifact! };
}

export function toSummary(row: SummaryRow): SessionSummary {
  return {
    sessionId: row.session_id,
    workspacePath: row.workspace_path,
    createdAtMs: row.created_at_ms,
    lastActivityMs: row.last_activity_ms,
    title: row.title,
    goal: row.goal,
    observations: toObservations(row),
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowHash: row.workflow_hash,
    preferredTipNodeId: row.preferred_tip_node_id,
    pendingStepId: row.is_complete ? null : pendingStepOf(row.tip_state),
    isComplete: row.is_complete,
  };
}

function pendingStepOf(state: string | null): string | null {
  const parsed = parseState(state) as { pendingStepId?: unknown } | null;
  return typeof parsed?.pendingStepId === 'string' ? parsed.pendingStepId : null;
}

export function toMetrics(row: MetricsRow): SessionMetrics {
  return {
    sessionId: row.session_id,
    startedAtMs: row.started_at_ms,
    endedAtMs: row.ended_at_ms,
    durationMs: row.duration_ms,
    stepsAdvanced: row.steps_advanced,
    blockedAttempts: row.blocked_attempts,
    outcome: row.outcome,
    isComplete: row.is_complete,
    startSha: row.start_sha,
    endSha: row.end_sha,
  };
}
