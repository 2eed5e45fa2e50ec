// The console's HTTP application (docs/console.md §2, §4): the JSON API under /api/v2, the live channel and the
// built UI under /console/, behind the host guard, same-origin writes and security headers.
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { createConsoleSessions } from '../app/console-sessions.js';
import type { AppDeps } from '../app/deps.js';
import type { ChangeFeed } from './change-feed.js';
import { errorJson } from './envelope.js';
import { daemonRoutes } from './routes/daemon.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { sessionRoutes } from './routes/sessions.js';
import { workflowRoutes } from './routes/workflows.js';
import { type Binding, bearerToken, hostGuard, sameOriginWrites, securityHeaders } from './security.js';
import { staticUi } from './static-ui.js';

export interface HttpAppOptions {
  readonly deps: Pick<AppDeps, 'store' | 'sources' | 'clock'>;
  readonly feed: ChangeFeed;
  readonly version: string;
  readonly binding: Binding;
  /** Required for a non-loopback bind (WORKRAIL_CONSOLE_TOKEN); null on loopback. */
  readonly token: string | null;
  readonly uiDir: string;
  readonly daemonAddress?: () => string | null;
  /** Reports an unexpected error (a bug or an infrastructure fault) before it becomes a 500. */
  readonly onError?: (error: unknown) => void;
}

export function createHttpApp(options: HttpAppOptions): Hono {
  const { deps } = options;
  const sessions = createConsoleSessions(deps.store, deps.clock);
  const app = new Hono();
  app.use('*', securityHeaders());
  app.use('*', hostGuard(options.binding));

  const api = new Hono();
  api.use('*', bearerToken(options.token));
  api.use('*', sameOriginWrites());
  api.use('/sessions/*', etag());
  api.use('/workflows/*', etag());
  api.use('/sessions', etag());
  api.use('/workflows', etag());
  api.route('/', healthRoutes(options.version));
  const sessionExists = (sessionId: string) =>
    deps.store.read((reader) => sessions.summary(reader, sessionId)) !== null;
  api.route('/', eventRoutes(options.feed, options.version, sessionExists));
  api.route('/', daemonRoutes(options.daemonAddress ?? (() => null)));
  api.route('/', sessionRoutes(deps, sessions));
  api.route('/', workflowRoutes(deps));
  app.route('/api/v2', api);
  app.notFound((c) =>
    c.req.path.startsWith('/api/')
      ? errorJson(c, 404, 'NOT_FOUND', `No API route ${c.req.method} ${c.req.path}.`)
      : c.text('Not found', 404),
  );

  app.get('/', (c) => c.redirect('/console/'));
  app.get('/console', (c) => c.redirect('/console/'));
  app.get('/console/', (c, next) => {
    const session = c.req.query('session');
    return session === undefined ? next() : c.redirect(`/console/sessions/${encodeURIComponent(session)}`);
  });
  app.get('/console/*', staticUi(options.uiDir));
  app.onError((error, c) => {
    options.onError?.(error);
    return errorJson(c, 500, 'INTERNAL_ERROR', 'The console hit an unexpected error; see its log.');
  });
  return app;
}
