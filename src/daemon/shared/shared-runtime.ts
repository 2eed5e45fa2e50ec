// The shared mode's wiring (docs/worktrain-several-machines.md): one synchronous connection for records, admission,
// claims and pg-boss; one asynchronous connection that LISTENs for new work and commands, and holds the leader lock. Pollers and
// schedules run only on the leader; when its connection drops, PostgreSQL releases the lock and another instance
// takes it at its next try.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from '../logger.js';
import type { DispatchQueue, QueueHooks } from '../queue.js';
import type { SessionRegistry } from '../sessions.js';
import type { SidecarStore } from '../state/sidecars.js';
import type { TriggerStores } from '../state/trigger-stores.js';
import { CONTROL_CHANNEL } from './shared-commands.js';
import { expireLeases } from './shared-leases.js';
import { createSharedTriggerStores } from './shared-poll-state.js';
import { createSharedQueue, type SharedQueue } from './shared-queue.js';
import { createSharedRegistry, createSharedSidecarStore } from './shared-records.js';
import { createBoss, createSharedTables, LEADER_LOCK } from './shared-schema.js';
import type { SharedSettings } from './shared-settings.js';
import { messageOf, openSyncPg, redactUrl } from './sync-pg.js';

export interface SharedRuntime {
  /** This daemon's instance id: host, pid and a random suffix. */
  readonly owner: string;
  readonly store: SidecarStore;
  readonly sessions: SessionRegistry;
  /** Item ledger, poll state and schedule times, shared so a new leader continues from them. */
  readonly triggerStores: TriggerStores;
  readonly createQueue: (hooks: QueueHooks) => DispatchQueue;
  /** Competes for leadership; `onElected` runs when this instance becomes leader, `onDeposed` if it stops being one. */
  lead(onElected: () => void, onDeposed: () => void): void;
  readonly isLeader: boolean;
  /** After the core's shutdown: this instance's leases expire now (others take its sessions), connections close. */
  close(): Promise<void>;
}

export async function openSharedRuntime(settings: SharedSettings, logger: Logger): Promise<SharedRuntime> {
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = logger.child({ component: 'shared', instance: owner });
  const db = openSyncPg(settings.databaseUrl);
  let boss: PgBoss;
  try {
    boss = createBoss(db);
    boss.on('error', (error) => log.error({ err: error }, 'pg-boss error'));
    await boss.start();
    createSharedTables(db);
  } catch (error) {
    db.close();
    throw new Error(`Cannot prepare the shared queue in ${redactUrl(settings.databaseUrl)}: ${messageOf(error)}`);
  }
  let queue: SharedQueue | null = null;
  let closed = false;
  let leader = false;
  let control: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let elected: (() => void) | null = null;
  let deposed: (() => void) | null = null;
  const intervalMs = Math.max(Math.floor(settings.leaseMs / 3), 100);

  const loseControl = (why: string) => {
    control?.removeAllListeners();
    control?.end().catch(() => undefined);
    control = null;
    if (leader) {
      leader = false;
      log.error({ why }, 'lost the leader lock; pollers and schedules stop on this instance');
      deposed?.();
    }
  };
  const connectControl = async () => {
    if (closed || control !== null) return;
    const client = new pg.Client({ connectionString: settings.databaseUrl, application_name: 'worktrain-control' });
    client.on('error', (error) => loseControl(messageOf(error)));
    client.on('end', () => loseControl('connection ended'));
    client.on('notification', (message) =>
      message.channel === CONTROL_CHANNEL ? queue?.takeCommands() : queue?.poke(),
    );
    await client.connect();
    await client.query('LISTEN worktrain_queue');
    await client.query(`LISTEN ${CONTROL_CHANNEL}`);
    control = client;
  };
  const tryLead = async () => {
    if (closed) return;
    try {
      await connectControl();
      if (!leader && elected !== null && control !== null) {
        const result = await control.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LEADER_LOCK]);
        if (result.rows[0]?.ok === true && !closed) {
          leader = true;
          log.info('became leader: pollers and schedules run on this instance');
          elected();
        }
      }
    } catch (error) {
      loseControl(messageOf(error));
    }
    if (!closed) retry = setTimeout(() => void tryLead(), intervalMs);
  };
  await tryLead();

  return {
    owner,
    store: createSharedSidecarStore(db, owner),
    sessions: createSharedRegistry(db, owner),
    triggerStores: createSharedTriggerStores(db),
    createQueue(hooks) {
      queue = createSharedQueue({ db, boss, rules: { owner, leaseMs: settings.leaseMs }, logger }, hooks);
      return queue;
    },
    lead(onElected, onDeposed) {
      elected = onElected;
      deposed = onDeposed;
      clearTimeout(retry);
      void tryLead();
    },
    get isLeader() {
      return leader;
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      safely(log, () => expireLeases(db, owner));
      const client = control;
      control = null;
      client?.removeAllListeners();
      await client?.end().catch(() => undefined);
      await boss.stop({ graceful: false, close: false, timeout: 1000 }).catch(() => undefined);
      db.close();
    },
  };
}

function safely(log: Logger, fn: () => void) {
  try {
    fn();
  } catch (error) {
    log.error({ err: error }, 'shared-mode statement failed');
  }
}
