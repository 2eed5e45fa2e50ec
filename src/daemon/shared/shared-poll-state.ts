// Poll state and schedule times in PostgreSQL for the shared mode (docs/worktrain-several-machines.md): the same
// TriggerState and ScheduleState daemon.db keeps for one machine, so a new leader polls from where the previous one
// stopped (its seen keys included) and its scheduler's catch-up compares with the times the previous leader handled.
import type { ScheduleState } from '../state/schedule-state.js';
import { type PollState, SEEN_KEYS_KEPT, type TriggerState } from '../state/trigger-state.js';
import type { TriggerStores } from '../state/trigger-stores.js';
import { createSharedItemLedger } from './shared-item-ledger.js';
import type { SyncPg } from './sync-pg.js';

export function createSharedTriggerStores(db: SyncPg): TriggerStores {
  return {
    ledger: createSharedItemLedger(db),
    pollState: createSharedTriggerState(db),
    scheduleState: createSharedScheduleState(db),
  };
}

export function createSharedTriggerState(db: SyncPg): TriggerState {
  const row = (triggerId: string) =>
    db.query<{ last_poll_at: string; seen_keys: string[] }>(
      'SELECT last_poll_at, seen_keys FROM worktrain_poll_state WHERE trigger_id = $1',
      [triggerId],
    )[0];
  return {
    get(triggerId): PollState {
      const found = row(triggerId);
      return { lastPollAt: found?.last_poll_at ?? null, seen: new Set(found?.seen_keys ?? []) };
    },
    recordPoll(triggerId, at, newKeys) {
      db.transaction(() => {
        db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`worktrain:poll:${triggerId}`]);
        const kept = (row(triggerId)?.seen_keys ?? []).filter((key) => !newKeys.includes(key));
        db.query(
          `INSERT INTO worktrain_poll_state (trigger_id, last_poll_at, seen_keys) VALUES ($1, $2, $3)
           ON CONFLICT (trigger_id) DO UPDATE SET last_poll_at = EXCLUDED.last_poll_at, seen_keys = EXCLUDED.seen_keys`,
          [triggerId, at, JSON.stringify([...kept, ...newKeys].slice(-SEEN_KEYS_KEPT))],
        );
      });
    },
  };
}

export function createSharedScheduleState(db: SyncPg): ScheduleState {
  return {
    lastScheduledAt: (triggerId) =>
      db.query<{ last_scheduled_at: string }>(
        'SELECT last_scheduled_at FROM worktrain_schedule_state WHERE trigger_id = $1',
        [triggerId],
      )[0]?.last_scheduled_at ?? null,
    record(triggerId, scheduledAt) {
      db.query(
        `INSERT INTO worktrain_schedule_state (trigger_id, last_scheduled_at) VALUES ($1, $2)
         ON CONFLICT (trigger_id) DO UPDATE SET last_scheduled_at = EXCLUDED.last_scheduled_at`,
        [triggerId, scheduledAt],
      );
    },
  };
}
