// The dispatch queue shared by several daemons through PostgreSQL (docs/worktrain-several-machines.md): admission
// in one transaction (shared-admission.ts), claims and takeovers under leases (shared-leases.ts). This instance
// pulls work whenever it has a free slot: after a NOTIFY from any instance's admission, when one of its runs ends,
// and at every heartbeat (a third of the lease), which also renews its leases and notices expired ones.
import type PgBoss from 'pg-boss';
import type { Logger } from '../logger.js';
import type { DispatchQueue, QueueEntry, QueueHooks } from '../queue.js';
import { admitShared, dropQueued, enqueueJob, queuedFor } from './shared-admission.js';
import { sendCommand, takeCommands } from './shared-commands.js';
import {
  claimNext,
  expireLeases,
  holdsLease,
  type LeaseRules,
  releaseLease,
  renewLeases,
  runningFor,
  takeOverExpired,
} from './shared-leases.js';
import { ensureQueue } from './shared-schema.js';
import type { SyncPg } from './sync-pg.js';

export interface SharedQueueDeps {
  readonly db: SyncPg;
  readonly boss: PgBoss;
  readonly rules: LeaseRules;
  readonly logger: Logger;
}

export interface SharedQueue extends DispatchQueue {
  /** Pulls work now (a NOTIFY arrived). */
  poke(): void;
  /** Takes the kill and steer commands sent for this instance's sessions now (a NOTIFY arrived). */
  takeCommands(): void;
}

export function createSharedQueue(deps: SharedQueueDeps, hooks: QueueHooks): SharedQueue {
  const { db, boss, rules } = deps;
  const log = deps.logger.child({ component: 'shared-queue', instance: rules.owner });
  const local = new Set<string>();
  const knownQueues = new Set<string>();
  let closed = false;
  let pumping = false;
  let lastRenewed = hooks.now();

  const queueFor = (triggerId: string) => {
    if (knownQueues.has(triggerId)) return;
    ensureQueue(db, boss, triggerId);
    knownQueues.add(triggerId);
  };

  const launch = (sessionId: string, entry: Promise<QueueEntry | null>) => {
    local.add(sessionId);
    void (async () => {
      try {
        const ready = await entry;
        if (ready !== null) await hooks.start(ready);
      } catch (error) {
        log.error({ err: error, sessionId }, 'shared session run failed');
      } finally {
        local.delete(sessionId);
        safely(() => (closed ? expireLeases(db, rules.owner) : releaseLease(db, rules.owner, sessionId)));
        setImmediate(pump);
      }
    })();
  };

  const pump = () => {
    if (closed || pumping) return;
    pumping = true;
    try {
      while (local.size < hooks.maxConcurrent) {
        const taken = takeOverExpired(db, rules);
        if (taken !== null) {
          log.info({ sessionId: taken }, 'took over a session whose lease expired');
          launch(taken, hooks.takeOver(taken));
          continue;
        }
        const job = claimNext(db, boss, rules);
        if (job === null) break;
        const entry: QueueEntry = {
          sessionId: job.sessionId,
          triggerId: job.triggerId,
          concurrency: job.concurrency,
          maxQueueDepth: Number.MAX_SAFE_INTEGER,
        };
        launch(job.sessionId, Promise.resolve(entry));
      }
    } catch (error) {
      log.error({ err: error }, 'claiming from the shared queue failed');
    } finally {
      pumping = false;
    }
  };

  const deliverCommands = () => {
    if (closed || local.size === 0) return;
    try {
      for (const { sessionId, command } of takeCommands(db, [...local])) {
        log.info({ sessionId, command: command.kind }, 'command from another instance');
        hooks.command(sessionId, command);
      }
    } catch (error) {
      log.error({ err: error }, 'taking commands failed');
    }
  };
  const heartbeat = () => {
    if (closed) return;
    try {
      const ids = [...local];
      const kept = renewLeases(db, rules, ids);
      lastRenewed = hooks.now();
      for (const id of ids) if (!kept.has(id)) lostLease(id);
    } catch (error) {
      log.error({ err: error }, 'renewing leases failed');
      // Unrenewed past the lease length, another instance may take these sessions: stop them here.
      if (hooks.now() - lastRenewed > rules.leaseMs) for (const id of local) lostLease(id);
    }
    deliverCommands();
    pump();
  };
  const lostLease = (sessionId: string) => {
    log.warn({ sessionId }, 'lease lost: another instance runs this session now; stopping the local run');
    hooks.leaseLost(sessionId);
  };
  const timer = setInterval(heartbeat, Math.max(Math.floor(rules.leaseMs / 3), 100));
  timer.unref();
  setImmediate(pump);

  const safely = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      log.error({ err: error }, 'shared queue statement failed');
    }
  };
  const count = (sql: string, values: readonly unknown[] = []) => Number(db.query<{ n: string }>(sql, values)[0]?.n);

  return {
    offer(entry, dedupeKey, record) {
      queueFor(entry.triggerId);
      const answer = admitShared(db, boss, {
        job: { sessionId: entry.sessionId, triggerId: entry.triggerId, concurrency: entry.concurrency },
        maxQueueDepth: entry.maxQueueDepth,
        dedupeKey,
        record,
      });
      if (answer.status === 'accepted') setImmediate(pump);
      return answer;
    },
    admit(entry) {
      queueFor(entry.triggerId);
      enqueueJob(db, boss, { sessionId: entry.sessionId, triggerId: entry.triggerId, concurrency: entry.concurrency });
      setImmediate(pump);
      return { ok: true, queuePosition: queuedFor(db, entry.triggerId) };
    },
    drop: (sessionId) => dropQueued(db, boss, sessionId),
    get running() {
      return count('SELECT count(*) AS n FROM worktrain_leases');
    },
    get queued() {
      return count(`SELECT count(*) AS n FROM worktrain_sessions WHERE state = 'queued' AND job_id IS NOT NULL`);
    },
    runningFor: (triggerId) => runningFor(db, triggerId),
    queuedFor: (triggerId) => queuedFor(db, triggerId),
    // Queued entries belong to every instance: neither a reload nor a shutdown of this one drops them.
    queuedIds: () => [],
    holdsLease(sessionId) {
      try {
        return local.has(sessionId) && holdsLease(db, rules.owner, sessionId);
      } catch {
        return false;
      }
    },
    send: (sessionId, command) => sendCommand(db, sessionId, command),
    close() {
      closed = true;
      clearInterval(timer);
    },
    poke: () => setImmediate(pump),
    takeCommands: () => setImmediate(deliverCommands),
  };
}
