// Event data packs the values of the §10 event enums too (issue 4: <= 1 KB of database growth per step): `"advanced"`,
// `"advance"`, `"pending"`, `"selected_step"` and the like become `"~8"`-style codes (DATA_VALUES in
// data-dictionary.ts), about 45 bytes of a step's events. Every row is rewritten in place; ids, seqs and dedupe hashes
// stay.
import type Database from 'better-sqlite3';
import { packJson, SPELLED_BEFORE_19, unpackJson } from '../data-dictionary.js';

export const version = 14;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  const read = db.prepare('SELECT id, data FROM events WHERE id > ? ORDER BY id LIMIT ?').safeIntegers();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  for (;;) {
    const rows = read.all(after, BATCH) as { id: bigint; data: string }[];
    for (const row of rows) {
      const data = JSON.stringify(packJson(unpackJson(JSON.parse(row.data)), SPELLED_BEFORE_19));
      if (data !== row.data) write.run(data, row.id);
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
}
