// The write side of the PostgreSQL store. Only ever called inside a transaction that holds the session's advisory
// lock (postgres-session-store.ts), so the next seq is read once per batch; the UNIQUE (session_id, seq) and
// (session_id, dedupe_key) constraints stay as the safety net.
import { randomBytes } from 'node:crypto';
import type { EventId, SessionEvent, SessionId } from '../../engine/events.js';
import type { SessionTx } from '../session-store.js';
import type { Connection } from './connection.js';
import type { Projector } from './projections.js';

type SessionWriter = Pick<
  SessionTx,
  'appendEvents' | 'importEvents' | 'pinWorkflow' | 'insertToken' | 'rememberRoot' | 'forgetRootsSeenBefore'
>;

export function createWriter(db: Connection, projector: Projector, newEventId: () => EventId): SessionWriter {
  const run = (name: keyof typeof SQL, params: readonly (string | number | null)[]) => db.run(name, SQL[name], params);

  const nextSeq = (sessionId: SessionId): number =>
    (db.run<{ hi: number | null }>('lastSeq', SQL.lastSeq, [sessionId])[0]?.hi ?? -1) + 1;

  /** Stores one event; false when the session already holds its dedupe key (nothing was written). */
  const insertEvent = (event: SessionEvent): boolean =>
    run('insertEvent', [
      event.sessionId,
      event.seq,
      event.eventId,
      event.kind,
      event.runId ?? null,
      event.nodeId ?? null,
      event.dedupeKey,
      event.atMs,
      JSON.stringify(event.data),
    ]).length === 1;

  return {
    appendEvents(sessionId, events) {
      if (events.length === 0) return [];
      let seq = nextSeq(sessionId);
      const appended: SessionEvent[] = [];
      for (const event of events) {
        const stored = { ...event, eventId: newEventId(), sessionId, seq } as SessionEvent;
        if (!insertEvent(stored)) continue;
        projector.apply(stored);
        appended.push(stored);
        seq += 1;
      }
      const last = appended[appended.length - 1];
      if (last !== undefined) projector.touch(sessionId, Math.max(...appended.map((e) => e.atMs)), last.seq);
      return appended;
    },
    importEvents(sessionId, events) {
      if (nextSeq(sessionId) !== 0) {
        throw new Error(`Session ${sessionId} already has events; import only into a store without it.`);
      }
      events.forEach((event, index) => {
        if (event.seq !== index || event.sessionId !== sessionId) {
          throw new Error(`Event ${index} of session ${sessionId} is numbered ${event.seq} of ${event.sessionId}.`);
        }
        if (!insertEvent(event)) throw new Error(`Event ${index} of session ${sessionId} repeats a dedupe key.`);
        projector.apply(event);
        projector.touch(sessionId, event.atMs, event.seq);
      });
    },
    pinWorkflow(compiled) {
      run('pinWorkflow', [compiled.workflowHash, compiled.id, JSON.stringify(compiled)]);
    },
    insertToken(r) {
      run('insertToken', [r.token, r.kind, r.sessionId, r.runId, r.nodeId, r.attemptId, r.workflowHash, r.createdAtMs]);
    },
    rememberRoot(path, atMs) {
      run('rememberRoot', [path, atMs]);
    },
    forgetRootsSeenBefore(cutoffMs) {
      return run('forgetRoots', [cutoffMs]).length;
    },
  };
}

/** Random event ids (`evt_` and 20 base32 characters), the shape of the SQLite store's. */
export function randomEventId(): EventId {
  let body = '';
  for (const byte of randomBytes(20)) body += BASE32[byte & 31];
  return `evt_${body}` as EventId;
}
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

const SQL = {
  lastSeq: 'SELECT max(seq) AS hi FROM events WHERE session_id = $1',
  insertEvent: `
    INSERT INTO events (session_id, seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (session_id, dedupe_key) DO NOTHING RETURNING id`,
  pinWorkflow: `INSERT INTO workflows (workflow_hash, workflow_id, compiled) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING`,
  insertToken: `
    INSERT INTO tokens (token, kind, session_id, run_id, node_id, attempt_id, workflow_hash, created_at_ms)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  rememberRoot: `INSERT INTO roots (path, last_seen_ms) VALUES ($1, $2)
                 ON CONFLICT (path) DO UPDATE SET last_seen_ms = greatest(roots.last_seen_ms, excluded.last_seen_ms)`,
  forgetRoots: 'DELETE FROM roots WHERE last_seen_ms < $1 RETURNING path',
} as const;
