// One poll cycle's decisions (docs/worktrain.md §4.1, §7.2): which listed items to dispatch and which event keys to
// mark seen. Event-style providers dispatch each new event key once (the first poll only marks existing items seen,
// unless `backfill`); queue-style providers dispatch eligible ledger items, oldest first, up to free capacity.
import { randomUUID } from 'node:crypto';
import type { Trigger } from '../config/trigger.js';
import type { DaemonCore } from '../core.js';
import { conditionsHold, goalFor, triggerDispatch } from '../dispatch.js';
import type { ItemLedger } from '../state/item-ledger.js';
import type { PollItem } from './poll-item.js';
import { isQueueStyle, type PollSource } from './source-schema.js';

export interface CycleResult {
  readonly dispatched: readonly { readonly itemKey: string; readonly sessionId: string }[];
  readonly newSeen: readonly string[];
  readonly skipped: readonly { readonly itemKey: string; readonly reason: string }[];
}

const ACTIVE = new Set(['queued', 'preparing', 'running', 'delivering']);

export function runCycle(args: {
  readonly trigger: Trigger;
  readonly poll: PollSource;
  readonly items: readonly PollItem[];
  readonly seen: ReadonlySet<string>;
  readonly firstPoll: boolean;
  readonly core: DaemonCore;
  readonly ledger: ItemLedger;
  readonly goalTemplate: string;
  readonly at: string;
  readonly newId?: () => string;
}): CycleResult {
  const { trigger, poll, core, ledger } = args;
  const queueStyle = isQueueStyle(poll.provider);
  const dispatched: { itemKey: string; sessionId: string }[] = [];
  const newSeen: string[] = [];
  const skipped: { itemKey: string; reason: string }[] = [];
  const goalTrigger =
    trigger.written.goal === undefined && trigger.written.goalTemplate === undefined
      ? { ...trigger, goalTemplate: args.goalTemplate }
      : trigger;
  let capacity = queueStyle
    ? trigger.concurrency - core.sessions.list().filter((s) => s.triggerId === trigger.id && ACTIVE.has(s.state)).length
    : Number.POSITIVE_INFINITY;
  const items = [...args.items].sort((a, b) => a.createdAt.localeCompare(b.createdAt));

  for (const item of items) {
    if (capacity <= 0) break;
    const entry = ledger.get(trigger.id, item.itemKey);
    if (queueStyle) {
      const eligible =
        entry === null ||
        entry.state === 'new' ||
        (entry.state === 'failed' && entry.attempts < trigger.maxDispatchAttempts);
      if (!eligible) continue;
    } else {
      if (args.seen.has(item.eventKey)) continue;
      const backfill = (poll.source as { backfill?: boolean }).backfill === true;
      if (args.firstPoll && !backfill) {
        newSeen.push(item.eventKey);
        continue;
      }
      if (entry?.state === 'in_flight') continue;
      if (entry?.state === 'needs_human') {
        newSeen.push(item.eventKey);
        skipped.push({ itemKey: item.itemKey, reason: 'needs_human' });
        continue;
      }
    }
    if (!conditionsHold(trigger.dispatchCondition, item.payload)) {
      core.events.emit('dispatch_ignored', {
        triggerId: trigger.id,
        reason: 'dispatch_condition',
        itemKey: item.itemKey,
      });
      if (!queueStyle) newSeen.push(item.eventKey);
      skipped.push({ itemKey: item.itemKey, reason: 'dispatch_condition' });
      continue;
    }
    const goal = goalFor(goalTrigger, item.payload);
    if (!goal.ok) {
      if (!queueStyle) newSeen.push(item.eventKey);
      skipped.push({ itemKey: item.itemKey, reason: goal.error });
      continue;
    }
    const sessionId = args.newId?.() ?? randomUUID();
    const result = core.submit(
      triggerDispatch({
        trigger,
        payload: item.payload,
        goal: goal.goal,
        source: 'poll',
        sessionId,
        extraContext: { ...item.context, itemKey: item.itemKey },
      }),
    );
    if (result.status === 'queue_full') {
      skipped.push({ itemKey: item.itemKey, reason: 'queue_full' });
      break;
    }
    if (!queueStyle) newSeen.push(item.eventKey);
    if (result.status === 'accepted') {
      ledger.dispatched(trigger.id, item.itemKey, result.sessionId, item.ref, args.at);
      dispatched.push({ itemKey: item.itemKey, sessionId: result.sessionId });
      capacity -= 1;
    }
  }
  return { dispatched, newSeen, skipped };
}
