// The /api/v2 endpoints of the daemon (docs/worktrain.md §5.2, §5.4–§5.7). Envelope: {success, data} or
// {success: false, error, code, field?}.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AppDeps } from '../../app/index.js';
import type { JsonObject } from '../../workflow/types.js';
import { resolveAgentConfig } from '../agent-config.js';
import type { Env } from '../config/env-file.js';
import type { Finding } from '../config/findings.js';
import { agentConfigSchema } from '../config/trigger-schema.js';
import type { DaemonCore, ResumeRequest } from '../core.js';
import { DEFAULTS } from '../defaults.js';
import { AD_HOC_TRIGGER, type Dispatch, goalFor, triggerDispatch } from '../dispatch.js';
import type { DaemonEvent } from '../events.js';
import type { DaemonSession } from '../sessions.js';

export interface ApiContext {
  readonly core: DaemonCore;
  readonly app: AppDeps;
  readonly env: Env;
  readonly version: string;
  readonly startedAt: number;
  readonly now: () => number;
  /** The findings of the last failed triggers.yml reload (§3.1), null when the file in force is the latest. */
  readonly reloadError?: () => readonly Finding[] | null;
  /** The next fire time of a schedule trigger (§5.5), null for other triggers. */
  readonly nextFireAt?: (triggerId: string) => string | null;
}

type Status = 200 | 202 | 400 | 404 | 409 | 429 | 503;

const fail = (c: Context, status: Status, code: string, error: string, field?: string) =>
  c.json({ success: false, error, code, ...(field === undefined ? {} : { field }) }, status);
const success = (c: Context, data: unknown, status: Status = 200) => c.json({ success: true, data }, status);

const dispatchBody = z.union([
  z.strictObject({
    triggerId: z.string().min(1),
    goal: z.string().optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    workflowId: z.string().min(1),
    goal: z.string().min(1),
    workspacePath: z.string().startsWith('/'),
    context: z.record(z.string(), z.unknown()).optional(),
    agentConfig: agentConfigSchema.optional(),
  }),
]);

