// Admission in PostgreSQL (docs/worktrain.md §7.1): the dedupe window, the trigger's `maxQueueDepth` and the insert
// of the pg-boss job happen in one transaction under a per-trigger advisory lock, so they hold over every instance.
import type PgBoss from 'pg-boss';
import { DEFAULTS } from '../defaults.js';
import type { JobData } from './shared-leases.js';
import { queueNameOf } from './shared-schema.js';
import type { SyncPg } from './sync-pg.js';

export type SharedAdmission =
  | { readonly status: 'accepted'; readonly queuePosition: number }
  | { readonly status: 'duplicate'; readonly sessionId: string }
  | { readonly status: 'queue_full'; readonly queueDepth: number; readonly maxQueueDepth: number };

export interface AdmissionRequest {
  readonly job: JobData;
  readonly maxQueueDepth: number;
  readonly dedupeKey: string | null;
  /** Writes the session record; runs inside the transaction, before the job can be claimed. */
  readonly record: () => void;
}

/** Queues `request.job` unless a duplicate or a full queue refuses it. */
export function admitShared(db: SyncPg, boss: PgBoss, request: AdmissionRequest): SharedAdmission {
  const { job } = request;
  return db.transaction(() => {
    db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`worktrain:trigger:${job.triggerId}`]);
    if (request.dedupeKey !== null) {
      db.query(`DELETE FROM worktrain_dedupe WHERE at < now() - $1 * interval '1 millisecond'`, [
        DEFAULTS.dedupeWindowMs,
      ]);
      const first = db.query<{ session_id: string }>(
        `INSERT INTO worktrain_dedupe (key, session_id, at) VALUES ($1, $2, now())
         ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING session_id`,
        [request.dedupeKey, job.sessionId],
      );
      const sessionId = first[0]?.session_id;
      if (sessionId !== undefined && sessionId !== job.sessionId) return { status: 'duplicate', sessionId };
    }
    const depth = queuedFor(db, job.triggerId);
    if (depth >= request.maxQueueDepth) {
      return { status: 'queue_full', queueDepth: depth, maxQueueDepth: request.maxQueueDepth };
    }
    request.record();
    enqueueJob(db, boss, job);
    return { status: 'accepted', queuePosition: depth + 1 };
  });
}

/** Puts an already-admitted session (resume, approved gate, delivery) back in its trigger's queue. */
export function enqueueJob(db: SyncPg, boss: PgBoss, job: JobData): void {
  db.transaction(() => {
    const rows = db.viaBoss(() => boss.send(queueNameOf(job.triggerId), job as unknown as object));
    const id = rows[0]?.id;
    if (typeof id !== 'string') throw new Error(`pg-boss queue ${queueNameOf(job.triggerId)} does not exist`);
    db.query('UPDATE worktrain_sessions SET job_id = $2 WHERE session_id = $1', [job.sessionId, id]);
    db.query(`NOTIFY worktrain_queue`);
  });
}

/** Drops a queued session's job; false when it is not queued (already claimed or never queued). */
export function dropQueued(db: SyncPg, boss: PgBoss, sessionId: string): boolean {
  return db.transaction(() => {
    const rows = db.query<{ trigger_id: string; job_id: string | null }>(
      'SELECT trigger_id, job_id FROM worktrain_sessions WHERE session_id = $1 FOR UPDATE',
      [sessionId],
    );
    const row = rows[0];
    if (row === undefined || row.job_id === null) return false;
    const result = db.viaBoss(() => boss.cancel(queueNameOf(row.trigger_id), row.job_id as string));
    db.query('UPDATE worktrain_sessions SET job_id = NULL WHERE session_id = $1', [sessionId]);
    return Number(result[0]?.count ?? 0) > 0;
  });
}

export function queuedFor(db: SyncPg, triggerId: string): number {
  const rows = db.query<{ n: string }>(
    `SELECT count(*) AS n FROM worktrain_sessions WHERE trigger_id = $1 AND state = 'queued' AND job_id IS NOT NULL`,
    [triggerId],
  );
  return Number(rows[0]?.n ?? 0);
}
