// The shared mode's own tables, next to pg-boss's schema: session records (the DaemonSession record and sidecar
// that takeover and `worktrain status` need), leases (which instance runs a session, until when) and the kill and steer
// commands sent to their owner, the 30 s dedupe
// window, the kill-switch pause, and the polling triggers' item ledger, poll state and schedule times (ISO text, as
// daemon.db keeps them). Created at start under an advisory lock, so daemons starting together don't race.
import PgBoss from 'pg-boss';
import type { SyncPg } from './sync-pg.js';

const SCHEMA_LOCK = 7_106_318_001;
export const CLAIM_LOCK = 7_106_318_002;
export const LEADER_LOCK = 7_106_318_003;

export function createSharedTables(db: SyncPg): void {
  db.transaction(() => {
    db.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    db.query(`
      CREATE TABLE IF NOT EXISTS worktrain_sessions (
        session_id text PRIMARY KEY,
        accepted_seq bigserial,
        trigger_id text NOT NULL,
        state text NOT NULL,
        workrail_session_id text,
        job_id uuid,
        record jsonb NOT NULL,
        sidecar jsonb,
        written_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS worktrain_sessions_queued
        ON worktrain_sessions (accepted_seq) INCLUDE (trigger_id) WHERE state = 'queued';
      CREATE TABLE IF NOT EXISTS worktrain_leases (
        session_id text PRIMARY KEY REFERENCES worktrain_sessions (session_id) ON DELETE CASCADE,
        owner text NOT NULL,
        trigger_id text NOT NULL,
        holds_trigger_slot boolean NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS worktrain_leases_by_trigger ON worktrain_leases (trigger_id);
      CREATE TABLE IF NOT EXISTS worktrain_commands (
        id bigserial PRIMARY KEY,
        session_id text NOT NULL REFERENCES worktrain_leases (session_id) ON DELETE CASCADE,
        kind text NOT NULL,
        text text
      );
      CREATE INDEX IF NOT EXISTS worktrain_commands_by_session ON worktrain_commands (session_id);
      CREATE TABLE IF NOT EXISTS worktrain_dedupe (
        key text PRIMARY KEY,
        session_id text NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE TABLE IF NOT EXISTS worktrain_pause (scope text PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS worktrain_item_ledger (
        trigger_id text NOT NULL,
        item_key text NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        last_session_id text,
        last_outcome text,
        updated_at text NOT NULL,
        ref jsonb NOT NULL,
        PRIMARY KEY (trigger_id, item_key)
      );
      CREATE INDEX IF NOT EXISTS worktrain_item_ledger_session ON worktrain_item_ledger (last_session_id);
      CREATE TABLE IF NOT EXISTS worktrain_poll_state (
        trigger_id text PRIMARY KEY,
        last_poll_at text NOT NULL,
        seen_keys jsonb NOT NULL
      );
      CREATE TABLE IF NOT EXISTS worktrain_schedule_state (
        trigger_id text PRIMARY KEY,
        last_scheduled_at text NOT NULL
      );
    `);
  });
}

/** The pg-boss queue of a trigger's dispatches (`_dispatch` for ad-hoc ones). */
export function queueNameOf(triggerId: string): string {
  return `worktrain.${triggerId}`;
}

/** pg-boss on the synchronous connection; its schema is installed or migrated by `start()`. */
export function createBoss(db: SyncPg): PgBoss {
  return new PgBoss({ db: db.bossDb, schedule: false, supervise: true, migrate: true });
}

/** Creates the trigger's pg-boss queue if no instance has yet. */
export function ensureQueue(db: SyncPg, boss: PgBoss, triggerId: string): void {
  const name = queueNameOf(triggerId);
  const exists = () => db.viaBoss(() => boss.getQueue(name)).length > 0;
  if (exists()) return;
  db.transaction(() => {
    db.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    if (!exists()) db.viaBoss(() => boss.createQueue(name, { name, policy: 'standard', retryLimit: 0 }));
  });
}
