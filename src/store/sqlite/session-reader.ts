// The read side of the SQLite store: loads current state from the projections (never the whole event log), with
// the integrity checks of docs/mcp-protocol.md §9. Statements are prepared once per connection.
import type Database from 'better-sqlite3';
import type { AttemptId, Blocker, EventKind, NodeId, SessionEvent, SessionId } from '../../engine/events.js';
import type { Token, TokenKind } from '../../tokens/index.js';
import type { CompiledWorkflow, JsonObject, WorkflowHash } from '../../workflow/types.js';
import type {
  LoadSessionResult,
  RecordedAdvance,
  RememberedRoot,
  SessionFilter,
  SessionHealth,
  SessionMatch,
  SessionMetrics,
  SessionReader,
  SessionSummary,
  StoredEdge,
  StoredNode,
  StoredOutput,
  StoredRun,
  TokenRecord,
  UnhealthyReason,
} from '../session-store.js';

/** Compiled workflows are immutable and content-addressed, so a parsed copy can be shared by every call. */
export type WorkflowCache = Map<WorkflowHash, CompiledWorkflow>;

export function createReader(db: Database.Database, workflows: WorkflowCache): SessionReader {
  const q = prepare(db);
  const filtered = new Map<string, Database.Statement>();

  const getWorkflow = (hash: WorkflowHash): CompiledWorkflow | null => {
    const cached = workflows.get(hash);
    if (cached !== undefined) return cached;
    const row = q.workflow.get(hash) as { compiled: string } | undefined;
    if (row === undefined) return null;
    const compiled = JSON.parse(row.compiled) as CompiledWorkflow;
    workflows.set(hash, compiled);
    return compiled;
  };

  const checkHealth = (sessionId: SessionId): SessionHealth => {
    const seqs = q.seqStats.get(sessionId) as { n: number; lo: number | null; hi: number | null };
    const session = q.sessionLastSeq.get(sessionId) as { last_seq: number } | undefined;
    if (seqs.n === 0 && session === undefined) return { kind: 'not_found' };
    if (session === undefined) return unhealthy('corrupt_record', 'The session has events but no session record.');
    if (seqs.lo !== 0 || seqs.hi !== seqs.n - 1 || seqs.hi !== session.last_seq) {
      return unhealthy(
        'event_sequence_broken',
        `Expected events 0..${session.last_seq} without gaps; found ${seqs.n} events numbered ${seqs.lo}..${seqs.hi}.`,
      );
    }
    const badNode = q.nodeWithoutState.get(sessionId) as { node_id: string } | undefined;
    if (badNode !== undefined) return unhealthy('missing_node_state', `Node ${badNode.node_id} has no valid state.`);
    const edge = q.danglingEdge.get(sessionId) as { from_node_id: string; to_node_id: string } | undefined;
    if (edge !== undefined) {
      return unhealthy('dangling_edge', `Edge ${edge.from_node_id} -> ${edge.to_node_id} names a missing node.`);
    }
    const orphan = q.orphanNode.get(sessionId) as { node_id: string; parent_node_id: string } | undefined;
    if (orphan !== undefined) {
      return unhealthy('dangling_edge', `Node ${orphan.node_id} names missing parent ${orphan.parent_node_id}.`);
    }
    const pin = q.runPin.get(sessionId) as { workflow_hash: string; pinned: string | null } | undefined;
    if (pin !== undefined && pin.pinned === null) {
      return unhealthy('missing_pinned_workflow', `Pinned workflow ${pin.workflow_hash} is missing.`);
    }
    return { kind: 'healthy' };
  };

  const loadSession = (sessionId: SessionId): LoadSessionResult => {
    const health = checkHealth(sessionId);
    if (health.kind !== 'healthy') return health;
    const s = q.session.get(sessionId) as SessionRow;
    const runRow = q.run.get(sessionId) as RunRow | undefined;
    const run = runRow === undefined ? null : toRun(runRow);
    const nodes = new Map<NodeId, StoredNode>();
    for (const row of q.nodes.all(sessionId) as NodeRow[]) nodes.set(row.node_id, toNode(row));
    const edges = (q.edges.all(sessionId) as EdgeRow[]).map(toEdge);
    return {
      kind: 'ok',
      session: {
        sessionId,
        workspacePath: s.workspace_path,
        createdAtMs: s.created_at_ms,
        lastActivityMs: s.last_activity_ms,
        lastSeq: s.last_seq,
        observations: toObservations(s),
        run,
        workflow: run === null ? null : getWorkflow(run.workflowHash),
        nodes,
        edges,
      },
    };
  };

  const listSessions = (filter: SessionFilter): SessionSummary[] => {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (filter.workflowId !== undefined) add('r.workflow_id = ?', filter.workflowId);
    if (filter.status !== undefined) add('coalesce(r.is_complete, 0) = ?', filter.status === 'complete' ? 1 : 0);
    if (filter.repoRootHash !== undefined) add('s.repo_root_hash = ?', filter.repoRootHash);
    if (filter.gitBranch !== undefined) add('s.git_branch = ?', filter.gitBranch);
    if (filter.sinceMs !== undefined) add('s.last_activity_ms >= ?', filter.sinceMs);
    if (filter.untilMs !== undefined) add('s.last_activity_ms < ?', filter.untilMs);
    if (filter.before !== undefined) {
      const { lastActivityMs, sessionId } = filter.before;
      add(
        '(s.last_activity_ms < ? OR (s.last_activity_ms = ? AND s.session_id > ?))',
        lastActivityMs,
        lastActivityMs,
        sessionId,
      );
    }
    const sql = `${SUMMARY_SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ${SUMMARY_ORDER}`;
    let statement = filtered.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      filtered.set(sql, statement);
    }
    return (statement.all(...params, filter.limit) as SummaryRow[]).map(toSummary);
  };

  return {
    loadSession,
    checkHealth,
    getWorkflow,
    listSessions,
    nodeContext(nodeId) {
      const row = q.nodeContext.get(nodeId) as { context: string } | undefined;
      return row === undefined ? null : (JSON.parse(row.context) as JsonObject);
    },
    findToken(token) {
      const row = q.token.get(token) as TokenRow | undefined;
      return row === undefined ? null : toTokenRecord(row);
    },
    findTokenFor(kind: TokenKind, nodeId: NodeId, attemptId: AttemptId | null) {
      const row = q.tokenFor.get(nodeId, kind, attemptId) as { token: Token } | undefined;
      return row?.token ?? null;
    },
    findAdvance(nodeId, attemptId): RecordedAdvance | null {
      const row = q.advance.get(nodeId, attemptId) as AdvanceRow | undefined;
      if (row === undefined) return null;
      const data = JSON.parse(row.data) as { blockers?: readonly Blocker[]; response?: RecordedAdvance['response'] };
      return {
        fromNodeId: row.node_id,
        attemptId: row.attempt_id,
        outcome: row.outcome,
        toNodeId: row.to_node_id,
        blockerCodes: (data.blockers ?? []).map((b) => b.code),
        response: data.response,
        seq: row.seq,
      };
    },
    findCheckpoint(nodeId, attemptId) {
      const row = q.checkpoint.get(nodeId, attemptId) as { checkpoint_node_id: NodeId } | undefined;
      return row?.checkpoint_node_id ?? null;
    },
    listOutputs(sessionId, nodeIds) {
      const only = nodeIds === undefined ? null : new Set<string>(nodeIds);
      return (q.outputs.all(sessionId) as OutputRow[])
        .filter((r) => only === null || only.has(r.node_id))
        .map(toOutput);
    },
    listEvents(sessionId, fromSeq = 0) {
      return (q.events.all(sessionId, fromSeq) as EventRow[]).map((row) => toEvent(sessionId, row));
    },
    listRecentSessions(limit) {
      return (q.recent.all(limit) as SummaryRow[]).map(toSummary);
    },
    searchSessions(query, limit): SessionMatch[] {
      const expression = ftsExpression(query);
      if (expression === null) return [];
      return (q.search.all(expression, limit) as { session_id: SessionId; rank: number }[]).map((r) => ({
        sessionId: r.session_id,
        rank: r.rank,
      }));
    },
    sessionMetrics(sessionId) {
      const row = q.metrics.get(sessionId) as MetricsRow | undefined;
      return row === undefined ? null : toMetrics(row);
    },
    listRoots(): RememberedRoot[] {
      return (q.roots.all() as { path: string; last_seen_ms: number }[]).map((r) => ({
        path: r.path,
        lastSeenMs: r.last_seen_ms,
      }));
    },
  };
}

