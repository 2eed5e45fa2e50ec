// Current-state tables derived from the events (docs/mcp-protocol.md §10): one function per event kind, applied in
// the same transaction as the append, and again, in seq order, by rebuildProjections(). A projection reads only
// earlier projections and the event itself, so replaying the log rebuilds the tables exactly.
import type Database from 'better-sqlite3';
import type { EventDataByKind, EventKind, SessionEvent } from '../../engine/events.js';
import { firstLine, titleFromContext } from '../session-title.js';
import { dataPath, dataValue, unpackJson } from './data-dictionary.js';
import { kindCode } from './event-codec.js';
import { nodeIsBoundSql, nodeKey } from './node-hashes.js';
import { nodeKindCode } from './node-kinds.js';

/**
 * Tables rebuildProjections() empties and refills. The full-text indexes `session_fts` (titles and goals) and
 * `session_notes_fts` (notes, migration 19) are handled separately (they are virtual).
 */
export const PROJECTION_TABLES = ['sessions', 'runs', 'nodes', 'contexts', 'session_metrics'] as const;

type EventOf<K extends EventKind> = SessionEvent & { readonly kind: K; readonly data: EventDataByKind[K] };
type Handler<K extends EventKind> = (s: Statements, event: EventOf<K>, rowId: bigint) => void;
type Statements = ReturnType<typeof prepare>;

export interface Projector {
  /** Applies one appended event; `rowId` is its `events.id` (used as the full-text row id). */
  apply(event: SessionEvent, rowId: bigint): void;
  /** Empties every projection, including the full-text index. */
  clear(): void;
}

export function createProjector(db: Database.Database): Projector {
  const s = prepare(db);
  return {
    apply(event, rowId) {
      (HANDLERS[event.kind] as Handler<EventKind>)(s, event as EventOf<EventKind>, rowId);
      s.touchSession.run(event.atMs, event.seq, event.sessionId);
    },
    clear() {
      for (const table of PROJECTION_TABLES) db.prepare(`DELETE FROM ${table}`).run();
      db.prepare(`INSERT INTO session_fts (session_fts) VALUES ('delete-all')`).run();
      db.prepare(`INSERT INTO session_notes_fts (session_notes_fts) VALUES ('delete-all')`).run();
    },
  };
}

