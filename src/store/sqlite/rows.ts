// Rows of the SQLite tables and their conversion to the SessionStore's values (column names stay snake_case here
// and nowhere else).
import type { AttemptId, EventDataByKind, NodeId, SessionId } from '../../engine/events.js';
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
import { unpackJson, unpackString } from './data-dictionary.js';

export interface SessionRow {
  session_id: SessionId;
  workspace_path: string;
  created_at_ms: number;
  last_activity_ms: number;
  last_seq: number;
  title: string | null;
  goal: string | null;
  repo_root: string | null;
  repo_root_hash: string | null;
  git_branch: string | null;
  git_head_sha: string | null;
  node_count: number;
  edge_count: number;
}
export interface RunRow {
  run_id: StoredRun['runId'];
  workflow_id: string;
  workflow_hash: WorkflowHash;
  source_kind: string;
  source_path: string | null;
  goal: string;
  model_tier: string | null;
  bindings: string;
  refs: string;
  started_at_ms: number;
  is_complete: number;
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
export interface TokenRow {
  token: Token;
  kind: TokenKind;
  session_id: SessionId;
  run_id: TokenRecord['runId'];
  node_id: NodeId;
  attempt_id: AttemptId | null;
  workflow_hash: WorkflowHash;
  created_at_ms: number;
}
export interface SummaryRow extends Omit<SessionRow, 'last_seq' | 'node_count' | 'edge_count'> {
  run_id: SessionSummary['runId'];
  workflow_id: string | null;
  workflow_hash: WorkflowHash | null;
  is_complete: number;
  preferred_tip_node_id: NodeId | null;
  pending_step_id: string | null;
}
export interface MetricsRow {
  session_id: SessionId;
  started_at_ms: number;
  ended_at_ms: number | null;
  duration_ms: number | null;
  steps_advanced: number;
  blocked_attempts: number;
  outcome: string | null;
  is_complete: number;
  start_sha: string | null;
  end_sha: string | null;
}

export function toObservations(row: SummaryRow | SessionRow): SessionObservations {
  return {
    repoRoot: row.repo_root,
    repoRootHash: row.repo_root_hash,
    gitBranch: row.git_branch,
    gitHeadSha: row.git_head_sha,
  };
}

export function toRun(row: RunRow): StoredRun {
  return {
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowHash: row.workflow_hash,
    sourceKind: row.source_kind,
    sourcePath: row.source_path,
    goal: row.goal,
    modelTier: row.model_tier,
    bindings: JSON.parse(row.bindings) as StoredRun['bindings'],
    references: JSON.parse(row.refs) as StoredRun['references'],
    startedAtMs: row.started_at_ms,
    isComplete: row.is_complete === 1,
    completedAtMs: row.completed_at_ms,
    finalNodeId: row.final_node_id,
    preferredTipNodeId: row.preferred_tip_node_id,
  };
}

export function toNode(row: NodeRow): StoredNode {
  return {
    nodeId: row.node_id,
    nodeKind: row.node_kind,
    parentNodeId: row.parent_node_id,
    workflowHash: row.workflow_hash,
    state: unpackJson(JSON.parse(row.state)) as StoredNode['state'],
    createdAtMs: row.created_at_ms,
    seq: row.created_seq,
  };
}

export function toEdge(d: EventDataByKind['edge_created'], seq: number): StoredEdge {
  return { fromNodeId: d.fromNodeId, toNodeId: d.toNodeId, edgeKind: d.edgeKind, cause: d.cause, seq };
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

export function toOutput(d: EventDataByKind['output_appended'], seq: number, atMs: number): StoredOutput {
  const base = { nodeId: d.nodeId, attemptId: d.attemptId, seq, atMs };
  if (d.channel === 'notes') return { channel: 'notes', ...base, notesMarkdown: d.notesMarkdown };
  return { channel: 'artifact', ...base, artifact: d.artifact };
}

export function toSummary(row: SummaryRow): SessionSummary {
  const isComplete = row.is_complete === 1;
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
    pendingStepId: isComplete || row.pending_step_id === null ? null : unpackString(row.pending_step_id),
    isComplete,
  };
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
    isComplete: row.is_complete === 1,
    startSha: row.start_sha,
    endSha: row.end_sha,
  };
}
