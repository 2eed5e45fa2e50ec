// The times of a `schedule` trigger (docs/worktrain.md §4.3): a 5-field cron or @hourly|@daily|@weekly|@monthly in an
// IANA zone. croner finds the matches; two DST rules are ours: a local time that does not exist is skipped (croner
// would move a fixed-time job to the end of the gap), and a local time that occurs twice fires once (croner would
// fire an interval job on both).
import { Cron } from 'croner';

export interface ScheduleSource {
  readonly cron: string;
  readonly timezone: string;
  readonly catchUp: boolean;
}

export interface SourceProblem {
  readonly field: 'cron' | 'timezone' | 'catchUp';
  readonly rule: 'invalid-cron' | 'invalid-timezone' | 'invalid-value' | 'missing-field';
  readonly message: string;
}

export type SourceCheck =
  | { readonly ok: true; readonly source: ScheduleSource }
  | { readonly ok: false; readonly problems: readonly SourceProblem[] };

const NICKNAMES = ['@hourly', '@daily', '@weekly', '@monthly'];

export function hostTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Checks a trigger's `source` map; the zone defaults to `defaultZone` (the host's). */
export function checkScheduleSource(
  source: { readonly [key: string]: unknown },
  defaultZone = hostTimezone(),
): SourceCheck {
  const { cron, timezone = defaultZone, catchUp = false } = source;
  const problems: SourceProblem[] = [];
  const cronText = typeof cron === 'string' ? cron.trim() : '';
  const cronIssue = typeof cron === 'string' ? cronProblem(cronText) : 'not a string';
  if (cron === undefined) {
    problems.push({ field: 'cron', rule: 'missing-field', message: 'source.cron is required (e.g. "0 9 * * 1")' });
  } else if (cronIssue !== null) {
    problems.push({
      field: 'cron',
      rule: 'invalid-cron',
      message: `source.cron must be 5 fields (minute hour day-of-month month day-of-week) or one of ${NICKNAMES.join(', ')}, got ${JSON.stringify(cron)} (${cronIssue})`,
    });
  }
  if (typeof timezone !== 'string' || !isValidZone(timezone)) {
    problems.push({
      field: 'timezone',
      rule: 'invalid-timezone',
      message: `source.timezone must be an IANA time zone such as Europe/Paris or UTC, got ${JSON.stringify(timezone)}`,
    });
  }
  if (typeof catchUp !== 'boolean') {
    problems.push({
      field: 'catchUp',
      rule: 'invalid-value',
      message: `source.catchUp must be true or false, got ${JSON.stringify(catchUp)}`,
    });
  }
  if (problems.length > 0 || typeof timezone !== 'string' || typeof catchUp !== 'boolean')
    return { ok: false, problems };
  const pattern = cronText.startsWith('@') ? cronText.toLowerCase() : cronText;
  return { ok: true, source: { cron: pattern, timezone, catchUp } };
}

/** The first `count` fire times strictly after `after`, oldest first. */
export function nextTimes(source: ScheduleSource, after: Date, count: number): Date[] {
  const job = cronOf(source);
  const out: Date[] = [];
  let cursor: Date | null = after;
  // Each croner step yields one candidate; DST filtering drops at most a handful per transition.
  for (let guard = 0; out.length < count && cursor !== null && guard < count * 10 + 100; guard++) {
    cursor = job.nextRun(cursor);
    if (cursor !== null && fires(job, source.timezone, cursor)) out.push(cursor);
  }
  return out;
}

/** The latest fire time in `(since, now]`, or null when none was missed. */
export function latestMissed(source: ScheduleSource, since: Date, now: Date): Date | null {
  const job = cronOf(source);
  for (const candidate of job.previousRuns(50, now)) {
    if (candidate.getTime() <= since.getTime()) return null;
    if (candidate.getTime() <= now.getTime() && fires(job, source.timezone, candidate)) return candidate;
  }
  return null;
}

/** `2026-03-29 09:00 CEST`-style wall time of `at` in `zone`. */
export function formatInZone(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`;
}

function cronOf(source: ScheduleSource): Cron {
  return new Cron(source.cron, { timezone: source.timezone, mode: '5-part', paused: true });
}

/** A candidate fires when its wall time matches the pattern (not moved out of a DST gap) and is not a repeat. */
function fires(job: Cron, zone: string, at: Date): boolean {
  if (!job.match(at)) return false;
  const wall = wallClockMs(at, zone);
  // A repeated wall time is one that an earlier instant, one DST shift before, already showed.
  return ![30, 60, 120].some((minutes) => wallClockMs(new Date(at.getTime() - minutes * 60_000), zone) === wall);
}

function wallClockMs(at: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** Why `cron` is not a valid 5-field pattern or nickname, or null when it is. */
function cronProblem(cron: string): string | null {
  if (cron.startsWith('@')) return NICKNAMES.includes(cron.toLowerCase()) ? null : 'unknown nickname';
  try {
    new Cron(cron, { mode: '5-part', paused: true });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
  }
}

function isValidZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}