/** Free text to an FTS5 query: every word as a quoted prefix term, any word may match. Null when no words. */
export function ftsExpression(text: string): string | null {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return [...new Set(words)].map((w) => `"${w}"*`).join(' OR ');
}

function unhealthy(kind: UnhealthyReason['kind'], reason: string): SessionHealth {
  return { kind: 'unhealthy', health: { kind, reason } };
}

const SUMMARY_SELECT = `
  SELECT s.session_id, s.workspace_path, s.created_at_ms, s.last_activity_ms, s.title, s.goal, s.repo_root,
         s.repo_root_hash, s.git_branch, s.git_head_sha, s.run_id, r.workflow_id, r.workflow_hash,
         coalesce(r.is_complete, 0) AS is_complete, r.preferred_tip_node_id,
         CASE WHEN json_valid(n.state) THEN json_extract(n.state, '$.pendingStepId') END AS pending_step_id
  FROM sessions s
  LEFT JOIN runs r ON r.session_id = s.session_id
  LEFT JOIN nodes n ON n.node_id = r.preferred_tip_node_id`;
const SUMMARY_ORDER = 'ORDER BY s.last_activity_ms DESC, s.session_id LIMIT ?';

function prepare(db: Database.Database) {
  const sk = '(SELECT sk FROM session_keys WHERE session_id = ?)';
  return {
    workflow: db.prepare('SELECT compiled FROM workflows WHERE workflow_hash = ?'),
    seqStats: db.prepare(`SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE sk = ${sk}`),
    sessionLastSeq: db.prepare('SELECT last_seq FROM sessions WHERE session_id = ?'),
    nodeWithoutState: db.prepare(
      `SELECT node_id FROM nodes WHERE session_id = ?
         AND coalesce(CASE WHEN json_valid(state) THEN json_extract(state, '$.kind') END, '') NOT IN ('pending', 'complete')
       LIMIT 1`,
    ),
    danglingEdge: db.prepare(
      `SELECT e.from_node_id, e.to_node_id FROM edges e
         LEFT JOIN nodes a ON a.node_id = e.from_node_id LEFT JOIN nodes b ON b.node_id = e.to_node_id
       WHERE e.session_id = ? AND (a.node_id IS NULL OR b.node_id IS NULL) LIMIT 1`,
    ),
    orphanNode: db.prepare(
      `SELECT n.node_id, n.parent_node_id FROM nodes n LEFT JOIN nodes p ON p.node_id = n.parent_node_id
       WHERE n.session_id = ? AND n.parent_node_id IS NOT NULL AND p.node_id IS NULL LIMIT 1`,
    ),
    runPin: db.prepare(
      `SELECT r.workflow_hash, w.workflow_hash AS pinned FROM runs r
         LEFT JOIN workflows w ON w.workflow_hash = r.workflow_hash WHERE r.session_id = ?`,
    ),
    session: db.prepare('SELECT * FROM sessions WHERE session_id = ?'),
    run: db.prepare('SELECT * FROM runs WHERE session_id = ?'),
    nodes: db.prepare(
      `SELECT node_id, node_kind, parent_node_id, workflow_hash, state, created_seq, created_at_ms
       FROM nodes WHERE session_id = ? ORDER BY created_seq`,
    ),
    edges: db.prepare('SELECT * FROM edges WHERE session_id = ? ORDER BY created_seq'),
    nodeContext: db.prepare(
      `SELECT json_extract(e.data, '$.context') AS context FROM nodes n
         JOIN session_keys k ON k.session_id = n.session_id
         JOIN events e ON e.sk = k.sk AND e.seq = n.context_seq
       WHERE n.node_id = ?`,
    ),
    token: db.prepare('SELECT * FROM tokens WHERE token = ?'),
    tokenFor: db.prepare(
      'SELECT token FROM tokens WHERE node_id = ? AND kind = ? AND attempt_id IS ? ORDER BY created_at_ms, token LIMIT 1',
    ),
    advance: db.prepare(
      `SELECT a.node_id, a.attempt_id, a.outcome, a.to_node_id, a.seq, e.data FROM advances a
         JOIN session_keys k ON k.session_id = a.session_id
         JOIN events e ON e.sk = k.sk AND e.seq = a.seq
       WHERE a.node_id = ? AND a.attempt_id = ?`,
    ),
    checkpoint: db.prepare('SELECT checkpoint_node_id FROM checkpoints WHERE node_id = ? AND attempt_id = ?'),
    outputs: db.prepare(
      `SELECT o.node_id, o.attempt_id, o.seq, o.channel, e.at_ms, e.data FROM outputs o
         JOIN session_keys k ON k.session_id = o.session_id
         JOIN events e ON e.sk = k.sk AND e.seq = o.seq
       WHERE o.session_id = ? ORDER BY o.seq`,
    ),
    events: db.prepare(
      `SELECT seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data FROM events
       WHERE sk = ${sk} AND seq >= ? ORDER BY seq`,
    ),
    recent: db.prepare(`${SUMMARY_SELECT} ${SUMMARY_ORDER}`),
    search: db.prepare(
      `SELECT k.session_id, min(m.rank) AS rank
       FROM (SELECT rowid, rank FROM session_fts WHERE session_fts MATCH ?) m
         JOIN events e ON e.id = m.rowid JOIN session_keys k ON k.sk = e.sk
       GROUP BY k.session_id ORDER BY rank, k.session_id LIMIT ?`,
    ),
    metrics: db.prepare('SELECT * FROM session_metrics WHERE session_id = ?'),
    roots: db.prepare('SELECT path, last_seen_ms FROM roots ORDER BY last_seen_ms DESC, path'),
  };
}

