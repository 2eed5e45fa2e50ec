// Crash recovery (docs/worktrain.md §7.5): what the daemon does at startup with each stored live session. The
// policy (recovery-policy.ts) is a pure function of the sidecar snapshot and the clock; `recoverSessions` applies it
// through the core.
import { existsSync } from 'node:fs';
import type { DaemonCore } from './core.js';
import { git } from './delivery/git.js';
import type { Logger } from './logger.js';
import { type RecoveryAction, recoveryAction } from './recovery-policy.js';
import { type RunMode, reattachSecrets, type SidecarStore } from './state/sidecars.js';

export { RECOVERY_LIMITS, type RecoveryAction, type RecoverySnapshot, recoveryAction } from './recovery-policy.js';

/**
 * The startup step (§1.1 step 4): loads every stored session into the core and applies `recoveryAction` to those
 * that were live. Queued sessions are re-queued in acceptance order; the rest in the same pass, so slots go to
 * the oldest first.
 */
export async function recoverSessions(args: {
  readonly core: DaemonCore;
  readonly store: SidecarStore;
  readonly env: { readonly [name: string]: string | undefined };
  readonly now: number;
  readonly logger: Logger;
}): Promise<void> {
  const { core, now } = args;
  const log = args.logger.child({ component: 'recovery' });
  const plans: { sessionId: string; action: RecoveryAction; mode: RunMode }[] = [];
  for (const stored of args.store.loadAll()) {
    const sidecar =
      stored.sidecar === null
        ? null
        : { ...stored.sidecar, dispatch: reattachSecrets(stored.sidecar.dispatch, args.core.config, args.env) };
    core.adopt({ session: stored.session, sidecar });
    const { session } = stored;
    if (session.state === 'completed' || session.state === 'delivery_failed' || session.state === 'parked') continue;
    if (sidecar === null) {
      plans.push({
        sessionId: session.sessionId,
        action: { kind: 'discard', reason: 'crash_recovery: no sidecar' },
        mode: { kind: 'start' },
      });
      continue;
    }
    const usesWorktree = (sidecar.dispatch.trigger?.branchStrategy ?? 'none') !== 'none';
    const action = recoveryAction(
      {
        state: session.state,
        stepAdvances: session.stepAdvances,
        resumeCount: session.resumeCount,
        lastActivityAt: sidecar.lastActivityAt,
        usesWorktree,
        worktreePresent: session.worktreePath !== null && existsSync(session.worktreePath),
        hasContinueToken: sidecar.continueToken !== null,
      },
      now,
    );
    plans.push({ sessionId: session.sessionId, action, mode: sidecar.mode });
  }
  await pruneWorktrees([
    ...core.config.triggers.filter((t) => t.branchStrategy !== 'none').map((t) => t.workspacePath),
    ...core.sessions
      .list()
      .filter((s) => s.worktreePath !== null)
      .map((s) => s.workspacePath),
  ]);
  for (const { sessionId, action, mode } of plans) {
    log.info(
      { sessionId, action: action.kind, ...(action.kind === 'discard' ? { reason: action.reason } : {}) },
      'crash recovery',
    );
    if (action.kind === 'requeue') core.requeue(sessionId, mode);
    else if (action.kind === 'resume') core.requeue(sessionId, { kind: 'resume', reason: 'crash_recovery' });
    else if (action.kind === 'continue_delivery') core.requeue(sessionId, { kind: 'deliver' });
    else if (action.kind === 'discard') await core.abandon(sessionId, 'aborted', action.reason);
  }
}

/** `git worktree prune` in each workspace (§1.1 step 4), so removed worktree directories leave no stale entries. */
async function pruneWorktrees(workspaces: readonly string[]): Promise<void> {
  for (const workspace of new Set(workspaces)) {
    if (existsSync(workspace)) await git(workspace, ['worktree', 'prune']);
  }
}
