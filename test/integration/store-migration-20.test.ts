// Schema 20 (node rows without their node id text): a database in the schema-19 layout migrates on open and reads back
// the same events, outputs, sessions, nodes, tokens, search and projections; old tokens replay byte-identically and
// advance on. `downgradeToSchemaNineteen` touches only what migration 20 changes, so it composes with the others.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import type { NodeId, SessionId } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { nodeHash } from '../../src/store/sqlite/node-hashes.js';
import { dumpProjections } from '../support/projection-dump.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { asStep, expectOk, LOOP_WORKFLOW, type TestApp, testApp, workspaceWith } from './app-helpers.js';

const FTS_PROBES = ['ship', 'planned', 'pass'];

/** Two sessions of LOOP_WORKFLOW with a blocked attempt and its retry, a checkpoint, loop passes and a fork. */
function recordSessions(t: TestApp) {
  const ws = workspaceWith(LOOP_WORKFLOW);
  const call = <T>(fn: () => T): T => {
    t.tick();
    return fn();
  };
  const start = (goal: string) =>
    asStep(expectOk(call(() => startWorkflow(t.app, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal }))));
  const cont = (input: Parameters<typeof continueWorkflow>[1]) =>
    asStep(expectOk(call(() => continueWorkflow(t.app, input))));

  const started = start('Ship it');
  const blocked = cont({ continueToken: started.continueToken!, intent: 'advance' });
  expect(blocked.kind).toBe('blocked');
  const retry = { continueToken: blocked.continueToken!, output: { notesMarkdown: 'Planned the migration.' } };
  const planned = cont(retry);
  const checkpoint = expectOk(call(() => checkpointWorkflow(t.app, { checkpointToken: planned.checkpointToken! })));
  const pass1 = cont({ continueToken: planned.continueToken!, output: { notesMarkdown: 'Pass 1 implemented.' } });
  const verified = cont({ continueToken: pass1.continueToken!, output: { notesMarkdown: 'Pass 1 verified.' } });
  // A fork: advance again from the position before pass 1, through a rehydrated token.
  const again = cont({ continueToken: planned.continueToken!, intent: 'rehydrate' });
  cont({ continueToken: again.continueToken!, output: { notesMarkdown: 'Pass 1 redone.' } });
  const other = start('Ship the other thing');
  cont({ continueToken: other.continueToken!, output: { notesMarkdown: 'Planned the other thing.' } });
  return { retry, planned, checkpoint, verified };
}

/** What the store returns for each session (log from every seq, graph, each node looked up by id), and projections. */
function readThroughStore(path: string) {
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => {
      const sessions = r.listRecentSessions(10).map((s) => s.sessionId);
      const per = (sessionId: SessionId) => {
        const events = r.listEvents(sessionId);
        const session = r.loadSession(sessionId);
        const nodeIds = session.kind === 'ok' ? [...session.session.nodes.keys()] : [];
        return {
          eventsJson: JSON.stringify(events),
          tails: events.map((e) => JSON.stringify(r.listEvents(sessionId, e.seq))),
          outputs: r.listOutputs(sessionId),
          session,
          health: r.checkHealth(sessionId),
          tokens: r.listTokens(sessionId),
          nodes: nodeIds.map((nodeId) => ({
            position: r.loadNode(sessionId, nodeId),
            context: r.nodeContext(nodeId),
            token: r.findTokenFor('continue', nodeId, null),
          })),
        };
      };
      return {
        sessions: Object.fromEntries(sessions.map((id) => [id, per(id)])),
        summaries: r.listRecentSessions(10),
        search: r.searchSessions('ship planned', 5).map((m) => m.sessionId),
        projections: dumpProjections(path, FTS_PROBES),
      };
    });
  } finally {
    store.close();
  }
}

function rowsOf(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().all();
  } finally {
    db.close();
  }
}

const columnsOf = (path: string, table: string) => rowsOf(path, `SELECT name FROM pragma_table_info('${table}')`);
const indexesOf = (path: string) =>
  rowsOf(path, `SELECT name FROM sqlite_master WHERE tbl_name = 'nodes' ORDER BY name`);

describe('SQLite schema migration 20 (node rows without their node id text)', () => {
  it('keeps the events, nodes, tokens, search and projections of a schema-19 database', () => {
    const first = testApp();
    const flow = recordSessions(first);
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const before = readThroughStore(path);
    const sessions = Object.values(before.sessions);
    expect(sessions.every((s) => s.health.kind === 'healthy')).toBe(true);
    expect(sessions.flatMap((s) => s.nodes).every((n) => n.position.kind === 'ok')).toBe(true);
    const nodeCount = sessions.reduce((sum, s) => sum + s.nodes.length, 0);
    expect(nodeCount).toBeGreaterThan(6);

    stepBackSchema(path, 19);
    expect(columnsOf(path, 'nodes')).toEqual(expect.arrayContaining(['node_id', 'parent']));
    expect(indexesOf(path)).toEqual(['nodes', 'sqlite_autoindex_nodes_1']);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    expect(columnsOf(path, 'nodes')).not.toContain('node_id');
    expect(columnsOf(path, 'nodes')).not.toContain('parent');
    expect(indexesOf(path)).toEqual(['nodes', 'nodes_by_hash']);
    // Each row's hash is its event's node id's; a parent is a few seqs back.
    const hashes = rowsOf(
      path,
      `SELECT json_array(n.node_hash, e.data ->> '$.Y') FROM nodes n JOIN events e ON e.id = n.id ORDER BY n.id`,
    ).map((row) => JSON.parse(row as string) as [number, string]);
    expect(hashes).toHaveLength(nodeCount);
    for (const [hash, nodeId] of hashes) expect(hash).toBe(nodeHash(nodeId));
    const deltas = rowsOf(path, 'SELECT parent_delta FROM nodes WHERE parent_delta IS NOT NULL') as number[];
    expect(deltas.length).toBe(nodeCount - 2);
    expect(deltas.every((d) => d > 0 && d < 100)).toBe(true);

    const after = readThroughStore(path);
    expect(after.sessions).toEqual(before.sessions);
    for (const [id, s] of Object.entries(after.sessions)) expect(s.eventsJson).toBe(before.sessions[id]!.eventsJson);
    expect(after.summaries).toEqual(before.summaries);
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    // The tokens view needs no function of the store's connection.
    const viewed = rowsOf(path, 'SELECT node_id FROM tokens ORDER BY node_id');
    expect(viewed).toEqual(sessions.flatMap((s) => s.tokens.map((t) => t.nodeId as NodeId)).sort());

    const rebuilt = openSqliteSessionStore({ path });
    expect(rebuilt.rebuildProjections().ok).toBe(true);
    rebuilt.close();
    expect(dumpProjections(path, FTS_PROBES)).toEqual(before.projections);

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the newest advances on.
    const second = testApp({ home: first.home });
    expect(JSON.stringify(expectOk(continueWorkflow(second.app, flow.retry)))).toBe(JSON.stringify(flow.planned));
    expect(
      JSON.stringify(expectOk(checkpointWorkflow(second.app, { checkpointToken: flow.planned.checkpointToken! }))),
    ).toBe(JSON.stringify(flow.checkpoint));
    second.tick();
    const next = asStep(
      expectOk(
        continueWorkflow(second.app, {
          continueToken: flow.verified.continueToken!,
          output: { notesMarkdown: 'Pass 2.' },
        }),
      ),
    );
    expect(next.pending?.stepId).toBe('verify');
    second.app.close();
    const final = readThroughStore(path);
    expect(Object.values(final.sessions).every((s) => s.health.kind === 'healthy')).toBe(true);
  });
});
