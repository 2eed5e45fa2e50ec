// Session metrics for the console and CLI: duration, steps advanced, blocked attempts, outcome and the start/end
// HEAD sha, as the store derives them from the events. Read-only.
import type { SessionId } from '../engine/index.js';
import type { SessionMetrics } from '../store/index.js';
import type { AppDeps } from './deps.js';

export type { SessionMetrics } from '../store/index.js';

/** The metrics of one session, or null when the store holds no such session. */
export function getSessionMetrics(deps: Pick<AppDeps, 'store'>, sessionId: SessionId): SessionMetrics | null {
  return deps.store.read((reader) => reader.sessionMetrics(sessionId));
}
