// POST /webhook/:triggerId (docs/worktrain.md §5.3): the checks run in the documented order and the first failure
// answers. Signature verification uses the raw body bytes, before any parsing.
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { DaemonCore } from '../core.js';
import { DEFAULTS } from '../defaults.js';
import { conditionsHold, goalFor, triggerDispatch } from '../dispatch.js';
import { verifySignature } from '../signature.js';

export function registerWebhookRoute(app: Hono, core: DaemonCore): void {
  app.post('/webhook/:triggerId', async (c) => {
    const triggerId = c.req.param('triggerId');
    const trigger = core.config.triggers.find((t) => t.id === triggerId);
    if (trigger === undefined) return c.json({ error: `Unknown trigger: ${triggerId}` }, 404);
    if (trigger.provider !== 'generic') {
      return c.json(
        { error: `Trigger ${triggerId} (${trigger.provider}) does not accept webhooks; use POST /api/v2/dispatch` },
        400,
      );
    }
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > DEFAULTS.webhookBodyLimitBytes) return c.json({ error: 'Payload too large (limit 1 MiB)' }, 413);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > DEFAULTS.webhookBodyLimitBytes)
      return c.json({ error: 'Payload too large (limit 1 MiB)' }, 413);
    if (
      trigger.hmacSecret !== undefined &&
      !verifySignature(trigger.hmacSecret, body, { get: (n) => c.req.header(n) })
    ) {
      return c.json({ error: 'Invalid signature' }, 401);
    }
    const payload = parsePayload(body, c.req.header('content-type'));
    if (!payload.ok) return c.json({ error: payload.error }, 400);
    if (c.req.header('x-github-event') === 'ping') return c.json({ status: 'pong' }, 200);
    if (core.isPaused(triggerId)) {
      core.events.emit('dispatch_ignored', { triggerId, reason: 'paused' });
      return c.json({ error: 'Dispatch is paused (kill switch engaged)' }, 503);
    }
    const goal = goalFor(trigger, payload.value);
    if (!goal.ok) return c.json({ error: goal.error }, 400);
    if (!conditionsHold(trigger.dispatchCondition, payload.value)) {
      core.events.emit('dispatch_ignored', { triggerId, reason: 'dispatch_condition' });
      return c.json({ status: 'ignored', reason: 'dispatch_condition' }, 202);
    }
    const dispatch = triggerDispatch({
      trigger,
      payload: payload.value,
      goal: goal.goal,
      source: 'webhook',
      sessionId: randomUUID(),
    });
    const result = core.submit(dispatch);
    if (result.status === 'duplicate') return c.json({ status: 'duplicate', sessionId: result.sessionId }, 202);
    if (result.status === 'queue_full') {
      c.header('Retry-After', String(Math.ceil(trigger.agent.maxSessionMinutes * 60)));
      return c.json(
        { error: 'Trigger queue is full', queueDepth: result.queueDepth, maxQueueDepth: result.maxQueueDepth },
        429,
      );
    }
    return c.json({ status: 'accepted', triggerId, sessionId: result.sessionId }, 202);
  });
}

type Parsed = { ok: true; value: { [key: string]: unknown } } | { ok: false; error: string };

function parsePayload(body: Uint8Array, contentType: string | undefined): Parsed {
  if (body.byteLength === 0) return { ok: true, value: {} };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return { ok: false, error: `Content-Type must be application/json, got ${type === '' ? 'none' : type}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (error) {
    return { ok: false, error: `Invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'The payload must be a JSON object' };
  }
  return { ok: true, value: value as { [key: string]: unknown } };
}
