// The read side of the PostgreSQL store: current state from the projections (never the whole event log), with the
// integrity checks of docs/mcp-protocol.md §9. The checks whose cost does not grow with the graph come back with the
// session head in one query; an advance's node, parent check, context and blocked streak in a second one.
import type { AttemptId, Blocker, NodeId, SessionId } from '../../engine/events.js';
import type { TokenKind } from '../../tokens/index.js';
import type { CompiledWorkflow, JsonObject, WorkflowHash } from '../../workflow/types.js';
import type {
  LoadNodeResult,
  LoadSessionResult,
  RecordedAdvance,
  SessionFilter,
  SessionHead,
  SessionHealth,
  SessionReader,
  StoredEdge,
  StoredNode,
  UnhealthyReason,
} from '../session-store.js';
import type { Connection } from './connection.js';
import {
  type EdgeRow,
  type EventRow,
  type MetricsRow,
  type NodeRow,
  type ObservationColumns,
  type OutputRow,
  parseState,
  type RunColumns,
  type SummaryRow,
  type TokenRow,
  toEdge,
  toEvent,
  toMetrics,
  toNode,
  toObservations,
  toOutput,
  toRun,
  toSummary,
  toTokenRecord,
} from './rows.js';
import { searchQuery } from './search-words.js';

/** Compiled workflows are immutable and content-addressed, so a parsed copy can be shared by every call. */
export type WorkflowCache = Map<WorkflowHash, CompiledWorkflow>;

