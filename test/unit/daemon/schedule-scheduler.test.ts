import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTriggers } from '../../../src/daemon/config/load-triggers.js';
import type { Dispatch } from '../../../src/daemon/dispatch.js';
import { createEventLog } from '../../../src/daemon/events.js';
import { createRedactor } from '../../../src/daemon/redact.js';
import { createScheduler, type SchedulerClock, type SchedulerDeps } from '../../../src/daemon/schedule/scheduler.js';
import type { SessionState } from '../../../src/daemon/sessions.js';
import { openDaemonDb } from '../../../src/daemon/state/daemon-db.js';
import { createScheduleState } from '../../../src/daemon/state/schedule-state.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A clock whose time moves only through `advance`, firing due timers in order. */
function fakeClock(startIso: string): SchedulerClock & { advance(toIso: string): void; pending(): number } {
  let now = Date.parse(startIso);
  const timers: { at: number; fire: () => void; live: boolean }[] = [];
  return {
    now: () => now,
    setTimer(fire, ms) {
      const timer = { at: now + ms, fire, live: true };
      timers.push(timer);
      return () => {
        timer.live = false;
      };
    },
    advance(toIso) {
      const to = Date.parse(toIso);
      for (;;) {
        const due = timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        due.live = false;
        now = Math.max(now, due.at);
        due.fire();
      }
      now = to;
    },
    pending: () => timers.filter((t) => t.live).length,
  };
}

function setup(args: { cron: string; catchUp?: boolean; goal?: string; startIso: string }) {
  const ws = mkdtempSync(path.join(tmpdir(), 'schedule-unit-'));
  cleanups.push(() => rmSync(ws, { recursive: true, force: true }));
  const goal = args.goal ?? 'goal: Weekly scan';
  const config = parseTriggers(
    `triggers:
  - id: nightly
    provider: schedule
    workflowId: wr.any
    workspacePath: ${ws}
    ${goal}
    source: { cron: "${args.cron}", timezone: UTC, catchUp: ${args.catchUp ?? false} }
`,
    path.join(ws, 'triggers.yml'),
    { env: { ANTHROPIC_API_KEY: 'sk-test-key' } },
  );
  expect(config.findings.filter((f) => f.severity === 'error')).toEqual([]);
  const db = openDaemonDb(':memory:');
  cleanups.push(() => db.close());
  const state = createScheduleState(db);
  const clock = fakeClock(args.startIso);
  const events = createEventLog({ file: null, redact: createRedactor(), now: clock.now });
  const submitted: Dispatch[] = [];
  const live: { triggerId: string; state: SessionState }[] = [];
  let paused = false;
  const core = {
    config,
    events,
    isPaused: () => paused,
    sessions: { list: () => live },
    submit(dispatch: Dispatch) {
      submitted.push(dispatch);
      return { status: 'accepted', sessionId: dispatch.sessionId, queuePosition: 1 };
    },
  } as unknown as SchedulerDeps['core'];
  let ids = 0;
  const scheduler = createScheduler({
    core,
    state,
    clock,
    logger: pino({ level: 'silent' }),
    newId: () => `session-${++ids}`,
  });
  cleanups.push(() => scheduler.stop());
  const skipped = () => events.since(0).filter((e) => e.kind === 'schedule_skipped');
  return {
    scheduler,
    core,
    clock,
    state,
    submitted,
    live,
    skipped,
    pause: (value: boolean) => {
      paused = value;
    },
  };
}

