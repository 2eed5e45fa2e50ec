// Durable daemon sessions (docs/worktrain.md §2.4, §7.1, §7.5, §7.6): every `DaemonSession` record, the sidecar of a
// live session (what crash recovery needs), the acceptance order that keeps queues FIFO across restarts, and the
// kill-switch pause. Written at every state change, advance and delivery stage; read once at startup.
import type { DeliveryProgress } from '../delivery/pipeline.js';
import type { Dispatch } from '../dispatch.js';
import type { DaemonSession } from '../sessions.js';
import type { DaemonDb } from './daemon-db.js';

/** How a queued session starts when it gets its slot. Stored in the sidecar so a restart keeps it. */
export type RunMode =
  | { readonly kind: 'start' }
  | { readonly kind: 'resume'; readonly reason: 'crash_recovery' | 'forced' }
  | { readonly kind: 'gate_approved'; readonly rationale: string }
  | { readonly kind: 'deliver' };

/** The recovery data of a live session. Secrets (API keys, forge tokens, HMAC secrets) are never stored. */
export interface Sidecar {
  /** The resolved dispatch with its secrets removed; `reattach` puts them back from the live config. */
  dispatch: Dispatch;
  /** How the session runs when it next gets a slot. */
  mode: RunMode;
  continueToken: string | null;
  checkpointToken: string | null;
  baseBranch: string | null;
  /** Epoch ms of the last state change, advance, LLM turn or delivery stage. */
  lastActivityAt: number;
  gate: { readonly gateKind: string; readonly stepId: string; readonly token: string } | null;
  /** Delivery progress (§8.3); the pipeline resumes from it. */
  delivery: DeliveryProgress | null;
}

export interface StoredSession {
  readonly session: DaemonSession;
  readonly sidecar: Sidecar | null;
}

export interface SidecarStore {
  /**
   * Inserts or updates the record and, unless `sidecar` is undefined, the sidecar (null clears it). `leased`: the
   * write comes from a run, which in the shared mode must still hold the session's lease (daemon.db ignores it).
   */
  save(session: DaemonSession, sidecar?: Sidecar | null, options?: { readonly leased?: boolean }): void;
  /** Every stored session, in acceptance order. */
  loadAll(): StoredSession[];
  /** One stored session (the shared mode loads sessions another instance accepted). */
  load?(sessionId: string): StoredSession | null;
  /**
   * Shared mode: changes the stored record, not a copy, in one transaction with its row locked; the stored sidecar
   * is kept. `change` returns false to leave the record as it is. Returns what is now stored, or null when nothing
   * was written (no record, `change` declined, or another instance holds the session's lease).
   */
  update?(sessionId: string, change: (session: DaemonSession) => boolean): StoredSession | null;
  clearSidecar(sessionId: string): void;
  savePause(pause: { readonly dispatchPaused: boolean; readonly pausedTriggers: readonly string[] }): void;
  loadPause(): { dispatchPaused: boolean; pausedTriggers: string[] };
}

const ALL = '*';

