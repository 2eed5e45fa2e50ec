// Schema 21 (leaner event rows): a database in the schema-20 layout (every row with its time, the envelope fields in
// four columns) migrates on open into exactly the rows the writer writes, and reads back the same events from every
// start seq, outputs, sessions, tokens, search and projections; old tokens replay byte-identically and advance on.
// Calls share a millisecond now and then (the clock ticks every other call, and a burst of loop passes runs at one
// time), so times are left out across appends and the walk back to a stored time is bounded.
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { databasePath, openSqliteSessionStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/migrate.js';
import {
  columnsOf,
  count,
  readAllSessions,
  rebuiltProjections,
  rawRowsOf as rows,
} from '../support/migration-reads.js';
import { stepBackSchema } from '../support/schema-downgrades.js';
import { asStep, expectOk, type TestApp, testApp } from './app-helpers.js';
import { expectBranchingSessionsContinue, recordBranchingSessions } from './migration-flow.js';

const FTS_PROBES = ['ship', 'planned', 'pass'];

/** Plans, then many loop passes: enough events in one millisecond to need the every-16th-seq times. */
const BURST_WORKFLOW = {
  id: 'acme.burst',
  name: 'Burst',
  description: 'Plans, iterates many times, summarises.',
  version: '1.0.0',
  steps: [
    { id: 'plan', title: 'Plan for {{goal}}', prompt: 'Plan the work for {{goal}}.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: 12, maxIterations: 20 },
      body: [
        { id: 'implement', title: 'Implement pass {{currentIteration}}', prompt: 'Implement.' },
        { id: 'verify', title: 'Verify', prompt: 'Verify.' },
      ],
    },
    { id: 'summary', title: 'Summary', prompt: 'Summarise.', requireConfirmation: true },
  ],
};

/**
 * The branching sessions of BURST_WORKFLOW, the clock ticking every other call; then a burst of passes in one
 * millisecond.
 */
function recordSessions(t: TestApp) {
  const flow = recordBranchingSessions(t, { workflow: BURST_WORKFLOW, tickEvery: 2 });
  // The burst: every pass of the other session at one time.
  let step = flow.other;
  t.tick();
  for (let pass = 0; pass < 16; pass++) {
    step = asStep(
      expectOk(
        continueWorkflow(t.app, { continueToken: step.continueToken!, output: { notesMarkdown: `Pass ${pass}` } }),
      ),
    );
  }
  return flow;
}

describe('SQLite schema migration 21 (leaner event rows)', () => {
  it('rewrites a schema-20 database into the rows the writer writes, and reads back the same', () => {
    const first = testApp();
    const flow = recordSessions(first);
    const path = databasePath(first.app.config.dataDir);
    first.app.close();
    const written = rows(path, 'SELECT * FROM events ORDER BY id');
    const before = readAllSessions(path, FTS_PROBES);
    expect(Object.values(before.sessions).every((s) => s.health.kind === 'healthy')).toBe(true);
    // Times left out within appends and across the calls that share a millisecond.
    const untimed = count(path, 'SELECT count(*) FROM events WHERE at_ms IS NULL');
    expect(untimed).toBeGreaterThan(count(path, 'SELECT count(*) FROM events') / 2);
    // Each session's session_created (no run yet) and run_started (a dedupe key of its own) keep an envelope field.
    expect(count(path, 'SELECT count(*) FROM events WHERE envelope IS NOT NULL')).toBe(4);

    stepBackSchema(path, 20);
    expect(columnsOf(path, 'events')).toEqual(expect.arrayContaining(['event_id', 'run_id', 'node_id', 'dedupe_key']));
    expect(count(path, 'SELECT count(*) FROM events WHERE at_ms IS NULL')).toBe(0);

    const store = openSqliteSessionStore({ path });
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    store.close();
    expect(columnsOf(path, 'events')).toEqual(['id', 'kind', 'at_ms', 'dedupe_hash', 'data', 'edge', 'envelope']);
    expect(rows(path, 'SELECT * FROM events ORDER BY id')).toEqual(written);
    const after = readAllSessions(path, FTS_PROBES);
    expect(after.sessions).toEqual(before.sessions);
    for (const [id, s] of Object.entries(after.sessions)) {
      expect(s.eventsJson).toBe(before.sessions[id]!.eventsJson);
      expect(s.tails).toEqual(before.sessions[id]!.tails);
    }
    expect(after.search).toEqual(before.search);
    expect(after.projections).toEqual(before.projections);
    expect(rows(path, 'SELECT * FROM session_events ORDER BY session_id, seq').length).toBe(written.length);
    expect(rebuiltProjections(path, FTS_PROBES)).toEqual(before.projections);

    // Old tokens: the used ct_ replays byte-identical, the ck_ replays its checkpoint, the newest advance on.
    expectBranchingSessionsContinue(first, flow, path, { ftsProbes: FTS_PROBES, eventLogGrows: true });
  });

  it('stores a time on every node_created row, and every read of a time gives the appended one', () => {
    const t = testApp();
    recordSessions(t);
    const path = databasePath(t.app.config.dataDir);
    expect(count(path, 'SELECT count(*) FROM events WHERE kind = 3 AND at_ms IS NULL')).toBe(0);
    // Every read of a time agrees with the log's: outputs, nodes, the session_events view. (A token's time is its
    // node's row's unless stored: the node_created rows above.)
    t.app.store.read((r) => {
      for (const { sessionId } of r.listRecentSessions(10)) {
        const events = r.listEvents(sessionId);
        const atMs = new Map(events.map((e) => [e.seq, e.atMs]));
        expect(new Set(atMs.values()).size).toBeGreaterThan(1);
        for (const o of r.listOutputs(sessionId)) expect(o.atMs).toBe(atMs.get(o.seq));
        const session = r.loadSession(sessionId);
        if (session.kind !== 'ok') throw new Error(session.kind);
        for (const node of session.session.nodes.values()) expect(node.createdAtMs).toBe(atMs.get(node.seq));
        const viewed = rows(
          path,
          `SELECT seq, at_ms FROM session_events WHERE session_id = '${sessionId}' ORDER BY seq`,
        ) as [number, number][];
        for (const [seq, at] of viewed) expect(at).toBe(atMs.get(seq));
      }
    });
    t.app.close();
  });
});
