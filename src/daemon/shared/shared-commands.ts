// Kill and steer of a session another instance runs (docs/worktrain-several-machines.md): the instance that receives
// the request writes a command row for the session and NOTIFYs `worktrain_control`; the instance that runs the session
// takes its commands at the notification and at every heartbeat, so a command survives a missed notification and
// reaches a new owner after a takeover. Commands hang off the session's lease: a session without one runs nowhere
// (the command is refused), and releasing the lease drops what was not taken.
import type { SessionCommand } from '../queue.js';
import type { SyncPg } from './sync-pg.js';

export const CONTROL_CHANNEL = 'worktrain_control';

/** Queues `command` for the instance running `sessionId`; false when no instance holds a lease on it. */
export function sendCommand(db: SyncPg, sessionId: string, command: SessionCommand): boolean {
  return db.transaction(() => {
    const text = command.kind === 'steer' ? command.text : command.reason;
    const rows = db.query(
      `INSERT INTO worktrain_commands (session_id, kind, text)
       SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM worktrain_leases WHERE session_id = $1) RETURNING id`,
      [sessionId, command.kind, text],
    );
    if (rows.length === 0) return false;
    db.query(`NOTIFY ${CONTROL_CHANNEL}`);
    return true;
  });
}

/** Takes (deletes and returns) the commands of `sessionIds`, oldest first. */
export function takeCommands(
  db: SyncPg,
  sessionIds: readonly string[],
): { readonly sessionId: string; readonly command: SessionCommand }[] {
  if (sessionIds.length === 0) return [];
  const rows = db.query<{ id: string; session_id: string; kind: string; text: string | null }>(
    'DELETE FROM worktrain_commands WHERE session_id = ANY($1::text[]) RETURNING id, session_id, kind, text',
    [sessionIds],
  );
  return rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => ({
      sessionId: row.session_id,
      command:
        row.kind === 'steer' ? { kind: 'steer', text: row.text ?? '' } : { kind: 'kill', reason: row.text ?? null },
    }));
}
