// `worktrain trigger retry <id> <itemKey>` (docs/worktrain.md §7.2): puts a ledger item back to `new` with 0
// attempts, directly in daemon.db (WAL lets a running daemon see it at its next poll).

import { openDaemonDb } from '../state/daemon-db.js';
import { createItemLedger, type LedgerEntry } from '../state/item-ledger.js';

export type RetryResult =
  | { readonly ok: true; readonly previous: LedgerEntry }
  | { readonly ok: false; readonly known: readonly string[] };

export function retryLedgerItem(dataDir: string, triggerId: string, itemKey: string, now: number): RetryResult {
  const db = openDaemonDb(dataDir);
  try {
    const ledger = createItemLedger(db);
    const previous = ledger.get(triggerId, itemKey);
    if (previous === null) return { ok: false, known: ledger.list(triggerId).map((e) => `${e.itemKey} (${e.state})`) };
    ledger.retry(triggerId, itemKey, new Date(now).toISOString());
    return { ok: true, previous };
  } finally {
    db.close();
  }
}
