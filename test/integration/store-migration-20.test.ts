// Schema 20 (node rows without their node id text): a database in the schema-19 layout migrates on open and reads back
// the same events, outputs, sessions, nodes, tokens, search and projections; old tokens replay byte-identically and
// advance on. `downgradeToSchemaNineteen` touches only what migration 20 changes, so it composes with the others.
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/engine/events.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import { nodeHash } from '../../src/store/sqlite/node-hashes.js';
import { columnOf, columnsOf, readAllSessions, rebuiltProjections } from '../support/migration-reads.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { testApp } from './app-helpers.js';
import { expectBranchingSessionsContinue, recordBranchingSessions } from './migration-flow.js';

const FTS_PROBES = ['ship', 'planned', 'pass'];

const indexesOf = (path: string) =>
  columnOf(path, `SELECT name FROM sqlite_master WHERE tbl_name = 'nodes' ORDER BY name`);

describe('SQLite schema migration 20 (node rows without their node id text)', () => {
  it('keeps the events, nodes, tokens, search and projections of a schema-19 database', () => {
    const first = testApp();
    const flow = recordBranchingSessions(first);
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const before = readAllSessions(path, FTS_PROBES);
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
    const hashes = columnOf(
      path,
      `SELECT json_array(n.node_hash, e.data ->> '$.Y') FROM nodes n JOIN events e ON e.id = n.id ORDER BY n.id`,
    ).map((row) => JSON.parse(row as string) as [number, string]);
    expect(hashes).toHaveLength(nodeCount);
    for (const [hash, nodeId] of hashes) expect(hash).toBe(nodeHash(nodeId));
    const deltas = columnOf(path, 'SELECT parent_delta FROM nodes WHERE parent_delta IS NOT NULL') as number[];
    expect(deltas.length).toBe(nodeCount - 2);
    expect(deltas.every((d) => d > 0 && d < 100)).toBe(true);

    const after = readAllSessions(path, FTS_PROBES);
    expect(after.sessions).toEqual(before.sessions);
    for (const [id, s] of Object.entries(after.sessions)) expect(s.eventsJson).toBe(before.sessions[id]!.eventsJson);
    expect(after.summaries).toEqual(before.summaries);
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    // The tokens view needs no function of the store's connection.
    const viewed = columnOf(path, 'SELECT node_id FROM tokens ORDER BY node_id');
    expect(viewed).toEqual(sessions.flatMap((s) => s.tokens.map((t) => t.nodeId as NodeId)).sort());

    expect(rebuiltProjections(path, FTS_PROBES)).toEqual(before.projections);

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the newest advances on.
    expectBranchingSessionsContinue(first, flow, path, { ftsProbes: FTS_PROBES });
  });
});
