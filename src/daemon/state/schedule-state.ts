// Schedule times per trigger (docs/worktrain.md §2.4, §4.3), in daemon.db: the latest schedule time the daemon
// handled (fired or skipped), or the moment it first saw the trigger. `catchUp` compares it with the clock at start.
import type { DaemonDb } from './daemon-db.js';

export interface ScheduleState {
  /** ISO time, or null for a trigger never seen. */
  lastScheduledAt(triggerId: string): string | null;
  record(triggerId: string, scheduledAt: string): void;
}

export function createScheduleState(db: DaemonDb): ScheduleState {
  db.exec(`CREATE TABLE IF NOT EXISTS schedule_state (
    trigger_id TEXT PRIMARY KEY,
    last_scheduled_at TEXT NOT NULL
  )`);
  const select = db.prepare<[string], { last_scheduled_at: string }>(
    'SELECT last_scheduled_at FROM schedule_state WHERE trigger_id = ?',
  );
  const upsert = db.prepare<[string, string]>(
    `INSERT INTO schedule_state (trigger_id, last_scheduled_at) VALUES (?, ?)
     ON CONFLICT (trigger_id) DO UPDATE SET last_scheduled_at = excluded.last_scheduled_at`,
  );
  return {
    lastScheduledAt: (triggerId) => select.get(triggerId)?.last_scheduled_at ?? null,
    record: (triggerId, scheduledAt) => {
      upsert.run(triggerId, scheduledAt);
    },
  };
}
