// The SessionStore contract, written once and run against every adapter (SQLite now, PostgreSQL later), the way
// Kysely loops each feature suite over its dialects.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttemptId, NewEvent, NodeId, RunId, SessionId } from '../../../src/engine/events.js';
import type { SessionStore, SessionTx } from '../../../src/store/index.js';
import {
  advanceEvents,
  blockedEvents,
  compiledWorkflow,
  pending,
  recordRealisticSession,
  startEvents,
  WORKFLOW_HASH,
} from '../../fixtures/store/session-script.js';

/** What `corrupt` damages: an event in the middle of the log, a node's state, a node row, an edge endpoint, or
 * the pinned workflow. Node `n1` of recordRealisticSession is the one damaged by `node_state` and `deleted_node`. */
export type Corruption = 'seq_gap' | 'node_state' | 'deleted_node' | 'dangling_edge' | 'missing_workflow';

export interface StoreHarness {
  readonly store: SessionStore;
  /** Closes the store and opens the same storage again. */
  reopen(): SessionStore;
  /** Damages one session's records behind the store's back. */
  corrupt(sessionId: SessionId, how: Corruption): void;
  cleanup(): void;
}

export function describeSessionStoreContract(name: string, factory: () => StoreHarness | Promise<StoreHarness>): void {
  describe(`SessionStore contract (${name})`, () => {
    let h: StoreHarness;
    let store: SessionStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(() => h.cleanup());

    const inTx = <T>(fn: (tx: SessionTx) => T): T => {
      const result = store.transaction(null, fn);
      if (!result.ok) throw new Error('unexpected lock');
      return result.value;
    };
    const S = 'sess_a' as SessionId;
    const R = 'run_a' as RunId;
    const root = 'node_root' as NodeId;
    const start = (sessionId = S, runId = R, rootNodeId = root) =>
      inTx((tx) => {
        tx.pinWorkflow(compiledWorkflow());
        return tx.appendEvents(sessionId, startEvents({ sessionId, runId, rootNodeId, atMs: 1000, goal: 'Fix it' }));
      });

    describe('appendEvents', () => {
      it('assigns contiguous 0-based seq, event ids and the session id', () => {
        const appended = start();
        expect(appended.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
        expect(new Set(appended.map((e) => e.eventId)).size).toBe(7);
        expect(appended.every((e) => e.eventId.startsWith('evt_') && e.sessionId === S)).toBe(true);
        expect(store.read((r) => r.listEvents(S))).toEqual(appended);
      });

      it('continues the sequence in a later transaction', () => {
        start();
        const more = inTx((tx) =>
          tx.appendEvents(
            S,
            advanceEvents({
              runId: R,
              from: root,
              to: 'node_b' as NodeId,
              attemptId: 'attempt_1' as AttemptId,
              atMs: 2000,
              notes: 'n',
              state: pending('implement', 1),
            }),
          ),
        );
        expect(more[0]!.seq).toBe(7);
        expect(store.read((r) => r.listEvents(S).map((e) => e.seq))).toEqual([...Array(more.length + 7).keys()]);
      });

      it('skips events whose dedupeKey is already recorded and keeps seq contiguous', () => {
        const first = start();
        const again = inTx((tx) => {
          const fresh: NewEvent = {
            kind: 'decision_trace_appended',
            dedupeKey: 'trace:new',
            atMs: 1500,
            data: { nodeId: root, entries: [] },
          };
          return tx.appendEvents(S, [first[0]!, fresh, first[3]!]);
        });
        expect(again.map((e) => [e.dedupeKey, e.seq])).toEqual([['trace:new', 7]]);
        expect(store.read((r) => r.listEvents(S))).toHaveLength(8);
      });

      // The use cases' own keys (`node:`, `edge:`, `trace:`); the SQLite store keeps no index entry for some of them.
      const nodeEvents = (from: NodeId, to: NodeId, atMs: number): NewEvent[] => [
        {
          kind: 'node_created',
          runId: R,
          nodeId: to,
          dedupeKey: `node:${to}`,
          atMs,
          data: {
            nodeId: to,
            nodeKind: 'step',
            parentNodeId: from,
            workflowHash: WORKFLOW_HASH,
            state: pending('x', 1),
          },
        },
        {
          kind: 'edge_created',
          runId: R,
          nodeId: from,
          dedupeKey: `edge:${from}:${to}`,
          atMs,
          data: { fromNodeId: from, toNodeId: to, edgeKind: 'advance', cause: 'advance' },
        },
        {
          kind: 'decision_trace_appended',
          runId: R,
          nodeId: to,
          dedupeKey: `trace:${to}`,
          atMs,
          data: { nodeId: to, entries: [{ kind: 'selected_step', stepId: 'x' }] },
        },
      ];
      const appendTo = (events: NewEvent[]) => inTx((tx) => tx.appendEvents(S, events));

      it('skips a node, edge or trace appended again, in the same append or a later one', () => {
        start();
        const b = 'node_b' as NodeId;
        const first = appendTo([...nodeEvents(root, b, 2000), ...nodeEvents(root, b, 2000)]);
        expect(first.map((e) => e.seq)).toEqual([7, 8, 9]);
        expect(appendTo(nodeEvents(root, b, 3000))).toEqual([]);
        for (const event of nodeEvents(root, b, 3000)) expect(appendTo([event])).toEqual([]);
        const c = 'node_c' as NodeId;
        appendTo(nodeEvents(b, c, 4000));
        // The edge and trace of an older node, alone and after a fresh event.
        const [, edge, trace] = nodeEvents(root, b, 5000);
        expect(appendTo([edge!, trace!]).length).toBe(0);
        const fresh = appendTo([{ ...trace!, dedupeKey: 'trace:fresh' }, edge!, trace!]);
        expect(fresh.map((e) => e.dedupeKey)).toEqual(['trace:fresh']);
        expect(store.read((r) => r.listEvents(S)).map((e) => e.seq)).toEqual([...Array(14).keys()]);
        expect(store.read((r) => r.listEvents(S, 7))).toEqual([
          ...first,
          ...nodeEvents(b, c, 4000).map(() => expect.anything()),
          ...fresh,
        ]);
      });

      it('lists the log from any seq, a node and its edge appended together included', () => {
        start();
        appendTo(nodeEvents(root, 'node_b' as NodeId, 2000));
        appendTo(nodeEvents('node_b' as NodeId, 'node_c' as NodeId, 3000));
        const all = store.read((r) => r.listEvents(S));
        expect(all.map((e) => e.seq)).toEqual([...Array(13).keys()]);
        for (const e of all) expect(store.read((r) => r.listEvents(S, e.seq))).toEqual(all.slice(e.seq));
        expect(store.read((r) => r.listEvents(S, 13))).toEqual([]);
        const loaded = store.read((r) => r.loadSession(S));
        if (loaded.kind !== 'ok') throw new Error(loaded.kind);
        expect(loaded.session.lastSeq).toBe(12);
        expect(loaded.session.edges.map((e) => [e.fromNodeId, e.toNodeId, e.seq])).toEqual([
          [root, 'node_b', 8],
          ['node_b', 'node_c', 11],
        ]);
        expect(store.read((r) => r.checkHealth(S))).toEqual({ kind: 'healthy' });
        expect(inTx((tx) => tx.appendEvents(S, nodeEvents('node_c' as NodeId, 'node_d' as NodeId, 4000)))[0]!.seq).toBe(
          13,
        );
      });

      it('skips an edge or trace appended before its node exists and again after', () => {
        start();
        const b = 'node_b' as NodeId;
        const [node, edge, trace] = nodeEvents(root, b, 2000);
        expect(appendTo([edge!, trace!]).map((e) => e.seq)).toEqual([7, 8]);
        expect(appendTo([node!, edge!, trace!]).map((e) => e.seq)).toEqual([9]);
        expect(appendTo([edge!, trace!])).toEqual([]);
        expect(store.read((r) => r.loadSession(S))).toMatchObject({ kind: 'ok' });
      });

      it('skips any event whose key a node, edge or trace already recorded', () => {
        start();
        const b = 'node_b' as NodeId;
        appendTo(nodeEvents(root, b, 2000));
        const noteWith = (dedupeKey: string): NewEvent => ({
          kind: 'output_appended',
          runId: R,
          nodeId: b,
          dedupeKey,
          atMs: 3000,
          data: { nodeId: b, attemptId: 'attempt_x' as AttemptId, channel: 'notes', notesMarkdown: 'again' },
        });
        const keys = [`node:${b}`, `edge:${root}:${b}`, `trace:${b}`];
        expect(appendTo(keys.map(noteWith))).toEqual([]);
        expect(appendTo([noteWith('notes:other')]).map((e) => e.seq)).toEqual([10]);
        // A node recorded under its edge's key: the edge after it is a duplicate.
        const [node, edge] = nodeEvents(b, 'node_c' as NodeId, 4000);
        const appended = appendTo([{ ...node!, dedupeKey: edge!.dedupeKey }, edge!]);
        expect(appended.map((e) => e.kind)).toEqual(['node_created']);
      });

      it('deduplicates per session, not across sessions', () => {
        start(S);
        const other = start('sess_b' as SessionId, 'run_b' as RunId, 'node_rootb' as NodeId);
        expect(other).toHaveLength(7);
      });

      it('round-trips optional envelope fields exactly', () => {
        const [created] = start();
        expect(created).not.toHaveProperty('runId');
        const node = store.read((r) => r.listEvents(S)).find((e) => e.kind === 'node_created')!;
        expect(node).toMatchObject({ runId: R, nodeId: root });
      });
    });

    describe('transaction', () => {
      it('commits and returns the callback value', () => {
        expect(store.transaction(S, () => 42)).toEqual({ ok: true, value: 42 });
      });

      it('rolls back every write and rethrows when the callback throws', () => {
        const boom = new Error('boom');
        expect(() =>
          store.transaction(S, (tx) => {
            tx.pinWorkflow(compiledWorkflow());
            tx.appendEvents(S, startEvents({ sessionId: S, runId: R, rootNodeId: root, atMs: 1, goal: 'g' }));
            tx.insertToken({
              token: 'ct_000000000000000000000000',
              kind: 'continue',
              sessionId: S,
              runId: R,
              nodeId: root,
              attemptId: 'attempt_x' as AttemptId,
              workflowHash: WORKFLOW_HASH,
              createdAtMs: 1,
            });
            tx.rememberRoot('/work/x', 1);
            throw boom;
          }),
        ).toThrow(boom);
        store.read((r) => {
          expect(r.loadSession(S)).toEqual({ kind: 'not_found' });
          expect(r.listEvents(S)).toEqual([]);
          expect(r.findToken('ct_000000000000000000000000')).toBeNull();
          expect(r.getWorkflow(WORKFLOW_HASH)).toBeNull();
          expect(r.listRoots()).toEqual([]);
          expect(r.searchSessions('g', 10)).toEqual([]);
        });
      });

      it('after a rollback, the next append starts again at seq 0', () => {
        expect(() =>
          store.transaction(S, (tx) => {
            tx.appendEvents(S, startEvents({ sessionId: S, runId: R, rootNodeId: root, atMs: 1, goal: 'g' }));
            throw new Error('boom');
          }),
        ).toThrow('boom');
        expect(start()[0]!.seq).toBe(0);
      });
    });

    describe('loadSession', () => {
      it('returns not_found for an unknown session', () => {
        expect(store.read((r) => r.loadSession('sess_nope' as SessionId))).toEqual({ kind: 'not_found' });
      });

      it('returns the run, pinned workflow, nodes, edges and preferred tip', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const loaded = store.read((r) => r.loadSession(s.sessionId));
        if (loaded.kind !== 'ok') throw new Error(loaded.kind);
        const session = loaded.session;
        expect(session.workspacePath).toBe('/work/acme');
        expect(session.run).toMatchObject({
          runId: s.runId,
          workflowId: 'acme.review-fix',
          workflowHash: WORKFLOW_HASH,
          goal: 'Fix flaky login test 1',
          bindings: { reviewer: 'wr.routines.review' },
          isComplete: false,
          preferredTipNodeId: s.node('fork'),
        });
        expect(session.workflow).toEqual(compiledWorkflow());
        expect([...session.nodes.keys()]).toEqual(['root', 'n1', 'blk', 'chk', 'n2', 'fork'].map((k) => s.node(k)));
        expect(session.nodes.get(s.node('blk'))).toMatchObject({
          nodeKind: 'blocked_attempt',
          parentNodeId: s.node('n1'),
        });
        expect(session.nodes.get(s.node('n2'))?.state).toEqual(pending('verify', 2));
        expect(session.edges.map((e) => [e.fromNodeId, e.toNodeId, e.edgeKind, e.cause])).toEqual([
          [s.node('root'), s.node('n1'), 'advance', 'advance'],
          [s.node('n1'), s.node('blk'), 'advance', 'advance'],
          [s.node('blk'), s.node('chk'), 'checkpoint', 'checkpoint'],
          [s.node('blk'), s.node('n2'), 'advance', 'retry'],
          [s.node('root'), s.node('fork'), 'advance', 'fork'],
        ]);
        expect(session.observations).toEqual({
          repoRoot: null,
          repoRootHash: 'f'.repeat(64),
          gitBranch: 'fix/login',
          gitHeadSha: '1'.repeat(40),
        });
        expect(session.lastSeq).toBe(store.read((r) => r.listEvents(s.sessionId)).length - 1);
      });

      it('marks the run complete with its final node after run_completed', () => {
        const s = recordRealisticSession(store, 2, 10_000, { complete: true });
        const loaded = store.read((r) => r.loadSession(s.sessionId));
        expect(loaded.kind === 'ok' && loaded.session.run).toMatchObject({
          isComplete: true,
          finalNodeId: s.node('done'),
          completedAtMs: 14_000,
          preferredTipNodeId: s.node('done'),
        });
      });
    });

    describe('integrity (§9)', () => {
      it.each([
        ['seq_gap', 'event_sequence_broken'],
        ['node_state', 'missing_node_state'],
        ['deleted_node', 'missing_node_state'],
        ['dangling_edge', 'dangling_edge'],
        ['missing_workflow', 'missing_pinned_workflow'],
      ] as const)('reports a %s as unhealthy (%s) and leaves other sessions healthy', (how, kind) => {
        const damaged = recordRealisticSession(store, 1, 10_000);
        const intact = recordRealisticSession(store, 2, 20_000, { complete: true });
        h.corrupt(damaged.sessionId, how);
        const loaded = store.read((r) => r.loadSession(damaged.sessionId));
        expect(loaded.kind).toBe('unhealthy');
        if (loaded.kind === 'unhealthy') {
          expect(loaded.health.kind).toBe(kind);
          expect(loaded.health.reason.length).toBeGreaterThan(0);
        }
        expect(store.read((r) => r.checkHealth(damaged.sessionId)).kind).toBe('unhealthy');
        if (how !== 'missing_workflow') {
          expect(store.read((r) => r.loadSession(intact.sessionId)).kind).toBe('ok');
          expect(store.read((r) => r.checkHealth(intact.sessionId))).toEqual({ kind: 'healthy' });
        }
      });
    });

    describe('loadNode', () => {
      it('returns the node, its context, successor flag and blocked streak without the whole graph', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const position = (k: string) => {
          const result = store.read((r) => r.loadNode(s.sessionId, s.node(k)));
          if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
          return result.position;
        };
        const n1 = position('n1');
        expect(n1.node).toMatchObject({ nodeId: s.node('n1'), nodeKind: 'step', parentNodeId: s.node('root') });
        expect(n1.node.state).toEqual(pending('implement', 1));
        expect(n1.context).toEqual({ goal: 'Fix flaky login test 1', ticket: 'ACME-1' });
        expect(n1.session).toMatchObject({ sessionId: s.sessionId, workflow: compiledWorkflow() });
        expect(n1.session.run?.preferredTipNodeId).toBe(s.node('fork'));
        expect([n1.hasAdvanceSuccessor, n1.blockedStreak]).toEqual([true, 0]);
        expect([position('root').hasAdvanceSuccessor, position('n2').hasAdvanceSuccessor]).toEqual([true, false]);
        expect([position('blk').hasAdvanceSuccessor, position('blk').blockedStreak]).toEqual([true, 1]);
        expect(position('chk').hasAdvanceSuccessor).toBe(false);
      });

      it('counts consecutive blocked attempts ending at the node', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        inTx((tx) =>
          tx.appendEvents(s.sessionId, [
            ...blockedEvents({
              runId: s.runId,
              from: s.node('n2'),
              to: s.node('b1'),
              attemptId: s.attempt('x1'),
              atMs: 20_000,
              stepId: 'verify',
              completedCount: 2,
            }),
            ...blockedEvents({
              runId: s.runId,
              from: s.node('b1'),
              to: s.node('b2'),
              attemptId: s.attempt('x2'),
              atMs: 21_000,
              stepId: 'verify',
              completedCount: 2,
            }),
          ]),
        );
        const b2 = store.read((r) => r.loadNode(s.sessionId, s.node('b2')));
        expect(b2.kind === 'ok' && b2.position.blockedStreak).toBe(2);
      });

      it('reports a missing session or a node of another session as not_found', () => {
        const a = recordRealisticSession(store, 1, 10_000);
        const b = recordRealisticSession(store, 2, 20_000);
        store.read((r) => {
          expect(r.loadNode('sess_nope' as SessionId, a.node('n1'))).toEqual({ kind: 'not_found', missing: 'session' });
          expect(r.loadNode(a.sessionId, b.node('n1'))).toEqual({ kind: 'not_found', missing: 'node' });
          expect(r.loadNode(a.sessionId, 'node_nope' as NodeId)).toEqual({ kind: 'not_found', missing: 'node' });
        });
      });

      it.each([
        ['seq_gap', 'event_sequence_broken'],
        ['node_state', 'missing_node_state'],
        ['deleted_node', 'missing_node_state'],
        ['missing_workflow', 'missing_pinned_workflow'],
      ] as const)('reports a %s as unhealthy (%s)', (how, kind) => {
        const s = recordRealisticSession(store, 1, 10_000);
        h.corrupt(s.sessionId, how);
        const result = store.read((r) => r.loadNode(s.sessionId, s.node(how === 'deleted_node' ? 'n2' : 'n1')));
        expect(result.kind === 'unhealthy' && result.health.kind).toBe(kind);
      });

      it.each([
        ['seq_gap', 'event_sequence_broken'],
        ['deleted_node', 'missing_node_state'],
      ] as const)('reports a %s made by another connection after an earlier healthy load (%s)', (how, kind) => {
        const s = recordRealisticSession(store, 1, 10_000);
        const node = s.node(how === 'deleted_node' ? 'n2' : 'n1');
        expect(store.read((r) => r.loadNode(s.sessionId, node)).kind).toBe('ok');
        expect(inTx((tx) => tx.loadNode(s.sessionId, node)).kind).toBe('ok');
        h.corrupt(s.sessionId, how);
        const read = store.read((r) => r.loadNode(s.sessionId, node));
        expect(read.kind === 'unhealthy' && read.health.kind).toBe(kind);
        const inWrite = inTx((tx) => tx.loadNode(s.sessionId, node));
        expect(inWrite.kind === 'unhealthy' && inWrite.health.kind).toBe(kind);
      });
    });

    describe('contexts (§6.4)', () => {
      it('gives each node the latest context on its path, so branches never see each other', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        store.read((r) => {
          expect(r.nodeContext(s.node('root'))).toEqual({ goal: 'Fix flaky login test 1' });
          expect(r.nodeContext(s.node('n1'))).toEqual({ goal: 'Fix flaky login test 1', ticket: 'ACME-1' });
          expect(r.nodeContext(s.node('blk'))).toEqual({ goal: 'Fix flaky login test 1', ticket: 'ACME-1' });
          expect(r.nodeContext(s.node('n2'))).toEqual({ goal: 'Fix flaky login test 1', ticket: 'ACME-1' });
          expect(r.nodeContext(s.node('fork'))).toEqual({ goal: 'Fix flaky login test 1', approach: 'rewrite' });
          expect(r.nodeContext('node_missing' as NodeId)).toBeNull();
        });
      });

      it('applies a context recorded before its node is created', () => {
        start();
        const b = 'node_b' as NodeId;
        const events = advanceEvents({
          runId: R,
          from: root,
          to: b,
          attemptId: 'attempt_1' as AttemptId,
          atMs: 2000,
          context: { goal: 'x', k: 1 },
          state: pending('implement', 1),
        });
        const contextFirst = [
          ...events.filter((e) => e.kind === 'context_set'),
          ...events.filter((e) => e.kind !== 'context_set'),
        ];
        inTx((tx) => tx.appendEvents(S, contextFirst));
        expect(store.read((r) => r.nodeContext(b))).toEqual({ goal: 'x', k: 1 });
      });
    });

    describe('replay and checkpoint records', () => {
      it('returns the recorded response of an advance exactly as stored', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const advance = store.read((r) => r.findAdvance(s.node('root'), s.attempt('a')));
        expect(advance).toMatchObject({
          fromNodeId: s.node('root'),
          outcome: 'advanced',
          toNodeId: s.node('n1'),
          blockerCodes: [],
        });
        expect(JSON.stringify(advance?.response)).toBe(
          JSON.stringify({ kind: 'ok', pending: { stepId: 'implement' }, continueToken: s.token('ct', 'b') }),
        );
        const blocked = store.read((r) => r.findAdvance(s.node('n1'), s.attempt('b')));
        expect(blocked).toMatchObject({
          outcome: 'blocked',
          toNodeId: s.node('blk'),
          blockerCodes: ['MISSING_REQUIRED_NOTES'],
        });
        expect(store.read((r) => r.findAdvance(s.node('root'), 'attempt_other' as AttemptId))).toBeNull();
      });

      it('finds the checkpoint node recorded for a (node, attempt)', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        expect(store.read((r) => r.findCheckpoint(s.node('blk'), s.attempt('c')))).toBe(s.node('chk'));
        expect(store.read((r) => r.findCheckpoint(s.node('n1'), s.attempt('b')))).toBeNull();
      });
    });

    describe('tokens', () => {
      it('stores token records and finds them by string and by (kind, node, attempt)', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        store.read((r) => {
          expect(r.findToken(s.token('ct', 'b'))).toEqual({
            token: s.token('ct', 'b'),
            kind: 'continue',
            sessionId: s.sessionId,
            runId: s.runId,
            nodeId: s.node('n1'),
            attemptId: s.attempt('b'),
            workflowHash: WORKFLOW_HASH,
            createdAtMs: 11_000,
          });
          expect(r.findTokenFor('continue', s.node('n1'), s.attempt('b'))).toBe(s.token('ct', 'b'));
          expect(r.findTokenFor('checkpoint', s.node('n1'), s.attempt('b'))).toBe(s.token('ck', 'b'));
          expect(r.findTokenFor('state', s.node('blk'), null)).toBe(s.token('st', 'blk'));
          expect(r.findTokenFor('state', s.node('n1'), null)).toBeNull();
          expect(r.findTokenFor('continue', s.node('n1'), s.attempt('zzz'))).toBeNull();
          expect(r.findToken('ct_unknownunknownunknown00')).toBeNull();
        });
      });

      it('refuses to store the same token string twice', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const record = store.read((r) => r.findToken(s.token('ct', 'b')))!;
        expect(() => inTx((tx) => tx.insertToken(record))).toThrow();
      });
    });

    describe('outputs and metrics', () => {
      it('lists notes and artifacts in recording order, optionally for some nodes', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const outputs = store.read((r) => r.listOutputs(s.sessionId));
        expect(outputs.map((o) => [o.channel, o.nodeId])).toEqual([
          ['notes', s.node('root')],
          ['artifact', s.node('root')],
          ['notes', s.node('blk')],
          ['notes', s.node('root')],
        ]);
        expect(outputs[1]).toMatchObject({
          artifact: { kind: 'wr.review', sha256: 'c'.repeat(64), content: { verdict: 'ok' } },
        });
        const onlyBlk = store.read((r) => r.listOutputs(s.sessionId, [s.node('blk')]));
        expect(onlyBlk).toEqual([expect.objectContaining({ notesMarkdown: 'Implemented the retry with backoff.' })]);
      });

      it('derives session metrics from the events', () => {
        const s = recordRealisticSession(store, 1, 10_000, { complete: true });
        expect(store.read((r) => r.sessionMetrics(s.sessionId))).toEqual({
          sessionId: s.sessionId,
          startedAtMs: 10_000,
          endedAtMs: 14_000,
          durationMs: 4000,
          stepsAdvanced: 4,
          blockedAttempts: 1,
          outcome: 'success',
          isComplete: true,
          startSha: '1'.repeat(40),
          endSha: '2'.repeat(40),
        });
        expect(store.read((r) => r.sessionMetrics('sess_nope' as SessionId))).toBeNull();
      });
    });

    describe('resume queries (§8)', () => {
      it('lists the most recently active sessions first, with tip, pending step and completion', () => {
        const a = recordRealisticSession(store, 1, 10_000, { complete: true });
        const b = recordRealisticSession(store, 2, 50_000);
        const c = recordRealisticSession(store, 3, 30_000);
        const recent = store.read((r) => r.listRecentSessions(2));
        expect(recent.map((x) => x.sessionId)).toEqual([b.sessionId, c.sessionId]);
        expect(recent[0]).toMatchObject({
          runId: b.runId,
          workflowId: 'acme.review-fix',
          title: 'Fix flaky login test 2',
          preferredTipNodeId: b.node('fork'),
          pendingStepId: 'implement',
          isComplete: false,
          lastActivityMs: 53_500,
        });
        const all = store.read((r) => r.listRecentSessions(200));
        expect(all.map((x) => x.sessionId)).toEqual([b.sessionId, c.sessionId, a.sessionId]);
        expect(all[2]).toMatchObject({ isComplete: true, pendingStepId: null });
      });

      it('filters and pages sessions for the console and CLI', () => {
        const a = recordRealisticSession(store, 1, 10_000, { complete: true });
        const b = recordRealisticSession(store, 2, 50_000);
        const c = recordRealisticSession(store, 3, 30_000);
        store.read((r) => {
          expect(r.listSessions({ status: 'complete', limit: 10 }).map((x) => x.sessionId)).toEqual([a.sessionId]);
          expect(r.listSessions({ status: 'in_progress', limit: 10 }).map((x) => x.sessionId)).toEqual([
            b.sessionId,
            c.sessionId,
          ]);
          expect(r.listSessions({ workflowId: 'other', limit: 10 })).toEqual([]);
          expect(r.listSessions({ gitBranch: 'fix/login', sinceMs: 20_000, limit: 10 })).toHaveLength(2);
          const page1 = r.listSessions({ limit: 2 });
          const last = page1[page1.length - 1]!;
          const page2 = r.listSessions({
            limit: 2,
            before: { lastActivityMs: last.lastActivityMs, sessionId: last.sessionId },
          });
          expect([...page1, ...page2].map((x) => x.sessionId)).toEqual([b.sessionId, c.sessionId, a.sessionId]);
        });
      });

      it('finds sessions by words of their title, goal or notes, prefix-matched', () => {
        const a = recordRealisticSession(store, 1, 10_000, {
          goal: 'Repair checkout flow',
          notes: 'Investigated the payment gateway timeout.',
        });
        const b = recordRealisticSession(store, 2, 20_000, { goal: 'Speed up login page' });
        store.read((r) => {
          expect(r.searchSessions('checkout', 10).map((m) => m.sessionId)).toEqual([a.sessionId]);
          expect(r.searchSessions('gateway', 10).map((m) => m.sessionId)).toEqual([a.sessionId]);
          expect(r.searchSessions('logi', 10).map((m) => m.sessionId)).toEqual([b.sessionId]);
          expect(
            r
              .searchSessions('backoff', 10)
              .map((m) => m.sessionId)
              .sort(),
          ).toEqual([a.sessionId, b.sessionId]);
          expect(r.searchSessions('nothing-like-this', 10)).toEqual([]);
        });
      });

      it('treats query punctuation and FTS operators as plain text', () => {
        recordRealisticSession(store, 1, 10_000);
        store.read((r) => {
          expect(r.searchSessions('"AND (OR NEAR* -', 10)).toEqual([]);
          expect(r.searchSessions('', 10)).toEqual([]);
          expect(r.searchSessions('LOGIN!!', 10)).toHaveLength(1);
        });
      });

      it('follows the title when the goal changes and falls back to the first notes line without one', () => {
        const s = recordRealisticSession(store, 1, 10_000, {
          goal: 'Original aim',
          notes: '# Mapped the auth module\nmore',
        });
        inTx((tx) =>
          tx.appendEvents(s.sessionId, [
            {
              kind: 'context_set',
              dedupeKey: 'context_set:late',
              atMs: 90_000,
              data: { nodeId: s.node('n2'), context: { ticket: 'ACME-1' }, source: 'agent_delta' },
            },
          ]),
        );
        store.read((r) => {
          expect(r.listRecentSessions(1)[0]?.title).toBe('Mapped the auth module');
          expect(r.searchSessions('original', 10)).toEqual([]);
          expect(r.searchSessions('mapped', 10)).toHaveLength(1);
        });
      });
    });

    describe('workflows and roots', () => {
      it('pins a compiled workflow once per hash and returns it unchanged', () => {
        inTx((tx) => {
          tx.pinWorkflow(compiledWorkflow());
          tx.pinWorkflow(compiledWorkflow());
        });
        expect(store.read((r) => r.getWorkflow(WORKFLOW_HASH))).toEqual(compiledWorkflow());
        expect(store.read((r) => r.getWorkflow(`sha256:${'0'.repeat(64)}`))).toBeNull();
      });

      it('remembers workspace roots with their latest sighting and forgets stale ones', () => {
        inTx((tx) => {
          tx.rememberRoot('/a', 100);
          tx.rememberRoot('/b', 300);
          tx.rememberRoot('/a', 500);
          tx.rememberRoot('/a', 200);
          tx.rememberRoot('/c', 50);
        });
        expect(store.read((r) => r.listRoots())).toEqual([
          { path: '/a', lastSeenMs: 500 },
          { path: '/b', lastSeenMs: 300 },
          { path: '/c', lastSeenMs: 50 },
        ]);
        expect(inTx((tx) => tx.forgetRootsSeenBefore(301))).toBe(2);
        expect(store.read((r) => r.listRoots())).toEqual([{ path: '/a', lastSeenMs: 500 }]);
      });
    });

    describe('copying a session to another store', () => {
      it('importEvents and insertToken reproduce the log, the reads and the tokens exactly', async () => {
        const s = recordRealisticSession(store, 1, 10_000, { complete: true });
        const source = store.read((r) => ({ events: r.listEvents(s.sessionId), tokens: r.listTokens(s.sessionId) }));
        expect(source.tokens.map((t) => t.token)).toContain(s.token('st', 'blk'));
        const target = await factory();
        try {
          const copied = target.store.transaction(s.sessionId, (tx) => {
            tx.pinWorkflow(compiledWorkflow());
            tx.importEvents(s.sessionId, source.events);
            for (const token of source.tokens) tx.insertToken(token);
          });
          expect(copied.ok).toBe(true);
          const reads = (from: SessionStore) =>
            from.read((r) => ({
              events: r.listEvents(s.sessionId),
              tokens: r.listTokens(s.sessionId),
              load: r.loadSession(s.sessionId),
              metrics: r.sessionMetrics(s.sessionId),
              outputs: r.listOutputs(s.sessionId),
              recent: r.listRecentSessions(5),
              found: r.findToken(s.token('st', 'blk')),
            }));
          expect(reads(target.store)).toEqual(reads(store));
        } finally {
          target.cleanup();
        }
      });

      it('importEvents refuses a session that already has events, and a log not numbered from 0', () => {
        const s = recordRealisticSession(store, 1, 10_000);
        const events = store.read((r) => r.listEvents(s.sessionId));
        const again = () => store.transaction(s.sessionId, (tx) => tx.importEvents(s.sessionId, events));
        expect(again).toThrow(/already has events/);
        const other = 'sess_other' as SessionId;
        const shifted = events.slice(1).map((e) => ({ ...e, sessionId: other }));
        expect(() => store.transaction(other, (tx) => tx.importEvents(other, shifted))).toThrow(/numbered/);
        expect(store.read((r) => r.listEvents(other))).toEqual([]);
      });
    });

    describe('durability across reopen', () => {
      it('keeps every session and token after closing and reopening', () => {
        const s = recordRealisticSession(store, 1, 10_000, { complete: true });
        const before = store.read((r) => ({ load: r.loadSession(s.sessionId), events: r.listEvents(s.sessionId) }));
        store = h.reopen();
        const after = store.read((r) => ({ load: r.loadSession(s.sessionId), events: r.listEvents(s.sessionId) }));
        expect(after).toEqual(before);
        expect(store.read((r) => r.findToken(s.token('st', 'blk'))?.nodeId)).toBe(s.node('blk'));
      });

      it('rebuilding the projections preserves what the reads return', () => {
        const s1 = recordRealisticSession(store, 1, 10_000, { complete: true });
        const s2 = recordRealisticSession(store, 2, 20_000);
        const snapshot = () =>
          store.read((r) => ({
            loads: [r.loadSession(s1.sessionId), r.loadSession(s2.sessionId)],
            recent: r.listRecentSessions(10),
            search: r.searchSessions('login planned', 10),
            metrics: [r.sessionMetrics(s1.sessionId), r.sessionMetrics(s2.sessionId)],
            contexts: ['root', 'n1', 'n2', 'fork', 'done'].map((k) => r.nodeContext(s1.node(k))),
            outputs: r.listOutputs(s1.sessionId),
            advance: r.findAdvance(s1.node('root'), s1.attempt('a')),
          }));
        const before = snapshot();
        expect(store.rebuildProjections()).toEqual({ ok: true, value: undefined });
        expect(snapshot()).toEqual(before);
      });
    });
  });
}
