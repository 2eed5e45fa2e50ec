// The SQLite SessionStore: one better-sqlite3 connection per process on one WAL database file. Calls on the same file
// from several processes serialise on SQLite's write lock; BEGIN IMMEDIATE takes it up front and busy_timeout makes a
// second writer wait up to the budget instead of failing (docs/mcp-protocol.md §9).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { EventId, RunId, SessionId } from '../../engine/events.js';
import type { WorkflowHash } from '../../workflow/types.js';
import type { SessionLocked, SessionReader, SessionStore, SessionTx, TransactionResult } from '../session-store.js';
import { decodeRow, type StoredRow } from './edge-fold.js';
import { eventKey, NODE_ID_AT_SQL, nodeIdsInOrder, storedNodeId } from './event-codec.js';
import { migrate, userVersion } from './migrate.js';
import { createProjector } from './projections.js';
import { createReader, type WorkflowCache } from './session-reader.js';
import { createWriter } from './session-writer.js';
import { storedRowColumns } from './stored-row-columns.js';

export interface SqliteSessionStoreOptions {
  /** The database file (created with its directory if missing), normally `<dataDir>/workrail.db`. */
  readonly path: string;
  /**
   * Event ids (`evt_…`) for appended events, stored with each row. Default: each id is derived from the session id
   * and seq (event-codec.ts) and not stored.
   */
  readonly newEventId?: () => EventId;
  /** How long a write waits for another connection's lock before giving up. Default 5000 ms. */
  readonly lockWaitMs?: number;
}

/** The connection settings in force, for diagnostics. */
export interface SqliteSettings {
  readonly journalMode: string;
  /** 2 = FULL. */
  readonly synchronous: number;
  readonly busyTimeoutMs: number;
  readonly foreignKeys: boolean;
  readonly schemaVersion: number;
}

export interface SqliteSessionStore extends SessionStore {
  settings(): SqliteSettings;
}

const REBUILD_BATCH = 1000;

/**
 * Opens (creating and migrating if needed) the SQLite store at `path`. Throws if the file cannot be opened or is
 * from a newer WorkRail.
 */
export function openSqliteSessionStore(options: SqliteSessionStoreOptions): SqliteSessionStore {
  const lockWaitMs = options.lockWaitMs ?? 5000;
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: lockWaitMs });
  if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
    db.close();
    throw new Error(`${options.path}: SQLite could not switch to WAL mode (is it on a network filesystem?)`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const projector = createProjector(db);
  const workflows: WorkflowCache = new Map();
  const reader = createReader(db, workflows);
  const tx: SessionTx = { ...reader, ...createWriter(db, projector, options.newEventId) };
  const readAllEvents = db.prepare(
    `SELECT k.sk, k.session_id, k.run_id AS session_run_id, k.workflow_hash AS session_workflow_hash,
            ${storedRowColumns('e')}
     FROM events e JOIN session_keys k ON k.sk = e.id >> 32 WHERE e.id > ? ORDER BY e.id LIMIT ?`,
  );

  const nodeIdAt = db.prepare(NODE_ID_AT_SQL).pluck();

  // One wrapper per connection; `entered` tells a busy BEGIN apart from errors thrown by the callback.
  let entered = false;
  let ownCommits = 0;
  const runInTransaction = db.transaction((fn: (t: SessionTx) => unknown) => {
    entered = true;
    return fn(tx);
  });
  const runRead = db.transaction((fn: (r: SessionReader) => unknown) => fn(reader));
  const dataVersion = db.prepare('PRAGMA data_version').pluck();

  const transaction = <T>(sessionId: SessionId | null, fn: (tx: SessionTx) => T): TransactionResult<T> => {
    entered = false;
    try {
      const value = runInTransaction.immediate(fn) as T;
      if (!db.inTransaction) ownCommits += 1;
      return { ok: true, value };
    } catch (error) {
      // The one SQLite error we expect: BEGIN IMMEDIATE still busy after busy_timeout.
      if (!entered && isBusy(error)) return { ok: false, error: locked(sessionId, lockWaitMs) };
      throw error;
    }
  };

  /** Every projection recomputed from the events; the caller holds the write transaction. */
  const rebuild = () => {
    projector.clear();
    let after = 0n;
    let sk = -1;
    let nodes = nodeIdsInOrder(() => '');
    for (;;) {
      const rows = readAllEvents.all(after, REBUILD_BATCH) as EventRowWithId[];
      for (const row of rows) {
        const session = {
          sessionId: row.session_id,
          runId: row.session_run_id,
          workflowHash: row.session_workflow_hash,
        };
        if (row.sk !== sk) {
          const rowSk = row.sk;
          sk = rowSk;
          nodes = nodeIdsInOrder((seq) => storedNodeId(nodeIdAt.get(eventKey(rowSk, seq)), row.session_id, seq));
        }
        const [event, edge] = decodeRow(row, session, nodes.nodeAt);
        nodes.note(event!);
        projector.apply(event!, eventKey(row.sk, row.seq));
        if (edge !== undefined) projector.apply(edge, eventKey(row.sk, edge.seq));
      }
      if (rows.length < REBUILD_BATCH) return;
      after = eventKey(rows[rows.length - 1]!.sk, rows[rows.length - 1]!.seq);
    }
  };

  return {
    transaction,
    read<T>(fn: (r: SessionReader) => T): T {
      return runRead.deferred(fn) as T;
    },
    changeCounter() {
      return ownCommits + (dataVersion.get() as number);
    },
    rebuildProjections() {
      return transaction(null, rebuild);
    },
    settings() {
      return {
        journalMode: db.pragma('journal_mode', { simple: true }) as string,
        synchronous: db.pragma('synchronous', { simple: true }) as number,
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
        schemaVersion: userVersion(db),
      };
    },
    close() {
      db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError && (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_'))
  );
}

function locked(sessionId: SessionId | null, waitBudgetMs: number): SessionLocked {
  return { kind: 'session_locked', sessionId, waitBudgetMs };
}

interface EventRowWithId extends StoredRow {
  sk: number;
  session_id: SessionId;
  session_run_id: RunId | null;
  session_workflow_hash: WorkflowHash | null;
}
