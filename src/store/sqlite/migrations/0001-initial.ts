// The first schema. Primary tables hold facts that are not session events: the event log itself, session keys,
// pinned workflows, tokens, attempts and remembered roots. Everything else is a projection of the events
// (projections.ts) and can be dropped and rebuilt. Large JSON lives once, in `events.data`; projections point at it
// by seq instead of copying it (contexts, outputs, recorded responses).
export const version = 1;

export const sql = `
-- Compact integer key per session, so the event log and its indexes do not repeat the session id text.
CREATE TABLE session_keys (
  sk INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL UNIQUE
);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  sk INTEGER NOT NULL REFERENCES session_keys (sk),
  seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT,
  node_id TEXT,
  dedupe_key TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (sk, seq),
  UNIQUE (sk, dedupe_key)
);

CREATE VIEW session_events AS
  SELECT k.session_id, e.seq, e.event_id, e.kind, e.run_id, e.node_id, e.dedupe_key, e.at_ms, e.data
  FROM events e JOIN session_keys k ON k.sk = e.sk;

CREATE TABLE workflows (
  workflow_hash TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  compiled TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
  token TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  attempt_id TEXT,
  workflow_hash TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tokens_by_node ON tokens (node_id, kind, attempt_id);

CREATE TABLE attempts (
  attempt_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE roots (
  path TEXT PRIMARY KEY,
  last_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Projections.

CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  workspace_path TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_activity_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  title TEXT,
  goal TEXT,
  repo_root TEXT,
  repo_root_hash TEXT,
  git_branch TEXT,
  git_head_sha TEXT,
  run_id TEXT,
  -- maintained by the projections; compared with actual row counts by the cheap integrity checks
  node_count INTEGER NOT NULL DEFAULT 0,
  edge_count INTEGER NOT NULL DEFAULT 0,
  -- rowid of this session's title/goal row in session_fts (the id of the event that set it)
  fts_title_rowid INTEGER
) WITHOUT ROWID;
CREATE INDEX sessions_by_activity ON sessions (last_activity_ms DESC, session_id);

CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  workflow_hash TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  source_path TEXT,
  goal TEXT NOT NULL,
  model_tier TEXT,
  bindings TEXT NOT NULL,
  refs TEXT NOT NULL,
  started_at_ms INTEGER NOT NULL,
  is_complete INTEGER NOT NULL DEFAULT 0,
  completed_at_ms INTEGER,
  final_node_id TEXT,
  preferred_tip_node_id TEXT
) WITHOUT ROWID;
CREATE INDEX runs_by_session ON runs (session_id);

CREATE TABLE nodes (
  node_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  run_id TEXT,
  node_kind TEXT NOT NULL,
  parent_node_id TEXT,
  workflow_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  -- seq of the context_set event in force at this node (its own, else inherited from its parent)
  context_seq INTEGER,
  -- number of advance edges out of this node (> 0: advancing again forks)
  advance_children INTEGER NOT NULL DEFAULT 0,
  created_seq INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX nodes_by_session ON nodes (session_id, created_seq);

CREATE TABLE edges (
  session_id TEXT NOT NULL,
  from_node_id TEXT NOT NULL,
  to_node_id TEXT NOT NULL,
  edge_kind TEXT NOT NULL,
  cause TEXT NOT NULL,
  created_seq INTEGER NOT NULL,
  PRIMARY KEY (session_id, created_seq)
) WITHOUT ROWID;

-- The context_set recorded on a node itself (not inherited).
CREATE TABLE contexts (
  node_id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE advances (
  node_id TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  to_node_id TEXT NOT NULL,
  -- seq of the advance_recorded event, which holds blockers and the recorded response
  seq INTEGER NOT NULL,
  PRIMARY KEY (node_id, attempt_id)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  node_id TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  checkpoint_node_id TEXT NOT NULL,
  PRIMARY KEY (node_id, attempt_id)
) WITHOUT ROWID;

-- Notes and artifacts; their content stays in the output_appended event (seq).
CREATE TABLE outputs (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  attempt_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  artifact_kind TEXT,
  sha256 TEXT,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

CREATE TABLE session_metrics (
  session_id TEXT PRIMARY KEY,
  started_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER,
  duration_ms INTEGER,
  steps_advanced INTEGER NOT NULL DEFAULT 0,
  blocked_attempts INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  is_complete INTEGER NOT NULL DEFAULT 0,
  start_sha TEXT,
  end_sha TEXT
) WITHOUT ROWID;

-- Full-text index over session title/goal (one row per session) and notes (one row per notes output). Contentless:
-- the text stays in the events; the rowid is the id of the event the text came from.
CREATE VIRTUAL TABLE session_fts USING fts5 (
  title, goal, notes,
  content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
`;
