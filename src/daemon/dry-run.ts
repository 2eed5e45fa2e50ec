// The dry runs of `worktrain trigger test` (docs/worktrain.md §10): what POST /webhook/:id would do with a
// payload once its signature passed — the same goal, condition and dispatch code as the route, nothing queued — and
// the next fire times of a schedule.
import type { Trigger } from './config/trigger.js';
import type { DispatchCondition } from './config/trigger-schema.js';
import { conditionsHold, goalFor, triggerDispatch } from './dispatch.js';
import { readJsonPath } from './json-path.js';
import { checkScheduleSource, formatInZone, nextTimes } from './schedule/cron-schedule.js';

export interface DryRun {
  readonly triggerId: string;
  /** `accepted` (202), `ignored` (202, dispatchCondition false) or `bad_goal` (400). */
  readonly outcome: 'accepted' | 'ignored' | 'bad_goal';
  readonly summary: string;
  readonly conditionHolds: boolean;
  readonly conditions: readonly { payloadPath: string; value: unknown; expected: string; holds: boolean }[];
  readonly goal: string | null;
  readonly goalError: string | null;
  readonly workflowId: string;
  readonly workspacePath: string;
  readonly dedupeKey: string | null;
  readonly context: { readonly [key: string]: unknown } | null;
}

export function dryRunWebhook(trigger: Trigger, payload: { readonly [key: string]: unknown }): DryRun {
  const conditions = trigger.dispatchCondition.map((condition) => ({
    payloadPath: condition.payloadPath,
    value: readJsonPath(payload, condition.payloadPath),
    expected: describeCondition(condition),
    holds: conditionsHold([condition], payload),
  }));
  const conditionHolds = conditions.every((c) => c.holds);
  const goal = goalFor(trigger, payload);
  const base = { triggerId: trigger.id, conditionHolds, conditions, workflowId: trigger.workflowId };
  const workspacePath = trigger.workspacePath;
  if (!goal.ok) {
    return {
      ...base,
      outcome: 'bad_goal',
      summary: `would answer 400: ${goal.error}`,
      goal: null,
      goalError: goal.error,
      workspacePath,
      dedupeKey: null,
      context: null,
    };
  }
  if (!conditionHolds) {
    return {
      ...base,
      outcome: 'ignored',
      summary: 'would answer 202 ignored (dispatch_condition); no session',
      goal: goal.goal,
      goalError: null,
      workspacePath,
      dedupeKey: null,
      context: null,
    };
  }
  const dispatch = triggerDispatch({ trigger, payload, goal: goal.goal, source: 'webhook', sessionId: '(dry run)' });
  const { daemonSessionId: _id, ...context } = dispatch.context;
  return {
    ...base,
    outcome: 'accepted',
    summary: `would answer 202 accepted and run ${dispatch.workflowId}`,
    goal: dispatch.goal,
    goalError: null,
    workspacePath: dispatch.workspacePath,
    dedupeKey: dispatch.dedupeKey,
    context,
  };
}

function describeCondition(condition: DispatchCondition): string {
  if (condition.exists !== undefined) return condition.exists ? 'exists' : 'is absent';
  if (condition.equals !== undefined) return `equals ${JSON.stringify(condition.equals)}`;
  return `in [${(condition.in ?? []).map((v) => String(v)).join(', ')}]`;
}

export interface ScheduleDryRun {
  readonly triggerId: string;
  readonly cron: string;
  readonly timezone: string;
  /** The next fire times, as UTC ISO and as wall time in the trigger's zone. */
  readonly next: readonly { readonly utc: string; readonly local: string }[];
}

/** What `worktrain trigger test` shows for a schedule trigger (§4.3): its next `count` fire times after `now`. */
export function dryRunSchedule(trigger: Trigger, now: Date, count = 5): ScheduleDryRun | { readonly error: string } {
  const checked = checkScheduleSource(trigger.source);
  if (!checked.ok) return { error: checked.problems.map((problem) => problem.message).join('; ') };
  const { source } = checked;
  return {
    triggerId: trigger.id,
    cron: source.cron,
    timezone: source.timezone,
    next: nextTimes(source, now, count).map((at) => ({
      utc: at.toISOString(),
      local: formatInZone(at, source.timezone),
    })),
  };
}
