// The state of polling and schedule triggers (docs/worktrain.md §2.4): item ledger, poll state and schedule times.
// One machine keeps them in daemon.db; the shared mode in PostgreSQL (shared/shared-poll-state.ts), behind the same
// interfaces, so whichever instance leads continues from them.
import type { DaemonDb } from './daemon-db.js';
import { createItemLedger, type ItemLedger } from './item-ledger.js';
import { createScheduleState, type ScheduleState } from './schedule-state.js';
import { createTriggerState, type TriggerState } from './trigger-state.js';

export interface TriggerStores {
  readonly ledger: ItemLedger;
  readonly pollState: TriggerState;
  readonly scheduleState: ScheduleState;
}

export function createLocalTriggerStores(db: DaemonDb): TriggerStores {
  return { ledger: createItemLedger(db), pollState: createTriggerState(db), scheduleState: createScheduleState(db) };
}
