// The shared queue's rules against a real PostgreSQL (docs/worktrain-several-machines.md): admission (dedupe window,
// queue depth), claims (FIFO, trigger concurrency over every instance, each job once) and leases (renewal, expiry,
// takeover, writes refused to an instance that lost a session).
import type PgBoss from 'pg-boss';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DaemonSession } from '../../../src/daemon/sessions.js';
import { admitShared, dropQueued, queuedFor } from '../../../src/daemon/shared/shared-admission.js';
import { sendCommand, takeCommands } from '../../../src/daemon/shared/shared-commands.js';
import {
  claimNext,
  holdsLease,
  type JobData,
  releaseLease,
  renewLeases,
  runningFor,
  takeOverExpired,
} from '../../../src/daemon/shared/shared-leases.js';
import { createSharedRegistry, createSharedSidecarStore } from '../../../src/daemon/shared/shared-records.js';
import { createBoss, createSharedTables, ensureQueue } from '../../../src/daemon/shared/shared-schema.js';
import { sharedSettingsOf } from '../../../src/daemon/shared/shared-settings.js';
import { openSyncPg, type SyncPg } from '../../../src/daemon/shared/sync-pg.js';
import type { Sidecar } from '../../../src/daemon/state/sidecars.js';
import { freshDatabaseUrl } from '../../support/postgres.js';

interface Instance {
  readonly owner: string;
  readonly db: SyncPg;
  readonly boss: PgBoss;
}

let url = '';
const open: Instance[] = [];

async function instance(owner: string): Promise<Instance> {
  const db = openSyncPg(url);
  const boss = createBoss(db);
  boss.on('error', () => undefined);
  await boss.start();
  createSharedTables(db);
  const made = { owner, db, boss };
  open.push(made);
  return made;
}

beforeEach(async () => {
  url = await freshDatabaseUrl();
});
afterEach(async () => {
  for (const i of open.splice(0)) {
    await i.boss.stop({ graceful: false, close: false, timeout: 1000 });
    i.db.close();
  }
});

function session(sessionId: string, triggerId: string): DaemonSession {
  return { sessionId, triggerId, state: 'queued', workrailSessionId: null } as unknown as DaemonSession;
}

/** Admits a session of `triggerId` the way the core does: the record is written inside the admission. */
function admit(
  i: Instance,
  sessionId: string,
  triggerId: string,
  options: { concurrency?: number; maxQueueDepth?: number; dedupeKey?: string } = {},
) {
  ensureQueue(i.db, i.boss, triggerId);
  const job: JobData = { sessionId, triggerId, concurrency: options.concurrency ?? 1 };
  return admitShared(i.db, i.boss, {
    job,
    maxQueueDepth: options.maxQueueDepth ?? 10,
    dedupeKey: options.dedupeKey ?? null,
    record: () => createSharedSidecarStore(i.db, i.owner).save(session(sessionId, triggerId), null),
  });
}

const rules = (i: Instance, leaseMs = 30_000) => ({ owner: i.owner, leaseMs });

describe('shared admission', () => {
  it('answers duplicate inside the dedupe window with the first session, on any instance', async () => {
    const a = await instance('a');
    const b = await instance('b');
    expect(admit(a, 's1', 't', { dedupeKey: 'k' })).toEqual({ status: 'accepted', queuePosition: 1 });
    expect(admit(b, 's2', 't', { dedupeKey: 'k' })).toEqual({ status: 'duplicate', sessionId: 's1' });
    expect(admit(b, 's3', 't', { dedupeKey: 'other' })).toEqual({ status: 'accepted', queuePosition: 2 });
  });

  it('refuses a dispatch when the trigger queue holds maxQueueDepth entries, counted over every instance', async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't', { maxQueueDepth: 2 });
    admit(b, 's2', 't', { maxQueueDepth: 2 });
    expect(admit(a, 's3', 't', { maxQueueDepth: 2 })).toEqual({
      status: 'queue_full',
      queueDepth: 2,
      maxQueueDepth: 2,
    });
    expect(admit(a, 's4', 'other', { maxQueueDepth: 2 }).status).toBe('accepted');
    expect(createSharedRegistry(a.db, 'a').find('s3')).toEqual({ kind: 'not_found' });
  });

  it('drops a queued entry once; a dropped entry is never claimed', async () => {
    const a = await instance('a');
    admit(a, 's1', 't');
    expect(dropQueued(a.db, a.boss, 's1')).toBe(true);
    expect(dropQueued(a.db, a.boss, 's1')).toBe(false);
    expect(queuedFor(a.db, 't')).toBe(0);
    expect(claimNext(a.db, a.boss, rules(a))).toBeNull();
  });
});

