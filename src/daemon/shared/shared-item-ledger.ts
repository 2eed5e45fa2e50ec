// The item ledger of polling triggers in PostgreSQL for the shared mode (docs/worktrain-several-machines.md): the
// same ItemLedger daemon.db keeps for one machine, so a new leader continues from the ledger of the previous one, and
// the instance that ran a session (leader or not) settles its item. `settle` locks the item's row, so two instances
// never count one outcome twice.
import {
  type ItemLedger,
  type ItemState,
  type LedgerEntry,
  type LedgerRow,
  settledEntry,
  toLedgerEntry,
} from '../state/item-ledger.js';
import type { SyncPg } from './sync-pg.js';

export function createSharedItemLedger(db: SyncPg): ItemLedger {
  const one = (triggerId: string, itemKey: string) =>
    db.query<LedgerRow>('SELECT * FROM worktrain_item_ledger WHERE trigger_id = $1 AND item_key = $2', [
      triggerId,
      itemKey,
    ])[0];
  const update = (
    entry: Pick<LedgerEntry, 'triggerId' | 'itemKey'>,
    state: ItemState,
    attempts: number,
    outcome: string | null,
    at: string,
  ) =>
    db.query(
      `UPDATE worktrain_item_ledger SET state = $3, attempts = $4, last_outcome = $5, updated_at = $6
       WHERE trigger_id = $1 AND item_key = $2`,
      [entry.triggerId, entry.itemKey, state, attempts, outcome, at],
    );
  return {
    get: (triggerId, itemKey) => toLedgerEntry(one(triggerId, itemKey)),
    findBySession: (sessionId) =>
      toLedgerEntry(
        db.query<LedgerRow>('SELECT * FROM worktrain_item_ledger WHERE last_session_id = $1', [sessionId])[0],
      ),
    list: (triggerId) =>
      (triggerId === undefined
        ? db.query<LedgerRow>('SELECT * FROM worktrain_item_ledger ORDER BY trigger_id, item_key')
        : db.query<LedgerRow>('SELECT * FROM worktrain_item_ledger WHERE trigger_id = $1 ORDER BY item_key', [
            triggerId,
          ])
      ).flatMap((row) => toLedgerEntry(row) ?? []),
    dispatched(triggerId, itemKey, sessionId, ref, at) {
      db.query(
        `INSERT INTO worktrain_item_ledger
           (trigger_id, item_key, state, attempts, last_session_id, last_outcome, updated_at, ref)
         VALUES ($1, $2, 'in_flight', 0, $3, NULL, $4, $5)
         ON CONFLICT (trigger_id, item_key) DO UPDATE SET state = 'in_flight',
           last_session_id = EXCLUDED.last_session_id, updated_at = EXCLUDED.updated_at, ref = EXCLUDED.ref`,
        [triggerId, itemKey, sessionId, at, JSON.stringify(ref)],
      );
    },
    settle(sessionId, settlement, maxAttempts, at) {
      return db.transaction(() => {
        const current = toLedgerEntry(
          db.query<LedgerRow>('SELECT * FROM worktrain_item_ledger WHERE last_session_id = $1 FOR UPDATE', [
            sessionId,
          ])[0],
        );
        const settled = settledEntry(current, settlement, maxAttempts, at);
        if (settled !== null) update(settled, settled.state, settled.attempts, settled.lastOutcome, at);
        return settled;
      });
    },
    retry(triggerId, itemKey, at) {
      if (one(triggerId, itemKey) === undefined) return false;
      update({ triggerId, itemKey }, 'new', 0, null, at);
      return true;
    },
  };
}
