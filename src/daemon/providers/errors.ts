// How the loop treats a provider failure (docs/worktrain.md §6.1): 429, 5xx and network errors are retried with
// backoff (or the server's `retry-after`); other 4xx end the session with `error`.
import { DEFAULTS } from '../defaults.js';

export interface ProviderFailure {
  readonly retryable: boolean;
  /** HTTP status, or null for a network error. */
  readonly status: number | null;
  readonly message: string;
  /** The server's `retry-after` in ms, when it sent one. */
  readonly retryAfterMs: number | null;
}

/** Classifies an error thrown by either SDK. */
export function classifyProviderError(error: unknown): ProviderFailure {
  const status =
    typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : null;
  const message = error instanceof Error ? error.message : String(error);
  const headers = (error as { headers?: unknown })?.headers;
  const retryAfter = headers instanceof Headers ? headers.get('retry-after') : null;
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  return {
    retryable: status === null || status === 429 || status >= 500,
    status,
    message,
    retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null,
  };
}

/** 1 s, 2 s, 4 s … or the server's `retry-after`, never above 60 s. `attempt` counts from 1. */
export function retryDelayMs(
  failure: ProviderFailure,
  attempt: number,
  baseMs: number = DEFAULTS.llmRetryBaseMs,
): number {
  const delay = failure.retryAfterMs ?? baseMs * 2 ** (attempt - 1);
  return Math.min(delay, DEFAULTS.llmRetryMaxMs);
}
