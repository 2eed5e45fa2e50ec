// The write side of the SQLite store. Only ever called inside a BEGIN IMMEDIATE transaction (sqlite-session-store.ts).
import type Database from 'better-sqlite3';
import type { EventId, NewEvent, SessionEvent, SessionId } from '../../engine/events.js';
import type { SessionTx } from '../session-store.js';
import { hasDedupeEntry, nodesNamedBy } from './dedupe-entries.js';
import { decodeRow, foldedEdgeCode, type StoredRow } from './edge-fold.js';
import { packEnvelope } from './envelope-overrides.js';
import {
  derivedEventId,
  encodeEvent,
  eventKey,
  kindCode,
  NODE_ID_AT_SQL,
  type NodeSeqOf,
  type SessionKey,
  sessionRange,
  storedNodeId,
} from './event-codec.js';
import { eventTimeSql, storesTime } from './event-times.js';
import { dedupeHash } from './migrate.js';
import { UNHELD_NODE_SEQ } from './migrations/0009-token-records.js';
import { packAttemptId } from './migrations/0012-short-attempt-ids.js';
import { tokenKey } from './migrations/0017-token-pairs.js';
import { nodeIsBoundSql, nodeKey } from './node-hashes.js';
import { NODE_CREATED_AT_SQL } from './node-kinds.js';
import type { Projector } from './projections.js';
import { storedRowColumns } from './stored-row-columns.js';

type SessionWriter = Pick<
  SessionTx,
  'appendEvents' | 'importEvents' | 'pinWorkflow' | 'insertToken' | 'rememberRoot' | 'forgetRootsSeenBefore'
>;

interface AppendState {
  readonly seqOf: NodeSeqOf;
  readonly created: Map<string, number>;
  readonly unindexedKeys: Set<string>;
  /** The time of the session's last row (undefined: it has none), for the next row's `at_ms` (event-times.ts). */
  lastAtMs: number | undefined;
}

interface FoldedEdge {
  readonly event: SessionEvent;
  readonly code: number;
}

interface SessionKeyRow {
  sk: number;
  run_id: SessionKey['runId'];
  workflow_hash: SessionKey['workflowHash'];
}

