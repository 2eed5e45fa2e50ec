// The console's request guards (docs/console.md §2 Security): a DNS-rebinding guard on Host, same-origin JSON for
// writes, an optional bearer token, and CSP + nosniff on every response. No CORS headers are ever sent.
import type { MiddlewareHandler } from 'hono';
import { errorJson } from './envelope.js';

export interface Binding {
  /** The host the server listens on. */
  readonly host: string;
  /** The bound port; read per request because `--port 0` learns it after listening. */
  port(): number;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Refuses requests whose Host is neither the bound host nor a loopback name, at the bound port. */
export function hostGuard(binding: Binding): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    const port = binding.port();
    const bound = binding.host.includes(':') ? `[${binding.host}]` : binding.host;
    const allowed = [bound, ...LOOPBACK_NAMES].map((name) => `${name}:${port}`);
    if (!allowed.includes(host)) return errorJson(c, 403, 'HOST_NOT_ALLOWED', `Host "${host}" is not allowed.`);
    return next();
  };
}

/** POST/PUT/PATCH/DELETE under the API need a JSON body and a same-origin request, else 403 CROSS_ORIGIN. */
export function sameOriginWrites(): MiddlewareHandler {
  return async (c, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) return next();
    const origin = c.req.header('origin');
    const host = c.req.header('host');
    const sameSite = c.req.header('sec-fetch-site') === 'same-origin';
    const sameOrigin = origin !== undefined && host !== undefined && origin === `http://${host}`;
    if (!sameSite && !sameOrigin) {
      return errorJson(c, 403, 'CROSS_ORIGIN', 'Write requests must come from the console itself.');
    }
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/json')) {
      return errorJson(c, 415, 'VALIDATION_ERROR', 'Write requests need a JSON body.', 'content-type');
    }
    return next();
  };
}

/** With a token configured, every API request needs `Authorization: Bearer <token>`. */
export function bearerToken(token: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (token === null) return next();
    if (c.req.header('authorization') !== `Bearer ${token}`) {
      return errorJson(c, 401, 'UNAUTHORIZED', 'This console needs its access token.');
    }
    return next();
  };
}

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  };
}
