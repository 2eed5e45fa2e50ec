// What the session runner is handed for one run of a session: the record, the resolved dispatch, the sidecar and
// how to start (docs/worktrain.md §7.1, §7.4, §7.5). The core builds it; `save` writes record and sidecar durably.
import type { Dispatch } from './dispatch.js';
import type { DaemonSession } from './sessions.js';
import type { RunMode, Sidecar } from './state/sidecars.js';

export interface SessionJob {
  readonly session: DaemonSession;
  readonly dispatch: Dispatch;
  readonly sidecar: Sidecar;
  readonly mode: RunMode;
  /** Writes the record and the sidecar (stamping `lastActivityAt`). */
  save(): void;
  /** `delete_sidecar` (§8.3): drops the sidecar; the record stays. */
  clearSidecar(): void;
  /**
   * Whether this daemon may still advance the session (shared mode: it holds an unexpired lease). When not, the
   * run is aborted with `lease_lost`; absent means always.
   */
  holdsLease?(): boolean;
}