export function createReader(db: Connection, workflows: WorkflowCache): SessionReader {
  const one = <R>(name: string, params: readonly (string | number | null)[]): R | undefined =>
    db.run<R>(name, SQL[name as keyof typeof SQL], params)[0];
  const all = <R>(name: keyof typeof SQL, params: readonly (string | number | null)[]): R[] =>
    db.run<R>(name, SQL[name], params);

  const getWorkflow = (hash: WorkflowHash): CompiledWorkflow | null => {
    const cached = workflows.get(hash);
    if (cached !== undefined) return cached;
    const row = one<{ compiled: string }>('workflow', [hash]);
    if (row === undefined) return null;
    const compiled = JSON.parse(row.compiled) as CompiledWorkflow;
    workflows.set(hash, compiled);
    return compiled;
  };

  /** The checks whose cost does not grow with the graph: log sequence, row counts, pinned workflow. */
  const checkHead = (sessionId: SessionId): HeadCheck => {
    const row = one<HeadRow>('head', [sessionId])!;
    if (row.event_count === 0 && row.session_id === null) return { kind: 'not_found' };
    if (row.session_id === null) return unhealthy('corrupt_record', 'The session has events but no session record.');
    if (row.lo !== 0 || row.hi !== row.event_count - 1 || row.hi !== row.last_seq) {
      return unhealthy(
        'event_sequence_broken',
        `Expected events 0..${row.last_seq} without gaps; found ${row.event_count} events numbered ${row.lo}..${row.hi}.`,
      );
    }
    if (row.nodes_found !== row.node_count) {
      return unhealthy('missing_node_state', `Expected ${row.node_count} nodes; found ${row.nodes_found}.`);
    }
    if (row.edges_found !== row.edge_count) {
      return unhealthy('dangling_edge', `Expected ${row.edge_count} edges; found ${row.edges_found}.`);
    }
    if (row.run_id !== null && !row.pinned) {
      return unhealthy('missing_pinned_workflow', `Pinned workflow ${row.workflow_hash} is missing.`);
    }
    return { kind: 'ok', row };
  };

  /** Every node and edge of the session, with the checks that need them. */
  const loadGraph = (sessionId: SessionId): Graph | Unhealthy => {
    const nodes = new Map<NodeId, StoredNode>();
    for (const row of all<NodeRow>('nodes', [sessionId])) {
      const state = parseState(row.state);
      if (state === null) return unhealthy('missing_node_state', `Node ${row.node_id} has no valid state.`);
      nodes.set(row.node_id, toNode(row, state));
    }
    const edges = all<EdgeRow>('edges', [sessionId]).map(toEdge);
    const dangling = edges.find((e) => !nodes.has(e.fromNodeId) || !nodes.has(e.toNodeId));
    if (dangling !== undefined) {
      return unhealthy('dangling_edge', `Edge ${dangling.fromNodeId} -> ${dangling.toNodeId} names a missing node.`);
    }
    const orphan = [...nodes.values()].find((n) => n.parentNodeId !== null && !nodes.has(n.parentNodeId));
    if (orphan !== undefined) {
      return unhealthy('dangling_edge', `Node ${orphan.nodeId} names missing parent ${orphan.parentNodeId}.`);
    }
    return { kind: 'graph', nodes, edges };
  };

  const toHead = (row: HeadRow): SessionHead => {
    const run = toRun(row);
    return {
      sessionId: row.session_id!,
      workspacePath: row.workspace_path,
      createdAtMs: row.created_at_ms,
      lastActivityMs: row.last_activity_ms,
      lastSeq: row.last_seq,
      observations: toObservations(row),
      run,
      workflow: run === null ? null : getWorkflow(run.workflowHash),
    };
  };

  const contextOf = (data: string | null): JsonObject | null =>
    data === null ? null : (JSON.parse(data) as { context: JsonObject }).context;

  return {
    loadSession(sessionId): LoadSessionResult {
      const head = checkHead(sessionId);
      if (head.kind !== 'ok') return head;
      const graph = loadGraph(sessionId);
      if (graph.kind !== 'graph') return graph;
      return { kind: 'ok', session: { ...toHead(head.row), nodes: graph.nodes, edges: graph.edges } };
    },
    loadNode(sessionId, nodeId): LoadNodeResult {
      const head = checkHead(sessionId);
      if (head.kind === 'not_found') return { kind: 'not_found', missing: 'session' };
      if (head.kind !== 'ok') return head;
      const row = one<PositionRow>('position', [nodeId]);
      if (row === undefined || row.session_id !== sessionId) return { kind: 'not_found', missing: 'node' };
      const state = parseState(row.state);
      if (state === null) return unhealthy('missing_node_state', `Node ${nodeId} has no valid state.`);
      if (!row.parent_ok)
        return unhealthy('dangling_edge', `Node ${nodeId} names missing parent ${row.parent_node_id}.`);
      return {
        kind: 'ok',
        position: {
          session: toHead(head.row),
          node: toNode(row, state),
          context: contextOf(row.context_data) ?? {},
          hasAdvanceSuccessor: row.advance_children > 0,
          blockedStreak: row.blocked_streak,
        },
      };
    },
    checkHealth(sessionId): SessionHealth {
      const head = checkHead(sessionId);
      if (head.kind !== 'ok') return head;
      const graph = loadGraph(sessionId);
      return graph.kind === 'graph' ? { kind: 'healthy' } : graph;
    },
    nodeContext(nodeId) {
      return contextOf(one<{ data: string }>('nodeContext', [nodeId])?.data ?? null);
    },
    getWorkflow,
    findToken(token) {
      const row = one<TokenRow>('token', [token]);
      return row === undefined ? null : toTokenRecord(row);
    },
    listTokens(sessionId) {
      return all<TokenRow>('sessionTokens', [sessionId]).map(toTokenRecord);
    },
    locateToken(token) {
      return one<{ sessionId: SessionId; workspacePath: string }>('locateToken', [token]) ?? null;
    },
    findTokenFor(kind: TokenKind, nodeId: NodeId, attemptId: AttemptId | null) {
      return one<TokenRow>('tokenFor', [nodeId, kind, attemptId])?.token ?? null;
    },
    findAdvance(nodeId, attemptId): RecordedAdvance | null {
      const row = one<AdvanceRow>('advance', [nodeId, attemptId]);
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
      return one<{ checkpoint_node_id: NodeId }>('checkpoint', [nodeId, attemptId])?.checkpoint_node_id ?? null;
    },
    listOutputs(sessionId, nodeIds) {
      const only = nodeIds === undefined ? null : new Set<string>(nodeIds);
      return all<OutputRow>('outputs', [sessionId])
        .filter((r) => only === null || only.has(r.node_id))
        .map(toOutput);
    },
    listEvents(sessionId, fromSeq = 0) {
      return all<EventRow>('events', [sessionId, fromSeq]).map(toEvent);
    },
    listRecentSessions(limit) {
      return all<SummaryRow>('recent', [limit]).map(toSummary);
    },
    searchSessions(query, limit) {
      const expression = searchQuery(query);
      if (expression === null) return [];
      return all<{ session_id: SessionId; rank: number }>('search', [expression, limit]).map((r) => ({
        sessionId: r.session_id,
        rank: r.rank,
      }));
    },
    listSessions(filter: SessionFilter) {
      const { sql, params } = filteredSummaries(filter);
      return db.run<SummaryRow>(`filtered:${sql}`, sql, params).map(toSummary);
    },
    sessionMetrics(sessionId) {
      const row = one<MetricsRow>('metrics', [sessionId]);
      return row === undefined ? null : toMetrics(row);
    },
    listRoots() {
      return all<{ path: string; last_seen_ms: number }>('roots', []).map((r) => ({
        path: r.path,
        lastSeenMs: r.last_seen_ms,
      }));
    },
  };
}

