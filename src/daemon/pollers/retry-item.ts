// `worktrain trigger retry <id> <itemKey>` (docs/worktrain.md §7.2): puts a ledger item back to `new` with 0
// attempts, directly where the daemons keep the ledger: daemon.db (WAL lets a running daemon see it at its next
// poll), or PostgreSQL in the shared mode (every instance sees it).
import { createSharedItemLedger } from '../shared/shared-item-ledger.js';
import { createSharedTables } from '../shared/shared-schema.js';
import { openSyncPg } from '../shared/sync-pg.js';
import { openDaemonDb } from '../state/daemon-db.js';
import { createItemLedger, type ItemLedger, type LedgerEntry } from '../state/item-ledger.js';

export type RetryResult =
  | { readonly ok: true; readonly previous: LedgerEntry }
  | { readonly ok: false; readonly known: readonly string[] };

export interface LedgerLocation {
  readonly dataDir: string;
  /** The shared mode's database (WORKRAIL_DATABASE_URL), when set. */
  readonly databaseUrl?: string | undefined;
}

export function retryLedgerItem(where: LedgerLocation, triggerId: string, itemKey: string, now: number): RetryResult {
  if (where.databaseUrl !== undefined && where.databaseUrl !== '') {
    const db = openSyncPg(where.databaseUrl);
    try {
      createSharedTables(db);
      return retry(createSharedItemLedger(db), triggerId, itemKey, now);
    } finally {
      db.close();
    }
  }
  const db = openDaemonDb(where.dataDir);
  try {
    return retry(createItemLedger(db), triggerId, itemKey, now);
  } finally {
    db.close();
  }
}

function retry(ledger: ItemLedger, triggerId: string, itemKey: string, now: number): RetryResult {
  const previous = ledger.get(triggerId, itemKey);
  if (previous === null) return { ok: false, known: ledger.list(triggerId).map((e) => `${e.itemKey} (${e.state})`) };
  ledger.retry(triggerId, itemKey, new Date(now).toISOString());
  return { ok: true, previous };
}
