// Schema 18 folds an edge appended right after its node into the node's row (edge-fold.ts): which edges fold, and the
// §9 checks over folded edges.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { NewEvent, NodeId, RunId, SessionId } from '../../../src/engine/events.js';
import { openSqliteSessionStore, type SqliteSessionStore } from '../../../src/store/index.js';
import {
  compiledWorkflow,
  counterIds,
  pending,
  startEvents,
  WORKFLOW_HASH,
} from '../../fixtures/store/session-script.js';

const S = 'sess_fold' as SessionId;
const R = 'run_fold' as RunId;
const ROOT = 'node_root' as NodeId;

function nodeAndEdge(from: NodeId, to: NodeId, atMs: number, edgeAtMs = atMs): NewEvent[] {
  return [
    {
      kind: 'node_created',
      runId: R,
      nodeId: to,
      dedupeKey: `node:${to}`,
      atMs,
      data: { nodeId: to, nodeKind: 'step', parentNodeId: from, workflowHash: WORKFLOW_HASH, state: pending('x', 1) },
    },
    {
      kind: 'edge_created',
      runId: R,
      nodeId: from,
      dedupeKey: `edge:${from}:${to}`,
      atMs: edgeAtMs,
      data: { fromNodeId: from, toNodeId: to, edgeKind: 'advance', cause: 'retry' },
    },
  ];
}

function openAt(path: string, randomIds = false): SqliteSessionStore {
  return openSqliteSessionStore({ path, ...(randomIds ? { newEventId: counterIds('fold').event } : {}) });
}

function append(store: SqliteSessionStore, events: NewEvent[]) {
  const result = store.transaction(S, (tx) => tx.appendEvents(S, events));
  if (!result.ok) throw new Error('locked');
  return result.value;
}

function started(randomIds = false) {
  const path = join(mkdtempSync(join(tmpdir(), 'workrail-fold-')), 'workrail.db');
  const store = openAt(path, randomIds);
  store.transaction(S, (tx) => tx.pinWorkflow(compiledWorkflow()));
  append(store, startEvents({ sessionId: S, runId: R, rootNodeId: ROOT, atMs: 1000, goal: 'Fold it' }));
  return { path, store };
}

function raw<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const rows = (path: string, sql: string) => raw(path, (db) => db.prepare(sql).pluck().get() as number);

describe('SQLite edges folded into their node rows (schema 18)', () => {
  it('folds an edge appended right after its node at the same time, and reads it back as its own event', () => {
    const { path, store } = started();
    const appended = append(store, nodeAndEdge(ROOT, 'node_b' as NodeId, 2000));
    expect(rows(path, 'SELECT count(*) FROM events WHERE edge IS NOT NULL')).toBe(1);
    expect(rows(path, 'SELECT count(*) FROM events WHERE kind = 4')).toBe(0);
    expect(store.read((r) => r.listEvents(S, appended[1]!.seq))).toEqual([appended[1]]);
    const loaded = store.read((r) => r.loadSession(S));
    expect(loaded.kind === 'ok' && loaded.session.edges).toEqual([
      { fromNodeId: ROOT, toNodeId: 'node_b', edgeKind: 'advance', cause: 'retry', seq: appended[1]!.seq },
    ]);
    store.close();
  });

  it('keeps a row for an edge at another time, after another event, or with a stored event id', () => {
    const late = started();
    append(late.store, nodeAndEdge(ROOT, 'node_b' as NodeId, 2000, 2001));
    const [node, edge] = nodeAndEdge(ROOT, 'node_c' as NodeId, 3000);
    const note: NewEvent = {
      ...node!,
      kind: 'context_set',
      dedupeKey: 'context:c',
      data: { nodeId: ROOT, context: {}, source: 'agent_delta' },
    };
    append(late.store, [node!, note, edge!]);
    expect(rows(late.path, 'SELECT count(*) FROM events WHERE edge IS NOT NULL')).toBe(0);
    expect(rows(late.path, 'SELECT count(*) FROM events WHERE kind = 4')).toBe(2);
    late.store.close();

    const random = started(true);
    append(random.store, nodeAndEdge(ROOT, 'node_b' as NodeId, 2000));
    expect(rows(random.path, 'SELECT count(*) FROM events WHERE edge IS NOT NULL')).toBe(0);
    random.store.close();
  });

  it('reports a folded edge whose parent node is gone, and a lost row holding one', () => {
    const { path, store } = started();
    append(store, nodeAndEdge(ROOT, 'node_b' as NodeId, 2000));
    append(store, nodeAndEdge('node_b' as NodeId, 'node_c' as NodeId, 3000));
    store.close();
    // The node count is kept right, so only the graph check sees it.
    raw(path, (db) =>
      db.exec(`DELETE FROM nodes WHERE id = (SELECT id FROM events WHERE kind = 3 AND data ->> '$.Y' = 'node_b');
               UPDATE sessions SET node_count = node_count - 1`),
    );
    const damaged = openAt(path);
    expect(damaged.read((r) => r.checkHealth(S))).toMatchObject({ health: { kind: 'dangling_edge' } });
    damaged.close();

    const second = started();
    append(second.store, nodeAndEdge(ROOT, 'node_b' as NodeId, 2000));
    append(second.store, nodeAndEdge('node_b' as NodeId, 'node_c' as NodeId, 3000));
    second.store.close();
    raw(second.path, (db) => db.prepare('DELETE FROM events WHERE id = (SELECT max(id) FROM events) - 2').run());
    const gap = openAt(second.path);
    expect(gap.read((r) => r.checkHealth(S))).toMatchObject({ health: { kind: 'event_sequence_broken' } });
    gap.close();
  });
});
