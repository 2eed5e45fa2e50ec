// The read side of the SQLite store: loads current state from the projections (never the whole event log), with
// the integrity checks of docs/mcp-protocol.md §9. Statements are prepared once per connection.
import type Database from 'better-sqlite3';
import type { AttemptId, EventDataByKind, EventKind, NodeId, RunId, SessionId } from '../../engine/events.js';
import type { Token, TokenKind } from '../../tokens/index.js';
import type { CompiledWorkflow, JsonObject, WorkflowHash } from '../../workflow/types.js';
import type {
  LoadNodeResult,
  LoadSessionResult,
  RecordedAdvance,
  RememberedRoot,
  SessionFilter,
  SessionHead,
  SessionHealth,
  SessionMatch,
  SessionReader,
  SessionSummary,
  StoredEdge,
  StoredNode,
  UnhealthyReason,
} from '../session-store.js';
import { dataPath, dataValue, unpackJson, unpackString } from './data-dictionary.js';
import { decodeRow, FOLDED_EDGES, type StoredRow } from './edge-fold.js';
import {
  eventKey,
  kindCode,
  NODE_ID_AT_SQL,
  NODE_REF_FIELDS,
  nodeIdsInOrder,
  type SessionKey,
  sessionRange,
  storedNodeId,
  unpackEventData,
} from './event-codec.js';
import { eventTimeSql } from './event-times.js';
import { dedupeHash } from './migrate.js';
import { packAttemptId } from './migrations/0012-short-attempt-ids.js';
import { byTokenKind, TAG_COLUMN, TOKEN_KINDS, TOKEN_PREFIX, tokenKey } from './migrations/0017-token-pairs.js';
import { tokensOfKindSql } from './migrations/0020-node-hashes.js';
import { nodeIdSql, nodeIsBoundSql, nodeIsSql, nodeKey } from './node-hashes.js';
import { NODE_CREATED_AT_SQL, NODE_KIND_SQL, nodeKindCode } from './node-kinds.js';
import {
  type MetricsRow,
  type NodeRow,
  type RunRow,
  type SessionRow,
  type SummaryRow,
  type TokenRow,
  toEdge,
  toMetrics,
  toNode,
  toObservations,
  toOutput,
  toRun,
  toSummary,
  toTokenRecord,
} from './rows.js';
import { storedRowColumns } from './stored-row-columns.js';

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

  /** The session's key row and the id range of its events; null for a session without events. */
  const keyOf = (
    sessionId: SessionId,
  ): { sk: number; session: SessionKey; range: readonly [bigint, bigint] } | null => {
    const key = q.sessionKey.get(sessionId) as
      | { sk: number; run_id: RunId | null; workflow_hash: WorkflowHash | null }
      | undefined;
    if (key === undefined) return null;
    const session = { sessionId, runId: key.run_id, workflowHash: key.workflow_hash };
    return { sk: key.sk, session, range: sessionRange(key.sk) };
  };

  /**
   * The data of the session's events of one kind (edges, outputs: each has a partial index), in seq order. Only the
   * data is unpacked: these kinds store it whole, and decoding the envelope (a derived event id is a SHA-256) would
   * cost more than reading the rows.
   */
  const eventsOfKind = <K extends 'edge_created' | 'output_appended'>(sessionId: SessionId, kind: K) => {
    const statement = kind === 'edge_created' ? q.edgeEvents : q.outputEvents;
    return (statement.all(sessionId) as KindRow[]).map((row) => {
      // The statement read the node ids the data refers to (schema 11); a lookup is only a fallback.
      const nodeAt = (seq: number) =>
        seq === row.ref0 && row.node0 !== null
          ? unpackString(row.node0)
          : seq === row.ref1 && row.node1 !== null
            ? unpackString(row.node1)
            : nodeIdAt(row.sk, sessionId, seq);
      return { seq: row.seq, atMs: row.at_ms, data: unpackEventData(kind, row.data, nodeAt) as EventDataByKind[K] };
    });
  };

  /** The edges folded into the session's `node_created` rows (edge-fold.ts), each from its node's parent to it. */
  const foldedEdges = (sessionId: SessionId): StoredEdge[] =>
    (q.foldedEdges.all(sessionId) as FoldedEdgeRow[]).map((row) => {
      const [edgeKind, cause] = FOLDED_EDGES[row.edge] ?? [];
      if (edgeKind === undefined || cause === undefined) throw new Error(`unknown folded edge ${row.edge}`);
      const fromNodeId = (
        typeof row.parent_ref === 'number'
          ? (row.parent_node ?? nodeIdAt(row.sk, sessionId, row.parent_ref))
          : unpackString(row.parent_ref)
      ) as NodeId;
      const toNodeId = unpackString(row.to_node) as NodeId;
      return toEdge({ fromNodeId, toNodeId, edgeKind, cause }, row.seq + 1);
    });

  /** The node id of the session's `node_created` event at `seq` (what a node reference in event data names). */
  const nodeIdAt = (sk: number, sessionId: SessionId, seq: number) =>
    storedNodeId(q.nodeIdAt.get(eventKey(sk, seq)), sessionId, seq);

  /**
   * The data and seq of the event that `nodeId`'s session recorded under a dedupe key (advances and checkpoints are
   * found this way, migration 6). A miss, the usual case, is one probe of the covering dedupe index; their data is
   * stored without envelope derivations, so a hit only unpacks it.
   */
  const eventByDedupeKey = <K extends 'advance_recorded' | 'checkpoint_recorded'>(
    kind: K,
    nodeId: NodeId,
    dedupeKey: string,
    matches: (data: EventDataByKind[K]) => boolean,
  ) => {
    const node = q.skOfNode.get(nodeKey(nodeId)) as { sk: number; session_id: SessionId } | undefined;
    if (node === undefined) return undefined;
    const { sk, session_id: sessionId } = node;
    for (const id of q.idsByDedupeHash.all(sk, dedupeHash(dedupeKey)) as bigint[]) {
      const row = q.eventData.get(id) as { kind: number; data: string };
      if (row.kind !== kindCode(kind)) continue;
      const data = unpackEventData(kind, row.data, (seq) => nodeIdAt(sk, sessionId, seq)) as EventDataByKind[K];
      if (matches(data)) return { data, seq: Number(id & 0xffffffffn) };
    }
    return undefined;
  };

  /**
   * Sessions whose counts this connection has checked since any other connection last committed (`PRAGMA
   * data_version` unchanged). This connection only appends events with the next seq and keeps the node and edge
   * counts in the same transaction, so its own writes leave a checked session's counts right; a change from anywhere
   * else (another process, a tool editing the file) clears the set and the next load counts again.
   */
  const counted = { version: -1, sessions: new Set<number>() };
  const countedSessions = (): Set<number> => {
    const version = q.dataVersion.get() as number;
    if (version !== counted.version) {
      counted.version = version;
      counted.sessions.clear();
    }
    return counted.sessions;
  };

  /**
   * The checks that do not read the graph: event sequence, row counts, pinned workflow. `full`: with the whole session
   * row (for toHead). `recount`: count the events, nodes and edges even when this connection has counted them already
   * (loadSession, checkHealth); without it a counted session gets only the index probes (first seq 0, none after
   * last_seq, the workflow pinned), so loadNode stays independent of the session's length.
   */
  const checkHead = (sessionId: SessionId, key = keyOf(sessionId), full = true, recount = true): HeadCheck => {
    const [lo, hi] = key?.range ?? [0n, 0n];
    const sk = key?.sk ?? -1;
    const probesOnly = !recount && key !== null && countedSessions().has(sk);
    const statement = probesOnly ? q.probedHead : full ? q.head : q.healthHead;
    const head = statement.get({ sessionId, sk, lo, hi }) as HeadRow;
    if (head.n_events === 0 && head.session_id === null) return { kind: 'not_found' };
    if (head.session_id === null) return unhealthy('corrupt_record', 'The session has events but no session record.');
    const row = head as SessionRow;
    // Probes only: the count this connection checked, grown by its own appends.
    const events = head.n_events ?? row.last_seq + 1;
    if (head.lo_seq !== 0 || head.hi_seq !== events - 1 || head.hi_seq !== row.last_seq) {
      return unhealthy(
        'event_sequence_broken',
        `Expected events 0..${row.last_seq} without gaps; found ${events} events numbered ${head.lo_seq}..${head.hi_seq}.`,
      );
    }
    if (!probesOnly && head.nodes_found !== row.node_count) {
      return unhealthy('missing_node_state', `Expected ${row.node_count} nodes; found ${head.nodes_found}.`);
    }
    if (!probesOnly && head.edges_found !== row.edge_count) {
      return unhealthy('dangling_edge', `Expected ${row.edge_count} edges; found ${head.edges_found}.`);
    }
    if (head.unpinned_hash !== null) {
      return unhealthy('missing_pinned_workflow', `Pinned workflow ${head.unpinned_hash} is missing.`);
    }
    if (!probesOnly && key !== null) countedSessions().add(sk);
    return { kind: 'ok', row };
  };

  /** The checks that read every node and edge. */
  const checkGraph = (key: ReturnType<typeof keyOf>): SessionHealth => {
    const [lo, hi] = key?.range ?? [0n, 0n];
    const badNode = q.nodeWithoutState.get(lo, hi) as { node_id: string } | undefined;
    if (badNode !== undefined) return unhealthy('missing_node_state', `Node ${badNode.node_id} has no valid state.`);
    const edge = q.danglingEdge.get({ lo, hi }) as { from_node_id: string; to_node_id: string } | undefined;
    if (edge !== undefined) {
      return unhealthy('dangling_edge', `Edge ${edge.from_node_id} -> ${edge.to_node_id} names a missing node.`);
    }
    const orphan = q.orphanNode.get(lo, hi) as { node_id: string; parent_node_id: string } | undefined;
    if (orphan !== undefined) {
      return unhealthy('dangling_edge', `Node ${orphan.node_id} names missing parent ${orphan.parent_node_id}.`);
    }
    return { kind: 'healthy' };
  };

  const checkHealth = (sessionId: SessionId): SessionHealth => {
    const key = keyOf(sessionId);
    const head = checkHead(sessionId, key, false);
    return head.kind === 'ok' ? checkGraph(key) : head;
  };

  const toHead = (s: SessionRow): SessionHead => {
    const runRow = q.run.get(s.session_id) as RunRow | undefined;
    const run = runRow === undefined ? null : toRun(runRow);
    return {
      sessionId: s.session_id,
      workspacePath: s.workspace_path,
      createdAtMs: s.created_at_ms,
      lastActivityMs: s.last_activity_ms,
      lastSeq: s.last_seq,
      observations: toObservations(s),
      run,
      workflow: run === null ? null : getWorkflow(run.workflowHash),
    };
  };

  const loadSession = (sessionId: SessionId): LoadSessionResult => {
    const key = keyOf(sessionId);
    const head = checkHead(sessionId, key);
    if (head.kind !== 'ok') return head;
    const graph = checkGraph(key);
    if (graph.kind !== 'healthy') return graph;
    const nodes = new Map<NodeId, StoredNode>();
    for (const row of q.nodes.all(sessionId) as NodeRow[]) nodes.set(row.node_id, toNode(row));
    const edges = [
      ...eventsOfKind(sessionId, 'edge_created').map((e) => toEdge(e.data, e.seq)),
      ...foldedEdges(sessionId),
    ].sort((a, b) => a.seq - b.seq);
    return { kind: 'ok', session: { ...toHead(head.row), nodes, edges } };
  };

  const nodeContext = (nodeId: NodeId): JsonObject | null => {
    const row = q.nodeContext.get(nodeKey(nodeId)) as { context: string } | undefined;
    return row === undefined ? null : (unpackJson(JSON.parse(row.context)) as JsonObject);
  };

  const loadNode = (sessionId: SessionId, nodeId: NodeId): LoadNodeResult => {
    const head = checkHead(sessionId, keyOf(sessionId), true, false);
    if (head.kind === 'not_found') return { kind: 'not_found', missing: 'session' };
    if (head.kind !== 'ok') return head;
    // The node's row, else a row of the id's hash whose event does not say its id (a damaged file).
    const rows = q.node.all(nodeKey(nodeId)) as PositionRow[];
    const row = rows.find((r) => r.node_id !== null) ?? rows[0];
    if (row === undefined || row.session_id !== sessionId) return { kind: 'not_found', missing: 'node' };
    // A row without its id is the node's, unless another id shares the hash: either way the session is damaged.
    if (row.state_ok !== 1 || row.node_id === null) {
      return unhealthy('missing_node_state', `Node ${nodeId} has no valid state.`);
    }
    if (row.parent_ok !== 1)
      return unhealthy('dangling_edge', `Node ${nodeId} names missing parent ${row.parent_node_id}.`);
    return {
      kind: 'ok',
      position: {
        session: toHead(head.row),
        node: toNode({ ...row, node_id: nodeId }),
        context: nodeContext(nodeId) ?? {},
        hasAdvanceSuccessor: row.advance_children > 0,
        blockedStreak: row.node_kind === 'blocked_attempt' ? (q.blockedStreak.get(nodeKey(nodeId)) as number) : 0,
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
    loadNode,
    checkHealth,
    getWorkflow,
    listSessions,
    nodeContext,
    findToken(token) {
      const key = tokenKey(token);
      if (key === null) return null;
      const row = q.token[key.kind].get(key.nonce, key.tag) as TokenRow | undefined;
      return row === undefined ? null : toTokenRecord(row);
    },
    listTokens(sessionId) {
      const key = keyOf(sessionId);
      if (key === null) return [];
      const [from, to] = key.range;
      return (q.sessionTokens.all({ from, to }) as TokenRow[]).map(toTokenRecord);
    },
    locateToken(token) {
      const key = tokenKey(token);
      if (key === null) return null;
      const row = q.locateToken[key.kind].get(key.nonce, key.tag);
      return (row as { sessionId: SessionId; workspacePath: string } | undefined) ?? null;
    },
    findTokenFor(kind: TokenKind, nodeId: NodeId, attemptId: AttemptId | null) {
      const attempt = attemptId === null ? null : packAttemptId(attemptId);
      const row = q.tokenFor[kind].get({ ...nodeKey(nodeId), attempt }) as { token: Token } | undefined;
      return row?.token ?? null;
    },
    findAdvance(nodeId, attemptId): RecordedAdvance | null {
      const event = eventByDedupeKey(
        'advance_recorded',
        nodeId,
        `advance:${nodeId}:${attemptId}`,
        (d) => d.fromNodeId === nodeId && d.attemptId === attemptId,
      );
      if (event === undefined) return null;
      const d = event.data;
      return {
        fromNodeId: d.fromNodeId,
        attemptId: d.attemptId,
        outcome: d.outcome,
        toNodeId: d.toNodeId,
        blockerCodes: (d.blockers ?? []).map((b) => b.code),
        response: d.response,
        seq: event.seq,
      };
    },
    findCheckpoint(nodeId, attemptId) {
      const event = eventByDedupeKey(
        'checkpoint_recorded',
        nodeId,
        `checkpoint:${nodeId}:${attemptId}`,
        (d) => d.fromNodeId === nodeId && d.attemptId === attemptId,
      );
      return event?.data.checkpointNodeId ?? null;
    },
    listOutputs(sessionId, nodeIds) {
      const only = nodeIds === undefined ? null : new Set<string>(nodeIds);
      return eventsOfKind(sessionId, 'output_appended')
        .filter((e) => only === null || only.has(e.data.nodeId))
        .map((e) => toOutput(e.data, e.seq, e.atMs));
    },
    listEvents(sessionId, fromSeq = 0) {
      const key = keyOf(sessionId);
      if (key === null) return [];
      // From the row before: an edge at `fromSeq` may be folded into it (edge-fold.ts).
      const from = key.range[0] | BigInt(Math.max(0, fromSeq - 1));
      const nodes = nodeIdsInOrder((seq) => nodeIdAt(key.sk, sessionId, seq));
      return (q.events.all(from, key.range[1]) as StoredRow[]).flatMap((row) => {
        const events = decodeRow(row, key.session, nodes.nodeAt);
        nodes.note(events[0]!);
        return events[0]!.seq >= fromSeq ? events : events.filter((e) => e.seq >= fromSeq);
      });
    },
    listRecentSessions(limit) {
      return (q.recent.all(limit) as SummaryRow[]).map(toSummary);
    },
    searchSessions(query, limit): SessionMatch[] {
      const expression = ftsExpression(query);
      if (expression === null) return [];
      return (q.search.all({ expression, limit }) as { session_id: SessionId; rank: number }[]).map((r) => ({
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

type HeadCheck =
  | { readonly kind: 'ok'; readonly row: SessionRow }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'unhealthy'; readonly health: UnhealthyReason };

/** The session row (all NULL when it is missing) and what the cheap checks compare it with. */
interface HeadRow extends Omit<SessionRow, 'session_id'> {
  session_id: SessionId | null;
  /** The counts are NULL when only the probes ran (headSql). */
  n_events: number | null;
  lo_seq: number | null;
  hi_seq: number | null;
  nodes_found: number | null;
  edges_found: number | null;
  unpinned_hash: string | null;
}

/** A `node_created` row with an edge folded into it, and its parent reference (foldedEdges). */
interface FoldedEdgeRow {
  sk: number;
  seq: number;
  edge: number;
  to_node: string;
  parent_ref: number | string;
  parent_node: string | null;
}

/** An event of one kind with the node ids its references name (eventsOfKindSql). */
interface KindRow {
  sk: number;
  seq: number;
  at_ms: number;
  data: string;
  ref0: number | string | null;
  node0: string | null;
  ref1: number | string | null;
  node1: string | null;
}

interface PositionRow extends Omit<NodeRow, 'node_id'> {
  /** NULL: the node's event does not say its id (a damaged file). */
  node_id: NodeId | null;
  session_id: SessionId;
  advance_children: number;
  state_ok: number;
  parent_ok: number;
}

function unhealthy(kind: UnhealthyReason['kind'], reason: string): { kind: 'unhealthy'; health: UnhealthyReason } {
  return { kind: 'unhealthy', health: { kind, reason } };
}

/**
 * A node's engine state (JSON text), read from its `node_created` event (migration 5): NULL when that event is missing,
 * is not a node's creation, or holds no JSON object as state. (Since schema 20 the node's id is that event's too.)
 */
const NODE_STATE = `(SELECT CASE WHEN json_type(e.data, '${dataPath('state')}') = 'object'
                                 THEN json_extract(e.data, '${dataPath('state')}') END
   FROM events e WHERE e.id = n.id AND e.kind = ${kindCode('node_created')} AND json_valid(e.data))`;

/**
 * One field of a node's engine state, read from its `node_created` event like NODE_STATE, without copying the state
 * out first.
 */
function nodeStateField(field: 'kind' | 'pendingStepId'): string {
  return `(SELECT e.data ->> '${dataPath('state', field)}'
   FROM events e WHERE e.id = n.id AND e.kind = ${kindCode('node_created')} AND json_valid(e.data)
     AND json_type(e.data, '${dataPath('state')}') = 'object')`;
}

/** The packed engine state kinds a valid node state has (schema 14). */
const ENGINE_STATE_KINDS = `${dataValue('pending')}, ${dataValue('complete')}`;

/** A node row's workflow hash: NULL there means the hash of its session's run (migration 4). */
const NODE_HASH = `coalesce(n.workflow_hash, (SELECT workflow_hash FROM runs WHERE session_id = k.session_id), '')`;

/** The row id of node row `n`'s parent (migration 20 keeps the distance back to it); NULL when it has none. */
const PARENT_ROW = '(n.id - n.parent_delta)';

/** Node row `n`'s parent row `p`. */
const JOIN_PARENT = `LEFT JOIN nodes p ON p.id = ${PARENT_ROW}`;

/**
 * A node row's parent id: the id it kept as text (a parent without a row), else the id the `node_created` event of
 * its parent's row names (whether or not that row is still there).
 */
const PARENT_NODE_ID = `coalesce(n.parent_node_id, ${nodeIdSql(PARENT_ROW, true)})`;

/** Whether a node row's parent has a row (a root has none to have). */
const PARENT_OK = `(p.id IS NOT NULL OR (n.parent_delta IS NULL AND (n.parent_node_id IS NULL
  OR EXISTS (SELECT 1 FROM nodes y WHERE ${nodeIsSql('y', 'n.parent_node_id')}))))`;

/** The node id of row `n` (its event's), or where the row is when its event does not say (a damaged file). */
const NODE_ID_OR_SEQ = `coalesce(${nodeIdSql('n')}, 'at seq ' || (n.id & 4294967295))`;

/** The columns of a NodeRow, over \`nodes n\` joined to its session key \`k\` and its parent \`p\`. */
const NODE_COLUMNS = `${nodeIdSql('n')} AS node_id, ${NODE_KIND_SQL} AS node_kind, ${PARENT_NODE_ID} AS parent_node_id,
  ${NODE_HASH} AS workflow_hash, ${NODE_STATE} AS state, n.id & 4294967295 AS created_seq,
  ${NODE_CREATED_AT_SQL} AS created_at_ms`;

const SUMMARY_SELECT = `
  SELECT s.session_id, s.workspace_path, s.created_at_ms, s.last_activity_ms, s.title, s.goal, s.repo_root,
         s.repo_root_hash, s.git_branch, s.git_head_sha, s.run_id, r.workflow_id, r.workflow_hash,
         coalesce(r.is_complete, 0) AS is_complete, r.preferred_tip_node_id,
         ${nodeStateField('pendingStepId')} AS pending_step_id
  FROM sessions s
  LEFT JOIN runs r ON r.session_id = s.session_id
  LEFT JOIN nodes n ON ${nodeIsSql('n', 'r.preferred_tip_node_id')}`;
const SUMMARY_ORDER = 'ORDER BY s.last_activity_ms DESC, s.session_id LIMIT ?';

/** The seq, time and data of one session's events of one kind, through that kind's partial index (migration 6). */
function eventsOfKindSql(kind: EventKind, index: string): string {
  // The (up to two) node references of each row, with the node ids their `node_created` events hold.
  const refs = (NODE_REF_FIELDS[kind] ?? []).map((field, i) => {
    const path = dataPath(field);
    return {
      columns: `e.data ->> '${path}' AS ref${i}, r${i}.data ->> '${dataPath('nodeId')}' AS node${i}`,
      join: `LEFT JOIN events r${i} ON json_type(e.data, '${path}') = 'integer'
        AND r${i}.id = (k.sk << 32) | (e.data ->> '${path}') AND r${i}.kind = ${kindCode('node_created')}`,
    };
  });
  while (refs.length < 2) refs.push({ columns: `NULL AS ref${refs.length}, NULL AS node${refs.length}`, join: '' });
  return `SELECT k.sk, e.id & 4294967295 AS seq, ${eventTimeSql('e')} AS at_ms, e.data, ${refs.map((r) => r.columns).join(', ')}
    FROM session_keys k JOIN events e INDEXED BY ${index}
      ON e.kind = ${kindCode(kind)} AND e.id >= k.sk << 32 AND e.id < (k.sk + 1) << 32
      ${refs.map((r) => r.join).join(' ')}
    WHERE k.session_id = ? ORDER BY e.id`;
}

/** SQL: whether the node a field of edge event `e`'s data names has a row. */
function nodeExistsSql(field: 'fromNodeId' | 'toNodeId'): string {
  const path = dataPath(field);
  return `CASE json_type(e.data, '${path}')
    WHEN 'integer' THEN EXISTS (SELECT 1 FROM nodes n WHERE n.id = ((e.id >> 32) << 32) | (e.data ->> '${path}'))
    ELSE EXISTS (SELECT 1 FROM nodes n WHERE ${nodeIsSql('n', `(e.data ->> '${path}')`)}) END`;
}

/**
 * SQL for the node id a field of event `e`'s data names: the `node_created` event at the seq it holds (schema 11), or
 * the id itself when it was stored as text.
 */
function nodeRefSql(field: 'fromNodeId' | 'toNodeId'): string {
  const path = dataPath(field);
  return `CASE json_type(e.data, '${path}')
    WHEN 'integer' THEN coalesce(
      (SELECT r.data ->> '${dataPath('nodeId')}' FROM events r
       WHERE r.id = ((e.id >> 32) << 32) | (e.data ->> '${path}') AND r.kind = ${kindCode('node_created')}),
      'event ' || (e.data ->> '${path}'))
    ELSE e.data ->> '${path}' END`;
}

/**
 * The session row (these `columns` of it) and what the cheap §9 checks compare it with, in one statement. Without
 * `counts` only the index probes: the counts are NULL.
 */
function headSql(columns: string, counts = true): string {
  // The event count steps the session's rows (the dedupe index leaves some out since schema 18); the first and last
  // seq are two probes (an aggregate min/max would visit every row a second time). The three counts grow with the
  // session; the probes do not.
  // A row with an edge folded into it (schema 18) holds two seqs and one edge: the scan counts both.
  const count = (sql: string) => (counts ? `(${sql})` : 'NULL');
  const rows = counts
    ? '(SELECT count(*) + count(edge) AS n_events, count(edge) AS folded FROM events WHERE id >= @lo AND id < @hi)'
    : '(SELECT NULL AS n_events, NULL AS folded)';
  return `SELECT ${columns}, c.n_events,
      (SELECT id & 4294967295 FROM events WHERE id >= @lo AND id < @hi ORDER BY id LIMIT 1) AS lo_seq,
      (SELECT (id & 4294967295) + (edge IS NOT NULL) FROM events WHERE id >= @lo AND id < @hi
       ORDER BY id DESC LIMIT 1) AS hi_seq,
      ${count('SELECT count(*) FROM nodes WHERE id >= @lo AND id < @hi')} AS nodes_found,
      ${count(`SELECT count(*) FROM events WHERE kind = ${kindCode('edge_created')} AND id >= @lo AND id < @hi`)}
        + c.folded AS edges_found,
      (SELECT r.workflow_hash FROM runs r WHERE r.session_id = @sessionId
         AND NOT EXISTS (SELECT 1 FROM workflows w WHERE w.workflow_hash = r.workflow_hash) LIMIT 1) AS unpinned_hash
    FROM ${rows} c LEFT JOIN sessions s ON s.session_id = @sessionId`;
}

function prepare(db: Database.Database) {
  return {
    workflow: db.prepare('SELECT compiled FROM workflows WHERE workflow_hash = ?'),
    head: db.prepare(headSql('s.*')),
    // checkHealth needs only what the checks compare.
    healthHead: db.prepare(headSql('s.session_id, s.last_seq, s.node_count, s.edge_count')),
    // loadNode on a session this connection has counted (checkHead).
    probedHead: db.prepare(headSql('s.*', false)),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    node: db.prepare(
      `SELECT ${NODE_COLUMNS}, k.session_id, n.advance_children,
              coalesce(${nodeStateField('kind')}, '') IN (${ENGINE_STATE_KINDS}) AS state_ok, ${PARENT_OK} AS parent_ok
       FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32 ${JOIN_PARENT}
       WHERE n.node_hash = @nodeHash AND coalesce(${nodeIdSql('n')}, @nodeId) = @nodeId`,
    ),
    blockedStreak: db
      .prepare(
        `WITH RECURSIVE chain (id, parent) AS (
         SELECT n.id, n.id - n.parent_delta FROM nodes n
         WHERE ${nodeIsBoundSql('n')} AND n.node_kind = ${nodeKindCode('blocked_attempt')}
         UNION ALL
         SELECT p.id, p.id - p.parent_delta FROM nodes p JOIN chain c ON p.id = c.parent
         WHERE p.node_kind = ${nodeKindCode('blocked_attempt')})
       SELECT count(*) FROM chain`,
      )
      .pluck(),
    nodeWithoutState: db.prepare(
      `SELECT ${NODE_ID_OR_SEQ} AS node_id FROM nodes n WHERE n.id >= ? AND n.id < ?
         AND coalesce(${nodeStateField('kind')}, '') NOT IN (${ENGINE_STATE_KINDS})
       LIMIT 1`,
    ),
    // An edge names each node by the seq of its node_created event (schema 11), which the session's node rows hold, or
    // by its id.
    danglingEdge: db.prepare(
      `SELECT ${nodeRefSql('fromNodeId')} AS from_node_id, ${nodeRefSql('toNodeId')} AS to_node_id
       FROM events e WHERE kind = ${kindCode('edge_created')} AND id >= @lo AND id < @hi
         AND NOT (${nodeExistsSql('fromNodeId')} AND ${nodeExistsSql('toNodeId')})
       LIMIT 1`,
    ),
    orphanNode: db.prepare(
      `SELECT ${NODE_ID_OR_SEQ} AS node_id, ${PARENT_NODE_ID} AS parent_node_id FROM nodes n ${JOIN_PARENT}
       WHERE n.id >= ? AND n.id < ? AND NOT ${PARENT_OK} LIMIT 1`,
    ),
    run: db.prepare('SELECT * FROM runs WHERE session_id = ?'),
    nodes: db.prepare(
      `SELECT ${NODE_COLUMNS}
       FROM session_keys k JOIN nodes n ON n.id >= k.sk << 32 AND n.id < (k.sk + 1) << 32
         ${JOIN_PARENT}
       WHERE k.session_id = ? ORDER BY n.id`,
    ),
    // One statement with the key lookup; INDEXED BY because without statistics the planner would step the session's
    // rows instead of the partial index.
    edgeEvents: db.prepare(eventsOfKindSql('edge_created', 'events_edges')),
    outputEvents: db.prepare(eventsOfKindSql('output_appended', 'events_outputs')),
    foldedEdges: db.prepare(
      `SELECT k.sk, e.id & 4294967295 AS seq, e.edge, e.data ->> '${dataPath('nodeId')}' AS to_node,
              e.data ->> '${dataPath('parentNodeId')}' AS parent_ref, r.data ->> '${dataPath('nodeId')}' AS parent_node
       FROM session_keys k JOIN nodes n ON n.id >= k.sk << 32 AND n.id < (k.sk + 1) << 32
         JOIN events e ON e.id = n.id
         LEFT JOIN events r ON json_type(e.data, '${dataPath('parentNodeId')}') = 'integer'
           AND r.id = (k.sk << 32) | (e.data ->> '${dataPath('parentNodeId')}') AND r.kind = ${kindCode('node_created')}
       WHERE k.session_id = ? AND e.edge IS NOT NULL ORDER BY n.id`,
    ),
    skOfNode: db.prepare(
      `SELECT k.sk, k.session_id FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32 WHERE ${nodeIsBoundSql('n')}`,
    ),
    nodeIdAt: db.prepare(NODE_ID_AT_SQL).pluck(),
    // The expression must read as the index's, `id >> 32 = ?`, for the index to serve it.
    idsByDedupeHash: db.prepare('SELECT id FROM events WHERE id >> 32 = ? AND dedupe_hash = ?').pluck().safeIntegers(),
    eventData: db.prepare('SELECT kind, data FROM events WHERE id = ?'),
    nodeContext: db.prepare(
      `SELECT json_extract(e.data, '${dataPath('context')}') AS context FROM nodes n
         JOIN events e ON e.id = ((n.id >> 32) << 32) | n.context_seq
       WHERE ${nodeIsBoundSql('n')}`,
    ),
    // By kind: each reads its tag column, and goes by the nonce key (the `tokens` view, a UNION ALL, would not).
    token: byTokenKind((kind) => db.prepare(`${tokensOfKindSql(kind)} AND t.nonce = ? AND t.${TAG_COLUMN[kind]} = ?`)),
    // The view's columns over the session's node range of `token_records_by_node`.
    sessionTokens: db.prepare(
      `SELECT * FROM (${TOKEN_KINDS.map((kind) => `${tokensOfKindSql(kind)} AND t.node >= @from AND t.node < @to`).join(' UNION ALL ')})
       ORDER BY created_at_ms, token`,
    ),
    locateToken: byTokenKind((kind) =>
      db.prepare(
        `SELECT k.session_id AS sessionId, s.workspace_path AS workspacePath
         FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32 JOIN sessions s ON s.session_id = k.session_id
         WHERE t.nonce = ? AND t.${TAG_COLUMN[kind]} = ?`,
      ),
    ),
    tokenFor: byTokenKind((kind) =>
      db.prepare(
        `SELECT '${TOKEN_PREFIX[kind]}' || t.nonce || t.${TAG_COLUMN[kind]} AS token
         FROM nodes n JOIN token_records t ON t.node = n.id
         WHERE ${nodeIsBoundSql('n')} AND t.${TAG_COLUMN[kind]} IS NOT NULL AND t.attempt_id IS @attempt
         ORDER BY coalesce(t.created_at_ms, ${NODE_CREATED_AT_SQL}), token LIMIT 1`,
      ),
    ),
    sessionKey: db.prepare('SELECT sk, run_id, workflow_hash FROM session_keys WHERE session_id = ?'),
    events: db.prepare(`SELECT ${storedRowColumns('e')} FROM events e WHERE e.id >= ? AND e.id < ? ORDER BY e.id`),
    recent: db.prepare(`${SUMMARY_SELECT} ${SUMMARY_ORDER}`),
    search: db.prepare(
      `SELECT k.session_id, min(m.rank) AS rank
       FROM (SELECT rowid, rank FROM session_fts WHERE session_fts MATCH @expression
             UNION ALL SELECT rowid, rank FROM session_notes_fts WHERE session_notes_fts MATCH @expression) m
         JOIN session_keys k ON k.sk = m.rowid >> 32
       GROUP BY k.session_id ORDER BY rank, k.session_id LIMIT @limit`,
    ),
    metrics: db.prepare('SELECT * FROM session_metrics WHERE session_id = ?'),
    roots: db.prepare('SELECT path, last_seen_ms FROM roots ORDER BY last_seen_ms DESC, path'),
  };
}
