// The daemon's Hono app (docs/worktrain.md §5.1): /health, webhooks (HMAC, no token), /api/v2 (bearer token on
// writes, and on reads from non-loopback peers), a Host-header guard against DNS rebinding, no CORS.
import { type Context, Hono } from 'hono';
import { bearerMatches } from '../api-token.js';
import type { Logger } from '../logger.js';
import { type ApiContext, registerApiRoutes } from './api-routes.js';
import { registerWebhookRoute } from './webhook-route.js';

export interface ServerOptions extends ApiContext {
  readonly apiToken: string;
  readonly host: string;
  readonly logger: Logger;
}

export function createDaemonHttp(options: ServerOptions): Hono {
  const http = new Hono();
  const log = options.logger.child({ component: 'http' });

  http.use('*', async (c, next) => {
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!['127.0.0.1', 'localhost', '::1', options.host].includes(host)) {
      return c.json({ success: false, error: 'Host not allowed', code: 'FORBIDDEN' }, 403);
    }
    await next();
  });
  const needsToken = async (c: Context, next: () => Promise<void>) => {
    if (c.req.method !== 'GET' && !bearerMatches(c.req.header('authorization'), options.apiToken)) {
      return c.json({ success: false, error: 'Missing or invalid bearer token', code: 'UNAUTHORIZED' }, 401);
    }
    await next();
    return undefined;
  };
  http.use('/api/v2/*', needsToken);
  http.use('/sessions/*', needsToken);

  http.get('/health', (c) =>
    c.json({ status: 'ok', version: options.version, uptimeMs: options.now() - options.startedAt }),
  );
  registerWebhookRoute(http, options.core);
  registerApiRoutes(http, options);
  http.notFound((c) => c.json({ success: false, error: 'Not found', code: 'NOT_FOUND' }, 404));
  http.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json({ success: false, error: 'Internal error', code: 'INTERNAL_ERROR' }, 500);
  });
  return http;
}
