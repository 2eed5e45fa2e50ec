// One synchronous PostgreSQL connection (the optional `pg-native` driver over libpq). The store's contract is
// synchronous (session-store.ts), so the async `pg` driver cannot serve it. Statements are prepared on first use and
// kept for the life of the connection; every error carries its SQLSTATE; the URL's password never reaches a message.
import { createRequire } from 'node:module';
import { redactDatabaseUrl } from '../database-url.js';
import { StoreUnavailableError } from '../session-store.js';

/** A failed statement: the server's message and its SQLSTATE (for example `55P03` for a lock timeout). */
export class PostgresError extends Error {
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState: string | undefined) {
    super(message);
    this.name = 'PostgresError';
    this.sqlState = sqlState;
  }
}

type Param = string | number | null;
export type Row = Record<string, unknown>;

export interface Connection {
  /** Runs a prepared statement (prepared on its first call under `name`) and returns its rows. */
  run<R = Row>(name: string, sql: string, params?: readonly Param[]): R[];
  /** Runs SQL text once, unprepared: with `params`, one statement; without, any number of them. */
  query<R = Row>(sql: string, params?: readonly Param[]): R[];
  /** Quotes a string as an SQL literal. */
  literal(value: string): string;
  /**
   * Runs `sql` (no transaction open) like `query`; if the connection turns out to be lost (a server restart, a
   * network cut), connects again and runs it once more. Throws, redacted, if the server cannot be reached.
   */
  queryReconnecting<R = Row>(sql: string): R[];
  close(): void;
}

/** The few members of pg-native's client this file uses (the consumer owns a narrow interface). */
interface NativeClient {
  connectSync(url: string): void;
  querySync(sql: string, params?: readonly Param[]): Row[];
  prepareSync(name: string, sql: string, paramCount: number): void;
  executeSync(name: string, params: readonly Param[]): Row[];
  escapeLiteral(value: string): string;
  end(): void;
  readonly pq: { resultErrorFields(): { sqlState?: string } | null; transactionStatus(): number };
}
type NativeClientClass = new (config: { types: TypeParsers }) => NativeClient;

interface TypeParsers {
  getTypeParser(oid: number): (text: string) => unknown;
}

/** libpq's PQTRANS_UNKNOWN: the connection is bad. */
const CONNECTION_LOST = 4;

export const MISSING_DRIVER =
  'PostgreSQL support needs the optional pg-native driver: install libpq-dev (Debian) and run npm ci again';

// int8 (counts, milliseconds) as numbers: every value the store keeps fits in 2^53. Everything else stays text.
const NUMBER_OIDS = new Set([20, 21, 23, 700, 701]);
const TYPES: TypeParsers = {
  getTypeParser(oid) {
    if (NUMBER_OIDS.has(oid)) return Number;
    if (oid === 16) return (text) => text === 't';
    return (text) => text;
  },
};

/** Opens a connection to `url`. Throws MISSING_DRIVER without pg-native, and a redacted message if it cannot connect. */
export function connect(url: string): Connection {
  const Client = loadDriver();
  const open = (): NativeClient => {
    const opened = new Client({ types: TYPES });
    try {
      opened.connectSync(url);
      return opened;
    } catch (error) {
      keepUntilClosed(opened);
      throw new StoreUnavailableError(
        `Cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${redactIn(messageOf(error), url)}`,
      );
    }
  };
  let client = open();
  // Server-side names are short (PostgreSQL cuts names at 63 bytes): one per distinct statement name here.
  const prepared = new Map<string, string>();
  const fail = (error: unknown): never => {
    const sqlState = client.pq.resultErrorFields()?.sqlState;
    throw new PostgresError(
      redactIn(
        messageOf(error)
          .replace(/^ERROR:\s+/, '')
          .trim(),
        url,
      ),
      sqlState,
    );
  };
  return {
    run<R>(name: string, sql: string, params: readonly Param[] = []): R[] {
      try {
        let serverName = prepared.get(name);
        if (serverName === undefined) {
          serverName = `wr_${prepared.size}`;
          client.prepareSync(serverName, sql, params.length);
          prepared.set(name, serverName);
        }
        return client.executeSync(serverName, params) as R[];
      } catch (error) {
        return fail(error);
      }
    },
    query<R>(sql: string, params?: readonly Param[]): R[] {
      try {
        return client.querySync(sql, params) as R[];
      } catch (error) {
        return fail(error);
      }
    },
    literal: (value) => client.escapeLiteral(value),
    queryReconnecting<R>(sql: string): R[] {
      const lost = () => client.pq.transactionStatus() === CONNECTION_LOST;
      const reconnect = () => {
        client.end();
        keepUntilClosed(client);
        client = open();
        prepared.clear();
      };
      if (lost()) reconnect();
      try {
        return this.query<R>(sql);
      } catch (error) {
        if (!lost()) throw error;
        reconnect();
        return this.query<R>(sql);
      }
    },
    close() {
      client.end();
      keepUntilClosed(client);
    },
  };
}

function redactIn(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {}
  return password === '' ? message : message.split(password).join('***');
}

/**
 * libpq's addon closes its socket watcher asynchronously (uv_close) but lets the client be garbage-collected at once;
 * a collected client whose close is still queued crashes the process (`uv__finish_close` assertion). Closed clients are
 * therefore kept a moment, until the event loop has run its close callbacks.
 */
function keepUntilClosed(client: NativeClient): void {
  closing.add(client);
  setTimeout(() => closing.delete(client), 1000).unref();
}
const closing = new Set<NativeClient>();

function loadDriver(): NativeClientClass {
  try {
    return createRequire(import.meta.url)('pg-native') as NativeClientClass;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') throw new StoreUnavailableError(MISSING_DRIVER);
    throw new StoreUnavailableError(`${MISSING_DRIVER} (${messageOf(error)})`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
