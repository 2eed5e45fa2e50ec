// One token row per nonce (issue 4: <= 1 KB of database growth per step): a step's ct_/ck_ pair shares one nonce
// (tokens.ts `mintTokenPair`), so `token_records` holds the nonce (16 characters) once, with one tag column per kind
// (8 characters; NULL when that kind has no token with this nonce), instead of two rows keyed by the 27-character
// strings. A token is `prefix || '_' || nonce || tag`; a token whose body is not 24 characters keeps all of it as its
// nonce, with an empty tag. Rows are keyed by the nonce (lookups by token); `token_records_by_node` serves a node's
// and a session's tokens. (Keying by (node, nonce) with a unique nonce index measured no smaller: rows are written
// under the unheld-node key, then claimed.) The `tokens` view reads like the old table.
import type Database from 'better-sqlite3';
import type { TokenKind } from '../../../tokens/index.js';
import { ATTEMPT_ID } from './0012-short-attempt-ids.js';
import { TOKEN_CREATED_AT } from './0016-token-times.js';

export const version = 17;

export const TOKEN_KINDS: readonly TokenKind[] = ['continue', 'checkpoint', 'state'];

/** The tag column of each kind. */
export const TAG_COLUMN: { readonly [K in TokenKind]: string } = {
  continue: 'ct_tag',
  checkpoint: 'ck_tag',
  state: 'st_tag',
};

export const TOKEN_PREFIX: { readonly [K in TokenKind]: string } = { continue: 'ct_', checkpoint: 'ck_', state: 'st_' };
const KIND_OF_PREFIX: { readonly [prefix: string]: TokenKind } = { ct_: 'continue', ck_: 'checkpoint', st_: 'state' };
const BODY_CHARS = 24;
const NONCE_CHARS = 16;

/** One of `make`'s values per kind (statements that read one kind's tag column). */
export function byTokenKind<T>(make: (kind: TokenKind) => T): { readonly [K in TokenKind]: T } {
  return { continue: make('continue'), checkpoint: make('checkpoint'), state: make('state') };
}

export interface TokenKey {
  readonly kind: TokenKind;
  readonly nonce: string;
  readonly tag: string;
}

/** A token's row key and tag, by its prefix; null for a string no token row can hold. */
export function tokenKey(token: string): TokenKey | null {
  const kind = KIND_OF_PREFIX[token.slice(0, 3)];
  if (kind === undefined) return null;
  // Characters as SQLite's substr counts them (code points), so the migration splits old rows the same way.
  const body = Array.from(token.slice(3));
  if (body.length !== BODY_CHARS) return { kind, nonce: body.join(''), tag: '' };
  return { kind, nonce: body.slice(0, NONCE_CHARS).join(''), tag: body.slice(NONCE_CHARS).join('') };
}

/**
 * The view's columns for the tokens of one kind, from `token_records t`; callers append conditions with AND.
 * (The hot lookups use this directly: through the UNION ALL view SQLite would not use the nonce index.)
 */
export function tokensOfKindSql(kind: TokenKind): string {
  const tag = `t.${TAG_COLUMN[kind]}`;
  return `SELECT '${TOKEN_PREFIX[kind]}' || t.nonce || ${tag} AS token, '${kind}' AS kind,
         k.session_id, coalesce(t.run_id, k.run_id) AS run_id,
         coalesce(t.node_id, n.node_id,
                  (SELECT CASE WHEN json_valid(e.data) THEN e.data ->> '$.nodeId' END FROM events e
                   WHERE e.id = t.node)) AS node_id,
         ${ATTEMPT_ID} AS attempt_id, coalesce(t.workflow_hash, k.workflow_hash, '') AS workflow_hash,
         ${TOKEN_CREATED_AT} AS created_at_ms
  FROM token_records t JOIN session_keys k ON k.sk = t.node >> 32 LEFT JOIN nodes n ON n.id = t.node
  WHERE ${tag} IS NOT NULL`;
}

export const TOKENS_VIEW = `
CREATE VIEW tokens AS
  ${TOKEN_KINDS.map(tokensOfKindSql).join('\n  UNION ALL\n  ')};`;

/** An old row's nonce and tag, split as `tokenKey` splits a token. */
const BODY = 'substr(token, 4)';
const OLD_NONCE = `CASE WHEN length(${BODY}) = ${BODY_CHARS} THEN substr(${BODY}, 1, ${NONCE_CHARS}) ELSE ${BODY} END`;
const OLD_TAG = `CASE WHEN length(${BODY}) = ${BODY_CHARS} THEN substr(${BODY}, ${NONCE_CHARS + 1}) ELSE '' END`;
/** Schema-16 kind codes: 0 continue, 1 checkpoint, 2 state. */
const OLD_PREFIX = `CASE kind WHEN 0 THEN 'ct_' WHEN 1 THEN 'ck_' ELSE 'st_' END`;

export function apply(db: Database.Database): void {
  const misfits = db
    .prepare(`SELECT token FROM token_records WHERE substr(token, 1, 3) IS NOT ${OLD_PREFIX} LIMIT 3`)
    .pluck()
    .all() as string[];
  if (misfits.length > 0) {
    throw new Error(`token rows whose prefix does not match their kind cannot migrate: ${misfits.join(', ')}`);
  }
  const clashes = db
    .prepare(
      `SELECT min(token) FROM (SELECT ${OLD_NONCE} AS nonce, kind, token FROM token_records)
       GROUP BY nonce, kind HAVING count(*) > 1 LIMIT 3`,
    )
    .pluck()
    .all() as string[];
  if (clashes.length > 0) throw new Error(`token rows of one kind share a nonce: ${clashes.join(', ')}`);
  // Old tokens sharing a nonce (and everything else) become one row; any other clash fails on the key.
  db.exec(`
DROP VIEW tokens;
CREATE TABLE token_records_v17 (
  nonce TEXT PRIMARY KEY,
  -- (sk << 32) | seq of the node's node_created event
  node INTEGER NOT NULL,
  attempt_id TEXT,
  ct_tag TEXT,
  ck_tag TEXT,
  st_tag TEXT,
  -- NULL: the session's run
  run_id TEXT,
  -- NULL: the workflow hash of the session's run
  workflow_hash TEXT,
  -- NULL: the at_ms of the node's node_created event
  created_at_ms INTEGER,
  -- only for a node the store does not hold
  node_id TEXT
) WITHOUT ROWID;
INSERT INTO token_records_v17 (nonce, node, attempt_id, ct_tag, ck_tag, st_tag, run_id, workflow_hash,
                               created_at_ms, node_id)
  SELECT nonce, node, attempt_id, max(CASE kind WHEN 0 THEN tag END), max(CASE kind WHEN 1 THEN tag END),
         max(CASE kind WHEN 2 THEN tag END), run_id, workflow_hash, created_at_ms, node_id
  FROM (SELECT ${OLD_NONCE} AS nonce, ${OLD_TAG} AS tag, * FROM token_records)
  GROUP BY node, nonce, attempt_id, run_id, workflow_hash, created_at_ms, node_id
  ORDER BY nonce;
DROP TABLE token_records;
ALTER TABLE token_records_v17 RENAME TO token_records;
CREATE INDEX token_records_by_node ON token_records (node);
${TOKENS_VIEW}`);
}
