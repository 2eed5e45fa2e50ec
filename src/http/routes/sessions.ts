// GET /api/v2/sessions, /sessions/:id, /sessions/:id/nodes/:nodeId, /sessions/:id/artifacts (docs/console.md §4.1).
import { Hono } from 'hono';
import { z } from 'zod';
import { consoleNodeDetail } from '../../app/console-node-detail.js';
import { consoleSessionArtifacts, consoleSessionDetail } from '../../app/console-session-detail.js';
import { type ConsoleSessions, SESSION_SORTS } from '../../app/console-sessions.js';
import type { AppDeps } from '../../app/deps.js';
import { appErrorJson, errorJson, okJson } from '../envelope.js';
import { SessionStatusSchema } from '../schemas.js';

const instant = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return ms;
});

export const SessionListQuery = z.object({
  q: z.string().max(500).optional(),
  status: z
    .string()
    .transform((text) => text.split(',').filter((s) => s !== ''))
    .pipe(z.array(SessionStatusSchema))
    .optional(),
  workflowId: z.string().min(1).optional(),
  source: z.enum(['editor', 'daemon']).optional(),
  triggerId: z.string().min(1).optional(),
  repo: z.string().min(1).optional(),
  branch: z.string().min(1).optional(),
  parent: z.string().min(1).optional(),
  coordinatorRunId: z.string().min(1).optional(),
  since: instant.optional(),
  until: instant.optional(),
  sort: z.enum(SESSION_SORTS).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional(),
  cursor: z.string().min(1).optional(),
  tree: z.enum(['true', 'false']).optional(),
});

export function sessionRoutes(deps: Pick<AppDeps, 'store'>, sessions: ConsoleSessions): Hono {
  const routes = new Hono();

  routes.get('/sessions', (c) => {
    const parsed = SessionListQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? 'query');
      return errorJson(c, 400, 'VALIDATION_ERROR', `${field}: ${issue?.message ?? 'invalid'}`, field);
    }
    const { q, status, workflowId, source, repo, branch, since, until, sort, limit, cursor, triggerId, parent } =
      parsed.data;
    // Daemon sessions, triggers and parents arrive with WorkTrain; until then those filters match nothing.
    if (triggerId !== undefined || parent !== undefined || parsed.data.coordinatorRunId !== undefined) {
      return okJson(c, { sessions: [], totalCount: 0, nextCursor: null });
    }
    const page = sessions.list({
      ...defined({ q, status, workflowId, source, repo, branch, since, until, sort, cursor }),
      limit: limit ?? 50,
    });
    return page.ok ? okJson(c, page.value) : appErrorJson(c, page.error);
  });

  routes.get('/sessions/:id', (c) => {
    const detail = consoleSessionDetail(deps, sessions, c.req.param('id'));
    return detail.ok ? okJson(c, detail.value) : appErrorJson(c, detail.error);
  });

  routes.get('/sessions/:id/nodes/:nodeId', (c) => {
    const node = consoleNodeDetail(deps, c.req.param('id'), c.req.param('nodeId'));
    return node.ok ? okJson(c, node.value) : appErrorJson(c, node.error);
  });

  routes.get('/sessions/:id/artifacts', (c) => {
    const artifacts = consoleSessionArtifacts(deps, c.req.param('id'));
    return artifacts.ok ? okJson(c, artifacts.value) : appErrorJson(c, artifacts.error);
  });

  return routes;
}

function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
