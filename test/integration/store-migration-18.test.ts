// Schema 18 (fewer event rows and dedupe entries): a database written by schema 17 migrates on open and reads back
// exactly as before, and the use cases' normal flows only ever create an edge or a trace for the node they create in
// the same call (what lets the store answer "already recorded?" for those events without an index entry).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import type { SessionEvent, SessionId } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
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
  const fork = cont({ continueToken: again.continueToken!, output: { notesMarkdown: 'Pass 1 redone.' } });
  const other = start('Ship the other thing');
  cont({ continueToken: other.continueToken!, output: { notesMarkdown: 'Planned the other thing.' } });
  return { retry, planned, checkpoint, verified, fork };
}

/** What the store returns for each session, and the projection tables. */
function readThroughStore(path: string) {
  const store = openSqliteSessionStore({ path });
  try {
    return store.read((r) => {
      const sessions = r.listRecentSessions(10).map((s) => s.sessionId);
      const per = (sessionId: SessionId) => {
        const events = r.listEvents(sessionId);
        return {
          eventsJson: JSON.stringify(events),
          // Every range start, including each seq of the log.
          tails: events.map((e) => JSON.stringify(r.listEvents(sessionId, e.seq))),
          outputs: r.listOutputs(sessionId),
          session: r.loadSession(sessionId),
          health: r.checkHealth(sessionId),
          tokens: r.listTokens(sessionId),
        };
      };
      return {
        sessions: Object.fromEntries(sessions.map((id) => [id, per(id)])),
        events: new Map(sessions.map((id) => [id, r.listEvents(id)])),
        search: r.searchSessions('ship planned', 5).map((m) => m.sessionId),
        projections: dumpProjections(path, FTS_PROBES),
      };
    });
  } finally {
    store.close();
  }
}

function count(path: string, sql: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('SQLite schema migration 18 (fewer event rows and dedupe entries)', () => {
  it('keeps the events, tokens, search and projections of a schema-17 database', () => {
    const first = testApp();
    const flow = recordSessions(first);
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const before = readThroughStore(path);
    expect(Object.values(before.sessions).every((s) => s.health.kind === 'healthy')).toBe(true);

    stepBackSchema(path, 17);
    expect(count(path, 'SELECT count(*) FROM events WHERE dedupe_hash IS NULL')).toBe(0);
    const edgeRows = count(path, 'SELECT count(*) FROM events WHERE kind = 4');
    expect(edgeRows).toBeGreaterThan(5);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    // Every node_created, and the edges and traces of a held node, lost their entry.
    expect(count(path, 'SELECT count(*) FROM events WHERE kind IN (3, 4, 10) AND dedupe_hash IS NOT NULL')).toBe(0);
    // Every edge followed its node: each is folded into the node's row.
    expect(count(path, 'SELECT count(*) FROM events WHERE edge IS NOT NULL')).toBe(edgeRows);
    expect(count(path, 'SELECT count(*) FROM events WHERE kind = 4')).toBe(0);
    const after = readThroughStore(path);
    expect(after.sessions).toEqual(before.sessions);
    for (const [id, s] of Object.entries(after.sessions)) expect(s.eventsJson).toBe(before.sessions[id]!.eventsJson);
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    const rebuilt = openSqliteSessionStore({ path });
    expect(rebuilt.rebuildProjections().ok).toBe(true);
    rebuilt.close();
    expect(dumpProjections(path, FTS_PROBES)).toEqual(before.projections);

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the newest advance on.
    const second = testApp({ home: first.home });
    expect(JSON.stringify(expectOk(continueWorkflow(second.app, flow.retry)))).toBe(JSON.stringify(flow.planned));
    expect(
      JSON.stringify(expectOk(checkpointWorkflow(second.app, { checkpointToken: flow.planned.checkpointToken! }))),
    ).toBe(JSON.stringify(flow.checkpoint));
    const eventsBefore = count(path, 'SELECT count(*) FROM events');
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
    expect(count(path, 'SELECT count(*) FROM events')).toBeGreaterThan(eventsBefore);
    second.app.close();
    const final = readThroughStore(path);
    expect(Object.values(final.sessions).every((s) => s.health.kind === 'healthy')).toBe(true);
  });

  it('creates edges and traces only for the node created in the same call (start, advance, blocked retry, fork, checkpoint)', () => {
    const t = testApp();
    recordSessions(t);
    const path = databasePath(t.app.config.dataDir);
    const { events } = t.app.store.read((r) => ({
      events: r.listRecentSessions(10).flatMap((s) => r.listEvents(s.sessionId)),
    }));
    const createdAt = new Map(
      events.filter((e) => e.kind === 'node_created').map((e) => [`${e.sessionId}/${e.data.nodeId}`, e.atMs]),
    );
    const named = events.flatMap((e): { e: SessionEvent; node: string }[] => {
      if (e.kind === 'edge_created') return [{ e, node: e.data.toNodeId }];
      if (e.kind === 'decision_trace_appended') return [{ e, node: e.data.nodeId }];
      return [];
    });
    expect(new Set(named.map(({ e }) => e.kind)).size).toBe(2);
    // Each call runs at its own clock tick: the same time means the same call.
    for (const { e, node } of named) expect(createdAt.get(`${e.sessionId}/${node}`)).toBe(e.atMs);
    expect(count(path, 'SELECT count(*) FROM events WHERE kind IN (3, 4, 10) AND dedupe_hash IS NOT NULL')).toBe(0);
    const causes = events.flatMap((e) => (e.kind === 'edge_created' ? [e.data.cause] : []));
    expect(new Set(causes)).toEqual(new Set(['advance', 'retry', 'checkpoint', 'fork']));
  });
});
