// The daemon's running state: accepted dispatches become session records, pass admission (queue.ts) and run
// (session-runner.ts) under a per-session abort controller that kill and shutdown use. Every record, sidecar and
// the kill-switch pause are written to daemon.db (state/sidecars.ts), so a restart picks them up (recovery.ts).
import { existsSync } from 'node:fs';
import type { TriggerConfig } from './config/load-triggers.js';
import { AD_HOC_TRIGGER, type Dispatch } from './dispatch.js';
import type { EventLog } from './events.js';
import {
  createDispatchQueue,
  type DispatchQueue,
  type QueueEntry,
  type QueueHooks,
  type SessionCommand,
} from './queue.js';
import { recoveryAction } from './recovery-policy.js';
import { disposeWorktree } from './session-delivery.js';
import type { SessionJob } from './session-job.js';
import { announceEnd, deliveryDeps, endRecord, finishSession, type RunnerDeps, runSession } from './session-runner.js';
import { createSessionRegistry, type DaemonSession, type Lookup, type SessionRegistry } from './sessions.js';
import {
  type RunMode,
  reattachSecrets,
  type Sidecar,
  type SidecarStore,
  type StoredSession,
} from './state/sidecars.js';

export type SubmitResult =
  | { readonly status: 'accepted'; readonly sessionId: string; readonly queuePosition: number }
  | { readonly status: 'duplicate'; readonly sessionId: string }
  | { readonly status: 'queue_full'; readonly queueDepth: number; readonly maxQueueDepth: number };

export type ControlResult =
  | { readonly ok: true; readonly session: DaemonSession; readonly previousState: string }
  | {
      readonly ok: false;
      readonly code: 'SESSION_NOT_FOUND' | 'AMBIGUOUS_ID' | 'INVALID_STATE';
      readonly message: string;
    };

export interface KillSwitchResult {
  readonly killed: readonly string[];
  readonly dropped: readonly string[];
  readonly paused: string;
}

export interface PauseState {
  readonly dispatchPaused: boolean;
  readonly pausedTriggers: readonly string[];
}

/** `sessions resume` (§7.4, §7.5): a gate verdict for a parked session, or a forced resume. */
export type ResumeRequest =
  | { readonly kind: 'force' }
  | { readonly kind: 'approve'; readonly rationale: string }
  | { readonly kind: 'reject'; readonly reason: string };

