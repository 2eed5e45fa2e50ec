// The error envelope and its closed code set (docs: mcp-protocol.md §2.3).

export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'TOKEN_INVALID_FORMAT',
  'TOKEN_UNSUPPORTED_VERSION',
  'TOKEN_BAD_SIGNATURE',
  'TOKEN_SCOPE_MISMATCH',
  'TOKEN_UNKNOWN_NODE',
  'TOKEN_WORKFLOW_HASH_MISMATCH',
  'TOKEN_SESSION_LOCKED',
  'SESSION_NOT_HEALTHY',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type RetryPolicy =
  | { readonly kind: 'not_retryable' }
  | { readonly kind: 'retryable_immediate' }
  | { readonly kind: 'retryable_after_ms'; readonly afterMs: number };

/** An expected failure of a use case, rendered by every adapter as the same envelope. */
export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retry: RetryPolicy;
  readonly details?: { readonly [key: string]: unknown };
}

/** Builds an `AppError` with the retry policy the protocol assigns to `code` unless `retry` is given. */
export function appError(
  code: ErrorCode,
  message: string,
  details?: AppError['details'],
  retry: RetryPolicy = defaultRetry(code),
): AppError {
  return details === undefined ? { code, message, retry } : { code, message, retry, details };
}

function defaultRetry(code: ErrorCode): RetryPolicy {
  switch (code) {
    case 'TOKEN_SESSION_LOCKED':
      return { kind: 'retryable_after_ms', afterMs: 1000 };
    case 'VALIDATION_ERROR':
    case 'NOT_FOUND':
    case 'PRECONDITION_FAILED':
    case 'TOKEN_INVALID_FORMAT':
    case 'TOKEN_UNSUPPORTED_VERSION':
    case 'TOKEN_BAD_SIGNATURE':
    case 'TOKEN_SCOPE_MISMATCH':
    case 'TOKEN_UNKNOWN_NODE':
    case 'TOKEN_WORKFLOW_HASH_MISMATCH':
    case 'SESSION_NOT_HEALTHY':
    case 'INTERNAL_ERROR':
      return { kind: 'not_retryable' };
    default: {
      const unreachable: never = code;
      throw new Error(`unknown error code ${String(unreachable)}`);
    }
  }
}
