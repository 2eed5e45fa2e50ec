// The PostgreSQL SessionStore: one synchronous connection (pg-native) per store. Calls on one session serialise on a
// transaction-level advisory lock keyed by a 64-bit hash of the session id; calls on different sessions run in
// parallel. Every session transaction also takes a shared lock on one global key, which rebuildProjections() takes
// exclusively, so a rebuild never interleaves with an append (docs/mcp-protocol.md §9).
import type { EventId, SessionId } from '../../engine/events.js';
import type { WorkflowHash } from '../../workflow/types.js';
import type { SessionLocked, SessionReader, SessionStore, SessionTx, TransactionResult } from '../session-store.js';
import { type Connection, connect, PostgresError } from './connection.js';
import { migrate, schemaVersion } from './migrations.js';
import { createProjector } from './projections.js';
import type { EventRow } from './rows.js';
import { toEvent } from './rows.js';
import { createReader } from './session-reader.js';
import { createWriter, randomEventId } from './session-writer.js';

export interface PostgresSessionStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq accepts its usual parameters too). */
  readonly url: string;
  /** How long a write waits for another connection's lock on its session before giving up. Default 5000 ms. */
  readonly lockWaitMs?: number;
  /** Event ids (`evt_…`) for appended events. Default: random. */
  readonly newEventId?: () => EventId;
}

export interface PostgresSessionStore extends SessionStore {
  /** The applied schema version, for diagnostics. */
  schemaVersion(): number;
}

/** Advisory lock keys (bigint). Session keys are `hashtextextended(session id, 0)`; these two are fixed. */
const GLOBAL_KEY = 7_342_001_992;
const NO_SESSION_KEY = 7_342_001_993;
const LOCK_NOT_AVAILABLE = '55P03';
const REBUILD_BATCH = 1000;

/**
 * Opens the store at `url`, applying any pending migrations. Throws when pg-native is not installed, when the server
 * cannot be reached (the message never shows the password), or when the schema is newer than this WorkRail.
 */
export function openPostgresSessionStore(options: PostgresSessionStoreOptions): PostgresSessionStore {
  const lockWaitMs = options.lockWaitMs ?? 5000;
  const db = connect(options.url);
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const projector = createProjector(db);
  const reader = createReader(db, new Map<WorkflowHash, never>());
  const tx: SessionTx = { ...reader, ...createWriter(db, projector, options.newEventId ?? randomEventId) };

  /** BEGIN and the locks in one round trip; false when a lock stayed busy beyond the budget. */
  const begin = (sessionId: SessionId | null, exclusiveGlobal: boolean): boolean => {
    const locks = exclusiveGlobal
      ? `pg_advisory_xact_lock(${GLOBAL_KEY})`
      : `pg_advisory_xact_lock_shared(${GLOBAL_KEY}), pg_advisory_xact_lock(${sessionKey(db, sessionId)})`;
    try {
      db.queryReconnecting(`BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockWaitMs))}; SELECT ${locks}`);
      return true;
    } catch (error) {
      db.query('ROLLBACK');
      if (error instanceof PostgresError && error.sqlState === LOCK_NOT_AVAILABLE) return false;
      throw error;
    }
  };

  const inTransaction = <T>(
    sessionId: SessionId | null,
    exclusiveGlobal: boolean,
    fn: () => T,
  ): TransactionResult<T> => {
    if (!begin(sessionId, exclusiveGlobal)) return { ok: false, error: locked(sessionId, lockWaitMs) };
    let value: T;
    try {
      value = fn();
    } catch (error) {
      db.query('ROLLBACK');
      throw error;
    }
    db.query('COMMIT');
    return { ok: true, value };
  };

  return {
    transaction(sessionId, fn) {
      return inTransaction(sessionId, false, () => fn(tx));
    },
    read(fn) {
      db.queryReconnecting('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return fn(reader as SessionReader);
      } finally {
        db.query('COMMIT');
      }
    },
    changeCounter() {
      return db.queryReconnecting<{ counter: number }>(CHANGE_COUNTER)[0]!.counter;
    },
    rebuildProjections() {
      return inTransaction(null, true, () => {
        projector.clear();
        let after = 0;
        for (;;) {
          const rows = db.run<EventRow & { id: number }>('rebuildEvents', REBUILD_EVENTS, [after, REBUILD_BATCH]);
          for (const row of rows) {
            const event = toEvent(row);
            projector.apply(event);
            projector.touch(event.sessionId, event.atMs, event.seq);
          }
          if (rows.length < REBUILD_BATCH) return;
          after = rows[rows.length - 1]!.id;
        }
      });
    },
    schemaVersion: () => schemaVersion(db),
    close() {
      db.close();
    },
  };
}

/** The lock key of a session, as SQL: one key for every call that names no session. */
function sessionKey(db: Connection, sessionId: SessionId | null): string {
  return sessionId === null ? String(NO_SESSION_KEY) : `hashtextextended(${db.literal(sessionId)}, 0)`;
}

function locked(sessionId: SessionId | null, waitBudgetMs: number): SessionLocked {
  return { kind: 'session_locked', sessionId, waitBudgetMs };
}

/**
 * Grows whenever any transaction of the cluster ends: a snapshot's xmax (one past the latest completed transaction)
 * and its list of transactions still in progress change exactly then, and `2·xmax − in progress` grows with each.
 * Nobody writes to produce it, so it serialises no one; a rollback or another database's commit also moves it, which
 * only costs a poller one needless re-read.
 */
const CHANGE_COUNTER = `
  SELECT 2 * pg_snapshot_xmax(s)::text::bigint - (SELECT count(*) FROM pg_snapshot_xip(s)) AS counter
  FROM pg_current_snapshot() s`;

const REBUILD_EVENTS = `
  SELECT id, session_id, seq, event_id, kind, run_id, node_id, dedupe_key, at_ms, data FROM events
  WHERE id > $1 ORDER BY id LIMIT $2`;
