// The console API envelope (docs/console.md §4): `{success: true, data}` or `{success: false, error, code, field?}`.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppError } from '../app/errors.js';

export function okJson(c: Context, data: unknown): Response {
  c.header('Cache-Control', 'no-cache');
  return c.json({ success: true, data });
}

export function errorJson(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  field?: string,
): Response {
  return c.json({ success: false, error: message, code, ...(field === undefined ? {} : { field }) }, status);
}

/** An expected use-case failure as its HTTP answer. */
export function appErrorJson(c: Context, error: AppError): Response {
  const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
  return errorJson(c, statusOf(error.code), error.code, error.message, field);
}

function statusOf(code: AppError['code']): ContentfulStatusCode {
  switch (code) {
    case 'VALIDATION_ERROR':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'PRECONDITION_FAILED':
    case 'SESSION_NOT_HEALTHY':
      return 409;
    case 'TOKEN_SESSION_LOCKED':
      return 503;
    default:
      return 500;
  }
}
