// The envelope fields an event row stores (schema 21): `event_id`, `run_id`, `node_id` and `dedupe_key` of a
// StoredEvent are almost always NULL (derived, event-codec.ts), and four NULL columns still cost a header byte each.
// One `envelope` column holds the ones that are not: NULL when none is, else a JSON object of them under one-letter
// keys (ENVELOPE_KEYS), in that key order.
import type { StoredEvent } from './event-codec.js';

type OverrideField = 'event_id' | 'run_id' | 'node_id' | 'dedupe_key';

/** Each stored field's key in the `envelope` object. */
export const ENVELOPE_KEYS: readonly (readonly [OverrideField, string])[] = [
  ['event_id', 'e'],
  ['run_id', 'r'],
  ['node_id', 'n'],
  ['dedupe_key', 'k'],
];

/** The `envelope` column of a row: its non-NULL override fields, or NULL when it has none. */
export function packEnvelope(row: Pick<StoredEvent, OverrideField>): string | null {
  let packed: Record<string, string> | null = null;
  for (const [field, key] of ENVELOPE_KEYS) {
    const value = row[field];
    if (value === null) continue;
    packed ??= {};
    packed[key] = value;
  }
  return packed === null ? null : JSON.stringify(packed);
}

/** SQL for the four override columns of the event row `e`, under their StoredEvent names. */
export function envelopeColumnsSql(e: string): string {
  return ENVELOPE_KEYS.map(([field, key]) => `${e}.envelope ->> '${key}' AS ${field}`).join(', ');
}

/** SQL for the `envelope` column from the four columns that schemas up to 20 kept (migration 21). */
export const ENVELOPE_FROM_COLUMNS_SQL = `CASE WHEN coalesce(event_id, run_id, node_id, dedupe_key) IS NOT NULL
  THEN json_patch('{}', json_object(${ENVELOPE_KEYS.map(([field, key]) => `'${key}', ${field}`).join(', ')})) END`;
