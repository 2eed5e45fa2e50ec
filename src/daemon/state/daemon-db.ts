// The daemon's own records (docs/worktrain.md §2.4): session sidecars, trigger state, item ledger and the
// kill-switch pause live in `<dataDir>/daemon.db`, next to the session store. Each state module creates its own
// tables (`CREATE TABLE IF NOT EXISTS`) so modules stay independent; writes are durable (WAL, synchronous FULL).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type DaemonDb = Database.Database;

/** Opens (creating if needed) the daemon database in `dataDir`; `:memory:` for tests that need no file. */
export function openDaemonDb(dataDir: string | ':memory:'): DaemonDb {
  if (dataDir === ':memory:') return new Database(':memory:');
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'daemon.db'), { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}