describe('shared claims', () => {
  it('claims in acceptance order and holds a trigger to its concurrency over every instance', async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 'x');
    admit(b, 's2', 'x');
    admit(a, 's3', 'y');
    expect(claimNext(a.db, a.boss, rules(a))?.sessionId).toBe('s1');
    // x has concurrency 1 and s1 runs on a: b skips s2 and takes y's entry.
    expect(claimNext(b.db, b.boss, rules(b))?.sessionId).toBe('s3');
    expect(claimNext(b.db, b.boss, rules(b))).toBeNull();
    expect(runningFor(b.db, 'x')).toBe(1);
    releaseLease(a.db, 'a', 's1');
    expect(claimNext(b.db, b.boss, rules(b))?.sessionId).toBe('s2');
  });

  it('lets an entry without a trigger slot (delivery) start while the trigger is at its concurrency', async () => {
    const a = await instance('a');
    admit(a, 's1', 'x');
    admit(a, 's2', 'x', { concurrency: Number.MAX_SAFE_INTEGER });
    expect(claimNext(a.db, a.boss, rules(a))?.sessionId).toBe('s1');
    expect(claimNext(a.db, a.boss, rules(a))?.sessionId).toBe('s2');
    expect(runningFor(a.db, 'x')).toBe(1);
  });

  it('gives each entry to exactly one of two instances claiming in turn', async () => {
    const a = await instance('a');
    const b = await instance('b');
    for (let n = 0; n < 30; n++)
      admit(n % 2 === 0 ? a : b, `s${n}`, `t${n % 3}`, { concurrency: 100, maxQueueDepth: 100 });
    const claimed: string[] = [];
    for (;;) {
      const one = claimNext(a.db, a.boss, rules(a));
      const two = claimNext(b.db, b.boss, rules(b));
      if (one === null && two === null) break;
      for (const job of [one, two]) if (job !== null) claimed.push(job.sessionId);
    }
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed).size).toBe(30);
  });
});

