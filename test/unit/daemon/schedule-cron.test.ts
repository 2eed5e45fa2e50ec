import { describe, expect, it } from 'vitest';
import { checkScheduleTrigger } from '../../../src/daemon/schedule/check-schedule-trigger.js';
import {
  checkScheduleSource,
  formatInZone,
  latestMissed,
  nextTimes,
  type ScheduleSource,
} from '../../../src/daemon/schedule/cron-schedule.js';

const at = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((d) => d.toISOString());
const source = (cron: string, timezone = 'UTC', catchUp = false): ScheduleSource => ({ cron, timezone, catchUp });

describe('schedule source validation', () => {
  it.each([
    ['0 9 * * 1'],
    ['*/15 8-18 * * MON-FRI'],
    ['0 0 1,15 JAN,JUL *'],
    ['@hourly'],
    ['@daily'],
    ['@weekly'],
    ['@Monthly'],
  ])('accepts %s', (cron) => {
    expect(checkScheduleSource({ cron, timezone: 'Europe/Paris' })).toMatchObject({ ok: true });
  });

  it.each([
    ['* * * * * *', '6 parts'],
    ['61 * * * *', 'minute'],
    ['@yearly', 'unknown nickname'],
    ['every day', 'five'],
  ])('rejects %s as invalid-cron', (cron, reason) => {
    const checked = checkScheduleSource({ cron });
    expect(checked).toMatchObject({ ok: false, problems: [{ field: 'cron', rule: 'invalid-cron' }] });
    expect(!checked.ok && checked.problems[0]?.message).toContain(reason);
  });

  it('rejects an unknown zone as invalid-timezone and defaults to the given host zone', () => {
    expect(checkScheduleSource({ cron: '@daily', timezone: 'Mars/Olympus' })).toMatchObject({
      ok: false,
      problems: [{ field: 'timezone', rule: 'invalid-timezone' }],
    });
    expect(checkScheduleSource({ cron: '@daily' }, 'Asia/Tokyo')).toEqual({
      ok: true,
      source: { cron: '@daily', timezone: 'Asia/Tokyo', catchUp: false },
    });
  });

  it('requires a goal, and goalTemplate tokens among triggerId, scheduledAt, firedAt', () => {
    expect(checkScheduleTrigger({ source: { cron: '@daily' } }).map((p) => p.rule)).toEqual(['missing-field']);
    expect(checkScheduleTrigger({ goalTemplate: 'Scan at {{scheduledAt}} for {{$.triggerId}}', source: {} })).toEqual([
      expect.objectContaining({ rule: 'missing-field', path: ['source', 'cron'] }),
    ]);
    expect(checkScheduleTrigger({ goalTemplate: 'Fix {{$.issue.title}}', source: { cron: '@daily' } })).toEqual([
      expect.objectContaining({ rule: 'invalid-value', path: ['goalTemplate'] }),
    ]);
    expect(
      checkScheduleTrigger({ goal: 'x', source: { cron: '0 25 * * *', timezone: 'Mars/Olympus' } }).map((p) => p.rule),
    ).toEqual(['invalid-cron', 'invalid-timezone']);
    expect(checkScheduleTrigger({ goal: 'x', source: { cron: '@daily', every: 3 } })).toEqual([
      expect.objectContaining({ rule: 'unknown-key', path: ['source', 'every'] }),
    ]);
  });
});

describe('schedule fire times', () => {
  it('lists the next matches of a weekly cron in the trigger zone', () => {
    // Mondays 09:00 in Paris: 08:00 UTC in winter, 07:00 UTC in summer.
    expect(iso(nextTimes(source('0 9 * * 1', 'Europe/Paris'), at('2026-03-20T00:00:00Z'), 3))).toEqual([
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
    expect(formatInZone(at('2026-03-30T07:00:00Z'), 'Europe/Paris')).toBe('2026-03-30 09:00 GMT+2');
  });

  it('expands the nicknames', () => {
    const from = at('2026-05-14T10:20:00Z');
    expect(iso(nextTimes(source('@hourly'), from, 2))).toEqual([
      '2026-05-14T11:00:00.000Z',
      '2026-05-14T12:00:00.000Z',
    ]);
    expect(iso(nextTimes(source('@daily'), from, 1))).toEqual(['2026-05-15T00:00:00.000Z']);
    expect(iso(nextTimes(source('@weekly'), from, 1))).toEqual(['2026-05-17T00:00:00.000Z']);
    expect(iso(nextTimes(source('@monthly'), from, 1))).toEqual(['2026-06-01T00:00:00.000Z']);
  });

  it('skips a local time that does not exist (spring forward)', () => {
    // Paris jumps from 02:00 to 03:00 on 2026-03-29: 02:30 does not exist that day.
    expect(iso(nextTimes(source('30 2 * * *', 'Europe/Paris'), at('2026-03-28T00:00:00Z'), 3))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(iso(nextTimes(source('*/30 * * * *', 'Europe/Paris'), at('2026-03-29T00:10:00Z'), 3))).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST; 02:00 and 02:30 do not exist
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('fires a repeated local time once (fall back)', () => {
    // Paris goes from 03:00 back to 02:00 on 2026-10-25: 02:00–02:59 happen twice.
    expect(iso(nextTimes(source('30 2 * * *', 'Europe/Paris'), at('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(iso(nextTimes(source('*/30 * * * *', 'Europe/Paris'), at('2026-10-24T23:50:00Z'), 4))).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:00 and 02:30 CET are repeats
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
    ]);
  });
});

describe('schedule catch-up decision', () => {
  const hourly = source('0 * * * *', 'UTC', true);

  it('finds the latest time missed since the last handled one', () => {
    expect(latestMissed(hourly, at('2026-05-14T07:00:00Z'), at('2026-05-14T10:20:00Z'))?.toISOString()).toBe(
      '2026-05-14T10:00:00.000Z',
    );
  });

  it('finds nothing when no time passed since the last handled one', () => {
    expect(latestMissed(hourly, at('2026-05-14T10:00:00Z'), at('2026-05-14T10:59:59Z'))).toBeNull();
    expect(latestMissed(hourly, at('2026-05-14T10:30:00Z'), at('2026-05-14T10:45:00Z'))).toBeNull();
  });
});
