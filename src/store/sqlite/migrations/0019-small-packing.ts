// Small packing savings (issue 4: <= 1 KB of database growth per step):
// - event data packs `nodeId` and `state` like every other §10 field name (`Y`, `Z`), which it spelled out so SQL
//   could read a node's state at `$.state`: about 20 bytes of a step's events. Rows are rewritten in place (ids, seqs
//   and dedupe hashes stay), and every view that read those paths is defined again with the packed ones.
import type Database from 'better-sqlite3';
import { dataPath, packJson, unpackJson } from '../data-dictionary.js';

export const version = 19;

const BATCH = 2000;

export function apply(db: Database.Database): void {
  repackNodeKeys(db);
  repackViewPaths(db);
}

function repackNodeKeys(db: Database.Database): void {
  const read = db
    .prepare(
      `SELECT id, data FROM events WHERE id > ? AND (instr(data, '"nodeId"') OR instr(data, '"state"'))
       ORDER BY id LIMIT ?`,
    )
    .safeIntegers();
  const write = db.prepare('UPDATE events SET data = ? WHERE id = ?');
  let after = -1n;
  for (;;) {
    const rows = read.all(after, BATCH) as { id: bigint; data: string }[];
    for (const row of rows) {
      const data = JSON.stringify(packJson(unpackJson(JSON.parse(row.data))));
      if (data !== row.data) write.run(data, row.id);
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
}

/** A view's SQL with the spelled-out paths of `nodeId` and `state` (and fields under `state`) packed. */
export function packedViewSql(sql: string): string {
  return sql
    .replaceAll(`'$.nodeId'`, `'${dataPath('nodeId')}'`)
    .replace(/'\$\.state([.'])/g, (_match, next: string) => `'${dataPath('state')}${next}`);
}

/** Views are stored SQL: the ones that read a node's id or state from event data are dropped and created again. */
function repackViewPaths(db: Database.Database): void {
  const views = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'view'`).all() as {
    name: string;
    sql: string;
  }[];
  for (const view of views) {
    const sql = packedViewSql(view.sql);
    if (sql === view.sql) continue;
    db.exec(`DROP VIEW "${view.name}"; ${sql}`);
  }
}
