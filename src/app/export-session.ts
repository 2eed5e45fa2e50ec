// `workrail sessions export <id>`: a self-contained JSON bundle of one session — its events, the pinned workflow
// and integrity hashes (session-bundle.ts) — that `importSession` verifies and loads as a new session.
import type { SessionId } from '../engine/index.js';
import type { AppDeps } from './deps.js';
import type { AppError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { buildBundle, type SessionBundle } from './session-bundle.js';
import { sessionNotFound, sessionNotHealthy } from './show-session.js';

/** The bundle of a session. NOT_FOUND for an unknown id, SESSION_NOT_HEALTHY for one failing its integrity checks. */
export function exportSession(
  deps: Pick<AppDeps, 'store' | 'clock'>,
  sessionId: string,
): Result<SessionBundle, AppError> {
  return deps.store.read((reader) => {
    const loaded = reader.loadSession(sessionId as SessionId);
    if (loaded.kind === 'not_found') return err(sessionNotFound(sessionId));
    if (loaded.kind === 'unhealthy') return err(sessionNotHealthy(sessionId, loaded.health));
    const { workflow } = loaded.session;
    if (workflow === null) {
      return err(
        sessionNotHealthy(sessionId, { kind: 'missing_pinned_workflow', reason: 'the run was never started' }),
      );
    }
    return ok(
      buildBundle({
        sessionId: loaded.session.sessionId,
        workflow,
        events: reader.listEvents(loaded.session.sessionId),
        exportedAtMs: deps.clock.now(),
      }),
    );
  });
}
