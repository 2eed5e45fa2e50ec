// Attempt ids without their `attempt_` prefix (issue 4: <= 1 KB of database growth per step): a step stores its
// attempt id five times (the advance, its recorded response, the notes, and the node's two tokens). Packed event data
// writes `attempt_x` as `~ax` (data-dictionary.ts); `token_records.attempt_id` holds `x`, or `~` + the whole id when
// it has no such prefix (`packAttemptId`). The `tokens` view puts the prefix back.
import type Database from 'better-sqlite3';
import { packJson, SPELLED_BEFORE_19, unpackJson } from '../data-dictionary.js';

export const version = 12;

/** `token_records.attempt_id` (of `t`) as the view reads it. */
export const ATTEMPT_ID = `CASE WHEN substr(t.attempt_id, 1, 1) = '~' THEN substr(t.attempt_id, 2)
                         ELSE 'attempt_' || t.attempt_id END`;

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  SELECT t.token, CASE t.kind WHEN 0 THEN 'continue' WHEN 1 THEN 'checkpoint' ELSE 'state' END AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, n.node_id,
                  (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '$.nodeId' END FROM events e
                   WHERE e.id = t.node)) AS node_id,
         ${ATTEMPT_ID} AS attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash, t.created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32
    LEFT JOIN nodes n ON n.session_id = k.session_id AND n.created_seq = t.node & 4294967295;`;

/** An attempt id as `token_records.attempt_id` stores it. */
export function packAttemptId(attemptId: string): string {
  return attemptId.startsWith('attempt_') && attemptId[8] !== '~' ? attemptId.slice(8) : `~${attemptId}`;
}

const BATCH = 2000;

export function apply(db: Database.Database): void {
  const read = db
    .prepare(`SELECT id, data FROM events WHERE id > ? AND instr(data, '"attempt_') > 0 ORDER BY id LIMIT ?`)
    .safeIntegers();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  for (;;) {
    const rows = read.all(after, BATCH) as { id: bigint; data: string }[];
    for (const row of rows)
      write.run(JSON.stringify(packJson(unpackJson(JSON.parse(row.data)), SPELLED_BEFORE_19)), row.id);
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
  db.function('workrail_pack_attempt_id', { deterministic: true }, (id) => packAttemptId(String(id)));
  db.exec(`
UPDATE token_records SET attempt_id = workrail_pack_attempt_id(attempt_id) WHERE attempt_id IS NOT NULL;
DROP VIEW tokens;
${TOKENS_VIEW}`);
}
