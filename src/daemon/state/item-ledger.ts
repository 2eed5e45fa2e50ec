// The item ledger (docs/worktrain.md §7.2), in daemon.db: one row per polled item of a trigger with its state,
// failed attempts, last session and outcome. `settle` is the one place outcomes change it, so the rules of §7.2
// (which outcomes count, when an item escalates) are stated once.
import type { DaemonDb } from './daemon-db.js';

export type ItemState = 'new' | 'in_flight' | 'done' | 'failed' | 'needs_human' | 'killed' | 'delivery_failed';

export interface LedgerEntry {
  readonly triggerId: string;
  readonly itemKey: string;
  readonly state: ItemState;
  readonly attempts: number;
  readonly lastSessionId: string | null;
  readonly lastOutcome: string | null;
  readonly updatedAt: string;
  /** What escalation and delivery comments need to reach the item: the provider's item object, trimmed. */
  readonly ref: { readonly [key: string]: unknown };
}

/** What finished: a session outcome (§7.3), or a delivery result. */
export type Settlement =
  | { readonly kind: 'outcome'; readonly outcome: string }
  | { readonly kind: 'delivery_completed' }
  | { readonly kind: 'delivery_failed' };

export interface ItemLedger {
  get(triggerId: string, itemKey: string): LedgerEntry | null;
  findBySession(sessionId: string): LedgerEntry | null;
  list(triggerId?: string): readonly LedgerEntry[];
  /** The item now runs in `sessionId`. */
  dispatched(triggerId: string, itemKey: string, sessionId: string, ref: LedgerEntry['ref'], at: string): void;
  /** Applies §7.2 to the in-flight item of `sessionId`; returns the updated entry, or null when none is in flight. */
  settle(sessionId: string, settlement: Settlement, maxAttempts: number, at: string): LedgerEntry | null;
  /** `worktrain trigger retry`: back to `new` with 0 attempts; false when the item is unknown. */
  retry(triggerId: string, itemKey: string, at: string): boolean;
}

const COUNTED_FAILURES = new Set(['error', 'timeout', 'stuck', 'max_turns', 'aborted']);

/** The state after `settlement`: success → done, killed → killed, counted failures → failed or needs_human. */
export function nextItemState(
  entry: Pick<LedgerEntry, 'attempts'>,
  settlement: Settlement,
  maxAttempts: number,
): { state: ItemState; attempts: number } {
  if (settlement.kind === 'delivery_completed') return { state: 'done', attempts: entry.attempts };
  if (settlement.kind === 'delivery_failed') return { state: 'delivery_failed', attempts: entry.attempts };
  if (settlement.outcome === 'success') return { state: 'done', attempts: entry.attempts };
  if (settlement.outcome === 'killed') return { state: 'killed', attempts: entry.attempts };
  if (settlement.outcome === 'needs_human') return { state: 'needs_human', attempts: entry.attempts + 1 };
  if (!COUNTED_FAILURES.has(settlement.outcome)) return { state: 'failed', attempts: entry.attempts + 1 };
  const attempts = entry.attempts + 1;
  return { state: attempts >= maxAttempts ? 'needs_human' : 'failed', attempts };
}

/** A ledger row as both backends store it; `ref` is JSON text in SQLite and already parsed from PostgreSQL's jsonb. */
export type LedgerRow = {
  trigger_id: string;
  item_key: string;
  state: ItemState;
  attempts: number;
  last_session_id: string | null;
  last_outcome: string | null;
  updated_at: string;
  ref: string | LedgerEntry['ref'];
};

export function toLedgerEntry(row: LedgerRow | undefined): LedgerEntry | null {
  if (row === undefined) return null;
  return {
    triggerId: row.trigger_id,
    itemKey: row.item_key,
    state: row.state,
    attempts: row.attempts,
    lastSessionId: row.last_session_id,
    lastOutcome: row.last_outcome,
    updatedAt: row.updated_at,
    ref: typeof row.ref === 'string' ? (JSON.parse(row.ref) as LedgerEntry['ref']) : row.ref,
  };
}

/** The entry after `settlement` (§7.2), or null when `current` is not in flight (nothing to settle). */
export function settledEntry(
  current: LedgerEntry | null,
  settlement: Settlement,
  maxAttempts: number,
  at: string,
): LedgerEntry | null {
  if (current === null || current.state !== 'in_flight') return null;
  const next = nextItemState(current, settlement, maxAttempts);
  const lastOutcome = settlement.kind === 'outcome' ? settlement.outcome : current.lastOutcome;
  return { ...current, ...next, lastOutcome, updatedAt: at };
}

export function createItemLedger(db: DaemonDb): ItemLedger {
  db.exec(`CREATE TABLE IF NOT EXISTS item_ledger (
    trigger_id TEXT NOT NULL,
    item_key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_session_id TEXT,
    last_outcome TEXT,
    updated_at TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (trigger_id, item_key)
  );
  CREATE INDEX IF NOT EXISTS item_ledger_session ON item_ledger (last_session_id)`);
  const one = db.prepare<[string, string], LedgerRow>(
    'SELECT * FROM item_ledger WHERE trigger_id = ? AND item_key = ?',
  );
  const bySession = db.prepare<[string], LedgerRow>('SELECT * FROM item_ledger WHERE last_session_id = ?');
  const all = db.prepare<[], LedgerRow>('SELECT * FROM item_ledger ORDER BY trigger_id, item_key');
  const ofTrigger = db.prepare<[string], LedgerRow>('SELECT * FROM item_ledger WHERE trigger_id = ? ORDER BY item_key');
  const upsertDispatch = db.prepare<[string, string, string, string, string]>(
    `INSERT INTO item_ledger (trigger_id, item_key, state, attempts, last_session_id, last_outcome, updated_at, ref)
     VALUES (?, ?, 'in_flight', 0, ?, NULL, ?, ?)
     ON CONFLICT (trigger_id, item_key) DO UPDATE SET state = 'in_flight', last_session_id = excluded.last_session_id,
       updated_at = excluded.updated_at, ref = excluded.ref`,
  );
  const update = db.prepare<[ItemState, number, string | null, string, string, string]>(
    `UPDATE item_ledger SET state = ?, attempts = ?, last_outcome = ?, updated_at = ?
     WHERE trigger_id = ? AND item_key = ?`,
  );
  return {
    get: (triggerId, itemKey) => toLedgerEntry(one.get(triggerId, itemKey)),
    findBySession: (sessionId) => toLedgerEntry(bySession.get(sessionId)),
    list: (triggerId) =>
      (triggerId === undefined ? all.all() : ofTrigger.all(triggerId)).flatMap((r) => toLedgerEntry(r) ?? []),
    dispatched(triggerId, itemKey, sessionId, ref, at) {
      upsertDispatch.run(triggerId, itemKey, sessionId, at, JSON.stringify(ref));
    },
    settle(sessionId, settlement, maxAttempts, at) {
      const settled = settledEntry(toLedgerEntry(bySession.get(sessionId)), settlement, maxAttempts, at);
      if (settled !== null) {
        update.run(settled.state, settled.attempts, settled.lastOutcome, at, settled.triggerId, settled.itemKey);
      }
      return settled;
    },
    retry(triggerId, itemKey, at) {
      if (one.get(triggerId, itemKey) === undefined) return false;
      update.run('new', 0, null, at, triggerId, itemKey);
      return true;
    },
  };
}
