// GET /api/v2/workflows and /workflows/:id (docs/console.md §3.3, §4.1).
import path from 'node:path';
import { Hono } from 'hono';
import { consoleWorkflow, consoleWorkflows } from '../../app/console-workflows.js';
import type { AppDeps } from '../../app/deps.js';
import { appErrorJson, errorJson, okJson } from '../envelope.js';

export function workflowRoutes(deps: Pick<AppDeps, 'sources'>): Hono {
  const routes = new Hono();

  routes.get('/workflows', (c) => {
    const workspace = c.req.query('workspace');
    if (workspace !== undefined && !path.isAbsolute(workspace)) {
      return errorJson(c, 400, 'VALIDATION_ERROR', 'workspace: must be an absolute path', 'workspace');
    }
    return okJson(c, consoleWorkflows(deps, workspace));
  });

  routes.get('/workflows/:id', (c) => {
    const workspace = c.req.query('workspace');
    if (workspace !== undefined && !path.isAbsolute(workspace)) {
      return errorJson(c, 400, 'VALIDATION_ERROR', 'workspace: must be an absolute path', 'workspace');
    }
    const detail = consoleWorkflow(deps, c.req.param('id'), workspace);
    return detail.ok ? okJson(c, detail.value) : appErrorJson(c, detail.error);
  });

  return routes;
}
