import { describe, expect, it } from 'vitest';
import { appError, ERROR_CODES } from '../../../src/app/errors.js';

describe('app errors', () => {
  it('makes TOKEN_SESSION_LOCKED retryable after 1000 ms and every other code not retryable', () => {
    for (const code of ERROR_CODES) {
      const expected =
        code === 'TOKEN_SESSION_LOCKED' ? { kind: 'retryable_after_ms', afterMs: 1000 } : { kind: 'not_retryable' };
      expect(appError(code, 'message').retry).toEqual(expected);
    }
  });

  it('omits details unless given, and lets a caller override the retry policy', () => {
    expect(appError('NOT_FOUND', 'gone')).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
      retry: { kind: 'not_retryable' },
    });
    const unavailable = appError('INTERNAL_ERROR', 'busy', undefined, { kind: 'retryable_after_ms', afterMs: 250 });
    expect(unavailable.retry).toEqual({ kind: 'retryable_after_ms', afterMs: 250 });
  });
});
