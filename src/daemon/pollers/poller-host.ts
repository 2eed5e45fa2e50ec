// The daemon's polling triggers (docs/worktrain.md §4.1, §7.2): one loop per trigger (first poll 5 s after start,
// then every `pollIntervalSeconds`, doubled per consecutive failure up to 15 min), the item ledger kept current
// from session and delivery events, and escalation to the forge. Timers and the clock are injectable so tests
// drive cycles with `pollNow` instead of waiting.
import type { Trigger } from '../config/trigger.js';
import type { DaemonCore } from '../core.js';
import type { DaemonEvent, EventLog } from '../events.js';
import type { Logger } from '../logger.js';
import type { ItemLedger, LedgerEntry, Settlement } from '../state/item-ledger.js';
import type { TriggerState } from '../state/trigger-state.js';
import { escalateItem, escalationText, noteJiraDelivery } from './item-notes.js';
import { defaultGoalTemplate, listItems } from './list-items.js';
import { runCycle } from './poll-cycle.js';
import type { ItemRef } from './poll-item.js';
import { PollError } from './poll-item.js';
import { type PollSource, parseSource, pollIntervalMs } from './source-schema.js';

export const FIRST_POLL_DELAY_MS = 5000;
export const MAX_BACKOFF_MS = 15 * 60 * 1000;
/** `since` overlaps the previous poll by this much; seen keys absorb the overlap. */
const SINCE_MARGIN_MS = 60_000;

export interface PollReport {
  readonly triggerId: string;
  readonly status: 'polled' | 'skipped' | 'failed';
  /** `paused`, `overrun`, `not_polling`, or the warning that ended the cycle early. */
  readonly reason: string | null;
  readonly listed: number;
  readonly dispatched: readonly { readonly itemKey: string; readonly sessionId: string }[];
  readonly error: string | null;
  /** Delay until the next scheduled poll. */
  readonly nextDelayMs: number;
}

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface PollerHost {
  start(triggers: readonly Trigger[]): void;
  /** Restarts the loops of added or changed triggers and stops those of removed ones; state is kept by id. */
  reload(triggers: readonly Trigger[]): void;
  stop(): Promise<void>;
  /** Runs one cycle of `triggerId` now (after any cycle in progress). */
  pollNow(triggerId: string): Promise<PollReport>;
  /** `worktrain trigger retry`: the item goes back to `new` with 0 attempts. */
  retryItem(triggerId: string, itemKey: string): boolean;
  readonly ledger: ItemLedger;
  readonly state: TriggerState;
  /** Waits for forge write-backs (escalations, Jira notes) started so far. */
  settled(): Promise<void>;
}

interface Loop {
  trigger: Trigger;
  poll: PollSource;
  fingerprint: string;
  failures: number;
  timer: unknown;
  running: Promise<PollReport> | null;
}

