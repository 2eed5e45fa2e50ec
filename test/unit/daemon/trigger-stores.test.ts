// The state of polling and schedule triggers behind one interface (state/trigger-stores.ts), proven on both backends:
// daemon.db for one machine and PostgreSQL for the shared mode, where two instances see one ledger.
import { afterEach, describe, expect, it } from 'vitest';
import { retryLedgerItem } from '../../../src/daemon/pollers/retry-item.js';
import { createSharedTriggerStores } from '../../../src/daemon/shared/shared-poll-state.js';
import { createSharedTables } from '../../../src/daemon/shared/shared-schema.js';
import { openSyncPg, type SyncPg } from '../../../src/daemon/shared/sync-pg.js';
import { openDaemonDb } from '../../../src/daemon/state/daemon-db.js';
import type { Settlement } from '../../../src/daemon/state/item-ledger.js';
import { createLocalTriggerStores, type TriggerStores } from '../../../src/daemon/state/trigger-stores.js';
import { freshDatabaseUrl } from '../../support/postgres.js';

const AT = '2025-01-01T00:00:00.000Z';
const LATER = '2025-01-01T00:05:00.000Z';
const error: Settlement = { kind: 'outcome', outcome: 'error' };
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function connect(url: string): SyncPg {
  const db = openSyncPg(url);
  closers.push(() => db.close());
  createSharedTables(db);
  return db;
}

const backends: [string, () => Promise<TriggerStores>][] = [
  ['daemon.db', async () => createLocalTriggerStores(openDaemonDb(':memory:'))],
  ['PostgreSQL', async () => createSharedTriggerStores(connect(await freshDatabaseUrl()))],
];

describe.each(backends)('trigger stores on %s', (_name, open) => {
  it('dispatches, settles once, and retries an item', async () => {
    const { ledger } = await open();
    const ref = { forge: 'github', repo: 'o/r', number: 1 };
    ledger.dispatched('t', 'github:o/r#1', 's1', ref, AT);
    expect(ledger.get('t', 'github:o/r#1')).toEqual({
      triggerId: 't',
      itemKey: 'github:o/r#1',
      state: 'in_flight',
      attempts: 0,
      lastSessionId: 's1',
      lastOutcome: null,
      updatedAt: AT,
      ref,
    });
    expect(ledger.settle('unknown', error, 3, AT)).toBeNull();
    expect(ledger.settle('s1', error, 3, LATER)).toMatchObject({ state: 'failed', attempts: 1, updatedAt: LATER });
    expect(ledger.settle('s1', error, 3, LATER)).toBeNull();
    ledger.dispatched('t', 'github:o/r#1', 's2', ref, AT);
    expect(ledger.findBySession('s2')).toMatchObject({ state: 'in_flight', attempts: 1 });
    expect(ledger.list('t').map((e) => e.itemKey)).toEqual(['github:o/r#1']);
    expect(ledger.list('other')).toEqual([]);
    expect(ledger.retry('t', 'github:o/r#1', AT)).toBe(true);
    expect(ledger.get('t', 'github:o/r#1')).toMatchObject({ state: 'new', attempts: 0, lastOutcome: null });
    expect(ledger.retry('t', 'nope', AT)).toBe(false);
  });

  it('keeps the last poll time and the most recent 1000 seen keys', async () => {
    const { pollState } = await open();
    expect(pollState.get('t')).toEqual({ lastPollAt: null, seen: new Set() });
    pollState.recordPoll(
      't',
      AT,
      Array.from({ length: 990 }, (_, i) => `a${i}`),
    );
    pollState.recordPoll(
      't',
      LATER,
      Array.from({ length: 20 }, (_, i) => `b${i}`),
    );
    const state = pollState.get('t');
    expect(state.lastPollAt).toBe(LATER);
    expect(state.seen.size).toBe(1000);
    expect(state.seen.has('a9')).toBe(false);
    expect(state.seen.has('a10')).toBe(true);
    expect(state.seen.has('b19')).toBe(true);
  });

  it('records the latest schedule time per trigger', async () => {
    const { scheduleState } = await open();
    expect(scheduleState.lastScheduledAt('nightly')).toBeNull();
    scheduleState.record('nightly', AT);
    scheduleState.record('nightly', LATER);
    expect(scheduleState.lastScheduledAt('nightly')).toBe(LATER);
  });
});

describe('trigger stores shared by two instances', () => {
  it('let one instance settle what the other dispatched, and the other continue from it', async () => {
    const url = await freshDatabaseUrl();
    const leader = createSharedTriggerStores(connect(url));
    const other = createSharedTriggerStores(connect(url));
    leader.ledger.dispatched('t', 'jira:A-1', 's1', { forge: 'jira', key: 'A-1' }, AT);
    leader.pollState.recordPoll('t', AT, ['k1']);
    leader.scheduleState.record('nightly', AT);
    expect(other.ledger.settle('s1', error, 3, LATER)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(leader.ledger.get('t', 'jira:A-1')).toMatchObject({ state: 'failed', attempts: 1, lastOutcome: 'error' });
    expect(leader.ledger.settle('s1', error, 3, LATER)).toBeNull();
    expect([...other.pollState.get('t').seen]).toEqual(['k1']);
    expect(other.scheduleState.lastScheduledAt('nightly')).toBe(AT);
  });
});

describe('worktrain trigger retry in the shared mode', () => {
  it('puts the item back to new in PostgreSQL, where every instance sees it', async () => {
    const url = await freshDatabaseUrl();
    const { ledger } = createSharedTriggerStores(connect(url));
    ledger.dispatched('t', 'jira:A-1', 's1', { forge: 'jira', key: 'A-1' }, AT);
    ledger.settle('s1', error, 1, AT);
    const where = { dataDir: '/nonexistent/never-used', databaseUrl: url };
    expect(retryLedgerItem(where, 't', 'jira:A-9', Date.now())).toEqual({
      ok: false,
      known: ['jira:A-1 (needs_human)'],
    });
    expect(retryLedgerItem(where, 't', 'jira:A-1', Date.now())).toMatchObject({ ok: true, previous: { attempts: 1 } });
    expect(ledger.get('t', 'jira:A-1')).toMatchObject({ state: 'new', attempts: 0 });
  });
});
