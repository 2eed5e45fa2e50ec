// A dispatch: what one session will run (docs/worktrain.md §1, §3.6, §3.7). Built from a trigger and a payload
// (webhook, run-now) or from an ad-hoc request; pure apart from the id passed in.
import type { JsonObject } from '../workflow/types.js';
import type { AgentConfig } from './agent-config.js';
import type { Trigger } from './config/trigger.js';
import type { DispatchCondition } from './config/trigger-schema.js';
import { DEFAULTS } from './defaults.js';
import { fillTemplate, readJsonPath } from './json-path.js';

export type TriggerSource = 'webhook' | 'poll' | 'schedule' | 'dispatch';

export interface Dispatch {
  readonly sessionId: string;
  /** The trigger id, or `_dispatch` for ad-hoc runs. */
  readonly triggerId: string;
  readonly source: TriggerSource;
  readonly workflowId: string;
  readonly goal: string;
  readonly workspacePath: string;
  readonly context: JsonObject;
  readonly agent: AgentConfig;
  readonly referenceUrls: readonly string[];
  readonly soulFile: string | undefined;
  readonly concurrency: number;
  readonly maxQueueDepth: number;
  readonly dedupeKey: string | null;
  /** The trigger as loaded when the dispatch was accepted (worktree and delivery settings); null for ad-hoc runs,
   * which use `branchStrategy: none`. A hot reload does not change it. */
  readonly trigger: Trigger | null;
}

export const AD_HOC_TRIGGER = '_dispatch';

/** All conditions hold (a list means all). `equals`/`in` compare scalar text; `exists` means present and non-null. */
export function conditionsHold(conditions: readonly DispatchCondition[], payload: unknown): boolean {
  return conditions.every((condition) => {
    const value = readJsonPath(payload, condition.payloadPath);
    if (condition.exists !== undefined) return (value !== undefined && value !== null) === condition.exists;
    if (value === null || value === undefined || typeof value === 'object') return false;
    const text = String(value);
    if (condition.equals !== undefined) return text === String(condition.equals);
    return (condition.in ?? []).some((expected) => String(expected) === text);
  });
}

export type GoalOutcome = { readonly ok: true; readonly goal: string } | { readonly ok: false; readonly error: string };

/** The template goal, else the static `goal`; without a fallback, names the first missing token. */
export function goalFor(trigger: Trigger, payload: unknown, override?: string): GoalOutcome {
  if (override !== undefined && override.trim() !== '') return { ok: true, goal: override };
  if (trigger.goalTemplate !== undefined) {
    const filled = fillTemplate(trigger.goalTemplate, payload);
    if (filled.ok) return filled;
    if (trigger.goal !== undefined) return { ok: true, goal: trigger.goal };
    return { ok: false, error: `goalTemplate token ${filled.token} not found in payload` };
  }
  return trigger.goal === undefined ? { ok: false, error: 'trigger has no goal' } : { ok: true, goal: trigger.goal };
}

/** The dispatch of `trigger` for `payload` (§3.6 context keys), under session id `sessionId`. */
export function triggerDispatch(args: {
  readonly trigger: Trigger;
  readonly payload: unknown;
  readonly goal: string;
  readonly source: TriggerSource;
  readonly sessionId: string;
  readonly extraContext?: JsonObject;
}): Dispatch {
  const { trigger, payload } = args;
  const context: { [key: string]: JsonObject[string] } = {
    ...(args.extraContext ?? {}),
    triggerId: trigger.id,
    triggerSource: args.source,
    is_autonomous: 'true',
    daemonSessionId: args.sessionId,
    workspacePath: trigger.workspacePath,
  };
  if (args.source === 'webhook' && payload !== undefined) {
    const size = Buffer.byteLength(JSON.stringify(payload));
    if (size > DEFAULTS.payloadContextMaxBytes) context.payloadOmitted = true;
    else context.payload = payload as JsonObject;
  }
  for (const [key, expression] of Object.entries(trigger.contextMapping)) {
    const value = readJsonPath(payload, expression);
    if (value !== undefined) context[key] = value as JsonObject[string];
  }
  return {
    sessionId: args.sessionId,
    triggerId: trigger.id,
    source: args.source,
    workflowId: trigger.workflowId,
    goal: args.goal,
    workspacePath: trigger.workspacePath,
    context,
    agent: trigger.agent,
    referenceUrls: trigger.referenceUrls,
    soulFile: trigger.soulFile,
    concurrency: trigger.concurrency,
    maxQueueDepth: trigger.maxQueueDepth,
    dedupeKey:
      args.source === 'webhook' ? `${trigger.id}|${trigger.workflowId}|${args.goal}|${trigger.workspacePath}` : null,
    trigger,
  };
}