/** `newEventId`: ids for appended events; without it an event's id is derived from (session, seq) and not stored. */
export function createWriter(
  db: Database.Database,
  projector: Projector,
  newEventId: (() => EventId) | undefined,
): SessionWriter {
  const q = prepare(db);

  /** The session's key row, created on its first event. */
  const sessionKey = (sessionId: SessionId): { sk: number; session: SessionKey } => {
    const row = q.sessionKey.get(sessionId) as SessionKeyRow | undefined;
    if (row === undefined) {
      const sk = Number(q.insertSessionKey.run(sessionId).lastInsertRowid);
      return { sk, session: { sessionId, runId: null, workflowHash: null } };
    }
    return { sk: row.sk, session: { sessionId, runId: row.run_id, workflowHash: row.workflow_hash } };
  };

  /** The seq of the session's last event (-1 when it has none) and the time of its last row. */
  const lastRow = (sk: number): { seq: number; atMs: number | undefined } => {
    const row = q.lastRow.get(...sessionRange(sk)) as { seq: number; at_ms: number } | undefined;
    return row === undefined ? { seq: -1, atMs: undefined } : { seq: row.seq, atMs: row.at_ms };
  };

  /**
   * Points the tokens minted for a node before it existed at its `node_created` event (migration 9); a token minted at
   * the node's creation time leaves its time out (migration 16).
   */
  const claimTokens = (sk: number, nodeId: string, seq: number, atMs: number) => {
    q.claimTokens.run(eventKey(sk, seq), atMs, eventKey(sk, UNHELD_NODE_SEQ), nodeId);
  };

  /**
   * Whether the session already holds an event with this dedupe key: the index entries of its hash (narrowed to a row
   * or two), else the unindexed events that could carry it (dedupe-entries.ts): this append's, the `node_created` row
   * of the node a `node:` key names, and for an `edge:`/`trace:` key naming a node held before this append, that
   * session's unindexed edges or traces after the node (a scan only duplicates reach).
   */
  const seen = (sk: number, session: SessionKey, hash: number, dedupeKey: string, append: AppendState): boolean => {
    if (append.unindexedKeys.has(dedupeKey)) return true;
    const nodeAt = (seq: number) => storedNodeId(q.nodeIdAt.get(eventKey(sk, seq)), session.sessionId, seq);
    const holdsKey = (rows: unknown[]) =>
      (rows as StoredRow[]).some((row) => decodeRow(row, session, nodeAt).some((e) => e.dedupeKey === dedupeKey));
    const named = nodesNamedBy(dedupeKey);
    const node = named?.kind === 'node' ? (named.nodeIds[0] ?? null) : null;
    if (holdsKey(q.dedupeCandidates.all({ sk, hash, ...nodeKey(node) }))) return true;
    if (named === null || named.kind === 'node') return false;
    const end = sessionRange(sk)[1];
    const after = named.kind === 'edge' ? q.unindexedEdgesAfter : q.unindexedTracesAfter;
    return named.nodeIds.some((nodeId) => {
      if (append.created.has(nodeId)) return false;
      const seq = q.nodeSeq.get({ sk, ...nodeKey(nodeId) }) as number | undefined;
      return seq !== undefined && holdsKey(after.all({ node: eventKey(sk, seq), end }));
    });
  };

  /**
   * Node seqs for the events of one append (schema 11): the nodes it creates, else the session's node rows (the
   * projection of every earlier `node_created`); and the dedupe keys of its events stored without an index entry.
   */
  const appendState = (sk: number, lastAtMs: number | undefined): AppendState => {
    const created = new Map<string, number>();
    const seqOf: NodeSeqOf = (nodeId) =>
      created.get(nodeId) ?? (q.nodeSeq.get({ sk, ...nodeKey(nodeId) }) as number | undefined);
    return { seqOf, created, unindexedKeys: new Set(), lastAtMs };
  };

  /** Stores one event row; returns its `events.id`. */
  const insertEvent = (
    sk: number,
    session: SessionKey,
    event: SessionEvent,
    append: AppendState,
    keyHash = dedupeHash(event.dedupeKey),
    edge: number | null = null,
  ) => {
    const row = encodeEvent(event, session, append.seqOf);
    const id = eventKey(sk, row.seq);
    const hash = hasDedupeEntry(event, row, append.seqOf) ? keyHash : null;
    if (hash === null) append.unindexedKeys.add(event.dedupeKey);
    const atMs = storesTime(row.kind, row.seq, row.at_ms, append.lastAtMs) ? row.at_ms : null;
    append.lastAtMs = row.at_ms;
    q.insertEvent.run(id, row.kind, atMs, hash, row.data, packEnvelope(row), edge);
    return id;
  };

  /** Stores `event` (with `edge` folded into its row) and applies it, then the edge, to the projections. */
  const insertWithEdge = (
    sk: number,
    session: SessionKey,
    event: SessionEvent,
    append: AppendState,
    edge: FoldedEdge | null,
    keyHash?: number,
  ) => {
    projector.apply(event, insertEvent(sk, session, event, append, keyHash, edge?.code ?? null));
    if (event.kind === 'node_created') {
      append.created.set(event.data.nodeId, event.seq);
      claimTokens(sk, event.data.nodeId, event.seq, event.atMs);
    }
    if (edge === null) return;
    append.unindexedKeys.add(edge.event.dedupeKey);
    projector.apply(edge.event, eventKey(sk, edge.event.seq));
  };

  /** The edge appended right after `node` when it folds into the node's row and is not recorded already. */
  const foldableEdge = (
    sk: number,
    session: SessionKey,
    node: SessionEvent,
    next: NewEvent | undefined,
    append: AppendState,
  ): FoldedEdge | null => {
    // An edge with the node's key is a duplicate that the node's row, not yet written, would show.
    if (node.kind !== 'node_created' || next?.kind !== 'edge_created' || next.dedupeKey === node.dedupeKey) return null;
    const seq = node.seq + 1;
    const edge = { ...next, eventId: derivedEventId(session.sessionId, seq), sessionId: session.sessionId, seq };
    const code = foldedEdgeCode(node, edge as SessionEvent, session);
    if (code === null) return null;
    // The node is this append's before its row is: the edge naming it needs no look-up of older nodes.
    append.created.set(node.data.nodeId, node.seq);
    if (seen(sk, session, dedupeHash(edge.dedupeKey), edge.dedupeKey, append)) return null;
    return { event: edge as SessionEvent, code };
  };

  return {
    appendEvents(sessionId, events) {
      if (events.length === 0) return [];
      let { sk, session } = sessionKey(sessionId);
      const last = lastRow(sk);
      let seq = last.seq + 1;
      const nodes = appendState(sk, last.atMs);
      const appended: SessionEvent[] = [];
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        const hash = dedupeHash(event.dedupeKey);
        if (seen(sk, session, hash, event.dedupeKey, nodes)) continue;
        if (event.kind === 'run_started' && session.runId === null) {
          // The session's run: what event rows leave out when they repeat it (event-codec.ts).
          session = { sessionId, runId: event.data.runId, workflowHash: event.data.workflowHash };
          q.setSessionRun.run(session.runId, session.workflowHash, sk);
        }
        const eventId = newEventId?.() ?? derivedEventId(sessionId, seq);
        const stored = { ...event, eventId, sessionId, seq } as SessionEvent;
        const edge = newEventId === undefined ? foldableEdge(sk, session, stored, events[i + 1], nodes) : null;
        insertWithEdge(sk, session, stored, nodes, edge, hash);
        appended.push(stored);
        seq += 1;
        if (edge !== null) {
          appended.push(edge.event);
          seq += 1;
          i += 1;
        }
      }
      return appended;
    },
    importEvents(sessionId, events) {
      let { sk, session } = sessionKey(sessionId);
      if (lastRow(sk).seq !== -1) {
        throw new Error(`Session ${sessionId} already has events; import only into a store without it.`);
      }
      const nodes = appendState(sk, undefined);
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (event.seq !== i || event.sessionId !== sessionId) {
          throw new Error(`Event ${i} of session ${sessionId} is numbered ${event.seq} of ${event.sessionId}.`);
        }
        if (event.kind === 'run_started' && session.runId === null) {
          session = { sessionId, runId: event.data.runId, workflowHash: event.data.workflowHash };
          q.setSessionRun.run(session.runId, session.workflowHash, sk);
        }
        const next = events[i + 1];
        const code = next === undefined || next.sessionId !== sessionId ? null : foldedEdgeCode(event, next, session);
        insertWithEdge(sk, session, event, nodes, code === null ? null : { event: next!, code });
        if (code !== null) i += 1;
      }
    },
    pinWorkflow(compiled) {
      // Not cached here: a rolled-back pin must not be visible through the cache.
      q.pinWorkflow.run(compiled.workflowHash, compiled.id, JSON.stringify(compiled));
    },
    insertToken(r) {
      // A token row names its node by the node's event id and leaves out the session's run and its workflow hash
      // (migration 9), and its creation time when it is the node's (migration 16: the time of the node's event).
      // The second token of a pair fills its tag in its nonce's row (migration 17).
      const key = tokenKey(r.token);
      if (key === null || key.kind !== r.kind) {
        throw new Error(`Token ${r.token} does not have the prefix of a ${r.kind} token.`);
      }
      const { sk, session } = sessionKey(r.sessionId);
      const node = q.nodeKey.get({ sessionId: r.sessionId, ...nodeKey(r.nodeId) }) as
        | { id: bigint; created_at_ms: bigint }
        | undefined;
      const stored = q.insertToken.run(
        key.nonce,
        node?.id ?? eventKey(sk, UNHELD_NODE_SEQ),
        r.attemptId === null ? null : packAttemptId(r.attemptId),
        key.kind === 'continue' ? key.tag : null,
        key.kind === 'checkpoint' ? key.tag : null,
        key.kind === 'state' ? key.tag : null,
        session.runId === r.runId ? null : r.runId,
        session.workflowHash === r.workflowHash ? null : r.workflowHash,
        node !== undefined && Number(node.created_at_ms) === r.createdAtMs ? null : r.createdAtMs,
        node === undefined ? r.nodeId : null,
      );
      if (stored.changes === 0) {
        throw new Error(`Token ${r.token} is already stored, or its nonce belongs to a token of another record.`);
      }
    },
    rememberRoot(path, atMs) {
      q.rememberRoot.run(path, atMs);
    },
    forgetRootsSeenBefore(cutoffMs) {
      return q.forgetRoots.run(cutoffMs).changes;
    },
  };
}