// ---------- rows to values ----------

interface SessionRow {
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
}
interface RunRow {
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
interface NodeRow {
  node_id: NodeId;
  node_kind: StoredNode['nodeKind'];
  parent_node_id: NodeId | null;
  workflow_hash: WorkflowHash;
  state: string;
  created_seq: number;
  created_at_ms: number;
}
interface EdgeRow {
  from_node_id: NodeId;
  to_node_id: NodeId;
  edge_kind: StoredEdge['edgeKind'];
  cause: StoredEdge['cause'];
  created_seq: number;
}
interface TokenRow {
  token: Token;
  kind: TokenKind;
  session_id: SessionId;
  run_id: TokenRecord['runId'];
  node_id: NodeId;
  attempt_id: AttemptId | null;
  workflow_hash: WorkflowHash;
  created_at_ms: number;
}
interface AdvanceRow {
  node_id: NodeId;
  attempt_id: AttemptId;
  outcome: RecordedAdvance['outcome'];
  to_node_id: NodeId;
  seq: number;
  data: string;
}
interface OutputRow {
  node_id: NodeId;
  attempt_id: AttemptId;
  seq: number;
  channel: 'notes' | 'artifact';
  at_ms: number;
  data: string;
}
export interface EventRow {
  seq: number;
  event_id: SessionEvent['eventId'];
  kind: EventKind;
  run_id: SessionEvent['runId'] | null;
  node_id: SessionEvent['nodeId'] | null;
  dedupe_key: string;
  at_ms: number;
  data: string;
}
interface SummaryRow extends Omit<SessionRow, 'last_seq'> {
  run_id: SessionSummary['runId'];
  workflow_id: string | null;
  workflow_hash: WorkflowHash | null;
  is_complete: number;
  preferred_tip_node_id: NodeId | null;
  pending_step_id: string | null;
}
interface MetricsRow {
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

function toObservations(row: Omit<SessionRow, 'last_seq'>) {
  return {
    repoRoot: row.repo_root,
    repoRootHash: row.repo_root_hash,
    gitBranch: row.git_branch,
    gitHeadSha: row.git_head_sha,
  };
}

function toRun(row: RunRow): StoredRun {
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

function toNode(row: NodeRow): StoredNode {
  return {
    nodeId: row.node_id,
    nodeKind: row.node_kind,
    parentNodeId: row.parent_node_id,
    workflowHash: row.workflow_hash,
    state: JSON.parse(row.state) as StoredNode['state'],
    createdAtMs: row.created_at_ms,
    seq: row.created_seq,
  };
}

function toEdge(row: EdgeRow): StoredEdge {
  return {
    fromNodeId: row.from_node_id,
    toNodeId: row.to_node_id,
    edgeKind: row.edge_kind,
    cause: row.cause,
    seq: row.created_seq,
  };
}

function toTokenRecord(row: TokenRow): TokenRecord {
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

function toOutput(row: OutputRow): StoredOutput {
  const base = { nodeId: row.node_id, attemptId: row.attempt_id, seq: row.seq, atMs: row.at_ms };
  const data = JSON.parse(row.data) as {
    notesMarkdown?: string;
    artifact?: Extract<StoredOutput, { channel: 'artifact' }>['artifact'];
  };
  if (row.channel === 'notes') return { channel: 'notes', ...base, notesMarkdown: data.notesMarkdown ?? '' };
  return { channel: 'artifact', ...base, artifact: data.artifact! };
}

/** An `events` row back to the §10 envelope. */
export function toEvent(sessionId: SessionId, row: EventRow): SessionEvent {
  return {
    eventId: row.event_id,
    sessionId,
    seq: row.seq,
    kind: row.kind,
    ...(row.run_id === null ? {} : { runId: row.run_id }),
    ...(row.node_id === null ? {} : { nodeId: row.node_id }),
    dedupeKey: row.dedupe_key,
    atMs: row.at_ms,
    data: JSON.parse(row.data),
  } as SessionEvent;
}

function toSummary(row: SummaryRow): SessionSummary {
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
    pendingStepId: isComplete ? null : row.pending_step_id,
    isComplete,
  };
}

function toMetrics(row: MetricsRow): SessionMetrics {
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
