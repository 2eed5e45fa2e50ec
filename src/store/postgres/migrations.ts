// Versioned schema migrations, run on open. `schema_version` holds the applied version; a session-level advisory lock
// serialises processes that open a fresh database at the same moment, so each migration is applied exactly once.
// Unlike the SQLite schema, rows keep plain columns: no derived fields are left out.
import type { Connection } from './connection.js';

interface Migration {
  readonly version: number;
  readonly sql: string;
}

/** Any constant shared by every WorkRail process; it only has to differ from the store's transaction lock keys. */
const MIGRATION_LOCK_KEY = 7_342_001_991;

/** In version order. Append new migrations; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
-- Identifiers and paths sort bytewise (COLLATE "C"), as in SQLite, whatever the database's locale.
-- Facts: the event log, pinned workflows, tokens and remembered roots.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  event_id text NOT NULL,
  kind text NOT NULL,
  run_id text,
  node_id text,
  dedupe_key text NOT NULL,
  at_ms bigint NOT NULL,
  -- text, not jsonb: recorded responses must come back byte for byte
  data text NOT NULL,
  UNIQUE (session_id, seq),
  UNIQUE (session_id, dedupe_key)
);

CREATE TABLE workflows (
  workflow_hash text PRIMARY KEY,
  workflow_id text NOT NULL,
  compiled text NOT NULL
);

CREATE TABLE tokens (
  token text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  run_id text NOT NULL,
  node_id text NOT NULL,
  attempt_id text,
  workflow_hash text NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX tokens_by_node ON tokens (node_id, kind);
CREATE INDEX tokens_by_session ON tokens (session_id, created_at_ms);

CREATE TABLE roots (
  path text COLLATE "C" PRIMARY KEY,
  last_seen_ms bigint NOT NULL
);

-- Projections of the events (projections.ts): dropped and refilled by rebuildProjections().
CREATE TABLE sessions (
  session_id text COLLATE "C" PRIMARY KEY,
  workspace_path text NOT NULL,
  created_at_ms bigint NOT NULL,
  last_activity_ms bigint NOT NULL,
  last_seq integer NOT NULL,
  title text,
  goal text,
  repo_root text,
  repo_root_hash text,
  git_branch text,
  git_head_sha text,
  run_id text,
  -- maintained by the projections; compared with the actual row counts by the cheap integrity checks
  node_count integer NOT NULL DEFAULT 0,
  edge_count integer NOT NULL DEFAULT 0,
  -- words of title and goal (search-words.ts)
  search tsvector
);
CREATE INDEX sessions_by_activity ON sessions (last_activity_ms DESC, session_id);
CREATE INDEX sessions_search ON sessions USING gin (search);

CREATE TABLE runs (
  run_id text PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL UNIQUE,
  workflow_id text NOT NULL,
  workflow_hash text NOT NULL,
  source_kind text NOT NULL,
  source_path text,
  goal text NOT NULL,
  model_tier text,
  bindings text NOT NULL,
  refs text NOT NULL,
  started_at_ms bigint NOT NULL,
  is_complete boolean NOT NULL DEFAULT false,
  completed_at_ms bigint,
  final_node_id text,
  preferred_tip_node_id text
);

CREATE TABLE nodes (
  node_id text PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL,
  node_kind text NOT NULL,
  parent_node_id text,
  workflow_hash text NOT NULL,
  state text NOT NULL,
  -- seq of the context_set event in force at this node (its own, else inherited from its parent)
  context_seq integer,
  -- number of advance edges out of this node (> 0: advancing again forks)
  advance_children integer NOT NULL DEFAULT 0,
  created_seq integer NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE INDEX nodes_by_session ON nodes (session_id, created_seq);

CREATE TABLE edges (
  session_id text COLLATE "C" NOT NULL,
  from_node_id text NOT NULL,
  to_node_id text NOT NULL,
  edge_kind text NOT NULL,
  cause text NOT NULL,
  created_seq integer NOT NULL,
  PRIMARY KEY (session_id, created_seq)
);

-- The context_set recorded on a node itself (not inherited).
CREATE TABLE contexts (
  node_id text PRIMARY KEY,
  session_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL
);

CREATE TABLE advances (
  node_id text NOT NULL,
  attempt_id text NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  outcome text NOT NULL,
  to_node_id text NOT NULL,
  -- seq of the advance_recorded event, which holds the blockers and the recorded response
  seq integer NOT NULL,
  PRIMARY KEY (node_id, attempt_id)
);

CREATE TABLE checkpoints (
  node_id text NOT NULL,
  attempt_id text NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  checkpoint_node_id text NOT NULL,
  PRIMARY KEY (node_id, attempt_id)
);

-- Notes and artifacts; their content stays in the output_appended event (seq).
CREATE TABLE outputs (
  session_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  node_id text NOT NULL,
  attempt_id text NOT NULL,
  channel text NOT NULL,
  artifact_kind text,
  sha256 text,
  bytes integer NOT NULL,
  -- words of the notes (search-words.ts); NULL for artifacts
  search tsvector,
  PRIMARY KEY (session_id, seq)
);
CREATE INDEX outputs_search ON outputs USING gin (search);

CREATE TABLE session_metrics (
  session_id text COLLATE "C" PRIMARY KEY,
  started_at_ms bigint NOT NULL,
  ended_at_ms bigint,
  duration_ms bigint,
  steps_advanced integer NOT NULL DEFAULT 0,
  blocked_attempts integer NOT NULL DEFAULT 0,
  outcome text,
  is_complete boolean NOT NULL DEFAULT false,
  start_sha text,
  end_sha text
);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database up to SCHEMA_VERSION. Throws if it was written by a newer WorkRail. */
export function migrate(db: Connection): void {
  db.query('SET client_min_messages = warning');
  db.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    db.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    const current = schemaVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this WorkRail (${SCHEMA_VERSION}); upgrade`);
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.query('BEGIN');
      try {
        db.query(migration.sql);
        db.query('DELETE FROM schema_version');
        db.query('INSERT INTO schema_version (version) VALUES ($1)', [migration.version]);
        db.query('COMMIT');
      } catch (error) {
        db.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    db.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  }
}

export function schemaVersion(db: Connection): number {
  const row = db.query<{ version: number }>('SELECT max(version) AS version FROM schema_version')[0];
  return row?.version ?? 0;
}
