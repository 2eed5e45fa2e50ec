// Schema 20 finds a node row by a 32-bit hash of its id and compares the id its node_created event holds: two node ids
// with the same hash (found by search, checked below) each resolve to their own node, and one never stands in for the
// other.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttemptId, NewEvent, NodeId, RunId, SessionId } from '../../../src/engine/events.js';
import { openSqliteSessionStore, type SqliteSessionStore } from '../../../src/store/index.js';
import type { TokenRecord } from '../../../src/store/session-store.js';
import { nodeHash } from '../../../src/store/sqlite/node-hashes.js';
import type { Token } from '../../../src/tokens/index.js';
import {
  advanceEvents,
  blockedEvents,
  compiledWorkflow,
  pending,
  startEvents,
  WORKFLOW_HASH,
} from '../../fixtures/store/session-script.js';

/** Two node ids whose SHA-256 digests start with the same 4 bytes. */
const A = 'node_collide13421' as NodeId;
const B = 'node_collide34746' as NodeId;
const C = 'node_after' as NodeId;
const S = 'sess_hashes' as SessionId;
const R = 'run_hashes' as RunId;
const TRY_A = 'attempt_a' as AttemptId;
const TRY_B = 'attempt_b' as AttemptId;

function openStore(): SqliteSessionStore {
  return openSqliteSessionStore({ path: join(mkdtempSync(join(tmpdir(), 'workrail-hashes-')), 'workrail.db') });
}

function append(store: SqliteSessionStore, sessionId: SessionId, events: NewEvent[]) {
  const result = store.transaction(sessionId, (tx) => tx.appendEvents(sessionId, events));
  if (!result.ok) throw new Error('locked');
  return result.value;
}

function token(nodeId: NodeId, body: string): TokenRecord {
  return {
    token: `ct_${body.padEnd(24, '0')}` as Token,
    kind: 'continue',
    sessionId: S,
    runId: R,
    nodeId,
    attemptId: null,
    workflowHash: WORKFLOW_HASH,
    createdAtMs: 5,
  };
}

/** Root A, its blocked attempt B, and C advanced from B; a token for each of A and B. */
function started(store: SqliteSessionStore) {
  store.transaction(S, (tx) => tx.pinWorkflow(compiledWorkflow()));
  append(store, S, startEvents({ sessionId: S, runId: R, rootNodeId: A, atMs: 1000, goal: 'Hash it' }));
  append(
    store,
    S,
    blockedEvents({ runId: R, from: A, to: B, attemptId: TRY_A, atMs: 2000, stepId: 'plan', completedCount: 0 }),
  );
  append(
    store,
    S,
    advanceEvents({
      runId: R,
      from: B,
      to: C,
      attemptId: TRY_B,
      atMs: 3000,
      notes: 'Planned.',
      context: { picked: 'b' },
      state: pending('check', 1),
    }),
  );
  store.transaction(S, (tx) => {
    tx.insertToken(token(A, 'aaaa'));
    tx.insertToken(token(B, 'bbbb'));
  });
}