const EVENT_COLUMNS = storedRowColumns('e');

function prepare(db: Database.Database) {
  return {
    sessionKey: db.prepare('SELECT sk, run_id, workflow_hash FROM session_keys WHERE session_id = ?'),
    setSessionRun: db.prepare('UPDATE session_keys SET run_id = ?, workflow_hash = ? WHERE sk = ?'),
    insertSessionKey: db.prepare('INSERT INTO session_keys (session_id) VALUES (?)'),
    // A row with an edge folded into it holds the next seq too.
    lastRow: db.prepare(
      `SELECT (e.id & 4294967295) + (e.edge IS NOT NULL) AS seq, ${eventTimeSql('e')} AS at_ms FROM events e
       WHERE e.id >= ? AND e.id < ? ORDER BY e.id DESC LIMIT 1`,
    ),
    // The expression must read as the index's, `id >> 32 = ?`, for the index to serve it.
    dedupeCandidates: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id >> 32 = @sk AND e.dedupe_hash = @hash
       UNION ALL
       SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id = (SELECT n.id FROM nodes n WHERE ${nodeIsBoundSql('n')})
         AND e.id >> 32 = @sk AND e.dedupe_hash IS NULL`,
    ),
    // An edge to the node is folded into the node's own row (edge-fold.ts) or a row after it.
    unindexedEdgesAfter: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.id = @node AND e.edge IS NOT NULL
       UNION ALL
       SELECT ${EVENT_COLUMNS} FROM events e
       WHERE e.id > @node AND e.id < @end AND e.kind = ${kindCode('edge_created')} AND e.dedupe_hash IS NULL`,
    ),
    unindexedTracesAfter: db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM events e
       WHERE e.id > @node AND e.id < @end AND e.kind = ${kindCode('decision_trace_appended')} AND e.dedupe_hash IS NULL`,
    ),
    nodeSeq: db
      .prepare(`SELECT n.id & 4294967295 FROM nodes n WHERE ${nodeIsBoundSql('n')} AND n.id >> 32 = @sk`)
      .pluck(),
    nodeIdAt: db.prepare(NODE_ID_AT_SQL).pluck(),
    insertEvent: db.prepare(
      'INSERT INTO events (id, kind, at_ms, dedupe_hash, data, envelope, edge) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    nodeKey: db
      .prepare(
        `SELECT n.id, ${NODE_CREATED_AT_SQL} AS created_at_ms FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32
         WHERE ${nodeIsBoundSql('n')} AND k.session_id = @sessionId`,
      )
      .safeIntegers(),
    pinWorkflow: db.prepare(
      'INSERT INTO workflows (workflow_hash, workflow_id, compiled) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    claimTokens: db.prepare(
      `UPDATE token_records SET node = ?, node_id = NULL, created_at_ms = nullif(created_at_ms, ?)
       WHERE node = ? AND node_id = ?`,
    ),
    // A new nonce inserts its row; the other token of a pair (same record, its kind's tag still NULL) fills its tag.
    // Anything else changes no row.
    insertToken: db.prepare(
      `INSERT INTO token_records (nonce, node, attempt_id, ct_tag, ck_tag, st_tag, run_id, workflow_hash,
                                  created_at_ms, node_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET ct_tag = coalesce(ct_tag, excluded.ct_tag), ck_tag = coalesce(ck_tag, excluded.ck_tag),
                                 st_tag = coalesce(st_tag, excluded.st_tag)
         WHERE node = excluded.node AND attempt_id IS excluded.attempt_id AND run_id IS excluded.run_id
           AND workflow_hash IS excluded.workflow_hash AND created_at_ms IS excluded.created_at_ms
           AND node_id IS excluded.node_id AND (ct_tag IS NULL OR excluded.ct_tag IS NULL)
           AND (ck_tag IS NULL OR excluded.ck_tag IS NULL) AND (st_tag IS NULL OR excluded.st_tag IS NULL)`,
    ),
    rememberRoot: db.prepare(
      `INSERT INTO roots (path, last_seen_ms) VALUES (?, ?)
         ON CONFLICT (path) DO UPDATE SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    ),
    forgetRoots: db.prepare('DELETE FROM roots WHERE last_seen_ms < ?'),
  };
}
