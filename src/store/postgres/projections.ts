// Current-state tables derived from the events (docs/mcp-protocol.md §10), the same rules as the SQLite store's
// projections: one function per event kind, applied in the same transaction as the append, and again, in log order,
// by rebuildProjections(). A projection reads only earlier projections and the event itself, so replaying the log
// rebuilds the tables exactly. Related writes share one statement (data-modifying CTEs) to save round trips.
import type { EventDataByKind, EventKind, SessionEvent } from '../../engine/events.js';
import { firstLine, titleFromContext } from '../session-title.js';
import type { Connection } from './connection.js';
import { searchDocument } from './search-words.js';

/** Tables rebuildProjections() empties and refills. */
export const PROJECTION_TABLES = [
  'sessions',
  'runs',
  'nodes',
  'edges',
  'contexts',
  'advances',
  'checkpoints',
  'outputs',
  'session_metrics',
] as const;

type EventOf<K extends EventKind> = SessionEvent & { readonly kind: K; readonly data: EventDataByKind[K] };
type Handler<K extends EventKind> = (s: Statements, event: EventOf<K>) => void;
type Statements = ReturnType<typeof statements>;

export interface Projector {
  /** Applies one appended event (except its session's activity time and last seq: see `touch`). */
  apply(event: SessionEvent): void;
  /** Records a session's latest activity and last seq, once per batch of appended events. */
  touch(sessionId: string, atMs: number, lastSeq: number): void;
  /** Empties every projection. */
  clear(): void;
}

export function createProjector(db: Connection): Projector {
  const s = statements(db);
  return {
    apply(event) {
      (HANDLERS[event.kind] as Handler<EventKind>)(s, event as EventOf<EventKind>);
    },
    touch(sessionId, atMs, lastSeq) {
      s.touchSession(sessionId, atMs, lastSeq);
    },
    clear() {
      db.query(`TRUNCATE ${PROJECTION_TABLES.join(', ')}`);
    },
  };
}

const HANDLERS: { readonly [K in EventKind]: Handler<K> } = {
  session_created(s, e) {
    s.insertSession(e.sessionId, e.data.workspacePath, e.data.createdAtMs, e.atMs, e.seq);
  },
  observation_recorded(s, e) {
    s.setObservation[e.data.key](e.sessionId, e.data.value);
  },
  run_started(s, e) {
    const d = e.data;
    s.insertRun(
      d.runId,
      e.sessionId,
      d.workflowId,
      d.workflowHash,
      d.sourceKind,
      d.sourcePath,
      d.goal,
      d.modelTier ?? null,
      JSON.stringify(d.bindings),
      JSON.stringify(d.references),
      e.atMs,
    );
    const current = s.sessionText(e.sessionId);
    if (current !== undefined) setSessionText(s, e.sessionId, current.title, d.goal);
  },
  node_created(s, e) {
    const d = e.data;
    const isTip = d.nodeKind === 'step' || d.nodeKind === 'blocked_attempt';
    s.insertNode(
      d.nodeId,
      e.sessionId,
      d.nodeKind,
      d.parentNodeId,
      d.workflowHash,
      JSON.stringify(d.state),
      e.seq,
      e.atMs,
      isTip ? 1 : 0,
    );
  },
  edge_created(s, e) {
    const d = e.data;
    s.insertEdge(e.sessionId, d.fromNodeId, d.toNodeId, d.edgeKind, d.cause, e.seq);
  },
  advance_recorded(s, e) {
    const d = e.data;
    s.insertAdvance(d.fromNodeId, d.attemptId, e.sessionId, d.outcome, d.toNodeId, e.seq);
  },
  output_appended(s, e) {
    const d = e.data;
    if (d.channel === 'notes') {
      const bytes = Buffer.byteLength(d.notesMarkdown);
      s.insertNotes(e.sessionId, e.seq, d.nodeId, d.attemptId, bytes, searchDocument(d.notesMarkdown));
      const current = s.sessionText(e.sessionId);
      if (current !== undefined && current.title === null) {
        setSessionText(s, e.sessionId, firstLine(d.notesMarkdown), current.goal);
      }
      return;
    }
    const a = d.artifact;
    s.insertArtifact(e.sessionId, e.seq, d.nodeId, d.attemptId, a.kind, a.sha256, a.bytes);
  },
  context_set(s, e) {
    const d = e.data;
    const outcome = typeof d.context.metrics_outcome === 'string' ? d.context.metrics_outcome : null;
    s.setContext(d.nodeId, e.sessionId, e.seq, outcome);
    const goal = typeof d.context.goal === 'string' ? d.context.goal : null;
    setSessionText(s, e.sessionId, titleFromContext(d.context) ?? earliestNotesLine(s, e.sessionId), goal);
  },
  validation_performed() {},
  assessment_recorded() {},
  decision_trace_appended() {},
  checkpoint_recorded(s, e) {
    s.insertCheckpoint(e.data.fromNodeId, e.data.attemptId, e.sessionId, e.data.checkpointNodeId);
  },
  run_completed(s, e) {
    const d = e.data;
    s.complete(e.sessionId, e.atMs, d.finalNodeId, d.durationMs, d.git?.endSha ?? null, d.git?.startSha ?? null);
  },
};