describe('SQLite node rows found by the hash of their id (schema 20)', () => {
  it('uses two ids that share a hash', () => {
    expect(nodeHash(A)).toBe(nodeHash(B));
    expect(nodeHash(A)).not.toBe(nodeHash(C));
  });

  it('resolves each of two nodes whose ids share a hash to its own node', () => {
    const store = openStore();
    started(store);
    store.read((r) => {
      expect(r.checkHealth(S)).toEqual({ kind: 'healthy' });
      const session = r.loadSession(S);
      if (session.kind !== 'ok') throw new Error(JSON.stringify(session));
      expect([...session.session.nodes.values()].map((n) => [n.nodeId, n.nodeKind, n.parentNodeId])).toEqual([
        [A, 'step', null],
        [B, 'blocked_attempt', A],
        [C, 'step', B],
      ]);
      const position = (nodeId: NodeId) => {
        const loaded = r.loadNode(S, nodeId);
        if (loaded.kind !== 'ok') throw new Error(JSON.stringify(loaded));
        return loaded.position;
      };
      expect(position(A)).toMatchObject({ node: { nodeId: A, parentNodeId: null }, blockedStreak: 0 });
      expect(position(B)).toMatchObject({ node: { nodeId: B, parentNodeId: A }, blockedStreak: 1 });
      expect(position(A).hasAdvanceSuccessor).toBe(true);
      expect(position(B).hasAdvanceSuccessor).toBe(true);
      expect(position(C).hasAdvanceSuccessor).toBe(false);
      expect(r.nodeContext(A)).toEqual({ goal: 'Hash it' });
      expect(r.nodeContext(C)).toEqual({ picked: 'b' });
      expect(r.findAdvance(A, TRY_A)?.toNodeId).toBe(B);
      expect(r.findAdvance(B, TRY_B)?.toNodeId).toBe(C);
      expect(r.findAdvance(B, TRY_A)).toBeNull();
      expect(r.findTokenFor('continue', A, null)).toBe(token(A, 'aaaa').token);
      expect(r.findTokenFor('continue', B, null)).toBe(token(B, 'bbbb').token);
      expect(r.listTokens(S).map((t) => [t.token, t.nodeId])).toEqual([
        [token(A, 'aaaa').token, A],
        [token(B, 'bbbb').token, B],
      ]);
      expect(r.listRecentSessions(5)[0]?.pendingStepId).toBe('check');
    });
    // Appending B's creation again is recognised as recorded (its key names B, not A).
    const again = blockedEvents({
      runId: R,
      from: A,
      to: B,
      attemptId: TRY_A,
      atMs: 4000,
      stepId: 'plan',
      completedCount: 0,
    });
    expect(
      append(
        store,
        S,
        again.filter((e) => e.kind === 'node_created'),
      ),
    ).toEqual([]);
    const before = store.read((r) => r.loadSession(S));
    expect(store.rebuildProjections().ok).toBe(true);
    expect(store.read((r) => r.loadSession(S))).toEqual(before);
    store.close();
  });

  it('does not return the node of another id with the same hash', () => {
    const store = openStore();
    store.transaction(S, (tx) => tx.pinWorkflow(compiledWorkflow()));
    append(store, S, startEvents({ sessionId: S, runId: R, rootNodeId: A, atMs: 1000, goal: 'Hash it' }));
    store.transaction(S, (tx) => tx.insertToken(token(A, 'aaaa')));
    store.read((r) => {
      expect(r.loadNode(S, B)).toEqual({ kind: 'not_found', missing: 'node' });
      expect(r.nodeContext(B)).toBeNull();
      expect(r.findTokenFor('continue', B, null)).toBeNull();
      expect(r.findAdvance(B, TRY_A)).toBeNull();
    });
    // A node of B's id parented on it: A is not taken for B, so B's child keeps the id as text.
    const child = advanceEvents({ runId: R, from: B, to: C, attemptId: TRY_B, atMs: 2000, state: pending('x', 1) });
    append(
      store,
      S,
      child.filter((e) => e.kind === 'node_created'),
    );
    store.read((r) => {
      const loaded = r.loadNode(S, C);
      expect(loaded.kind === 'unhealthy' && loaded.health.kind).toBe('dangling_edge');
      expect(r.checkHealth(S)).toMatchObject({ health: { kind: 'dangling_edge', reason: expect.stringContaining(B) } });
    });
    store.close();
  });

  it('refuses a second node with an id already stored, as the unique column did', () => {
    const store = openStore();
    started(store);
    const other = 'sess_other' as SessionId;
    expect(() =>
      append(
        store,
        other,
        startEvents({ sessionId: other, runId: 'run_other' as RunId, rootNodeId: B, atMs: 1, goal: 'x' }),
      ),
    ).toThrow(/already stored/);
    store.close();
  });
});