describe('the scheduler', () => {
  it('dispatches at each match with source schedule, its times in context and dedupe key id@scheduledAt', () => {
    const t = setup({
      cron: '0 * * * *',
      goal: 'goalTemplate: "Scan for {{triggerId}} at {{$.scheduledAt}}"',
      startIso: '2026-05-14T10:20:00Z',
    });
    t.scheduler.start();
    expect(t.scheduler.nextFireAt('nightly')).toBe('2026-05-14T11:00:00.000Z');
    t.clock.advance('2026-05-14T12:30:00Z');
    expect(t.submitted.map((d) => [d.source, d.goal, d.dedupeKey, d.context.scheduledAt, d.context.firedAt])).toEqual([
      [
        'schedule',
        'Scan for nightly at 2026-05-14T11:00:00.000Z',
        'nightly@2026-05-14T11:00:00.000Z',
        '2026-05-14T11:00:00.000Z',
        '2026-05-14T11:00:00.000Z',
      ],
      [
        'schedule',
        'Scan for nightly at 2026-05-14T12:00:00.000Z',
        'nightly@2026-05-14T12:00:00.000Z',
        '2026-05-14T12:00:00.000Z',
        '2026-05-14T12:00:00.000Z',
      ],
    ]);
    expect(t.state.lastScheduledAt('nightly')).toBe('2026-05-14T12:00:00.000Z');
    expect(t.scheduler.nextFireAt('nightly')).toBe('2026-05-14T13:00:00.000Z');
  });

  it('skips a match with reason overlap while a session of the trigger is live, and paused while paused', () => {
    const t = setup({ cron: '0 * * * *', startIso: '2026-05-14T10:20:00Z' });
    t.scheduler.start();
    t.live.push({ triggerId: 'nightly', state: 'running' });
    t.clock.advance('2026-05-14T11:00:00Z');
    t.live.splice(0);
    t.pause(true);
    t.clock.advance('2026-05-14T12:00:00Z');
    t.pause(false);
    t.live.push({ triggerId: 'other', state: 'running' }, { triggerId: 'nightly', state: 'completed' });
    t.clock.advance('2026-05-14T13:00:00Z');
    expect(t.skipped().map((e) => [e.reason, e.scheduledAt])).toEqual([
      ['overlap', '2026-05-14T11:00:00.000Z'],
      ['paused', '2026-05-14T12:00:00.000Z'],
    ]);
    expect(t.submitted.map((d) => d.dedupeKey)).toEqual(['nightly@2026-05-14T13:00:00.000Z']);
  });

  it('with catchUp, dispatches exactly one run at start when times were missed', () => {
    const t = setup({ cron: '0 * * * *', catchUp: true, startIso: '2026-05-14T10:20:00Z' });
    t.state.record('nightly', '2026-05-14T06:00:00.000Z');
    t.scheduler.start();
    expect(t.submitted.map((d) => d.dedupeKey)).toEqual(['nightly@2026-05-14T10:00:00.000Z']);
    expect(t.submitted[0]?.context.firedAt).toBe('2026-05-14T10:20:00.000Z');
    expect(t.scheduler.nextFireAt('nightly')).toBe('2026-05-14T11:00:00.000Z');
  });

  it('with catchUp and nothing missed, or without catchUp, dispatches nothing at start', () => {
    const caughtUp = setup({ cron: '0 * * * *', catchUp: true, startIso: '2026-05-14T10:20:00Z' });
    caughtUp.state.record('nightly', '2026-05-14T10:00:00.000Z');
    caughtUp.scheduler.start();
    expect(caughtUp.submitted).toEqual([]);

    const dropped = setup({ cron: '0 * * * *', catchUp: false, startIso: '2026-05-14T10:20:00Z' });
    dropped.state.record('nightly', '2026-05-14T06:00:00.000Z');
    dropped.scheduler.start();
    expect(dropped.submitted).toEqual([]);
    expect(dropped.state.lastScheduledAt('nightly')).toBe('2026-05-14T10:20:00.000Z');
  });

  it('starts a trigger it never saw at its next match, remembering when it first saw it', () => {
    const t = setup({ cron: '0 * * * *', catchUp: true, startIso: '2026-05-14T10:20:00Z' });
    t.scheduler.start();
    expect(t.submitted).toEqual([]);
    expect(t.state.lastScheduledAt('nightly')).toBe('2026-05-14T10:20:00.000Z');
  });

  it('fires now on request, and stops arming timers once stopped', () => {
    const t = setup({ cron: '@daily', startIso: '2026-05-14T10:20:00Z' });
    t.scheduler.start();
    expect(t.scheduler.fireNow('nightly')).toEqual({
      status: 'dispatched',
      sessionId: 'session-1',
      scheduledAt: '2026-05-14T10:20:00.000Z',
    });
    expect(t.scheduler.fireNow('unknown')).toBeNull();
    t.scheduler.stop();
    expect(t.clock.pending()).toBe(0);
    expect(t.scheduler.nextFireAt('nightly')).toBeNull();
  });

  it('on reload stops removed triggers and arms new ones at their next match without catch-up', () => {
    const t = setup({ cron: '0 * * * *', catchUp: true, startIso: '2026-05-14T10:20:00Z' });
    t.scheduler.start();
    const { config } = t.core;
    (t.core as { config: typeof config }).config = { ...config, triggers: [] };
    t.scheduler.reload();
    expect(t.scheduler.nextFireAt('nightly')).toBeNull();
    t.clock.advance('2026-05-14T12:30:00Z');
    expect(t.submitted).toEqual([]);

    (t.core as { config: typeof config }).config = config;
    t.scheduler.reload();
    expect(t.submitted).toEqual([]);
    expect(t.scheduler.nextFireAt('nightly')).toBe('2026-05-14T13:00:00.000Z');
  });
});