export function createSidecarStore(db: DaemonDb): SidecarStore {
  db.exec(`
    CREATE TABLE IF NOT EXISTS daemon_sessions (
      session_id TEXT PRIMARY KEY,
      accepted_seq INTEGER NOT NULL,
      state TEXT NOT NULL,
      record TEXT NOT NULL,
      sidecar TEXT,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS daemon_sessions_by_seq ON daemon_sessions (accepted_seq);
    CREATE TABLE IF NOT EXISTS daemon_pause (scope TEXT PRIMARY KEY);
  `);
  const upsertWithSidecar = db.prepare(`
    INSERT INTO daemon_sessions (session_id, accepted_seq, state, record, sidecar, updated_at)
    VALUES (@id, (SELECT COALESCE(MAX(accepted_seq), 0) + 1 FROM daemon_sessions), @state, @record, @sidecar, @now)
    ON CONFLICT (session_id) DO UPDATE SET state = @state, record = @record, sidecar = @sidecar, updated_at = @now`);
  const upsertRecord = db.prepare(`
    INSERT INTO daemon_sessions (session_id, accepted_seq, state, record, sidecar, updated_at)
    VALUES (@id, (SELECT COALESCE(MAX(accepted_seq), 0) + 1 FROM daemon_sessions), @state, @record, NULL, @now)
    ON CONFLICT (session_id) DO UPDATE SET state = @state, record = @record, updated_at = @now`);
  const selectAll = db.prepare('SELECT record, sidecar FROM daemon_sessions ORDER BY accepted_seq');
  const clear = db.prepare('UPDATE daemon_sessions SET sidecar = NULL WHERE session_id = ?');
  const clearPause = db.prepare('DELETE FROM daemon_pause');
  const addPause = db.prepare('INSERT OR IGNORE INTO daemon_pause (scope) VALUES (?)');
  const selectPause = db.prepare('SELECT scope FROM daemon_pause ORDER BY scope');
  const writePause = db.transaction((scopes: readonly string[]) => {
    clearPause.run();
    for (const scope of scopes) addPause.run(scope);
  });

  return {
    save(session, sidecar) {
      const row = {
        id: session.sessionId,
        state: session.state,
        record: JSON.stringify({ ...session, live: null }),
        now: Date.now(),
      };
      if (sidecar === undefined) upsertRecord.run(row);
      else
        upsertWithSidecar.run({ ...row, sidecar: sidecar === null ? null : JSON.stringify(withoutSecrets(sidecar)) });
    },
    loadAll() {
      return (selectAll.all() as { record: string; sidecar: string | null }[]).map((row) => ({
        session: JSON.parse(row.record) as DaemonSession,
        sidecar: row.sidecar === null ? null : (JSON.parse(row.sidecar) as Sidecar),
      }));
    },
    clearSidecar(sessionId) {
      clear.run(sessionId);
    },
    savePause(pause) {
      writePause([...(pause.dispatchPaused ? [ALL] : []), ...pause.pausedTriggers]);
    },
    loadPause() {
      const scopes = (selectPause.all() as { scope: string }[]).map((row) => row.scope);
      return { dispatchPaused: scopes.includes(ALL), pausedTriggers: scopes.filter((scope) => scope !== ALL) };
    },
  };
}

export function withoutSecrets(sidecar: Sidecar): Sidecar {
  const { dispatch } = sidecar;
  const trigger =
    dispatch.trigger === null
      ? null
      : {
          ...dispatch.trigger,
          hmacSecret: undefined,
          agent: { ...dispatch.trigger.agent, apiKey: undefined },
          forge: { ...dispatch.trigger.forge, token: undefined },
        };
  return { ...sidecar, dispatch: { ...dispatch, agent: { ...dispatch.agent, apiKey: undefined }, trigger } };
}

/**
 * Puts back the secrets `save` left out: the live trigger's (same id) when it still exists, else the provider key
 * from the environment.
 */
export function reattachSecrets(
  dispatch: Dispatch,
  live: { readonly triggers: readonly NonNullable<Dispatch['trigger']>[] },
  env: { readonly [name: string]: string | undefined },
): Dispatch {
  const current = live.triggers.find((t) => t.id === dispatch.triggerId);
  const envKey = dispatch.agent.provider === 'anthropic' ? env.ANTHROPIC_API_KEY : env.OPENAI_API_KEY;
  const apiKey =
    current !== undefined && current.agent.provider === dispatch.agent.provider ? current.agent.apiKey : envKey;
  const trigger =
    dispatch.trigger === null
      ? null
      : {
          ...dispatch.trigger,
          hmacSecret: current?.hmacSecret,
          agent: { ...dispatch.trigger.agent, apiKey },
          forge: { ...dispatch.trigger.forge, token: current?.forge.token },
        };
  return { ...dispatch, agent: { ...dispatch.agent, apiKey }, trigger };
}
