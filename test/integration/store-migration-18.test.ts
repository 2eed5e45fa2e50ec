// Schema 18 (fewer event rows and dedupe entries): a database written by schema 17 migrates on open and reads back
// exactly as before, and the use cases' normal flows only ever create an edge or a trace for the node they create in
// the same call (what lets the store answer "already recorded?" for those events without an index entry).
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { count, readAllSessions, rebuiltProjections } from '../support/migration-reads.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { testApp } from './app-helpers.js';
import { expectBranchingSessionsContinue, recordBranchingSessions } from './migration-flow.js';

const FTS_PROBES = ['ship', 'planned', 'pass'];

describe('SQLite schema migration 18 (fewer event rows and dedupe entries)', () => {
  it('keeps the events, tokens, search and projections of a schema-17 database', () => {
    const first = testApp();
    const flow = recordBranchingSessions(first);
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const before = readAllSessions(path, FTS_PROBES);
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
    const after = readAllSessions(path, FTS_PROBES);
    expect(after.sessions).toEqual(before.sessions);
    for (const [id, s] of Object.entries(after.sessions)) expect(s.eventsJson).toBe(before.sessions[id]!.eventsJson);
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    expect(rebuiltProjections(path, FTS_PROBES)).toEqual(before.projections);

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the newest advance on.
    expectBranchingSessionsContinue(first, flow, path, { ftsProbes: FTS_PROBES, eventLogGrows: true });
  });

  it('creates edges and traces only for the node created in the same call (start, advance, blocked retry, fork, checkpoint)', () => {
    const t = testApp();
    recordBranchingSessions(t);
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
