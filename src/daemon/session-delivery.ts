// The worktree and delivery part of a session (docs/worktrain.md §8.1, §8.3): set the worktree up in `preparing`,
// run the delivery pipeline after `success`, and keep or remove the worktree by the rules of §8.1. The git work
// itself is the delivery library's (daemon/delivery/); this file records its progress in the session and sidecar.
import path from 'node:path';
import type { GitIdentity } from './delivery/commit.js';
import type { runDelivery } from './delivery/pipeline.js';
import type { hasUncommittedChanges, removeWorktree, setupWorktree } from './delivery/worktree-setup.js';
import type { Logger } from './logger.js';
import type { SessionJob } from './session-job.js';

/** The delivery library's entry points (daemon/delivery/), injected so tests can replace them. */
export interface WorktreeOps {
  readonly setupWorktree: typeof setupWorktree;
  readonly removeWorktree: typeof removeWorktree;
  readonly hasUncommittedChanges: typeof hasUncommittedChanges;
  readonly runDelivery: typeof runDelivery;
}

export interface DeliveryDeps {
  readonly worktrees: WorktreeOps | null;
  readonly workrailHome: string;
  readonly env: { readonly [name: string]: string | undefined };
  readonly secrets: () => readonly string[];
  readonly gitIdentity: GitIdentity;
  readonly emit: (kind: string, data: { readonly [key: string]: unknown }) => void;
}

export function strategyOf(job: SessionJob): 'none' | 'worktree' | 'read-only' {
  return job.dispatch.trigger?.branchStrategy ?? 'none';
}

/** True when a `success` of this session goes through the delivery pipeline (§8.3). */
export function deliversOnSuccess(job: SessionJob): boolean {
  const trigger = job.dispatch.trigger;
  return trigger !== null && trigger.branchStrategy === 'worktree' && trigger.autoCommit;
}

/** Creates the session's worktree; returns the agent's root, or the `worktree_setup_failed: …` detail. */
export async function prepareWorktree(
  deps: DeliveryDeps,
  job: SessionJob,
  log: Logger,
): Promise<{ ok: true; root: string } | { ok: false; error: string }> {
  const strategy = strategyOf(job);
  const trigger = job.dispatch.trigger;
  if (strategy === 'none' || trigger === null) return { ok: true, root: job.dispatch.workspacePath };
  if (deps.worktrees === null) return { ok: false, error: 'worktree_setup_failed: worktree support is not available' };
  const prBranch = job.dispatch.context.prBranch;
  const setup = await deps.worktrees.setupWorktree({
    workspacePath: job.dispatch.workspacePath,
    sessionId: job.session.sessionId,
    strategy,
    baseBranch: trigger.baseBranch,
    branchPrefix: trigger.branchPrefix,
    ...(typeof prBranch === 'string' ? { prBranch } : {}),
    worktreesDir: path.join(deps.workrailHome, 'worktrees'),
    log,
  });
  if (!setup.ok) return { ok: false, error: setup.error };
  job.session.worktreePath = setup.worktreePath;
  job.session.branch = setup.branch;
  job.sidecar.baseBranch = setup.baseBranch;
  job.save();
  return { ok: true, root: setup.worktreePath };
}

/**
 * Runs (or continues, from the first incomplete stage) the delivery pipeline of a successful session. Leaves the
 * session `completed` with its delivery status, or `delivery_failed` with the worktree kept (§8.3).
 */
export async function deliver(deps: DeliveryDeps, job: SessionJob, log: Logger): Promise<'delivered' | 'failed'> {
  const { session, sidecar, dispatch } = job;
  const trigger = dispatch.trigger;
  session.state = 'delivering';
  session.delivery = { ...session.delivery, status: 'running', error: null };
  job.save();
  const fail = (stage: string, error: string) => {
    session.state = 'delivery_failed';
    session.delivery = { ...session.delivery, status: 'failed', stage, error };
    job.save();
    deps.emit('delivery_failed', { stage, error });
    log.warn({ stage, error, worktreePath: session.worktreePath }, 'delivery failed');
    return 'failed' as const;
  };
  if (deps.worktrees === null || trigger === null || session.worktreePath === null || session.branch === null) {
    return fail('parse_handoff', 'the session has no worktree to deliver');
  }
  const progress = await deps.worktrees.runDelivery(
    {
      sessionId: session.sessionId,
      triggerId: session.triggerId,
      workflowId: session.workflowId,
      trigger,
      workspacePath: dispatch.workspacePath,
      worktreePath: session.worktreePath,
      branch: session.branch,
      baseBranch: sidecar.baseBranch ?? trigger.baseBranch ?? 'main',
      finalNotes: session.result.finalNotes,
      artifacts: session.result.artifacts,
      context: dispatch.context,
      secrets: deps.secrets(),
      env: deps.env,
      gitIdentity: deps.gitIdentity,
      log: log.child({ component: 'delivery' }),
    },
    sidecar.delivery,
    {
      onStage(stage, status, detail, current) {
        sidecar.delivery = current;
        session.delivery = { ...session.delivery, stage, commitShas: [...current.commitShas], prUrl: current.prUrl };
        job.save();
        deps.emit('delivery_stage', { stage, status, detail });
      },
      record(current) {
        sidecar.delivery = current;
        session.delivery = {
          ...session.delivery,
          status: current.status === 'skipped' ? 'skipped' : 'completed',
          commitShas: [...current.commitShas],
          prUrl: current.prUrl,
        };
        job.save();
      },
      deleteSidecar() {
        job.clearSidecar();
      },
    },
  );
  if (progress.status === 'failed') {
    return fail(progress.failedStage ?? 'unknown', progress.error ?? 'delivery failed');
  }
  session.state = 'completed';
  session.delivery = {
    status: progress.status === 'skipped' ? 'skipped' : 'completed',
    stage: null,
    prUrl: progress.prUrl,
    commitShas: [...progress.commitShas],
    error: null,
  };
  if (progress.completedStages.includes('cleanup')) session.worktreePath = null;
  job.save();
  deps.emit('delivery_completed', { prUrl: progress.prUrl, commitShas: progress.commitShas });
  return 'delivered';
}

/**
 * Keeps or removes the worktree at the end of a session that does not deliver (§8.1): kept after `killed`, when
 * nothing delivers it (`worktree` without autoCommit) and when it holds uncommitted changes; read-only worktrees
 * and clean ones are removed.
 */
export async function disposeWorktree(deps: DeliveryDeps, job: SessionJob, outcome: string, log: Logger) {
  const { session } = job;
  const worktreePath = session.worktreePath;
  if (worktreePath === null || deps.worktrees === null) return;
  const strategy = strategyOf(job);
  if (outcome === 'killed' || (strategy === 'worktree' && outcome === 'success')) return;
  try {
    if (strategy === 'worktree' && (await deps.worktrees.hasUncommittedChanges(worktreePath))) {
      log.info({ worktreePath }, 'worktree kept: it has uncommitted changes');
      return;
    }
    await deps.worktrees.removeWorktree(job.dispatch.workspacePath, worktreePath);
    session.worktreePath = null;
    job.save();
  } catch (error) {
    log.warn({ err: error, worktreePath }, 'worktree removal failed; it is kept');
  }
}
