// GET /api/v2/health (docs/console.md §4.1): the console answers; also how a second `workrail console` finds it.
import { Hono } from 'hono';
import { okJson } from '../envelope.js';

export function healthRoutes(version: string): Hono {
  const routes = new Hono();
  routes.get('/health', (c) =>
    okJson(c, { status: 'ok', version, daemon: { reachable: false, version: null, port: null } }),
  );
  return routes;
}