type Unhealthy = { readonly kind: 'unhealthy'; readonly health: UnhealthyReason };
type HeadCheck = { readonly kind: 'ok'; readonly row: HeadRow } | { readonly kind: 'not_found' } | Unhealthy;
interface Graph {
  readonly kind: 'graph';
  readonly nodes: ReadonlyMap<NodeId, StoredNode>;
  readonly edges: readonly StoredEdge[];
}

interface HeadRow extends ObservationColumns, RunColumns {
  session_id: SessionId | null;
  workspace_path: string;
  created_at_ms: number;
  last_activity_ms: number;
  last_seq: number;
  node_count: number;
  edge_count: number;
  event_count: number;
  lo: number | null;
  hi: number | null;
  nodes_found: number;
  edges_found: number;
  pinned: boolean;
}
interface PositionRow extends NodeRow {
  session_id: SessionId;
  advance_children: number;
  parent_ok: boolean;
  context_data: string | null;
  blocked_streak: number;
}
interface AdvanceRow {
  node_id: NodeId;
  attempt_id: AttemptId;
  outcome: RecordedAdvance['outcome'];
  to_node_id: NodeId;
  seq: number;
  data: string;
}

function unhealthy(kind: UnhealthyReason['kind'], reason: string): Unhealthy {
  return { kind: 'unhealthy', health: { kind, reason } };
}

const SUMMARY_SELECT = `
  SELECT s.session_id, s.workspace_path, s.created_at_ms, s.last_activity_ms, s.title, s.goal, s.repo_root,
         s.repo_root_hash, s.git_branch, s.git_head_sha, s.run_id, r.workflow_id, r.workflow_hash,
         coalesce(r.is_complete, false) AS is_complete, r.preferred_tip_node_id, n.state AS tip_state
  FROM sessions s
  LEFT JOIN runs r ON r.session_id = s.session_id
  LEFT JOIN nodes n ON n.node_id = r.preferred_tip_node_id`;
const SUMMARY_ORDER = 'ORDER BY s.last_activity_ms DESC, s.session_id';

function filteredSummaries(filter: SessionFilter): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: (n: number) => string, value: string | number) => {
    params.push(value);
    where.push(clause(params.length));
  };
  if (filter.workflowId !== undefined) add((n) => `r.workflow_id = $${n}`, filter.workflowId);
  if (filter.status !== undefined) {
    where.push(`coalesce(r.is_complete, false) = ${filter.status === 'complete' ? 'true' : 'false'}`);
  }
  if (filter.repoRootHash !== undefined) add((n) => `s.repo_root_hash = $${n}`, filter.repoRootHash);
  if (filter.gitBranch !== undefined) add((n) => `s.git_branch = $${n}`, filter.gitBranch);
  if (filter.sinceMs !== undefined) add((n) => `s.last_activity_ms >= $${n}`, filter.sinceMs);
  if (filter.untilMs !== undefined) add((n) => `s.last_activity_ms < $${n}`, filter.untilMs);
  if (filter.before !== undefined) {
    params.push(filter.before.lastActivityMs, filter.before.sessionId);
    const [at, id] = [params.length - 1, params.length];
    where.push(`(s.last_activity_ms < $${at} OR (s.last_activity_ms = $${at} AND s.session_id > $${id}))`);
  }
  params.push(filter.limit);
  const filters = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return { sql: `${SUMMARY_SELECT} ${filters} ${SUMMARY_ORDER} LIMIT $${params.length}`, params };
}