const defaultTimers: Timers = {
  set: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function createPollerHost(deps: {
  readonly core: DaemonCore;
  /** daemon.db's, or PostgreSQL's in the shared mode (state/trigger-stores.ts). */
  readonly ledger: ItemLedger;
  readonly state: TriggerState;
  readonly events: EventLog;
  readonly logger: Logger;
  readonly env: { readonly [key: string]: string | undefined };
  readonly now?: () => number;
  readonly timers?: Timers;
  readonly firstPollDelayMs?: number;
}): PollerHost {
  const now = deps.now ?? Date.now;
  const timers = deps.timers ?? defaultTimers;
  const log = deps.logger.child({ component: 'pollers' });
  const { state, ledger } = deps;
  const loops = new Map<string, Loop>();
  const triggers = new Map<string, Trigger>(deps.core.config.triggers.map((trigger) => [trigger.id, trigger]));
  const writes = new Set<Promise<void>>();
  const loginCache = new Map<string, string>();
  let stopped = false;

  const track = (what: string, work: () => Promise<void>) => {
    const p = work()
      .catch((error: unknown) => log.warn({ err: errorText(error) }, `${what} failed`))
      .finally(() => writes.delete(p));
    writes.add(p);
  };

  const schedule = (loop: Loop, ms: number) => {
    if (stopped) return;
    timers.clear(loop.timer);
    loop.timer = timers.set(() => {
      void tick(loop);
    }, ms);
  };
  const tick = async (loop: Loop) => {
    if (loops.get(loop.trigger.id) !== loop) return;
    const report = await cycle(loop);
    if (report.reason !== 'overrun') schedule(loop, report.nextDelayMs);
  };

  const delayFor = (loop: Loop, retryAfterMs: number | null = null) => {
    const base = pollIntervalMs(loop.poll);
    const backoff = loop.failures === 0 ? base : Math.min(base * 2 ** loop.failures, MAX_BACKOFF_MS);
    return Math.max(backoff, retryAfterMs ?? 0);
  };

  const cycle = (loop: Loop): Promise<PollReport> => {
    const report = (status: PollReport['status'], reason: string | null): PollReport => ({
      triggerId: loop.trigger.id,
      status,
      reason,
      listed: 0,
      dispatched: [],
      error: null,
      nextDelayMs: delayFor(loop),
    });
    if (loop.running !== null) {
      log.warn({ triggerId: loop.trigger.id }, 'poll cycle still running; this one is skipped');
      return Promise.resolve(report('skipped', 'overrun'));
    }
    if (deps.core.isPaused(loop.trigger.id)) return Promise.resolve(report('skipped', 'paused'));
    loop.running = poll(loop).finally(() => {
      loop.running = null;
    });
    return loop.running;
  };

  const poll = async (loop: Loop): Promise<PollReport> => {
    const { trigger } = loop;
    const startedAt = now();
    const before = state.get(trigger.id);
    let listing: Awaited<ReturnType<typeof listItems>>;
    try {
      listing = await listItems(trigger, loop.poll, {
        env: deps.env,
        since:
          before.lastPollAt === null ? null : new Date(Date.parse(before.lastPollAt) - SINCE_MARGIN_MS).toISOString(),
        loginCache,
      });
    } catch (error) {
      loop.failures += 1;
      const message = errorText(error);
      deps.events.emit('poll_failed', { triggerId: trigger.id, error: message });
      log.warn({ triggerId: trigger.id, err: message, failures: loop.failures }, 'poll failed');
      const retryAfter = error instanceof PollError ? error.retryAfterMs : null;
      return {
        triggerId: trigger.id,
        status: 'failed',
        reason: null,
        listed: 0,
        dispatched: [],
        error: message,
        nextDelayMs: delayFor(loop, retryAfter),
      };
    }
    loop.failures = 0;
    if (listing.warning !== null) log.warn({ triggerId: trigger.id }, listing.warning);
    const at = new Date(startedAt).toISOString();
    const result = runCycle({
      trigger,
      poll: loop.poll,
      items: listing.items,
      seen: before.seen,
      firstPoll: before.lastPollAt === null,
      core: deps.core,
      ledger,
      goalTemplate: defaultGoalTemplate(loop.poll),
      at,
    });
    for (const skip of result.skipped) {
      if (skip.reason !== 'dispatch_condition' && skip.reason !== 'needs_human')
        log.warn({ triggerId: trigger.id, itemKey: skip.itemKey }, `poll item skipped: ${skip.reason}`);
    }
    state.recordPoll(trigger.id, at, result.newSeen);
    return {
      triggerId: trigger.id,
      status: 'polled',
      reason: listing.warning,
      listed: listing.items.length,
      dispatched: result.dispatched,
      error: null,
      nextDelayMs: delayFor(loop),
    };
  };

  const startLoop = (trigger: Trigger) => {
    const poll = parseSource(trigger);
    if (poll === null) return;
    const loop: Loop = {
      trigger,
      poll,
      fingerprint: JSON.stringify([trigger.source, trigger.written]),
      failures: 0,
      timer: undefined,
      running: null,
    };
    loops.set(trigger.id, loop);
    schedule(loop, deps.firstPollDelayMs ?? FIRST_POLL_DELAY_MS);
  };
  const stopLoop = (id: string) => {
    const loop = loops.get(id);
    if (loop === undefined) return;
    timers.clear(loop.timer);
    loops.delete(id);
  };

  // Settling uses the live config: a non-leader (shared mode) settles the sessions it ran but never reloads loops.
  const triggerOf = (triggerId: string) => deps.core.config.triggers.find((t) => t.id === triggerId);
  const pollOf = (triggerId: string): PollSource | null => {
    const trigger = triggerOf(triggerId);
    return trigger === undefined ? null : parseSource(trigger);
  };

  const onSettled = (entry: LedgerEntry) => {
    if (entry.state !== 'needs_human') return;
    deps.events.emit('item_escalated', {
      triggerId: entry.triggerId,
      itemKey: entry.itemKey,
      attempts: entry.attempts,
      sessionId: entry.lastSessionId,
    });
    log.warn({ triggerId: entry.triggerId, itemKey: entry.itemKey, attempts: entry.attempts }, 'item needs a human');
    const poll = pollOf(entry.triggerId);
    if (poll === null) return;
    track('escalation', () =>
      escalateItem(poll, entry.ref as ItemRef, escalationText(entry.attempts, entry.lastOutcome), deps.env),
    );
  };

  const settle = (sessionId: string, settlement: Settlement) => {
    const entry = ledger.findBySession(sessionId);
    if (entry === null) return null;
    const max = triggerOf(entry.triggerId)?.maxDispatchAttempts ?? 3;
    const settled = ledger.settle(sessionId, settlement, max, new Date(now()).toISOString());
    if (settled !== null) onSettled(settled);
    return settled;
  };

  const onEvent = (event: DaemonEvent) => {
    if (typeof event.sessionId !== 'string') return;
    const sessionId = event.sessionId;
    if (event.kind === 'session_completed') {
      const entry = ledger.findBySession(sessionId);
      if (entry === null || entry.state !== 'in_flight') return;
      const outcome = String(event.outcome ?? 'error');
      // A successful session of a trigger with delivery settles when delivery_completed/failed arrives.
      if (outcome === 'success' && triggerOf(entry.triggerId)?.autoCommit === true) return;
      settle(sessionId, { kind: 'outcome', outcome });
    } else if (event.kind === 'delivery_completed') {
      const entry = settle(sessionId, { kind: 'delivery_completed' }) ?? ledger.findBySession(sessionId);
      const prUrl = typeof event.prUrl === 'string' ? event.prUrl : null;
      const poll = entry === null ? null : pollOf(entry.triggerId);
      if (entry !== null && poll !== null && prUrl !== null && poll.provider === 'jira_poll') {
        track('jira delivery note', async () => {
          const problem = await noteJiraDelivery(poll, entry.ref as ItemRef, prUrl);
          if (problem !== null) log.warn({ triggerId: entry.triggerId }, problem);
        });
      }
    } else if (event.kind === 'delivery_failed') {
      settle(sessionId, { kind: 'delivery_failed' });
    }
  };
  const unsubscribe = deps.events.subscribe((event) => {
    try {
      onEvent(event);
    } catch (error) {
      log.error({ err: errorText(error), kind: event.kind }, 'item ledger update failed');
    }
  });

  const setTriggers = (list: readonly Trigger[]) => {
    triggers.clear();
    for (const trigger of list) triggers.set(trigger.id, trigger);
  };

  return {
    ledger,
    state,
    start(list) {
      setTriggers(list);
      for (const trigger of list) startLoop(trigger);
    },
    reload(list) {
      setTriggers(list);
      for (const id of [...loops.keys()]) {
        const trigger = triggers.get(id);
        const loop = loops.get(id);
        if (trigger === undefined || loop?.fingerprint !== JSON.stringify([trigger.source, trigger.written]))
          stopLoop(id);
        else if (loop !== undefined) loop.trigger = trigger;
      }
      for (const trigger of list) if (!loops.has(trigger.id)) startLoop(trigger);
    },
    async stop() {
      stopped = true;
      unsubscribe();
      const running = [...loops.values()].flatMap((loop) => (loop.running === null ? [] : [loop.running]));
      for (const id of [...loops.keys()]) stopLoop(id);
      await Promise.allSettled(running);
      await Promise.allSettled([...writes]);
    },
    async pollNow(triggerId) {
      const loop = loops.get(triggerId);
      if (loop === undefined) {
        return {
          triggerId,
          status: 'skipped',
          reason: 'not_polling',
          listed: 0,
          dispatched: [],
          error: null,
          nextDelayMs: 0,
        };
      }
      if (loop.running !== null) await loop.running.catch(() => undefined);
      return cycle(loop);
    },
    retryItem: (triggerId, itemKey) => ledger.retry(triggerId, itemKey, new Date(now()).toISOString()),
    async settled() {
      while (writes.size > 0) await Promise.allSettled([...writes]);
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
