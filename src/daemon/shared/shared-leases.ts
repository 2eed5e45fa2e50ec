// Who runs a session (docs/worktrain-several-machines.md): a lease row per running session, taken in the same
// transaction that claims its pg-boss job, renewed by the owner's heartbeat and taken over by another instance once
// it expires. Lease times use the database clock, so the instances' clocks don't matter. Claims and takeovers run
// under one advisory lock: a trigger's `concurrency` is counted over every instance's leases.
import type PgBoss from 'pg-boss';
import { CLAIM_LOCK, queueNameOf } from './shared-schema.js';
import type { SyncPg } from './sync-pg.js';

/** What a queued job carries; the rest (record, sidecar, run mode) is in worktrain_sessions. */
export interface JobData {
  readonly sessionId: string;
  readonly triggerId: string;
  /** The trigger's concurrency when queued; deliver-only runs don't take a trigger slot. */
  readonly concurrency: number;
}

export interface LeaseRules {
  readonly owner: string;
  readonly leaseMs: number;
}

/**
 * Claims the oldest queued session (acceptance order) whose trigger has a free slot over all instances, and takes
 * its lease in the same transaction; null when none can start.
 */
export function claimNext(db: SyncPg, boss: PgBoss, rules: LeaseRules): JobData | null {
  return db.transaction(() => {
    db.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
    const triggers = db.query<{ trigger_id: string }>(
      `SELECT trigger_id FROM worktrain_sessions WHERE state = 'queued' AND job_id IS NOT NULL
       GROUP BY trigger_id ORDER BY min(accepted_seq)`,
    );
    for (const { trigger_id: triggerId } of triggers) {
      db.query('SAVEPOINT claim');
      const name = queueNameOf(triggerId);
      const jobs = db.viaBoss(() => boss.fetch(name, { batchSize: 1, ignoreStartAfter: true }));
      const job = jobs[0] as { id: string; data: JobData } | undefined;
      if (job === undefined) {
        db.query('RELEASE SAVEPOINT claim');
        continue;
      }
      const holdsSlot = job.data.concurrency < Number.MAX_SAFE_INTEGER;
      if (holdsSlot && runningFor(db, triggerId) >= job.data.concurrency) {
        db.query('ROLLBACK TO SAVEPOINT claim');
        continue;
      }
      db.viaBoss(() => boss.complete(name, job.id));
      db.query(
        `INSERT INTO worktrain_leases (session_id, owner, trigger_id, holds_trigger_slot, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')`,
        [job.data.sessionId, rules.owner, triggerId, holdsSlot, rules.leaseMs],
      );
      db.query('UPDATE worktrain_sessions SET job_id = NULL WHERE session_id = $1', [job.data.sessionId]);
      return job.data;
    }
    return null;
  });
}

/** Takes over the longest-expired lease of another (presumably dead) instance; the session id, or null. */
export function takeOverExpired(db: SyncPg, rules: LeaseRules): string | null {
  return db.transaction(() => {
    db.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
    const rows = db.query<{ session_id: string }>(
      `UPDATE worktrain_leases SET owner = $1, expires_at = now() + $2 * interval '1 millisecond'
       WHERE session_id = (SELECT session_id FROM worktrain_leases WHERE expires_at < now()
                           ORDER BY expires_at LIMIT 1)
       RETURNING session_id`,
      [rules.owner, rules.leaseMs],
    );
    return rows[0]?.session_id ?? null;
  });
}

/** Extends this instance's leases on `sessionIds`; returns the ids it still owns (the others were taken over). */
export function renewLeases(db: SyncPg, rules: LeaseRules, sessionIds: readonly string[]): Set<string> {
  if (sessionIds.length === 0) return new Set();
  const rows = db.query<{ session_id: string }>(
    `UPDATE worktrain_leases SET expires_at = now() + $2 * interval '1 millisecond'
     WHERE owner = $1 AND session_id = ANY($3::text[]) RETURNING session_id`,
    [rules.owner, rules.leaseMs, sessionIds],
  );
  return new Set(rows.map((row) => row.session_id));
}

/** True while this instance owns the session's lease and it has not expired: the run may advance a step. */
export function holdsLease(db: SyncPg, owner: string, sessionId: string): boolean {
  return (
    db.query('SELECT 1 FROM worktrain_leases WHERE session_id = $1 AND owner = $2 AND expires_at > now()', [
      sessionId,
      owner,
    ]).length > 0
  );
}

export function releaseLease(db: SyncPg, owner: string, sessionId: string): void {
  db.query('DELETE FROM worktrain_leases WHERE session_id = $1 AND owner = $2', [sessionId, owner]);
}

/** Shutdown: this instance's leases expire now, so another instance takes its sessions over at once. */
export function expireLeases(db: SyncPg, owner: string): void {
  db.query('UPDATE worktrain_leases SET expires_at = now() WHERE owner = $1', [owner]);
}

export function runningFor(db: SyncPg, triggerId: string): number {
  const rows = db.query<{ n: string }>(
    'SELECT count(*) AS n FROM worktrain_leases WHERE trigger_id = $1 AND holds_trigger_slot',
    [triggerId],
  );
  return Number(rows[0]?.n ?? 0);
}
