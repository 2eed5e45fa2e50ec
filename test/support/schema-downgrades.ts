// Downgrades for the migration tests: each rewrites a database of the schema after it into its own schema's layout,
// touching only what that migration changed, so they compose into a chain from the current schema back.
import type Database from 'better-sqlite3';
import { TOKENS_VIEW as SCHEMA_16_TOKENS_VIEW } from '../../src/store/sqlite/migrations/0016-token-times.js';

/** Rewrites a schema-17 database as schema 16 left it: one token row per token string. Touches only the tokens. */
export function downgradeToSchemaSixteen(db: Database.Database): void {
  const rowsOfKind = (code: number, prefix: string, tag: string) =>
    `SELECT '${prefix}' || nonce || ${tag}, ${code}, node, attempt_id, run_id, workflow_hash, created_at_ms, node_id
     FROM token_records WHERE ${tag} IS NOT NULL`;
  db.exec(`
    CREATE TABLE token_records_v16 (
      token TEXT PRIMARY KEY, kind INTEGER NOT NULL, node INTEGER NOT NULL, attempt_id TEXT, run_id TEXT,
      workflow_hash TEXT, created_at_ms INTEGER, node_id TEXT) WITHOUT ROWID;
    INSERT INTO token_records_v16
      ${rowsOfKind(0, 'ct_', 'ct_tag')} UNION ALL ${rowsOfKind(1, 'ck_', 'ck_tag')}
      UNION ALL ${rowsOfKind(2, 'st_', 'st_tag')};
    DROP VIEW tokens;
    DROP TABLE token_records;
    ALTER TABLE token_records_v16 RENAME TO token_records;
    CREATE INDEX token_records_by_node ON token_records (node, kind);
    ${SCHEMA_16_TOKENS_VIEW}`);
  db.pragma('user_version = 16');
}
