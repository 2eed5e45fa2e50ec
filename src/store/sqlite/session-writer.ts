// The write side of the SQLite store. Only ever called inside a BEGIN IMMEDIATE transaction (sqlite-session-store.ts).
import type Database from 'better-sqlite3';
import type { EventId, SessionEvent, SessionId } from '../../engine/events.js';
import type { SessionTx } from '../session-store.js';
import { dedupeHash } from './migrate.js';
import type { Projector } from './projections.js';

type SessionWriter = Pick<
  SessionTx,
  'appendEvents' | 'pinWorkflow' | 'insertToken' | 'rememberRoot' | 'forgetRootsSeenBefore'
>;

export function createWriter(db: Database.Database, projector: Projector, newEventId: () => EventId): SessionWriter {
  const q = prepare(db);

  const sessionKey = (sessionId: SessionId): number => {
    const row = q.sessionKey.get(sessionId) as { sk: number } | undefined;
    return row?.sk ?? Number(q.insertSessionKey.run(sessionId).lastInsertRowid);
  };

  return {
    appendEvents(sessionId, events) {
      if (events.length === 0) return [];
      const sk = sessionKey(sessionId);
      let seq = ((q.lastSeq.get(sk) as { hi: number | null }).hi ?? -1) + 1;
      const appended: SessionEvent[] = [];
      for (const event of events) {
        const hash = dedupeHash(event.dedupeKey);
        if (q.dedupeSeen.get(sk, hash, event.dedupeKey) !== undefined) continue;
        const eventId = newEventId();
        const inserted = q.insertEvent.run(
          sk,
          seq,
          eventId,
          event.kind,
          event.runId ?? null,
          event.nodeId ?? null,
          event.dedupeKey,
          hash,
          event.atMs,
          JSON.stringify(event.data),
        );
        const stored = { ...event, eventId, sessionId, seq } as SessionEvent;
        projector.apply(stored, Number(inserted.lastInsertRowid));
        appended.push(stored);
        seq += 1;
      }
      return appended;
    },
    pinWorkflow(compiled) {
      // Not cached here: a rolled-back pin must not be visible through the cache.
      q.pinWorkflow.run(compiled.workflowHash, compiled.id, JSON.stringify(compiled));
    },
    insertToken(r) {
      // The run's own workflow hash is not repeated in every token row (migration 2).
      const runHash = q.runWorkflowHash.get(r.sessionId) as string | undefined;
      const workflowHash = runHash === r.workflowHash ? null : r.workflowHash;
      q.insertToken.run(r.token, r.kind, r.sessionId, r.runId, r.nodeId, r.attemptId, workflowHash, r.createdAtMs);
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
    sessionKey: db.prepare('SELECT sk FROM session_keys WHERE session_id = ?'),
    insertSessionKey: db.prepare('INSERT INTO session_keys (session_id) VALUES (?)'),
    lastSeq: db.prepare('SELECT max(seq) AS hi FROM events WHERE sk = ?'),
    dedupeSeen: db.prepare('SELECT 1 FROM events WHERE sk = ? AND dedupe_hash = ? AND dedupe_key = ?'),
    insertEvent: db.prepare(
      `INSERT INTO events (sk, seq, event_id, kind, run_id, node_id, dedupe_key, dedupe_hash, at_ms, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    runWorkflowHash: db.prepare('SELECT workflow_hash FROM runs WHERE session_id = ?').pluck(),
    pinWorkflow: db.prepare(
      'INSERT INTO workflows (workflow_hash, workflow_id, compiled) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    insertToken: db.prepare(
      `INSERT INTO tokens (token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    rememberRoot: db.prepare(
      `INSERT INTO roots (path, last_seen_ms) VALUES (?, ?)
         ON CONFLICT (path) DO UPDATE SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    ),
    forgetRoots: db.prepare('DELETE FROM roots WHERE last_seen_ms < ?'),
  };
}