/** Keeps sessions.title/goal and their search words in step (a no-op when neither changed). */
function setSessionText(s: Statements, sessionId: string, title: string | null, goal: string | null) {
  s.setSessionText(sessionId, title, goal, searchDocument(title, goal));
}

function earliestNotesLine(s: Statements, sessionId: string): string | null {
  const data = s.earliestNotes(sessionId);
  if (data === undefined) return null;
  return firstLine((JSON.parse(data) as { notesMarkdown: string }).notesMarkdown);
}

type Param = string | number | null;

function statements(db: Connection) {
  const write =
    (name: string, sql: string) =>
    (...params: Param[]): void => {
      db.run(`proj_${name}`, sql, params);
    };
  const observation = (column: string, extra = '') =>
    write(
      `observe_${column}`,
      `WITH s AS (UPDATE sessions SET ${column} = $2 WHERE session_id = $1) ${extra === '' ? 'SELECT 1' : extra}`,
    );
  return {
    touchSession: write(
      'touch',
      'UPDATE sessions SET last_activity_ms = greatest(last_activity_ms, $2), last_seq = $3 WHERE session_id = $1',
    ),
    insertSession: write(
      'insert_session',
      `WITH m AS (INSERT INTO session_metrics (session_id, started_at_ms) VALUES ($1, $3))
       INSERT INTO sessions (session_id, workspace_path, created_at_ms, last_activity_ms, last_seq, search)
       VALUES ($1, $2, $3, $4, $5, ''::tsvector)`,
    ),
    setObservation: {
      repo_root: observation('repo_root'),
      repo_root_hash: observation('repo_root_hash'),
      git_branch: observation('git_branch'),
      git_head_sha: observation(
        'git_head_sha',
        'UPDATE session_metrics SET start_sha = coalesce(start_sha, $2) WHERE session_id = $1',
      ),
    },
    insertRun: write(
      'insert_run',
      `WITH s AS (UPDATE sessions SET run_id = $1 WHERE session_id = $2)
       INSERT INTO runs (run_id, session_id, workflow_id, workflow_hash, source_kind, source_path, goal, model_tier,
         bindings, refs, started_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    ),
    sessionText(sessionId: string): { title: string | null; goal: string | null } | undefined {
      return db.run<{ title: string | null; goal: string | null }>(
        'proj_session_text',
        'SELECT title, goal FROM sessions WHERE session_id = $1',
        [sessionId],
      )[0];
    },
    setSessionText: write(
      'set_session_text',
      `UPDATE sessions SET title = $2, goal = $3, search = to_tsvector('simple', $4)
       WHERE session_id = $1 AND (title IS DISTINCT FROM $2 OR goal IS DISTINCT FROM $3)`,
    ),
    // The context in force: the node's own context_set if one came first (contexts), else its parent's.
    insertNode: write(
      'insert_node',
      `WITH n AS (
         INSERT INTO nodes (node_id, session_id, node_kind, parent_node_id, workflow_hash, state, context_seq,
           created_seq, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6,
           coalesce((SELECT seq FROM contexts WHERE node_id = $1), (SELECT context_seq FROM nodes WHERE node_id = $4)),
           $7, $8)),
       s AS (UPDATE sessions SET node_count = node_count + 1 WHERE session_id = $2)
       UPDATE runs SET preferred_tip_node_id = $1 WHERE session_id = $2 AND $9::int = 1`,
    ),
    insertEdge: write(
      'insert_edge',
      `WITH e AS (INSERT INTO edges (session_id, from_node_id, to_node_id, edge_kind, cause, created_seq)
                  VALUES ($1, $2, $3, $4, $5, $6)),
       s AS (UPDATE sessions SET edge_count = edge_count + 1 WHERE session_id = $1)
       UPDATE nodes SET advance_children = advance_children + 1 WHERE node_id = $2 AND $4 = 'advance'`,
    ),
    insertAdvance: write(
      'insert_advance',
      `WITH a AS (INSERT INTO advances (node_id, attempt_id, session_id, outcome, to_node_id, seq)
                  VALUES ($1, $2, $3, $4, $5, $6))
       UPDATE session_metrics SET
         steps_advanced = steps_advanced + CASE WHEN $4 = 'advanced' THEN 1 ELSE 0 END,
         blocked_attempts = blocked_attempts + CASE WHEN $4 = 'blocked' THEN 1 ELSE 0 END
       WHERE session_id = $3 AND $4 IN ('advanced', 'blocked')`,
    ),
    insertNotes: write(
      'insert_notes',
      `INSERT INTO outputs (session_id, seq, node_id, attempt_id, channel, bytes, search)
       VALUES ($1, $2, $3, $4, 'notes', $5, to_tsvector('simple', $6))`,
    ),
    insertArtifact: write(
      'insert_artifact',
      `INSERT INTO outputs (session_id, seq, node_id, attempt_id, channel, artifact_kind, sha256, bytes)
       VALUES ($1, $2, $3, $4, 'artifact', $5, $6, $7)`,
    ),
    earliestNotes(sessionId: string): string | undefined {
      return db.run<{ data: string }>(
        'proj_earliest_notes',
        `SELECT e.data FROM outputs o JOIN events e ON e.session_id = o.session_id AND e.seq = o.seq
         WHERE o.session_id = $1 AND o.channel = 'notes' ORDER BY o.seq LIMIT 1`,
        [sessionId],
      )[0]?.data;
    },
    setContext: write(
      'set_context',
      `WITH c AS (INSERT INTO contexts (node_id, session_id, seq) VALUES ($1, $2, $3)
                  ON CONFLICT (node_id) DO UPDATE SET seq = excluded.seq),
       n AS (UPDATE nodes SET context_seq = $3 WHERE node_id = $1)
       UPDATE session_metrics SET outcome = $4 WHERE session_id = $2`,
    ),
    insertCheckpoint: write(
      'insert_checkpoint',
      'INSERT INTO checkpoints (node_id, attempt_id, session_id, checkpoint_node_id) VALUES ($1, $2, $3, $4)',
    ),
    complete: write(
      'complete',
      `WITH r AS (UPDATE runs SET is_complete = true, completed_at_ms = $2, final_node_id = $3 WHERE session_id = $1)
       UPDATE session_metrics SET ended_at_ms = $2, duration_ms = $4, is_complete = true, end_sha = $5,
         start_sha = coalesce(start_sha, $6) WHERE session_id = $1`,
    ),
  };
}