/** Statements by name; each is prepared on the connection the first time it runs. */
const SQL = {
  workflow: 'SELECT compiled FROM workflows WHERE workflow_hash = $1',
  head: `
    SELECT s.session_id, s.workspace_path, s.created_at_ms, s.last_activity_ms, s.last_seq, s.repo_root,
           s.repo_root_hash, s.git_branch, s.git_head_sha, s.node_count, s.edge_count,
           ev.n AS event_count, ev.lo, ev.hi,
           (SELECT count(*) FROM nodes WHERE session_id = $1) AS nodes_found,
           (SELECT count(*) FROM edges WHERE session_id = $1) AS edges_found,
           r.run_id, r.workflow_id, r.workflow_hash, r.source_kind, r.source_path, r.goal AS run_goal, r.model_tier,
           r.bindings, r.refs, r.started_at_ms, r.is_complete, r.completed_at_ms, r.final_node_id,
           r.preferred_tip_node_id, w.workflow_hash IS NOT NULL AS pinned
    FROM (SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM events WHERE session_id = $1) ev
    LEFT JOIN sessions s ON s.session_id = $1
    LEFT JOIN runs r ON r.session_id = $1
    LEFT JOIN workflows w ON w.workflow_hash = r.workflow_hash`,
  position: `
    SELECT n.node_id, n.session_id, n.node_kind, n.parent_node_id, n.workflow_hash, n.state, n.created_seq,
           n.created_at_ms, n.advance_children,
           n.parent_node_id IS NULL OR EXISTS (SELECT 1 FROM nodes p WHERE p.node_id = n.parent_node_id) AS parent_ok,
           (SELECT e.data FROM events e WHERE e.session_id = n.session_id AND e.seq = n.context_seq) AS context_data,
           CASE WHEN n.node_kind <> 'blocked_attempt' THEN 0 ELSE (
             WITH RECURSIVE chain (node_id, parent_node_id) AS (
               SELECT n.node_id, n.parent_node_id
               UNION ALL
               SELECT p.node_id, p.parent_node_id FROM nodes p JOIN chain c ON p.node_id = c.parent_node_id
               WHERE p.node_kind = 'blocked_attempt')
             SELECT count(*) FROM chain) END AS blocked_streak
    FROM nodes n WHERE n.node_id = $1`,
  nodes: `SELECT node_id, node_kind, parent_node_id, workflow_hash, state, created_seq, created_at_ms
          FROM nodes WHERE session_id = $1 ORDER BY created_seq`,
  edges: `SELECT from_node_id, to_node_id, edge_kind, cause, created_seq
          FROM edges WHERE session_id = $1 ORDER BY created_seq`,
  nodeContext: `SELECT e.data FROM nodes n JOIN events e ON e.session_id = n.session_id AND e.seq = n.context_seq
                WHERE n.node_id = $1`,
  token: `SELECT token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms
          FROM tokens WHERE token = $1`,
  sessionTokens: `SELECT token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms
                  FROM tokens WHERE session_id = $1 ORDER BY created_at_ms, token`,
  locateToken: `SELECT t.session_id AS "sessionId", s.workspace_path AS "workspacePath"
                FROM tokens t JOIN sessions s ON s.session_id = t.session_id WHERE t.token = $1`,
  tokenFor: `SELECT token FROM tokens WHERE node_id = $1 AND kind = $2 AND attempt_id IS NOT DISTINCT FROM $3
             ORDER BY created_at_ms, token LIMIT 1`,
  advance: `SELECT a.node_id, a.attempt_id, a.outcome, a.to_node_id, a.seq, e.data FROM advances a
            JOIN events e ON e.session_id = a.session_id AND e.seq = a.seq
            WHERE a.node_id = $1 AND a.attempt_id = $2`,
  checkpoint: 'SELECT checkpoint_node_id FROM checkpoints WHERE node_id = $1 AND attempt_id = $2',
  outputs: `SELECT o.node_id, o.attempt_id, o.seq, o.channel, e.at_ms, e.data FROM outputs o
            JOIN events e ON e.session_id = o.session_id AND e.seq = o.seq
            WHERE o.session_id = $1 ORDER BY o.seq`,
  events: `SELECT session_id, seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data FROM events
           WHERE session_id = $1 AND seq >= $2 ORDER BY seq`,
  recent: `${SUMMARY_SELECT} ${SUMMARY_ORDER} LIMIT $1`,
  // Lower rank is better, as with FTS5's bm25: the best-ranked row of each session.
  search: `
    SELECT session_id, min(rank) AS rank FROM (
      SELECT session_id, -ts_rank(search, q) AS rank FROM sessions, to_tsquery('simple', $1) q WHERE search @@ q
      UNION ALL
      SELECT session_id, -ts_rank(search, q) AS rank FROM outputs, to_tsquery('simple', $1) q WHERE search @@ q
    ) m GROUP BY session_id ORDER BY rank, session_id LIMIT $2`,
  metrics: `SELECT session_id, started_at_ms, ended_at_ms, duration_ms, steps_advanced, blocked_attempts, outcome,
                   is_complete, start_sha, end_sha FROM session_metrics WHERE session_id = $1`,
  roots: 'SELECT path, last_seen_ms FROM roots ORDER BY last_seen_ms DESC, path',
} as const;
