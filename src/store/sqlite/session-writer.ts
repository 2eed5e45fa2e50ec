// The write side of the SQLite store. Only ever called inside a BEGIN IMMEDIATE transaction (sqlite-session-store.ts).
import type Database from 'better-sqlite3';
import type { EventId, SessionEvent, SessionId } from '../../engine/events.js';
import type { SessionTx } from '../session-store.js';
import {
  decodeEvent,
  derivedEventId,
  encodeEvent,
  eventKey,
  NODE_ID_AT_SQL,
  type NodeSeqOf,
  type SessionKey,
  type StoredEvent,
  sessionRange,
  storedNodeId,
} from './event-codec.js';
import { dedupeHash } from './migrate.js';
import { TOKEN_KIND_CODES, UNHELD_NODE_SEQ } from './migrations/0009-token-records.js';
import { packAttemptId } from './migrations/0012-short-attempt-ids.js';
import { NODE_CREATED_AT_SQL } from './node-kinds.js';
import type { Projector } from './projections.js';

type SessionWriter = Pick<
  SessionTx,
  'appendEvents' | 'importEvents' | 'pinWorkflow' | 'insertToken' | 'rememberRoot' | 'forgetRootsSeenBefore'
>;

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

  /** The seq of the session's last event; -1 when it has none. */
  const lastSeq = (sk: number): number => (q.lastSeq.get(...sessionRange(sk)) as number | undefined) ?? -1;

  /** Points the tokens minted for a node before it existed at its `node_created` event (migration 9). */
  /** A token minted at the node's creation time leaves it out (migration 16). */
  const claimTokens = (sk: number, nodeId: string, seq: number, atMs: number) => {
    q.claimTokens.run(eventKey(sk, seq), atMs, eventKey(sk, UNHELD_NODE_SEQ), nodeId);
  };

  /** Whether the session already holds an event with this dedupe key (the hash narrows it to a row or two). */
  const seen = (sk: number, session: SessionKey, hash: number, dedupeKey: string): boolean => {
    const nodeAt = (seq: number) => storedNodeId(q.nodeIdAt.get(eventKey(sk, seq)), session.sessionId, seq);
    return (q.dedupeCandidates.all(sk, hash) as StoredEvent[]).some(
      (row) => decodeEvent(row, session, nodeAt).dedupeKey === dedupeKey,
    );
  };

  /**
   * Node seqs for the events of one append (schema 11): the nodes it creates, else the session's node rows (the
   * projection of every earlier `node_created`).
   */
  const nodeSeqs = (sk: number) => {
    const created = new Map<string, number>();
    const seqOf: NodeSeqOf = (nodeId) => created.get(nodeId) ?? (q.nodeSeq.get(nodeId, sk) as number | undefined);
    return { seqOf, created };
  };

  /** Stores one event row; returns its `events.id`. */
  const insertEvent = (
    sk: number,
    session: SessionKey,
    event: SessionEvent,
    seqOf: NodeSeqOf,
    hash = dedupeHash(event.dedupeKey),
  ) => {
    const row = encodeEvent(event, session, seqOf);
    const id = eventKey(sk, row.seq);
    q.insertEvent.run(id, row.kind, row.at_ms, hash, row.data, row.event_id, row.run_id, row.node_id, row.dedupe_key);
    return id;
  };

  return {
    appendEvents(sessionId, events) {
      if (events.length === 0) return [];
      let { sk, session } = sessionKey(sessionId);
      let seq = lastSeq(sk) + 1;
      const nodes = nodeSeqs(sk);
      const appended: SessionEvent[] = [];
      for (const event of events) {
        const hash = dedupeHash(event.dedupeKey);
        if (seen(sk, session, hash, event.dedupeKey)) continue;
        if (event.kind === 'run_started' && session.runId === null) {
          // The session's run: what event rows leave out when they repeat it (event-codec.ts).
          session = { sessionId, runId: event.data.runId, workflowHash: event.data.workflowHash };
          q.setSessionRun.run(session.runId, session.workflowHash, sk);
        }
        const eventId = newEventId?.() ?? derivedEventId(sessionId, seq);
        const stored = { ...event, eventId, sessionId, seq } as SessionEvent;
        projector.apply(stored, insertEvent(sk, session, stored, nodes.seqOf, hash));
        if (stored.kind === 'node_created') {
          nodes.created.set(stored.data.nodeId, seq);
          claimTokens(sk, stored.data.nodeId, seq, stored.atMs);
        }
        appended.push(stored);
        seq += 1;
      }
      return appended;
    },
    importEvents(sessionId, events) {
      let { sk, session } = sessionKey(sessionId);
      if (lastSeq(sk) !== -1) {
        throw new Error(`Session ${sessionId} already has events; import only into a store without it.`);
      }
      const nodes = nodeSeqs(sk);
      events.forEach((event, index) => {
        if (event.seq !== index || event.sessionId !== sessionId) {
          throw new Error(`Event ${index} of session ${sessionId} is numbered ${event.seq} of ${event.sessionId}.`);
        }
        if (event.kind === 'run_started' && session.runId === null) {
          session = { sessionId, runId: event.data.runId, workflowHash: event.data.workflowHash };
          q.setSessionRun.run(session.runId, session.workflowHash, sk);
        }
        projector.apply(event, insertEvent(sk, session, event, nodes.seqOf));
        if (event.kind === 'node_created') {
          nodes.created.set(event.data.nodeId, event.seq);
          claimTokens(sk, event.data.nodeId, event.seq, event.atMs);
        }
      });
    },
    pinWorkflow(compiled) {
      // Not cached here: a rolled-back pin must not be visible through the cache.
      q.pinWorkflow.run(compiled.workflowHash, compiled.id, JSON.stringify(compiled));
    },
    insertToken(r) {
      // A token row names its node by the node's event id and leaves out the session's run and its workflow hash
      // (migration 9), and its creation time when it is the node's (migration 16: the time of the node's event).
      const { sk, session } = sessionKey(r.sessionId);
      const node = q.nodeKey.get(r.nodeId, r.sessionId) as { id: bigint; created_at_ms: bigint } | undefined;
      q.insertToken.run(
        r.token,
        TOKEN_KIND_CODES[r.kind],
        node?.id ?? eventKey(sk, UNHELD_NODE_SEQ),
        r.attemptId === null ? null : packAttemptId(r.attemptId),
        session.runId === r.runId ? null : r.runId,
        session.workflowHash === r.workflowHash ? null : r.workflowHash,
        node !== undefined && Number(node.created_at_ms) === r.createdAtMs ? null : r.createdAtMs,
        node === undefined ? r.nodeId : null,
      );
    },
    rememberRoot(path, atMs) {
      q.rememberRoot.run(path, atMs);
    },
    forgetRootsSeenBefore(cutoffMs) {
      return q.forgetRoots.run(cutoffMs).changes;
    },
  };
}

