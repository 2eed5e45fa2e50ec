// The daemon's running state: accepted dispatches become session records, pass admission (queue.ts) and run
// (session-runner.ts) under a per-session abort controller that kill and shutdown use.
import type { TriggerConfig } from './config/load-triggers.js';
import type { Dispatch } from './dispatch.js';
import type { EventLog } from './events.js';
import { createDispatchQueue, type DispatchQueue, type QueueEntry } from './queue.js';
import { type RunnerDeps, runSession } from './session-runner.js';
import { createSessionRegistry, type DaemonSession, type Lookup, type SessionRegistry } from './sessions.js';

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

export interface DaemonCore {
  config: TriggerConfig;
  readonly sessions: SessionRegistry;
  readonly queue: DispatchQueue;
  readonly events: EventLog;
  submit(dispatch: Dispatch): SubmitResult;
  kill(id: string, reason?: string): ControlResult;
  steer(id: string, text: string): ControlResult;
  /**
   * The kill switch (§7.6): kills every queued, preparing, running and parked session (of one trigger when given)
   * and pauses dispatch (all, or that trigger) until `unpause`.
   */
  killSwitch(triggerId?: string, reason?: string): KillSwitchResult;
  /** Lifts the pause of one trigger, or every pause. */
  unpause(triggerId?: string): PauseState;
  isPaused(triggerId: string): boolean;
  readonly pause: PauseState;
  /** Stops every running session with `shutdown` and waits for them, at most `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

export function createDaemonCore(options: {
  readonly runner: RunnerDeps;
  readonly config: TriggerConfig;
  readonly maxConcurrentSessions: number;
}): DaemonCore {
  const { runner } = options;
  const sessions = createSessionRegistry();
  const controls = new Map<string, { controller: AbortController; steer: string[] }>();
  const dispatches = new Map<string, Dispatch>();
  const running = new Set<Promise<void>>();
  const pausedTriggers = new Set<string>();
  let pausedAll = false;

  const start = async (entry: QueueEntry) => {
    const found = sessions.find(entry.sessionId);
    const dispatch = dispatches.get(entry.sessionId);
    const control = controls.get(entry.sessionId);
    if (found.kind !== 'found' || dispatch === undefined || control === undefined) return;
    const run = runSession(runner, found.session, dispatch, {
      signal: control.controller.signal,
      drainSteer: () => control.steer.splice(0),
    });
    running.add(run);
    try {
      await run;
    } finally {
      running.delete(run);
      dispatches.delete(entry.sessionId);
      controls.delete(entry.sessionId);
    }
  };
  const queue = createDispatchQueue({ maxConcurrent: options.maxConcurrentSessions, start, now: runner.now });

  const lookup = (id: string): ControlResult | { ok: 'found'; session: DaemonSession } => {
    const found: Lookup = sessions.find(id);
    if (found.kind === 'not_found') return { ok: false, code: 'SESSION_NOT_FOUND', message: `No session ${id}` };
    if (found.kind === 'ambiguous') {
      return { ok: false, code: 'AMBIGUOUS_ID', message: `${id} matches ${found.matches.join(', ')}` };
    }
    return { ok: 'found', session: found.session };
  };

  const core: DaemonCore = {
    config: options.config,
    sessions,
    queue,
    events: runner.events,
    submit(dispatch) {
      if (dispatch.dedupeKey !== null) {
        const first = queue.dedupe(dispatch.dedupeKey, dispatch.sessionId);
        if (first !== null) {
          runner.events.emit('dispatch_ignored', {
            triggerId: dispatch.triggerId,
            reason: 'duplicate',
            sessionId: first,
          });
          return { status: 'duplicate', sessionId: first };
        }
      }
      const admission = queue.queuedFor(dispatch.triggerId) >= dispatch.maxQueueDepth ? null : true;
      if (admission === null) {
        runner.events.emit('session_dropped', { triggerId: dispatch.triggerId, reason: 'queue_full' });
        return {
          status: 'queue_full',
          queueDepth: queue.queuedFor(dispatch.triggerId),
          maxQueueDepth: dispatch.maxQueueDepth,
        };
      }
      sessions.add(newSession(dispatch, runner.now()));
      dispatches.set(dispatch.sessionId, dispatch);
      controls.set(dispatch.sessionId, { controller: new AbortController(), steer: [] });
      runner.events.emit('trigger_fired', {
        triggerId: dispatch.triggerId,
        sessionId: dispatch.sessionId,
        source: dispatch.source,
      });
      const queuedBefore = queue.queuedFor(dispatch.triggerId) + 1;
      runner.events.emit('session_queued', {
        sessionId: dispatch.sessionId,
        triggerId: dispatch.triggerId,
        workflowId: dispatch.workflowId,
        queuePosition: queuedBefore,
      });
      const admitted = queue.admit({
        sessionId: dispatch.sessionId,
        triggerId: dispatch.triggerId,
        concurrency: dispatch.concurrency,
        maxQueueDepth: dispatch.maxQueueDepth,
      });
      return {
        status: 'accepted',
        sessionId: dispatch.sessionId,
        queuePosition: admitted.ok ? admitted.queuePosition : queuedBefore,
      };
    },
    kill(id, reason) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const session = found.session;
      const previousState = session.state;
      if (session.state === 'completed' || session.state === 'interrupted') {
        return {
          ok: false,
          code: 'INVALID_STATE',
          message: `Session ${session.sessionId} is already ${session.state}`,
        };
      }
      if (queue.drop(session.sessionId)) {
        session.state = 'completed';
        session.outcome = 'killed';
        session.detail = reason ?? null;
        session.endedAt = new Date(runner.now()).toISOString();
        runner.events.emit('session_dropped', {
          sessionId: session.sessionId,
          triggerId: session.triggerId,
          reason: 'killed',
        });
        runner.events.emit('session_completed', {
          sessionId: session.sessionId,
          triggerId: session.triggerId,
          outcome: 'killed',
          detail: reason ?? null,
        });
      } else {
        controls.get(session.sessionId)?.controller.abort('killed');
      }
      return { ok: true, session, previousState };
    },
    steer(id, text) {
      const found = lookup(id);
      if (found.ok !== 'found') return found;
      const control = controls.get(found.session.sessionId);
      if (control === undefined || found.session.state === 'completed') {
        return {
          ok: false,
          code: 'INVALID_STATE',
          message: `Session ${found.session.sessionId} is ${found.session.state}`,
        };
      }
      control.steer.push(text);
      runner.events.emit('steer_received', {
        sessionId: found.session.sessionId,
        triggerId: found.session.triggerId,
        length: text.length,
      });
      return { ok: true, session: found.session, previousState: found.session.state };
    },
    killSwitch(triggerId, reason = 'kill_switch') {
      const killed: string[] = [];
      const dropped: string[] = [];
      for (const session of sessions.list()) {
        if (triggerId !== undefined && session.triggerId !== triggerId) continue;
        if (session.state === 'completed' || session.state === 'interrupted') continue;
        const wasQueued = session.state === 'queued';
        if (!core.kill(session.sessionId, reason).ok) continue;
        (wasQueued ? dropped : killed).push(session.sessionId);
      }
      if (triggerId === undefined) pausedAll = true;
      else pausedTriggers.add(triggerId);
      runner.events.emit('kill_switch', { engaged: true, triggerId: triggerId ?? null, killed, dropped });
      return { killed, dropped, paused: triggerId ?? 'all' };
    },
    unpause(triggerId) {
      if (triggerId === undefined) {
        pausedAll = false;
        pausedTriggers.clear();
      } else pausedTriggers.delete(triggerId);
      runner.events.emit('kill_switch', { engaged: false, triggerId: triggerId ?? null, killed: [], dropped: [] });
      return core.pause;
    },
    isPaused: (triggerId) => pausedAll || pausedTriggers.has(triggerId),
    get pause() {
      return { dispatchPaused: pausedAll, pausedTriggers: [...pausedTriggers] };
    },
    async shutdown(graceMs) {
      for (const id of queue.queuedIds()) queue.drop(id);
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

function newSession(dispatch: Dispatch, now: number): DaemonSession {
  return {
    sessionId: dispatch.sessionId,
    workrailSessionId: null,
    triggerId: dispatch.triggerId,
    workflowId: dispatch.workflowId,
    goal: dispatch.goal,
    workspacePath: dispatch.workspacePath,
    state: 'queued',
    outcome: null,
    detail: null,
    queuedAt: new Date(now).toISOString(),
    startedAt: null,
    endedAt: null,
    turns: 0,
    stepAdvances: 0,
    currentStepId: null,
    provider: dispatch.agent.provider,
    model: dispatch.agent.model,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    live: null,
    result: { finalNotes: null, artifacts: [], signals: [], issues: [] },
  };
}
