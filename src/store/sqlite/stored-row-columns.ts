// The one select list of an event row as decoding reads it (a StoredRow, edge-fold.ts), whatever the statement.
import { envelopeColumnsSql } from './envelope-overrides.js';
import { eventTimeSql } from './event-times.js';

/** SQL for the columns of a StoredRow over the event row `e` (an alias of `events`). */
export function storedRowColumns(e: string): string {
  return `${e}.id & 4294967295 AS seq, ${e}.kind, ${eventTimeSql(e)} AS at_ms, ${e}.data, ${envelopeColumnsSql(e)},
    ${e}.edge`;
}