export interface DaemonCore {
  readonly config: TriggerConfig;
  readonly sessions: SessionRegistry;
  readonly queue: DispatchQueue;
  readonly events: EventLog;
  submit(dispatch: Dispatch): SubmitResult;
  kill(id: string, reason?: string): ControlResult;
  steer(id: string, text: string): ControlResult;
  /** Re-queues a parked session with a verdict, or a discarded one with its stored continue token. */
  resume(id: string, request: ResumeRequest): Promise<ControlResult>;
  /** Re-queues delivery of a `delivery_failed` session from its failed stage (§8.3). */
  deliver(id: string): ControlResult;
  /**
   * The kill switch (§7.6): kills every queued, preparing, running and parked session (of one trigger when given)
   * and pauses dispatch (all, or that trigger) until `unpause`.
   */
  killSwitch(triggerId?: string, reason?: string): KillSwitchResult;
  /** Lifts the pause of one trigger, or every pause. */
  unpause(triggerId?: string): PauseState;
  isPaused(triggerId: string): boolean;
  readonly pause: PauseState;
  /**
   * Hot reload (§3.1): swaps the trigger index at once and drops queued dispatches of removed triggers
   * (`session_dropped {reason: trigger_removed}`). Running sessions keep the trigger they were dispatched with.
   */
  replaceConfig(config: TriggerConfig): void;
  /** Startup (§7.5): registers a stored session with its sidecar; it runs only when `requeue` is called. */
  adopt(stored: StoredSession): void;
  /** Queues an adopted session to run in `mode`. */
  requeue(sessionId: string, mode: RunMode): void;
  /** Ends an adopted session with `outcome` (crash recovery's discard), keeping the worktree only if dirty. */
  abandon(sessionId: string, outcome: string, detail: string): Promise<void>;
  /** The sidecar of a session, when it still has one. */
  sidecarOf(sessionId: string): Sidecar | null;
  /** Stops every running session with `shutdown` and waits for them, at most `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

interface Control {
  readonly controller: AbortController;
  readonly steer: string[];
}

export function createDaemonCore(options: {
  readonly runner: RunnerDeps;
  readonly config: TriggerConfig;
  readonly maxConcurrentSessions: number;
  readonly store: SidecarStore;
  /** The shared mode's queue and registry (shared/); by default the in-memory queue and registry. */
  readonly createQueue?: (hooks: QueueHooks) => DispatchQueue;
  readonly sessions?: SessionRegistry;
}): DaemonCore {
  const { runner, store } = options;
  const sessions = options.sessions ?? createSessionRegistry();
  // Shared mode: other daemon instances run sessions too, so a live session may have no control here.
  const sharedMode = options.sessions !== undefined;
  const sidecars = new Map<string, Sidecar>();
  const controls = new Map<string, Control>();
  const running = new Set<Promise<void>>();
  const stored = store.loadPause();
  const pausedTriggers = new Set<string>(stored.pausedTriggers);
  let pausedAll = stored.dispatchPaused;
  /** Shared mode: another instance may have engaged or lifted the kill switch; the stored pause is the truth. */
  const refreshPause = () => {
    if (!sharedMode) return;
    const current = store.loadPause();
    pausedAll = current.dispatchPaused;
    pausedTriggers.clear();
    for (const id of current.pausedTriggers) pausedTriggers.add(id);
  };
  let config = options.config;

  /** Sessions this process is running now: their writes need this instance's lease (shared mode). */
  const runningHere = new Set<string>();
  const save = (session: DaemonSession) =>
    store.save(session, sidecars.get(session.sessionId) ?? null, { leased: runningHere.has(session.sessionId) });
  const jobOf = (session: DaemonSession, sidecar: Sidecar): SessionJob => ({
    session,
    dispatch: sidecar.dispatch,
    sidecar,
    mode: sidecar.mode,
    save() {
      sidecar.lastActivityAt = runner.now();
      save(session);
    },
    clearSidecar() {
      sidecars.delete(session.sessionId);
      store.save(session, null, { leased: runningHere.has(session.sessionId) });
    },
    holdsLease() {
      if (queue.holdsLease(session.sessionId)) return true;
      controls.get(session.sessionId)?.controller.abort('lease_lost');
      return false;
    },
  });

  /** Makes a stored session and its sidecar this instance's copies. */
  const keepStored = ({ session, sidecar }: StoredSession) => {
    sessions.add(session);
    if (sidecar === null) {
      sidecars.delete(session.sessionId);
      return;
    }
    sidecars.set(session.sessionId, { ...sidecar, dispatch: reattachSecrets(sidecar.dispatch, config, runner.env) });
  };
  /** The shared mode runs sessions another instance accepted: their record and sidecar come from the store. */
  const adoptStored = (sessionId: string): boolean => {
    if (sidecars.has(sessionId)) return true;
    const loaded = store.load?.(sessionId) ?? null;
    if (loaded === null || loaded.sidecar === null) return false;
    keepStored(loaded);
    return true;
  };

  const start = async (entry: QueueEntry) => {
    adoptStored(entry.sessionId);
    const found = sessions.find(entry.sessionId);
    const sidecar = sidecars.get(entry.sessionId);
    if (found.kind !== 'found' || sidecar === undefined) return;
    const control = controls.get(entry.sessionId) ?? newControl(entry.sessionId);
    runningHere.add(entry.sessionId);
    const run = runSession(runner, jobOf(found.session, sidecar), {
      signal: control.controller.signal,
      drainSteer: () => control.steer.splice(0),
    });
    running.add(run);
    try {
      await run;
    } finally {
      running.delete(run);
      runningHere.delete(entry.sessionId);
      controls.delete(entry.sessionId);
    }
  };
  const newControl = (sessionId: string): Control => {
    const control = { controller: new AbortController(), steer: [] };
    controls.set(sessionId, control);
    return control;
  };

  /** Crash recovery (§7.5) of a session taken over from a dead instance (shared mode). */
  const takeOver = async (sessionId: string): Promise<QueueEntry | null> => {
    sidecars.delete(sessionId);
    if (!adoptStored(sessionId)) return null;
    const found = sessions.find(sessionId);
    const sidecar = sidecars.get(sessionId);
    if (found.kind !== 'found' || sidecar === undefined) return null;
    const { session } = found;
    const snapshot = {
      state: session.state,
      stepAdvances: session.stepAdvances,
      resumeCount: session.resumeCount,
      lastActivityAt: sidecar.lastActivityAt,
      usesWorktree: (sidecar.dispatch.trigger?.branchStrategy ?? 'none') !== 'none',
      worktreePresent: session.worktreePath !== null && existsSync(session.worktreePath),
      hasContinueToken: sidecar.continueToken !== null,
    };
    // The dead instance's worktree may be on its machine: a session that would resume there resumes in a new
    // worktree set up here (the runner creates one when worktreePath is null).
    const elsewhere = snapshot.usesWorktree && !snapshot.worktreePresent;
    const action = recoveryAction({ ...snapshot, worktreePresent: true }, runner.now());
    if (elsewhere && action.kind === 'resume') {
      session.worktreePath = null;
      session.branch = null;
    }
    runner.logger.info({ component: 'takeover', sessionId, action: action.kind }, 'crash recovery after takeover');
    if (action.kind === 'discard') {
      await core.abandon(sessionId, 'aborted', action.reason);
      return null;
    }
    if (action.kind === 'leave') return null;
    if (action.kind === 'resume') sidecar.mode = { kind: 'resume', reason: 'crash_recovery' };
    if (action.kind === 'continue_delivery') sidecar.mode = { kind: 'deliver' };
    save(session);
    const { dispatch } = sidecar;
    return {
      sessionId,
      triggerId: dispatch.triggerId,
      concurrency: sidecar.mode.kind === 'deliver' ? Number.MAX_SAFE_INTEGER : dispatch.concurrency,
      maxQueueDepth: Number.MAX_SAFE_INTEGER,
    };
  };
  const leaseLost = (sessionId: string) => controls.get(sessionId)?.controller.abort('lease_lost');
  /** Shared mode: a session this process does not run; its kill or steer goes to the instance that runs it. */
  const elsewhere = (sessionId: string) => sharedMode && !runningHere.has(sessionId);
  const steerHere = (session: DaemonSession, control: Control, text: string) => {
    control.steer.push(text);
    runner.events.emit('steer_received', {
      sessionId: session.sessionId,
      triggerId: session.triggerId,
      length: text.length,
    });
  };
  /** Shared mode: a command sent by another instance (or this one) for a session this one runs or is taking over. */
  const command = (sessionId: string, sent: SessionCommand) => {
    const control = controls.get(sessionId) ?? newControl(sessionId);
    if (sent.kind === 'kill') control.controller.abort('killed');
    else {
      const found = sessions.find(sessionId);
      if (found.kind === 'found') steerHere(found.session, control, sent.text);
    }
  };

  const hooks: QueueHooks = {
    maxConcurrent: options.maxConcurrentSessions,
    start,
    now: runner.now,
    takeOver,
    leaseLost,
    command,
  };
  const queue = (options.createQueue ?? createDispatchQueue)(hooks);

  const lookup = (id: string): ControlResult | { ok: 'found'; session: DaemonSession } => {
    const found: Lookup = sessions.find(id);
    if (found.kind === 'not_found') return { ok: false, code: 'SESSION_NOT_FOUND', message: `No session ${id}` };
    if (found.kind === 'ambiguous') {
      return { ok: false, code: 'AMBIGUOUS_ID', message: `${id} matches ${found.matches.join(', ')}` };
    }
    return { ok: 'found', session: found.session };
  };
  const invalid = (session: DaemonSession, why: string): ControlResult => ({
    ok: false,
    code: 'INVALID_STATE',
    message: `Session ${session.sessionId} is ${session.state}${session.outcome === null ? '' : ` (${session.outcome})`}: ${why}`,
  });

  /** Puts a session with a sidecar in its trigger's queue; `force` skips the depth check (already admitted once). */
  const enqueue = (session: DaemonSession, mode: RunMode, force: boolean) => {
    const sidecar = sidecars.get(session.sessionId);
    if (sidecar === undefined) throw new Error(`session ${session.sessionId} has no sidecar to run from`);
    sidecar.mode = mode;
    session.state = 'queued';
    save(session);
    controls.set(session.sessionId, { controller: new AbortController(), steer: [] });
    const { dispatch } = sidecar;
    return queue.admit({
      sessionId: session.sessionId,
      triggerId: dispatch.triggerId,
      concurrency: mode.kind === 'deliver' ? Number.MAX_SAFE_INTEGER : dispatch.concurrency,
      maxQueueDepth: force ? Number.MAX_SAFE_INTEGER : dispatch.maxQueueDepth,
    });
  };

  /**
   * Ends a session that is not running (dropped, parked, discarded) with `outcome`; false when, in the shared mode,
   * its stored state is no longer the one seen here.
   */
  const endIdle = (session: DaemonSession, outcome: string, detail: string | null): boolean => {
    const startedMs = (ended: DaemonSession) => Date.parse(ended.startedAt ?? ended.queuedAt);
    if (sharedMode && !runningHere.has(session.sessionId) && store.update !== undefined) {
      // Another instance may have accepted or parked it: this instance's copy may be stale or lack the sidecar, so
      // the stored record is ended in place and keeps its stored sidecar.
      const ended = store.update(session.sessionId, (stored) => {
        if (stored.state !== session.state) return false;
        endRecord(runner, stored, outcome, detail);
        return true;
      });
      if (ended === null) return false;
      keepStored(ended);
      announceEnd(runner, ended.session, outcome, startedMs(ended.session));
      return true;
    }
    const sidecar = sidecars.get(session.sessionId);
    const job = sidecar === undefined ? { session, save: () => save(session) } : jobOf(session, sidecar);
    finishSession(runner, job, outcome, detail, startedMs(session));
    return true;
  };

  const persistPause = () => store.savePause({ dispatchPaused: pausedAll, pausedTriggers: [...pausedTriggers] });

  const core: DaemonCore = {
    get config() {
      return config;
    },
    sessions,
    queue,
    events: runner.events,
    submit(dispatch) {
      const session = newSession(dispatch, runner.now());
      const entry = {
        sessionId: dispatch.sessionId,
        triggerId: dispatch.triggerId,
        concurrency: dispatch.concurrency,
        maxQueueDepth: dispatch.maxQueueDepth,
      };
      const offer = queue.offer(entry, dispatch.dedupeKey, () => {
        sessions.add(session);
        sidecars.set(dispatch.sessionId, newSidecar(dispatch, runner.now()));
        save(session);
        runner.events.emit('trigger_fired', {
          triggerId: dispatch.triggerId,
          sessionId: dispatch.sessionId,
          source: dispatch.source,
          ...(typeof dispatch.context.itemKey === 'string' ? { itemKey: dispatch.context.itemKey } : {}),
        });
        runner.events.emit('session_queued', {
          sessionId: dispatch.sessionId,
          triggerId: dispatch.triggerId,
          workflowId: dispatch.workflowId,
          queuePosition: queue.queuedFor(dispatch.triggerId) + 1,
        });
        controls.set(session.sessionId, { controller: new AbortController(), steer: [] });
      });
      if (offer.status === 'duplicate') {
        runner.events.emit('dispatch_ignored', {
          triggerId: dispatch.triggerId,
          reason: 'duplicate',
          sessionId: offer.sessionId,
        });
        return offer;
      }
      if (offer.status === 'queue_full') {
        runner.events.emit('session_dropped', { triggerId: dispatch.triggerId, reason: 'queue_full' });
        return offer;
      }
      return { status: 'accepted', sessionId: dispatch.sessionId, queuePosition: offer.queuePosition };
    },
    kill(id, reason) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const session = found.session;
      const previousState = session.state;
      if (['completed', 'interrupted', 'delivery_failed'].includes(session.state)) {
        return invalid(session, 'nothing to kill');
      }
      if (queue.drop(session.sessionId)) {
        controls.delete(session.sessionId);
        runner.events.emit('session_dropped', {
          sessionId: session.sessionId,
          triggerId: session.triggerId,
          reason: 'killed',
        });
        endIdle(session, 'killed', reason ?? null);
      } else if (session.state === 'parked' && endIdle(session, 'killed', reason ?? null)) {
        // Ended where it was parked; in the shared mode another instance may have resumed it meanwhile (below).
      } else if (elsewhere(session.sessionId)) {
        if (!queue.send?.(session.sessionId, { kind: 'kill', reason: reason ?? null })) {
          return invalid(session, 'no daemon instance runs it');
        }
      } else {
        controls.get(session.sessionId)?.controller.abort('killed');
      }
      return { ok: true, session, previousState };
    },
    steer(id, text) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const { session } = found;
      const control = controls.get(session.sessionId);
      if (session.state !== 'completed' && elsewhere(session.sessionId)) {
        // Shared mode: only an instance running the session can pass the text to its next turn.
        if (queue.send?.(session.sessionId, { kind: 'steer', text }) !== true) return invalid(session, 'not running');
      } else if (control === undefined || session.state === 'completed') {
        return invalid(session, 'not running');
      } else steerHere(session, control, text);
      return { ok: true, session, previousState: session.state };
    },
    async resume(id, request) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const session = found.session;
      const previousState = session.state;
      const sidecar = sidecars.get(session.sessionId);
      if (request.kind !== 'force') {
        if (session.state !== 'parked' || sidecar?.gate == null) return invalid(session, 'not parked at a gate');
        if (request.kind === 'reject') {
          const job = jobOf(session, sidecar);
          await disposeWorktree(deliveryDeps(runner, noEmit), job, 'error', runner.logger);
          endIdle(session, 'error', `gate_rejected: ${request.reason}`);
          return { ok: true, session, previousState };
        }
        enqueue(session, { kind: 'gate_approved', rationale: request.rationale }, true);
        return { ok: true, session, previousState };
      }
      const resumable =
        (session.state === 'completed' && session.outcome !== 'success') || session.state === 'interrupted';
      if (!resumable) return invalid(session, 'only discarded, failed or interrupted sessions can be resumed');
      if (sidecar === undefined || sidecar.continueToken === null) {
        return invalid(session, 'no continue token is stored for it');
      }
      enqueue(session, { kind: 'resume', reason: 'forced' }, true);
      return { ok: true, session, previousState };
    },
    deliver(id) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const session = found.session;
      if (session.state !== 'delivery_failed' || !sidecars.has(session.sessionId)) {
        return invalid(session, 'only a delivery_failed session can be delivered again');
      }
      enqueue(session, { kind: 'deliver' }, true);
      return { ok: true, session, previousState: 'delivery_failed' };
    },
    killSwitch(triggerId, reason = 'kill_switch') {
      const killed: string[] = [];
      const dropped: string[] = [];
      for (const session of sessions.list()) {
        if (triggerId !== undefined && session.triggerId !== triggerId) continue;
        if (!['queued', 'preparing', 'running', 'parked'].includes(session.state)) continue;
        const wasQueued = session.state === 'queued';
        if (!core.kill(session.sessionId, reason).ok) continue;
        (wasQueued ? dropped : killed).push(session.sessionId);
      }
      refreshPause();
      if (triggerId === undefined) pausedAll = true;
      else pausedTriggers.add(triggerId);
      persistPause();
      runner.events.emit('kill_switch', { engaged: true, triggerId: triggerId ?? null, killed, dropped });
      return { killed, dropped, paused: triggerId ?? 'all' };
    },
    unpause(triggerId) {
      refreshPause();
      if (triggerId === undefined) {
        pausedAll = false;
        pausedTriggers.clear();
      } else pausedTriggers.delete(triggerId);
      persistPause();
      runner.events.emit('kill_switch', { engaged: false, triggerId: triggerId ?? null, killed: [], dropped: [] });
      return core.pause;
    },
    isPaused(triggerId) {
      refreshPause();
      return pausedAll || pausedTriggers.has(triggerId);
    },
    get pause() {
      refreshPause();
      return { dispatchPaused: pausedAll, pausedTriggers: [...pausedTriggers] };
    },
    replaceConfig(next) {
      config = next;
      const kept = new Set(next.triggers.map((t) => t.id));
      // Shared mode: the queue holds every instance's dispatches, and their sidecars are in the store. Each instance
      // reloads its own triggers.yml; whichever drops an entry first ends its session.
      const queuedIds = sharedMode
        ? sessions
            .list()
            .filter((s) => s.state === 'queued')
            .map((s) => s.sessionId)
        : queue.queuedIds();
      for (const sessionId of queuedIds) {
        const session = sessions.find(sessionId);
        if (session.kind !== 'found') continue;
        const { triggerId } = session.session;
        if (triggerId === AD_HOC_TRIGGER || kept.has(triggerId)) continue;
        const sidecar = sharedMode ? (store.load?.(sessionId)?.sidecar ?? null) : (sidecars.get(sessionId) ?? null);
        if (sidecar?.mode.kind !== 'start' || !queue.drop(sessionId)) continue;
        controls.delete(sessionId);
        runner.events.emit('session_dropped', { sessionId, triggerId, reason: 'trigger_removed' });
        endIdle(session.session, 'killed', 'trigger_removed');
      }
    },
    adopt({ session, sidecar }) {
      sessions.add(session);
      if (sidecar !== null) sidecars.set(session.sessionId, sidecar);
    },
    requeue(sessionId, mode) {
      const found = sessions.find(sessionId);
      if (found.kind !== 'found') throw new Error(`requeue of unknown session ${sessionId}`);
      enqueue(found.session, mode, true);
    },
    async abandon(sessionId, outcome, detail) {
      const found = sessions.find(sessionId);
      if (found.kind !== 'found') throw new Error(`abandon of unknown session ${sessionId}`);
      const sidecar = sidecars.get(sessionId);
      if (sidecar !== undefined) {
        await disposeWorktree(deliveryDeps(runner, noEmit), jobOf(found.session, sidecar), outcome, runner.logger);
      }
      endIdle(found.session, outcome, detail);
    },
    sidecarOf: (sessionId) => sidecars.get(sessionId) ?? null,
    async shutdown(graceMs) {
      queue.close();
      // Queued sessions stay queued in the store; only this process forgets them.
      for (const id of queue.queuedIds()) {
        queue.drop(id);
        controls.delete(id);
      }
      for (const control of controls.values()) control.controller.abort('shutdown');
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(timer);
    },
  };
  return core;
}

const noEmit = () => undefined;

function newSession(dispatch: Dispatch, now: number): DaemonSession {
  return {
    sessionId: dispatch.sessionId,
    workrailSessionId: null,
    triggerId: dispatch.triggerId,
    workflowId: dispatch.workflowId,
    goal: dispatch.goal,
    workspacePath: dispatch.workspacePath,
    worktreePath: null,
    branch: null,
    state: 'queued',
    outcome: null,
    detail: null,
    queuedAt: new Date(now).toISOString(),
    startedAt: null,
    endedAt: null,
    turns: 0,
    stepAdvances: 0,
    currentStepId: null,
    resumeCount: 0,
    provider: dispatch.agent.provider,
    model: dispatch.agent.model,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    delivery: { status: 'none', stage: null, prUrl: null, commitShas: [], error: null },
    live: null,
    result: { finalNotes: null, artifacts: [], signals: [], issues: [] },
  };
}

function newSidecar(dispatch: Dispatch, now: number): Sidecar {
  return {
    dispatch,
    mode: { kind: 'start' },
    continueToken: null,
    checkpointToken: null,
    baseBranch: null,
    lastActivityAt: now,
    gate: null,
    delivery: null,
  };
}
