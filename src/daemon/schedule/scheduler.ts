// The host of `schedule` triggers (docs/worktrain.md §4.3): one timer per trigger, armed for its next fire time. At
// each time the run is skipped when dispatch is paused or a session of the trigger is still live (overlap), else it
// is dispatched with dedupe key `<triggerId>@<scheduledAt>`. Every handled time is stored, so `catchUp` can tell at
// start whether times were missed while the daemon was down.
import { randomUUID } from 'node:crypto';
import type { Trigger } from '../config/trigger.js';
import type { DaemonCore } from '../core.js';
import { goalFor, triggerDispatch } from '../dispatch.js';
import type { Logger } from '../logger.js';
import type { SessionState } from '../sessions.js';
import type { ScheduleState } from '../state/schedule-state.js';
import { checkScheduleSource, hostTimezone, latestMissed, nextTimes, type ScheduleSource } from './cron-schedule.js';

export interface SchedulerClock {
  now(): number;
  /** Calls `fire` after `ms`; returns a cancel function. */
  setTimer(fire: () => void, ms: number): () => void;
}

export type ScheduleTick =
  | { readonly status: 'dispatched'; readonly sessionId: string; readonly scheduledAt: string }
  | { readonly status: 'skipped'; readonly reason: 'paused' | 'overlap'; readonly scheduledAt: string }
  | { readonly status: 'refused'; readonly reason: string; readonly scheduledAt: string };

export interface Scheduler {
  /** Runs catch-up (one run per trigger with `catchUp` that missed times), then arms every schedule trigger. */
  start(): void;
  /** Re-arms after a config swap: removed triggers stop, new ones start at their next match (no catch-up). */
  reload(): void;
  /** Handles a fire time now, exactly as a timer would; null when `triggerId` is not a schedule trigger. */
  fireNow(triggerId: string): ScheduleTick | null;
  /** The armed next fire time (ISO), or null. */
  nextFireAt(triggerId: string): string | null;
  stop(): void;
}

export interface SchedulerDeps {
  readonly core: Pick<DaemonCore, 'config' | 'isPaused' | 'submit' | 'sessions' | 'events'>;
  readonly state: ScheduleState;
  readonly logger: Logger;
  readonly clock?: SchedulerClock;
  readonly newId?: () => string;
  /** Zone of triggers without `source.timezone`; default the host's. */
  readonly defaultZone?: string;
}

/** Sessions of a trigger in these states make a fire time an overlap. */
const LIVE: readonly SessionState[] = ['queued', 'preparing', 'running', 'parked', 'delivering'];
/** setTimeout holds at most 2^31-1 ms; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(fire, ms) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { core, state } = deps;
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? randomUUID;
  const zone = deps.defaultZone ?? hostTimezone();
  const log = deps.logger.child({ component: 'triggers' });
  const armed = new Map<string, { at: Date; cancel: () => void }>();
  let stopped = false;

  const schedules = (): { trigger: Trigger; source: ScheduleSource }[] =>
    core.config.triggers.flatMap((trigger) => {
      if (trigger.provider !== 'schedule') return [];
      const checked = checkScheduleSource(trigger.source, zone);
      if (checked.ok) return [{ trigger, source: checked.source }];
      for (const problem of checked.problems) log.warn({ triggerId: trigger.id }, problem.message);
      return [];
    });

  const tick = (trigger: Trigger, at: Date): ScheduleTick => {
    const scheduledAt = at.toISOString();
    const firedAt = new Date(clock.now()).toISOString();
    state.record(trigger.id, scheduledAt);
    const skip = (reason: 'paused' | 'overlap'): ScheduleTick => {
      core.events.emit('schedule_skipped', { triggerId: trigger.id, reason, scheduledAt });
      log.info({ triggerId: trigger.id, reason, scheduledAt }, 'schedule skipped');
      return { status: 'skipped', reason, scheduledAt };
    };
    if (core.isPaused(trigger.id)) return skip('paused');
    if (core.sessions.list().some((s) => s.triggerId === trigger.id && LIVE.includes(s.state))) return skip('overlap');
    const payload = { triggerId: trigger.id, scheduledAt, firedAt };
    const goal = goalFor(trigger, payload);
    if (!goal.ok) {
      log.warn({ triggerId: trigger.id, scheduledAt }, `schedule not dispatched: ${goal.error}`);
      return { status: 'refused', reason: goal.error, scheduledAt };
    }
    const dispatch = triggerDispatch({
      trigger,
      payload,
      goal: goal.goal,
      source: 'schedule',
      sessionId: newId(),
      extraContext: { scheduledAt, firedAt },
    });
    const result = core.submit({ ...dispatch, dedupeKey: `${trigger.id}@${scheduledAt}` });
    if (result.status === 'accepted') return { status: 'dispatched', sessionId: result.sessionId, scheduledAt };
    log.warn({ triggerId: trigger.id, scheduledAt, status: result.status }, 'schedule not dispatched');
    return { status: 'refused', reason: result.status, scheduledAt };
  };

  const arm = (triggerId: string, source: ScheduleSource, at?: Date) => {
    armed.get(triggerId)?.cancel();
    armed.delete(triggerId);
    if (stopped) return;
    const next = at ?? nextTimes(source, new Date(clock.now()), 1)[0];
    if (next === undefined) return;
    const cancel = clock.setTimer(
      () => {
        const current = schedules().find((s) => s.trigger.id === triggerId);
        if (current === undefined) return;
        // A timer may fire early (long waits are stepped); then it waits again for the same time.
        if (clock.now() < next.getTime()) return arm(triggerId, current.source, next);
        tick(current.trigger, next);
        arm(triggerId, current.source);
      },
      Math.min(Math.max(next.getTime() - clock.now(), 0), MAX_TIMER_MS),
    );
    armed.set(triggerId, { at: next, cancel });
  };

  const armAll = () => {
    const live = schedules();
    for (const id of armed.keys()) {
      if (!live.some((s) => s.trigger.id === id)) {
        armed.get(id)?.cancel();
        armed.delete(id);
      }
    }
    const now = new Date(clock.now());
    for (const { trigger, source } of live) {
      if (state.lastScheduledAt(trigger.id) === null) state.record(trigger.id, now.toISOString());
      arm(trigger.id, source);
    }
  };

  return {
    start() {
      const now = new Date(clock.now());
      for (const { trigger, source } of schedules()) {
        const last = state.lastScheduledAt(trigger.id);
        const missed = last === null || !source.catchUp ? null : latestMissed(source, new Date(last), now);
        if (missed !== null) {
          log.info({ triggerId: trigger.id, scheduledAt: missed.toISOString() }, 'schedule catch-up');
          tick(trigger, missed);
        } else state.record(trigger.id, now.toISOString());
      }
      armAll();
    },
    reload: armAll,
    fireNow(triggerId) {
      const found = schedules().find((s) => s.trigger.id === triggerId);
      return found === undefined ? null : tick(found.trigger, new Date(clock.now()));
    },
    nextFireAt: (triggerId) => armed.get(triggerId)?.at.toISOString() ?? null,
    stop() {
      stopped = true;
      for (const entry of armed.values()) entry.cancel();
      armed.clear();
    },
  };
}