function prepare(db: Database.Database) {
  return {
    sessionKey: db.prepare('SELECT sk, run_id, workflow_hash FROM session_keys WHERE session_id = ?'),
    setSessionRun: db.prepare('UPDATE session_keys SET run_id = ?, workflow_hash = ? WHERE sk = ?'),
    insertSessionKey: db.prepare('INSERT INTO session_keys (session_id) VALUES (?)'),
    lastSeq: db.prepare('SELECT id & 4294967295 FROM events WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1').pluck(),
    dedupeCandidates: db.prepare(
      `SELECT id & 4294967295 AS seq, kind, at_ms, data, event_id, run_id, node_id, dedupe_key FROM events
       WHERE id >> 32 = ? AND dedupe_hash = ?`,
    ),
    nodeSeq: db.prepare('SELECT id & 4294967295 FROM nodes WHERE node_id = ? AND id >> 32 = ?').pluck(),
    nodeIdAt: db.prepare(NODE_ID_AT_SQL).pluck(),
    insertEvent: db.prepare(
      `INSERT INTO events (id, kind, at_ms, dedupe_hash, data, event_id, run_id, node_id, dedupe_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    nodeKey: db
      .prepare(
        `SELECT n.id, ${NODE_CREATED_AT_SQL} AS created_at_ms FROM nodes n JOIN session_keys k ON k.sk = n.id >> 32
         WHERE n.node_id = ? AND k.session_id = ?`,
      )
      .safeIntegers(),
    pinWorkflow: db.prepare(
      'INSERT INTO workflows (workflow_hash, workflow_id, compiled) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    claimTokens: db.prepare(
      `UPDATE token_records SET node = ?, node_id = NULL, created_at_ms = nullif(created_at_ms, ?)
       WHERE node = ? AND node_id = ?`,
    ),
    insertToken: db.prepare(
      `INSERT INTO token_records (token, kind, node, attempt_id, run_id, workflow_hash, created_at_ms, node_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    rememberRoot: db.prepare(
      `INSERT INTO roots (path, last_seen_ms) VALUES (?, ?)
         ON CONFLICT (path) DO UPDATE SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    ),
    forgetRoots: db.prepare('DELETE FROM roots WHERE last_seen_ms < ?'),
  };
}
