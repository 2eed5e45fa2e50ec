// Event times stored once per append (schema 21). Every event of one use-case call carries the same `now`, so a row
// stores `at_ms` only where it differs from the time of the session's row before it, and NULL otherwise: the time of
// a row is its own `at_ms`, else that of the nearest earlier row of its session that has one (eventTimeSql).
// Two kinds of row always store it, which bounds that walk back and keeps the hot reads one lookup:
// - a `node_created` row: a node's creation time (NODE_CREATED_AT_SQL) and a token's (the `tokens` view, migration 16)
//   read that row alone;
// - a row whose seq is a multiple of TIME_EVERY_SEQS: many appends within one millisecond (a fixed test clock, a
//   burst) would otherwise leave an unbounded run of NULLs. A row holds one seq, or two with a folded edge, which is a
//   `node_created` row: a walk back passes fewer than TIME_EVERY_SEQS rows.
import { EVENT_KINDS } from '../../engine/events.js';

export const TIME_EVERY_SEQS = 16;

const NODE_CREATED = EVENT_KINDS.indexOf('node_created');

/**
 * Whether the row of an event (kind code, seq, time) stores its `at_ms`; `previousAtMs`: the time of the session's
 * row before it, undefined for its first row. STORED_TIME_SQL is the same rule over stored rows.
 */
export function storesTime(kind: number, seq: number, atMs: number, previousAtMs: number | undefined): boolean {
  return atMs !== previousAtMs || kind === NODE_CREATED || seq % TIME_EVERY_SEQS === 0;
}

/**
 * The `at_ms` that `storesTime` keeps, over a select from `events` (each row with its full time in `at_ms`) that
 * declares `WINDOW session_rows AS (PARTITION BY id >> 32 ORDER BY id)` (migration 21).
 */
export const STORED_TIME_SQL = `CASE WHEN lag(at_ms) OVER session_rows IS NOT at_ms OR kind = ${NODE_CREATED}
  OR (id & 4294967295) % ${TIME_EVERY_SEQS} = 0 THEN at_ms END`;

/** SQL for the time of the event row `e` (an alias of `events`): its `at_ms`, else the nearest earlier one stored. */
export function eventTimeSql(e: string): string {
  return `coalesce(${e}.at_ms, (SELECT prior.at_ms FROM events prior
    WHERE prior.id < ${e}.id AND prior.id >= (${e}.id >> 32) << 32 AND prior.at_ms IS NOT NULL
    ORDER BY prior.id DESC LIMIT 1))`;
}
