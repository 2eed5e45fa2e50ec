// Poll state per trigger (docs/worktrain.md §2.4, §4.1), in daemon.db: when the trigger last polled successfully
// and the event keys it has already handled (the most recent 1000). A trigger with no row has never polled.
import type { DaemonDb } from './daemon-db.js';

export const SEEN_KEYS_KEPT = 1000;

export interface PollState {
  /** ISO time of the last successful poll, or null before the first one. */
  readonly lastPollAt: string | null;
  readonly seen: ReadonlySet<string>;
}

export interface TriggerState {
  get(triggerId: string): PollState;
  /** Records a successful poll at `at` and adds `newKeys` to the seen keys, dropping the oldest past 1000. */
  recordPoll(triggerId: string, at: string, newKeys: readonly string[]): void;
}

export function createTriggerState(db: DaemonDb): TriggerState {
  db.exec(`CREATE TABLE IF NOT EXISTS trigger_poll_state (
    trigger_id TEXT PRIMARY KEY,
    last_poll_at TEXT NOT NULL,
    seen_keys TEXT NOT NULL
  )`);
  const select = db.prepare<[string], { last_poll_at: string; seen_keys: string }>(
    'SELECT last_poll_at, seen_keys FROM trigger_poll_state WHERE trigger_id = ?',
  );
  const upsert = db.prepare<[string, string, string]>(
    `INSERT INTO trigger_poll_state (trigger_id, last_poll_at, seen_keys) VALUES (?, ?, ?)
     ON CONFLICT (trigger_id) DO UPDATE SET last_poll_at = excluded.last_poll_at, seen_keys = excluded.seen_keys`,
  );
  const seenList = (triggerId: string): string[] => {
    const row = select.get(triggerId);
    return row === undefined ? [] : (JSON.parse(row.seen_keys) as string[]);
  };
  return {
    get(triggerId) {
      const row = select.get(triggerId);
      return { lastPollAt: row?.last_poll_at ?? null, seen: new Set(seenList(triggerId)) };
    },
    recordPoll(triggerId, at, newKeys) {
      const kept = seenList(triggerId).filter((key) => !newKeys.includes(key));
      upsert.run(triggerId, at, JSON.stringify([...kept, ...newKeys].slice(-SEEN_KEYS_KEPT)));
    },
  };
}