export function registerApiRoutes(http: Hono, ctx: ApiContext): void {
  const { core } = ctx;

  http.get('/api/v2/status', (c) =>
    success(c, {
      version: ctx.version,
      pid: process.pid,
      startedAt: new Date(ctx.startedAt).toISOString(),
      uptimeMs: ctx.now() - ctx.startedAt,
      running: core.queue.running,
      queued: core.queue.queued,
      parked: core.sessions.list().filter((s) => s.state === 'parked').length,
      deliveryFailed: core.sessions.list().filter((s) => s.state === 'delivery_failed').length,
      ...core.pause,
      triggers: { total: core.config.triggers.length },
    }),
  );

  http.get('/api/v2/triggers', (c) =>
    success(c, {
      file: core.config.file,
      reloadError: ctx.reloadError?.() ?? null,
      triggers: core.config.triggers.map((t) => ({
        id: t.id,
        provider: t.provider,
        workflowId: t.workflowId,
        workspacePath: t.workspacePath,
        goal: t.goal ?? null,
        goalTemplate: t.written.goalTemplate ?? null,
        needsGoal: t.goal === undefined,
        branchStrategy: t.branchStrategy,
        autoCommit: t.autoCommit,
        autoPush: t.autoPush,
        autoOpenPR: t.autoOpenPR,
        concurrency: t.concurrency,
        maxQueueDepth: t.maxQueueDepth,
        state: 'active',
        running: core.queue.runningFor(t.id),
        queued: core.queue.queuedFor(t.id),
        hmac: t.hmacSecret !== undefined,
        source: t.written.source ?? null,
        nextFireAt: ctx.nextFireAt?.(t.id) ?? null,
        line: t.line,
      })),
    }),
  );

  http.post('/api/v2/dispatch', async (c) => {
    const parsed = dispatchBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      return fail(c, 400, 'VALIDATION_ERROR', `${field || 'body'}: ${issue?.message ?? 'invalid'}`, field);
    }
    const body = parsed.data;
    if (core.isPaused('triggerId' in body ? body.triggerId : AD_HOC_TRIGGER)) {
      return fail(c, 503, 'DISPATCH_PAUSED', 'Dispatch is paused (kill switch engaged)');
    }
    const sessionId = randomUUID();
    let dispatch: Dispatch;
    if ('triggerId' in body) {
      const trigger = core.config.triggers.find((t) => t.id === body.triggerId);
      if (trigger === undefined)
        return fail(c, 404, 'TRIGGER_NOT_FOUND', `Unknown trigger: ${body.triggerId}`, 'triggerId');
      // A schedule run now fills its goalTemplate and context as a tick at this moment would (§4.3).
      const firedAt = new Date(ctx.now()).toISOString();
      const times: JsonObject = trigger.provider === 'schedule' ? { scheduledAt: firedAt, firedAt } : {};
      const payload = body.payload ?? (trigger.provider === 'schedule' ? { triggerId: trigger.id, ...times } : {});
      const goal = goalFor(trigger, payload, body.goal);
      if (!goal.ok) return fail(c, 400, 'VALIDATION_ERROR', goal.error, 'goal');
      dispatch = triggerDispatch({
        trigger,
        payload,
        goal: goal.goal,
        source: 'dispatch',
        sessionId,
        extraContext: { ...times, ...((body.context ?? {}) as JsonObject) },
      });
    } else {
      if (!isDirectory(body.workspacePath)) {
        return fail(c, 400, 'VALIDATION_ERROR', `workspacePath ${body.workspacePath} does not exist`, 'workspacePath');
      }
      const catalog = ctx.app.sources.list(body.workspacePath);
      if (!catalog.entries.some((entry) => entry.id === body.workflowId)) {
        return fail(
          c,
          404,
          'WORKFLOW_NOT_FOUND',
          `No workflow ${body.workflowId} seen from ${body.workspacePath}`,
          'workflowId',
        );
      }
      const agent = resolveAgentConfig(body.agentConfig, ctx.env);
      if (!agent.ok) return fail(c, 400, 'VALIDATION_ERROR', agent.message, agent.field);
      dispatch = {
        sessionId,
        triggerId: AD_HOC_TRIGGER,
        source: 'dispatch',
        workflowId: body.workflowId,
        goal: body.goal,
        workspacePath: body.workspacePath,
        context: {
          ...((body.context ?? {}) as JsonObject),
          triggerId: AD_HOC_TRIGGER,
          triggerSource: 'dispatch',
          is_autonomous: 'true',
          daemonSessionId: sessionId,
          workspacePath: body.workspacePath,
        },
        agent: agent.value,
        referenceUrls: [],
        soulFile: undefined,
        concurrency: Number.MAX_SAFE_INTEGER,
        maxQueueDepth: DEFAULTS.maxQueueDepth,
        dedupeKey: null,
        trigger: null,
      };
    }
    const result = core.submit(dispatch);
    if (result.status === 'queue_full') return fail(c, 429, 'QUEUE_FULL', 'Trigger queue is full');
    if (result.status === 'duplicate') return success(c, { sessionId: result.sessionId, state: 'duplicate' }, 202);
    return success(c, { sessionId: result.sessionId, state: 'queued', queuePosition: result.queuePosition }, 202);
  });

  http.get('/api/v2/sessions', (c) => {
    const state = c.req.query('state');
    const triggerId = c.req.query('triggerId');
    const limit = Number(c.req.query('limit') ?? '50');
    const sessions = core.sessions
      .list()
      .filter(
        (s) => (state === undefined || s.state === state) && (triggerId === undefined || s.triggerId === triggerId),
      )
      .sort((a, b) => liveRank(a) - liveRank(b) || b.queuedAt.localeCompare(a.queuedAt))
      .slice(0, Number.isFinite(limit) && limit > 0 ? limit : 50);
    return success(c, { sessions, nextCursor: null });
  });

  http.get('/api/v2/sessions/:id', (c) => {
    const found = core.sessions.find(c.req.param('id'));
    if (found.kind === 'not_found') return fail(c, 404, 'SESSION_NOT_FOUND', `No session ${c.req.param('id')}`);
    if (found.kind === 'ambiguous') return fail(c, 400, 'AMBIGUOUS_ID', `Matches ${found.matches.join(', ')}`);
    return success(c, found.session);
  });

  const steer = async (c: Context) => {
    const body = z.object({ text: z.string().min(1) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return fail(c, 400, 'VALIDATION_ERROR', 'text must be a non-empty string', 'text');
    const result = core.steer(c.req.param('id') ?? '', body.data.text);
    if (!result.ok) return fail(c, statusOf(result.code), result.code, result.message);
    return success(c, { delivered: 'next_turn' });
  };
  http.post('/api/v2/sessions/:id/steer', steer);
  http.post('/sessions/:id/steer', steer);

  http.post('/api/v2/sessions/:id/kill', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { reason?: unknown };
    const result = core.kill(c.req.param('id'), typeof body.reason === 'string' ? body.reason : undefined);
    if (!result.ok) return fail(c, statusOf(result.code), result.code, result.message);
    return success(c, { sessionId: result.session.sessionId, previousState: result.previousState });
  });

  http.post('/api/v2/sessions/:id/resume', async (c) => {
    const body = z
      .object({
        approve: z.boolean().optional(),
        reject: z.string().min(1).optional(),
        rationale: z.string().optional(),
      })
      .safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) return fail(c, 400, 'VALIDATION_ERROR', 'approve must be a boolean, reject a non-empty reason');
    const { approve, reject, rationale } = body.data;
    if (approve === true && reject !== undefined) {
      return fail(c, 400, 'VALIDATION_ERROR', 'give approve or reject, not both');
    }
    const request: ResumeRequest =
      reject !== undefined
        ? { kind: 'reject', reason: reject }
        : approve === true
          ? { kind: 'approve', rationale: rationale ?? 'approved by the operator' }
          : { kind: 'force' };
    const result = await core.resume(c.req.param('id'), request);
    if (!result.ok) return fail(c, statusOf(result.code), result.code, result.message);
    return success(c, {
      sessionId: result.session.sessionId,
      previousState: result.previousState,
      state: result.session.state,
      outcome: result.session.outcome,
    });
  });

  http.post('/api/v2/sessions/:id/deliver', (c) => {
    const result = core.deliver(c.req.param('id'));
    if (!result.ok) return fail(c, statusOf(result.code), result.code, result.message);
    return success(c, { sessionId: result.session.sessionId, state: result.session.state });
  });

  http.post('/api/v2/kill-switch', async (c) => {
    const body = z
      .object({ triggerId: z.string().min(1).optional(), reason: z.string().optional() })
      .safeParse(await c.req.json().catch(() => ({})));
    if (!body.success) return fail(c, 400, 'VALIDATION_ERROR', 'triggerId and reason must be strings');
    const { triggerId, reason } = body.data;
    if (triggerId !== undefined && !core.config.triggers.some((t) => t.id === triggerId)) {
      return fail(c, 404, 'TRIGGER_NOT_FOUND', `Unknown trigger: ${triggerId}`, 'triggerId');
    }
    return success(c, core.killSwitch(triggerId, reason));
  });

  http.delete('/api/v2/kill-switch', (c) => success(c, core.unpause(c.req.query('triggerId'))));

  http.get('/api/v2/events', (c) => {
    const sessionFilter = c.req.query('sessionId');
    const triggerFilter = c.req.query('triggerId');
    const kinds = c.req
      .query('kinds')
      ?.split(',')
      .filter((k) => k !== '');
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? Number.NaN);
    const wanted = (event: DaemonEvent) =>
      (sessionFilter === undefined || event.sessionId === sessionFilter || event.workrailSessionId === sessionFilter) &&
      (triggerFilter === undefined || event.triggerId === triggerFilter) &&
      (kinds === undefined || kinds.includes(event.kind));
    return streamSSE(c, async (stream) => {
      await stream.writeSSE({
        event: 'hello',
        data: JSON.stringify({ version: ctx.version, seq: core.events.lastSeq }),
      });
      const pending: DaemonEvent[] = Number.isFinite(after) ? [...core.events.since(after)] : [];
      let wake: (() => void) | null = null;
      const unsubscribe = core.events.subscribe((event) => {
        pending.push(event);
        wake?.();
      });
      const ping = setInterval(() => {
        void stream.write(': ping\n\n');
      }, 15_000);
      stream.onAbort(() => {
        unsubscribe();
        clearInterval(ping);
        wake?.();
      });
      while (!stream.aborted) {
        const event = pending.shift();
        if (event === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
          continue;
        }
        if (wanted(event))
          await stream.writeSSE({ id: String(event.seq), event: event.kind, data: JSON.stringify(event) });
      }
    });
  });
}

function statusOf(code: 'SESSION_NOT_FOUND' | 'AMBIGUOUS_ID' | 'INVALID_STATE'): Status {
  return code === 'SESSION_NOT_FOUND' ? 404 : code === 'AMBIGUOUS_ID' ? 400 : 409;
}

function liveRank(session: DaemonSession): number {
  return session.state === 'completed' ? 1 : 0;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
