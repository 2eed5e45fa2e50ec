import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDaemonDb } from '../../../src/daemon/state/daemon-db.js';
import { createItemLedger, nextItemState, type Settlement } from '../../../src/daemon/state/item-ledger.js';
import { createTriggerState } from '../../../src/daemon/state/trigger-state.js';

const outcome = (o: string): Settlement => ({ kind: 'outcome', outcome: o });
const AT = '2025-01-01T00:00:00.000Z';

describe('item ledger', () => {
  it.each([
    [0, outcome('success'), 'done', 0],
    [1, outcome('killed'), 'killed', 1],
    [0, outcome('error'), 'failed', 1],
    [1, outcome('timeout'), 'failed', 2],
    [2, outcome('stuck'), 'needs_human', 3],
    [2, outcome('max_turns'), 'needs_human', 3],
    [0, outcome('aborted'), 'failed', 1],
    [0, { kind: 'delivery_completed' } as Settlement, 'done', 0],
    [0, { kind: 'delivery_failed' } as Settlement, 'delivery_failed', 0],
  ])('after %i attempts, %j leads to %s with %i attempts (max 3)', (attempts, settlement, state, after) => {
    expect(nextItemState({ attempts }, settlement, 3)).toEqual({ state, attempts: after });
  });

  it('settles only the in-flight item of a session and resets it on retry', () => {
    const ledger = createItemLedger(openDaemonDb(':memory:'));
    ledger.dispatched('t', 'github:o/r#1', 's1', { forge: 'github', repo: 'o/r', number: 1 }, AT);
    expect(ledger.settle('unknown', outcome('error'), 3, AT)).toBeNull();
    expect(ledger.settle('s1', outcome('error'), 3, AT)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastOutcome: 'error',
    });
    expect(ledger.settle('s1', outcome('error'), 3, AT)).toBeNull();
    ledger.dispatched('t', 'github:o/r#1', 's2', { forge: 'github', repo: 'o/r', number: 1 }, AT);
    expect(ledger.get('t', 'github:o/r#1')).toMatchObject({ state: 'in_flight', attempts: 1, lastSessionId: 's2' });
    expect(ledger.retry('t', 'github:o/r#1', AT)).toBe(true);
    expect(ledger.get('t', 'github:o/r#1')).toMatchObject({ state: 'new', attempts: 0 });
    expect(ledger.retry('t', 'nope', AT)).toBe(false);
  });

  it('survives reopening the daemon database', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledger-'));
    try {
      const db = openDaemonDb(dir);
      createItemLedger(db).dispatched('t', 'jira:A-1', 's1', { forge: 'jira', key: 'A-1' }, AT);
      createTriggerState(db).recordPoll('t', AT, ['k1', 'k2']);
      db.close();
      const again = openDaemonDb(dir);
      expect(createItemLedger(again).get('t', 'jira:A-1')).toMatchObject({ state: 'in_flight', ref: { key: 'A-1' } });
      const state = createTriggerState(again).get('t');
      expect(state.lastPollAt).toBe(AT);
      expect([...state.seen]).toEqual(['k1', 'k2']);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the most recent 1000 seen event keys', () => {
    const state = createTriggerState(openDaemonDb(':memory:'));
    state.recordPoll(
      't',
      AT,
      Array.from({ length: 990 }, (_, i) => `a${i}`),
    );
    state.recordPoll(
      't',
      AT,
      Array.from({ length: 20 }, (_, i) => `b${i}`),
    );
    const seen = state.get('t').seen;
    expect(seen.size).toBe(1000);
    expect(seen.has('a0')).toBe(false);
    expect(seen.has('b19')).toBe(true);
  });
});
