// A synchronous PostgreSQL connection (pg-native over libpq) for the shared mode. The daemon's core is synchronous
// (admission answers a webhook before it returns; records are saved at every step), so its PostgreSQL statements
// are too: each transaction runs start to end without yielding, and nothing else can interleave on the connection.
import { createRequire } from 'node:module';

/** The few pg-native methods used here. */
interface NativeClient {
  connectSync(url: string): void;
  querySync(text: string, values?: readonly unknown[]): Row[];
  end(): void;
  readonly pq: { resultErrorFields(): { sqlState?: string } };
}

export type Row = { readonly [column: string]: unknown };

/** The executor shape pg-boss accepts as its `db` option. */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface SyncPg {
  query<T extends Row = Row>(text: string, values?: readonly unknown[]): T[];
  /** Runs `fn` in one transaction: commits when it returns, rolls back and rethrows when it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs one pg-boss call on this connection and returns the rows of its statement. pg-boss issues its statement
   * before its first `await`, so with this synchronous executor the statement has run when the call returns; a
   * pg-boss version that no longer does so fails here loudly instead of running outside the transaction.
   */
  viaBoss(call: () => Promise<unknown>): Row[];
  /** The executor to construct pg-boss with (its maintenance then runs on this connection too). */
  readonly bossDb: BossDb;
  close(): void;
}

const require = createRequire(import.meta.url);
/** node-postgres' parameter encoding (arrays, JSON, dates), which pg-native leaves to the caller. */
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

export function openSyncPg(url: string): SyncPg {
  const Client = require('pg-native') as new () => NativeClient;
  const client = new Client();
  try {
    client.connectSync(url);
    client.querySync('SET client_min_messages = warning');
  } catch (error) {
    throw new Error(`Cannot connect to WORKRAIL_DATABASE_URL (${redactUrl(url)}): ${messageOf(error)}`);
  }
  let depth = 0;
  let closed = false;
  const run = (text: string, values?: readonly unknown[]) => {
    if (closed) throw new Error('the shared-queue database connection is closed');
    return values === undefined ? client.querySync(text) : client.querySync(text, values.map(prepareValue));
  };
  let capture: { rows: Row[] | null; failure: unknown } | null = null;
  const bossDb: BossDb = {
    executeSql: (text, values) => {
      try {
        const rows = run(text, values === undefined || values.length === 0 ? undefined : values);
        if (capture !== null) capture.rows = rows;
        return Promise.resolve({ rows });
      } catch (error) {
        if (capture !== null) capture.failure = error;
        return Promise.reject(error);
      }
    },
  };
  return {
    query: (text, values) => run(text, values) as never,
    transaction(fn) {
      if (depth > 0) return fn();
      run('BEGIN');
      depth++;
      try {
        const result = fn();
        depth--;
        run('COMMIT');
        return result;
      } catch (error) {
        depth--;
        if (!closed) run('ROLLBACK');
        throw error;
      }
    },
    viaBoss(call) {
      const slot: { rows: Row[] | null; failure: unknown } = { rows: null, failure: null };
      capture = slot;
      try {
        call().catch(() => undefined);
      } finally {
        capture = null;
      }
      if (slot.failure !== null) throw slot.failure;
      if (slot.rows === null) throw new Error('pg-boss did not run its statement synchronously; pin pg-boss 10.x');
      return slot.rows;
    },
    bossDb,
    close() {
      if (closed) return;
      closed = true;
      client.end();
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}
