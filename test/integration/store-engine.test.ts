// The engine's own events, appended through the SQLite store: after every call, the store's current-state tables
// answer exactly what the engine's pure fold (replayEvents) derives from the same event log.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdvanceInput, advance } from '../../src/engine/advance.js';
import type { AttemptId, NewEvent, NodeId, RunId, SessionId } from '../../src/engine/events.js';
import { checkpointEvents, type NewId, runCompletedEvent } from '../../src/engine/records.js';
import { replayEvents } from '../../src/engine/replay.js';
import { startRun } from '../../src/engine/start.js';
import { type LoadedSession, openSqliteSessionStore, type SessionTx } from '../../src/store/index.js';
import { compiledWorkflow, counterIds, startEvents } from '../fixtures/store/session-script.js';

const S = 'sess_engine' as SessionId;
const R = 'run_engine' as RunId;
const workflow = compiledWorkflow();

function harness() {
  const path = join(mkdtempSync(join(tmpdir(), 'workrail-engine-')), 'workrail.db');
  const store = openSqliteSessionStore({ path, newEventId: counterIds().event });
  let n = 0;
  const newId = ((prefix: string) => `${prefix}_${(n++).toString(36)}`) as NewId;
  let clock = 1000;
  const now = () => (clock += 1000);
  const write = <T>(fn: (tx: SessionTx) => T): T => {
    const result = store.transaction(S, fn);
    if (!result.ok) throw new Error('locked');
    return result.value;
  };
  const load = (): LoadedSession => {
    const loaded = store.read((r) => r.loadSession(S));
    if (loaded.kind !== 'ok') throw new Error(JSON.stringify(loaded));
    return loaded.session;
  };
  /** What an advancing use case does: load the token's node, ask the engine, append its events in one transaction. */
  const advanceFrom = (nodeId: NodeId, input: AdvanceInput) =>
    write((tx) => {
      const loaded = tx.loadNode(S, nodeId);
      if (loaded.kind !== 'ok') throw new Error(loaded.kind);
      const { session, node, context, hasAdvanceSuccessor, blockedStreak } = loaded.position;
      const result = advance(
        session.workflow!,
        {
          nodeId,
          nodeKind: node.nodeKind,
          state: node.state,
          context,
          attemptId: newId('attempt') as AttemptId,
          hasAdvanceSuccessor,
          blockedStreak,
        },
        input,
        { now: now(), newId, isAutonomous: false, runId: R },
      );
      if (!result.ok) throw new Error(JSON.stringify(result.failure));
      const events: NewEvent[] = [...result.events];
      if (result.decision.outcome === 'advanced' && result.decision.isComplete) {
        events.push(
          runCompletedEvent(
            { now: now(), runId: R },
            { finalNodeId: result.decision.nodeId, durationMs: 5000, git: null },
          ),
        );
      }
      tx.appendEvents(S, events);
      return result.decision;
    });

  const expectStoreToMatchFold = () => {
    const events = store.read((r) => r.listEvents(S));
    const fold = replayEvents(events);
    const session = load();
    expect([...session.nodes.values()].map((n) => [n.nodeId, n.nodeKind, n.parentNodeId, n.state])).toEqual(
      [...fold.nodes.values()].map((n) => [n.nodeId, n.kind, n.parentNodeId, n.state]),
    );
    for (const nodeId of fold.nodes.keys()) {
      expect(store.read((r) => r.nodeContext(nodeId))).toEqual(fold.nodes.get(nodeId)!.context);
    }
    expect(session.edges.map(({ seq: _seq, ...e }) => e)).toEqual(fold.edges);
    expect(session.run?.preferredTipNodeId).toBe(fold.preferredTipNodeId);
    expect(session.run?.isComplete).toBe(fold.completed !== null);
    for (const [key, recorded] of fold.advances) {
      const [from, attempt] = key.split(':') as [NodeId, AttemptId];
      expect(store.read((r) => r.findAdvance(from, attempt))).toMatchObject({
        outcome: recorded.outcome,
        toNodeId: recorded.toNodeId,
      });
    }
    expect(store.read((r) => r.listOutputs(S)).length).toBe(fold.outputs.length);
  };

  return { store, write, load, advanceFrom, expectStoreToMatchFold, newId, now };
}

describe('engine events through the SQLite store', () => {
  it('projects start, blocked attempt, retry, fork, checkpoint and completion as the engine folds them', () => {
    const h = harness();
    const started = startRun(workflow, {
      goal: 'Fix flaky login test',
      context: { ticket: 'ACME-7' },
      now: h.now(),
      newId: h.newId,
      runId: R,
    });
    if (!started.ok) throw new Error('start failed');
    const root = started.decision.rootNodeId;
    h.write((tx) => {
      tx.pinWorkflow(workflow);
      const head = startEvents({ sessionId: S, runId: R, rootNodeId: root, atMs: 1000, goal: 'Fix flaky login test' });
      tx.appendEvents(S, [
        ...head.filter((e) => e.kind !== 'node_created' && e.kind !== 'context_set'),
        ...started.events,
      ]);
    });
    h.expectStoreToMatchFold();

    const blocked = h.advanceFrom(root, {});
    expect(blocked.outcome).toBe('blocked');
    h.expectStoreToMatchFold();

    const retried = h.advanceFrom(blocked.nodeId, { notes: 'Planned it.', contextDelta: { approach: 'retry' } });
    expect(retried.outcome).toBe('advanced');
    h.expectStoreToMatchFold();

    const fork = h.advanceFrom(root, { notes: 'Planned differently.', contextDelta: { approach: 'rewrite' } });
    h.expectStoreToMatchFold();
    expect(h.store.read((r) => r.nodeContext(fork.nodeId))).toMatchObject({ approach: 'rewrite', ticket: 'ACME-7' });
    expect(h.store.read((r) => r.nodeContext(retried.nodeId))).toMatchObject({ approach: 'retry' });

    h.write((tx) =>
      tx.appendEvents(
        S,
        checkpointEvents({
          env: { now: h.now(), runId: R, newId: h.newId },
          from: { nodeId: retried.nodeId, state: retried.state, attemptId: 'attempt_ck' as AttemptId },
          workflowHash: workflow.workflowHash,
        }).events,
      ),
    );
    h.expectStoreToMatchFold();

    const implemented = h.advanceFrom(retried.nodeId, { notes: 'Implemented.' });
    const verified = h.advanceFrom(implemented.nodeId, { notes: 'Verified.' });
    expect(verified.outcome === 'advanced' && verified.isComplete).toBe(true);
    h.expectStoreToMatchFold();
    expect(h.load().run).toMatchObject({ isComplete: true, finalNodeId: verified.nodeId });
    expect(h.store.read((r) => r.sessionMetrics(S))).toMatchObject({
      stepsAdvanced: 4,
      blockedAttempts: 1,
      isComplete: true,
    });

    expect(h.store.rebuildProjections().ok).toBe(true);
    h.expectStoreToMatchFold();
    h.store.close();
  });
});