const HANDLERS: { readonly [K in EventKind]: Handler<K> } = {
  session_created(s, e) {
    s.insertSession.run(e.sessionId, e.data.workspacePath, e.data.createdAtMs, e.atMs, e.seq);
    s.insertMetrics.run(e.sessionId, e.data.createdAtMs);
  },
  observation_recorded(s, e) {
    s.setObservation[e.data.key].run(e.data.value, e.sessionId);
    if (e.data.key === 'git_head_sha') s.setStartShaIfUnset.run(e.data.value, e.sessionId);
  },
  run_started(s, e, rowId) {
    const d = e.data;
    s.insertRun.run(
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
    s.setSessionRun.run(d.runId, e.sessionId);
    const current = s.sessionText.get(e.sessionId) as SessionText | undefined;
    setSessionText(s, e.sessionId, current?.title ?? null, d.goal, rowId);
  },
  node_created(s, e, rowId) {
    const d = e.data;
    const { seq: ownContext, taken } = s.nodeCreation.get({ rawNodeId: d.nodeId, ...nodeKey(d.nodeId) }) as {
      seq: number | null;
      taken: number;
    };
    // What the unique node_id column enforced until schema 20.
    if (taken === 1) throw new Error(`Node ${d.nodeId} is already stored.`);
    const parent =
      d.parentNodeId === null ? undefined : (s.parentRow.get(nodeKey(d.parentNodeId)) as ParentRow | undefined);
    const contextSeq = ownContext ?? parent?.context_seq ?? null;
    // The run's own workflow hash is not repeated in every node row (migration 4); the row is keyed by its event's id
    // and names its parent by the parent's row (migration 13, as the distance back to it since 20); its kind is a code
    // and its time its event's (migration 19); its id is its event's, the row keeps a hash of it (migration 20).
    const runHash = s.runWorkflowHash.get(e.sessionId) as string | undefined;
    s.insertNode.run({
      id: rowId,
      ...nodeKey(d.nodeId),
      nodeKind: nodeKindCode(d.nodeKind),
      parentDelta: parent === undefined ? null : rowId - parent.id,
      parentNodeId: parent === undefined ? d.parentNodeId : null,
      workflowHash: runHash === d.workflowHash ? null : d.workflowHash,
      contextSeq,
    });
    s.countNode.run(e.sessionId);
    if (d.nodeKind === 'step' || d.nodeKind === 'blocked_attempt') s.setPreferredTip.run(d.nodeId, e.sessionId);
  },
  // Edges, advances, checkpoints and outputs are read from their events (migration 6); only counts are kept here.
  edge_created(s, e) {
    s.countEdge.run(e.sessionId);
    if (e.data.edgeKind === 'advance') s.countAdvanceChild.run(nodeKey(e.data.fromNodeId));
  },
  advance_recorded(s, e) {
    const d = e.data;
    if (d.outcome === 'advanced') s.countStep.run(e.sessionId);
    if (d.outcome === 'blocked') s.countBlocked.run(e.sessionId);
  },
  output_appended(s, e, rowId) {
    const d = e.data;
    if (d.channel === 'notes') {
      s.insertNotesFts.run(rowId, d.notesMarkdown);
      const current = s.sessionText.get(e.sessionId) as SessionText | undefined;
      if (current !== undefined && current.title === null) {
        setSessionText(s, e.sessionId, firstLine(d.notesMarkdown), current.goal, rowId);
      }
    }
  },
  context_set(s, e, rowId) {
    const d = e.data;
    s.upsertContext.run(d.nodeId, e.sessionId, e.seq);
    s.setNodeContext.run({ seq: e.seq, ...nodeKey(d.nodeId) });
    const goal = typeof d.context.goal === 'string' ? d.context.goal : null;
    setSessionText(s, e.sessionId, titleFromContext(d.context) ?? earliestNotesLine(s, e.sessionId), goal, rowId);
    const outcome = d.context.metrics_outcome;
    s.setOutcome.run(typeof outcome === 'string' ? outcome : null, e.sessionId);
  },
  validation_performed() {},
  assessment_recorded() {},
  decision_trace_appended() {},
  checkpoint_recorded() {},
  run_completed(s, e) {
    const d = e.data;
    s.completeRun.run(e.atMs, d.finalNodeId, e.sessionId);
    s.completeMetrics.run(e.atMs, d.durationMs, d.git?.endSha ?? null, d.git?.startSha ?? null, e.sessionId);
  },
};

interface SessionText {
  title: string | null;
  goal: string | null;
  fts_title_rowid: bigint | null;
}
interface ParentRow {
  id: bigint;
  context_seq: number | null;
}

/** Keeps sessions.title/goal and their single full-text row in step; rewrites the row only when the text changed. */
function setSessionText(s: Statements, sessionId: string, title: string | null, goal: string | null, rowId: bigint) {
  const current = s.sessionText.get(sessionId) as SessionText | undefined;
  if (current === undefined) return;
  if (current.title === title && current.goal === goal && current.fts_title_rowid !== null) return;
  if (current.fts_title_rowid !== null) s.deleteFts.run(current.fts_title_rowid);
  s.insertFts.run(rowId, title, goal, null);
  s.setSessionText.run(title, goal, rowId, sessionId);
}

function earliestNotesLine(s: Statements, sessionId: string): string | null {
  const row = s.earliestNotes.get(sessionId) as { data: string } | undefined;
  if (row === undefined) return null;
  return firstLine((unpackJson(JSON.parse(row.data)) as { notesMarkdown: string }).notesMarkdown);
}

function prepare(db: Database.Database) {
  const observation = (column: string) => db.prepare(`UPDATE sessions SET ${column} = ? WHERE session_id = ?`);
  return {
    touchSession: db.prepare(
      'UPDATE sessions SET last_activity_ms = max(last_activity_ms, ?), last_seq = ? WHERE session_id = ?',
    ),
    insertSession: db.prepare(
      'INSERT INTO sessions (session_id, workspace_path, created_at_ms, last_activity_ms, last_seq) VALUES (?, ?, ?, ?, ?)',
    ),
    insertMetrics: db.prepare('INSERT INTO session_metrics (session_id, started_at_ms) VALUES (?, ?)'),
    setObservation: {
      repo_root: observation('repo_root'),
      repo_root_hash: observation('repo_root_hash'),
      git_branch: observation('git_branch'),
      git_head_sha: observation('git_head_sha'),
    },
    setStartShaIfUnset: db.prepare(
      'UPDATE session_metrics SET start_sha = coalesce(start_sha, ?) WHERE session_id = ?',
    ),
    insertRun: db.prepare(
      `INSERT INTO runs (run_id, session_id, workflow_id, workflow_hash, source_kind, source_path, goal, model_tier,
         bindings, refs, started_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setSessionRun: db.prepare('UPDATE sessions SET run_id = ? WHERE session_id = ?'),
    // Event ids pass 2^53 once sk does 2^21: read them as bigints.
    sessionText: db.prepare('SELECT title, goal, fts_title_rowid FROM sessions WHERE session_id = ?').safeIntegers(),
    setSessionText: db.prepare('UPDATE sessions SET title = ?, goal = ?, fts_title_rowid = ? WHERE session_id = ?'),
    insertFts: db.prepare('INSERT INTO session_fts (rowid, title, goal, notes) VALUES (?, ?, ?, ?)'),
    insertNotesFts: db.prepare('INSERT INTO session_notes_fts (rowid, notes) VALUES (?, ?)'),
    deleteFts: db.prepare('DELETE FROM session_fts WHERE rowid = ?'),
    // A node's own context (set before its creation), and whether a row already holds its id.
    nodeCreation: db.prepare(
      `SELECT (SELECT seq FROM contexts WHERE node_id = @rawNodeId) AS seq,
              EXISTS (SELECT 1 FROM nodes n WHERE ${nodeIsBoundSql('n')}) AS taken`,
    ),
    parentRow: db.prepare(`SELECT n.id, n.context_seq FROM nodes n WHERE ${nodeIsBoundSql('n')}`).safeIntegers(),
    insertNode: db.prepare(
      `INSERT INTO nodes (id, node_hash, node_kind, parent_delta, parent_node_id, workflow_hash, context_seq)
         VALUES (@id, @nodeHash, @nodeKind, @parentDelta, @parentNodeId, @workflowHash, @contextSeq)`,
    ),
    runWorkflowHash: db.prepare('SELECT workflow_hash FROM runs WHERE session_id = ?').pluck(),
    countNode: db.prepare('UPDATE sessions SET node_count = node_count + 1 WHERE session_id = ?'),
    countEdge: db.prepare('UPDATE sessions SET edge_count = edge_count + 1 WHERE session_id = ?'),
    countAdvanceChild: db.prepare(
      `UPDATE nodes SET advance_children = advance_children + 1 WHERE ${nodeIsBoundSql('nodes')}`,
    ),
    setPreferredTip: db.prepare('UPDATE runs SET preferred_tip_node_id = ? WHERE session_id = ?'),
    countStep: db.prepare('UPDATE session_metrics SET steps_advanced = steps_advanced + 1 WHERE session_id = ?'),
    countBlocked: db.prepare('UPDATE session_metrics SET blocked_attempts = blocked_attempts + 1 WHERE session_id = ?'),
    earliestNotes: db.prepare(
      `SELECT e.data FROM session_keys k JOIN events e
         ON e.kind = ${kindCode('output_appended')} AND e.id >= k.sk << 32 AND e.id < (k.sk + 1) << 32
       WHERE k.session_id = ? AND json_extract(e.data, '${dataPath('channel')}') = ${dataValue('notes')}
       ORDER BY e.id LIMIT 1`,
    ),
    upsertContext: db.prepare(
      `INSERT INTO contexts (node_id, session_id, seq) VALUES (?, ?, ?)
         ON CONFLICT (node_id) DO UPDATE SET seq = excluded.seq`,
    ),
    setNodeContext: db.prepare(`UPDATE nodes SET context_seq = @seq WHERE ${nodeIsBoundSql('nodes')}`),
    setOutcome: db.prepare('UPDATE session_metrics SET outcome = ? WHERE session_id = ?'),
    completeRun: db.prepare(
      'UPDATE runs SET is_complete = 1, completed_at_ms = ?, final_node_id = ? WHERE session_id = ?',
    ),
    completeMetrics: db.prepare(
      `UPDATE session_metrics SET ended_at_ms = ?, duration_ms = ?, is_complete = 1, end_sha = ?,
         start_sha = coalesce(start_sha, ?) WHERE session_id = ?`,
    ),
  };
}
