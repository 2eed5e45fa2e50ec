// Event data packed by data-dictionary.ts (issue 4: <= 1 KB of database growth per step): one-letter codes for the
// field names of the §10 events and base64url for digests, about a third of a step's event bytes. Every row is
// rewritten in place; ids, seqs and dedupe hashes stay.
import type Database from 'better-sqlite3';
import { packJson, SPELLED_BEFORE_19 } from '../data-dictionary.js';

export const version = 8;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  const read = db.prepare('SELECT id, data FROM events WHERE id > ? ORDER BY id LIMIT ?').safeIntegers();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  for (;;) {
    const rows = read.all(after, BATCH) as { id: bigint; data: string }[];
    for (const row of rows) write.run(JSON.stringify(packJson(JSON.parse(row.data), SPELLED_BEFORE_19)), row.id);
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
}
