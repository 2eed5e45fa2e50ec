// Session records in PostgreSQL for the shared mode: the same SidecarStore the single-machine mode keeps in
// daemon.db, plus a SessionRegistry that reads every instance's sessions (for `worktrain status` and
// GET /api/v2/sessions). A record is written only by the instance holding the session's lease (or by anyone while
// no instance holds one), so an instance that lost a session cannot overwrite the new owner's progress.
import type { DaemonSession, Lookup, SessionRegistry } from '../sessions.js';
import type { Sidecar, SidecarStore, StoredSession } from '../state/sidecars.js';
import { withoutSecrets } from '../state/sidecars.js';
import type { SyncPg } from './sync-pg.js';

const ALL = '*';

export function createSharedSidecarStore(db: SyncPg, owner: string): SidecarStore {
  // A run writes only while it holds the lease; anyone else (admission, ending a queued or parked session) only
  // while no other instance holds one.
  const guard = {
    leased: 'EXISTS (SELECT 1 FROM worktrain_leases l WHERE l.session_id = $1 AND l.owner = $7)',
    free: 'NOT EXISTS (SELECT 1 FROM worktrain_leases l WHERE l.session_id = $1 AND l.owner <> $7)',
  };
  const write = (session: DaemonSession, sidecar?: Sidecar | null, options?: { readonly leased?: boolean }) => {
    const keepSidecar = sidecar === undefined;
    const sidecarJson = sidecar == null ? null : JSON.stringify(withoutSecrets(sidecar));
    db.query(
      `INSERT INTO worktrain_sessions (session_id, trigger_id, state, workrail_session_id, record, sidecar, written_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (session_id) DO UPDATE SET state = EXCLUDED.state,
         workrail_session_id = EXCLUDED.workrail_session_id, record = EXCLUDED.record,
         sidecar = CASE WHEN $8 THEN worktrain_sessions.sidecar ELSE EXCLUDED.sidecar END,
         written_by = EXCLUDED.written_by, updated_at = now()
       WHERE ${options?.leased === true ? guard.leased : guard.free}`,
      [
        session.sessionId,
        session.triggerId,
        session.state,
        session.workrailSessionId,
        JSON.stringify({ ...session, live: null }),
        sidecarJson,
        owner,
        keepSidecar,
      ],
    );
  };
  return {
    save: write,
    loadAll() {
      return db
        .query<{ record: DaemonSession; sidecar: Sidecar | null }>(
          'SELECT record, sidecar FROM worktrain_sessions ORDER BY accepted_seq',
        )
        .map((row) => ({ session: row.record, sidecar: row.sidecar }));
    },
    load(sessionId) {
      const row = db.query<{ record: DaemonSession; sidecar: Sidecar | null }>(
        'SELECT record, sidecar FROM worktrain_sessions WHERE session_id = $1',
        [sessionId],
      )[0];
      return row === undefined ? null : ({ session: row.record, sidecar: row.sidecar } satisfies StoredSession);
    },
    update(sessionId, change) {
      return db.transaction(() => {
        const row = db.query<{ record: DaemonSession; sidecar: Sidecar | null }>(
          'SELECT record, sidecar FROM worktrain_sessions WHERE session_id = $1 FOR UPDATE',
          [sessionId],
        )[0];
        if (row === undefined || !change(row.record)) return null;
        const session = row.record;
        const written = db.query(
          `UPDATE worktrain_sessions SET state = $3, workrail_session_id = $4, record = $5, written_by = $2,
             updated_at = now()
           WHERE session_id = $1
             AND NOT EXISTS (SELECT 1 FROM worktrain_leases l WHERE l.session_id = $1 AND l.owner <> $2)
           RETURNING session_id`,
          [sessionId, owner, session.state, session.workrailSessionId, JSON.stringify({ ...session, live: null })],
        );
        return written.length === 0 ? null : ({ session, sidecar: row.sidecar } satisfies StoredSession);
      });
    },
    clearSidecar(sessionId) {
      db.query('UPDATE worktrain_sessions SET sidecar = NULL WHERE session_id = $1', [sessionId]);
    },
    savePause(pause) {
      db.transaction(() => {
        db.query('DELETE FROM worktrain_pause');
        for (const scope of [...(pause.dispatchPaused ? [ALL] : []), ...pause.pausedTriggers]) {
          db.query('INSERT INTO worktrain_pause (scope) VALUES ($1) ON CONFLICT DO NOTHING', [scope]);
        }
      });
    },
    loadPause() {
      const scopes = db
        .query<{ scope: string }>('SELECT scope FROM worktrain_pause ORDER BY scope')
        .map((row) => row.scope);
      return { dispatchPaused: scopes.includes(ALL), pausedTriggers: scopes.filter((scope) => scope !== ALL) };
    },
  };
}

/**
 * Every instance's sessions. This instance's own objects (with live activity) are returned while it was the last
 * to write the record; otherwise the stored record, which then becomes this instance's object.
 */
export function createSharedRegistry(db: SyncPg, owner: string): SessionRegistry {
  const local = new Map<string, DaemonSession>();
  // The object handed out is kept, so the one a run mutates and saves is the one later lookups return.
  const pick = (row: { record: DaemonSession; written_by: string }) => {
    const mine = local.get(row.record.sessionId);
    if (mine !== undefined && row.written_by === owner) return mine;
    if (mine !== undefined) local.set(row.record.sessionId, row.record);
    return row.record;
  };
  const select = 'SELECT record, written_by FROM worktrain_sessions';
  return {
    add(session) {
      local.set(session.sessionId, session);
    },
    find(id): Lookup {
      type R = { record: DaemonSession; written_by: string };
      const exact = db.query<R>(`${select} WHERE session_id = $1 OR workrail_session_id = $1 LIMIT 1`, [id])[0];
      if (exact !== undefined) return { kind: 'found', session: pick(exact) };
      if (id.length < 8) return { kind: 'not_found' };
      const matches = db.query<R>(
        `${select} WHERE starts_with(session_id, $1) OR starts_with(workrail_session_id, $1) LIMIT 20`,
        [id],
      );
      if (matches.length === 1) return { kind: 'found', session: pick(matches[0] as R) };
      return matches.length === 0
        ? { kind: 'not_found' }
        : { kind: 'ambiguous', matches: matches.map((m) => m.record.sessionId) };
    },
    list() {
      return db.query<{ record: DaemonSession; written_by: string }>(`${select} ORDER BY accepted_seq`).map(pick);
    },
  };
}