describe('shared leases', () => {
  it('renews while held; once expired another instance takes the session over and the first loses it', async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't');
    expect(claimNext(a.db, a.boss, rules(a, 400))?.sessionId).toBe('s1');
    expect(takeOverExpired(b.db, rules(b))).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(renewLeases(a.db, rules(a, 400), ['s1'])).toEqual(new Set(['s1']));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(takeOverExpired(b.db, rules(b))).toBeNull();
    expect(holdsLease(a.db, 'a', 's1')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(holdsLease(a.db, 'a', 's1')).toBe(false);
    expect(takeOverExpired(b.db, rules(b))).toBe('s1');
    expect(takeOverExpired(a.db, rules(a))).toBeNull();
    expect(renewLeases(a.db, rules(a), ['s1'])).toEqual(new Set());
    expect(holdsLease(b.db, 'b', 's1')).toBe(true);
    expect(runningFor(b.db, 't')).toBe(1);
  });

  it('refuses record writes from an instance that lost the session; the owner writes', async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't');
    claimNext(b.db, b.boss, rules(b));
    createSharedSidecarStore(a.db, 'a').save({ ...session('s1', 't'), state: 'completed' } as DaemonSession);
    const seen = () => createSharedRegistry(a.db, 'a').find('s1');
    expect(seen()).toMatchObject({ kind: 'found', session: { state: 'queued' } });
    createSharedSidecarStore(b.db, 'b').save({ ...session('s1', 't'), state: 'running' } as DaemonSession);
    expect(seen()).toMatchObject({ kind: 'found', session: { state: 'running' } });
  });

  it("accepts a run's writes only while its instance holds the lease, even after the new owner finished", async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't');
    claimNext(a.db, a.boss, rules(a, 300));
    const run = (state: string) =>
      createSharedSidecarStore(a.db, 'a').save({ ...session('s1', 't'), state } as DaemonSession, undefined, {
        leased: true,
      });
    const seen = () => createSharedRegistry(b.db, 'b').find('s1');
    run('running');
    expect(seen()).toMatchObject({ session: { state: 'running' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(takeOverExpired(b.db, rules(b))).toBe('s1');
    createSharedSidecarStore(b.db, 'b').save(
      { ...session('s1', 't'), state: 'completed' } as DaemonSession,
      undefined,
      {
        leased: true,
      },
    );
    releaseLease(b.db, 'b', 's1');
    run('running');
    expect(seen()).toMatchObject({ session: { state: 'completed' } });
  });

  it("ends the stored record in place, keeping its sidecar, unless another instance holds the session's lease", async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't');
    const dispatch = { goal: 'Fix #1', agent: {}, trigger: null };
    const sidecar = { mode: { kind: 'start' }, dispatch } as unknown as Sidecar;
    createSharedSidecarStore(a.db, 'a').save({ ...session('s1', 't'), goal: 'Fix #1' } as DaemonSession, sidecar);
    const store = createSharedSidecarStore(b.db, 'b');
    const end = (stored: DaemonSession) => {
      stored.state = 'completed';
      return true;
    };
    expect(store.update?.('s1', () => false)).toBeNull();
    expect(store.update?.('missing', end)).toBeNull();
    claimNext(a.db, a.boss, rules(a));
    expect(store.update?.('s1', end)).toBeNull();
    releaseLease(a.db, 'a', 's1');
    const stored = { session: { goal: 'Fix #1', state: 'completed' }, sidecar };
    expect(store.update?.('s1', end)).toMatchObject(stored);
    expect(store.load?.('s1')).toMatchObject(stored);
  });
});

describe('shared settings', () => {
  it('is off without a database URL, and names a bad lease length', () => {
    expect(sharedSettingsOf(undefined, {})).toBeNull();
    expect(sharedSettingsOf('postgres://h/db', {})).toEqual({ databaseUrl: 'postgres://h/db', leaseMs: 30_000 });
    expect(sharedSettingsOf('postgres://h/db', { WORKTRAIN_LEASE_MS: '2000' })?.leaseMs).toBe(2000);
    expect(() => sharedSettingsOf('postgres://h/db', { WORKTRAIN_LEASE_MS: '2s' })).toThrow(
      'WORKTRAIN_LEASE_MS must be an integer number of milliseconds >= 500, got "2s"',
    );
  });
});

describe('shared commands', () => {
  it('reach the instance holding the lease, survive a takeover, and end with the lease', async () => {
    const a = await instance('a');
    const b = await instance('b');
    admit(a, 's1', 't');
    expect(sendCommand(b.db, 's1', { kind: 'kill', reason: null })).toBe(false);
    claimNext(a.db, a.boss, rules(a, 1));
    expect(sendCommand(b.db, 's1', { kind: 'steer', text: 'look at the tests' })).toBe(true);
    expect(sendCommand(b.db, 's1', { kind: 'kill', reason: 'enough' })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // a died before taking them: b takes the session over, and its commands with it.
    expect(takeOverExpired(b.db, rules(b))).toBe('s1');
    expect(takeCommands(b.db, ['other'])).toEqual([]);
    expect(takeCommands(b.db, ['s1'])).toEqual([
      { sessionId: 's1', command: { kind: 'steer', text: 'look at the tests' } },
      { sessionId: 's1', command: { kind: 'kill', reason: 'enough' } },
    ]);
    expect(takeCommands(b.db, ['s1'])).toEqual([]);
    sendCommand(a.db, 's1', { kind: 'kill', reason: null });
    releaseLease(b.db, b.owner, 's1');
    expect(takeCommands(b.db, ['s1'])).toEqual([]);
    expect(sendCommand(a.db, 's1', { kind: 'kill', reason: null })).toBe(false);
  });
});
