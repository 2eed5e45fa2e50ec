// The crash-recovery policy (docs/worktrain.md §7.5): what to do with a stored live session, as a pure function of its
// sidecar snapshot and the clock. Applied at startup (recovery.ts) and, in the shared mode, when an instance takes
// over a session whose owner died (core.ts).
import type { SessionState } from './sessions.js';

/** The crash-recovery resume limits of §2.1. */
export const RECOVERY_LIMITS = { maxIdleMs: 24 * 60 * 60 * 1000, maxResumes: 2 } as const;

export interface RecoverySnapshot {
  readonly state: SessionState;
  readonly stepAdvances: number;
  readonly resumeCount: number;
  readonly lastActivityAt: number;
  /** The session works in a worktree (`branchStrategy` worktree or read-only). */
  readonly usesWorktree: boolean;
  /** The worktree directory still exists (ignored when `usesWorktree` is false). */
  readonly worktreePresent: boolean;
  /** A continue token to rehydrate from. */
  readonly hasContinueToken: boolean;
}

export type RecoveryAction =
  | { readonly kind: 'requeue' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'discard'; readonly reason: string }
  | { readonly kind: 'continue_delivery' }
  | { readonly kind: 'leave' };

export function recoveryAction(sidecar: RecoverySnapshot, now: number): RecoveryAction {
  switch (sidecar.state) {
    case 'queued':
      return { kind: 'requeue' };
    case 'delivering':
      return { kind: 'continue_delivery' };
    case 'parked':
    case 'delivery_failed':
    case 'completed':
      return { kind: 'leave' };
    case 'preparing':
    case 'running':
    case 'interrupted': {
      const reason = discardReason(sidecar, now);
      return reason === null ? { kind: 'resume' } : { kind: 'discard', reason };
    }
    default: {
      const never: never = sidecar.state;
      throw new Error(`unknown session state ${String(never)}`);
    }
  }
}

function discardReason(sidecar: RecoverySnapshot, now: number): string | null {
  if (sidecar.stepAdvances < 1) return 'crash_recovery: no step was advanced before the daemon stopped';
  if (!sidecar.hasContinueToken) return 'crash_recovery: no continue token was stored';
  if (sidecar.usesWorktree && !sidecar.worktreePresent) return 'crash_recovery: the worktree is gone';
  if (now - sidecar.lastActivityAt >= RECOVERY_LIMITS.maxIdleMs) {
    return 'crash_recovery: last activity was 24 h or more ago';
  }
  if (sidecar.resumeCount >= RECOVERY_LIMITS.maxResumes) {
    return `crash_recovery: already resumed ${sidecar.resumeCount} times`;
  }
  return null;
}
