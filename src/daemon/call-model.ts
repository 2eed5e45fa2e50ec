// One LLM turn with the §6.6 stall limit and the §6.1 retry policy: each attempt gets `stallTimeoutMs` to answer;
// 429/5xx/network failures are retried with backoff, each retry reported to `onRetry`.
import { DEFAULTS } from './defaults.js';
import { classifyProviderError, retryDelayMs } from './providers/errors.js';
import type { ModelRequest, ModelResponse, Provider } from './providers/types.js';

export type CallOutcome =
  | { readonly kind: 'ok'; readonly response: ModelResponse; readonly durationMs: number }
  | { readonly kind: 'stalled' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'failed'; readonly status: number | null; readonly message: string };

export interface CallModelOptions {
  readonly stallTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly retryBaseMs?: number;
  readonly onRetry: (retry: { attempt: number; status: number | null; delayMs: number }) => void;
  readonly now: () => number;
}

export async function callModel(
  provider: Provider,
  request: Omit<ModelRequest, 'signal'>,
  options: CallModelOptions,
): Promise<CallOutcome> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) return { kind: 'aborted' };
    const controller = new AbortController();
    let stalled = false;
    const stallTimer = setTimeout(() => {
      stalled = true;
      controller.abort(new Error('stall'));
    }, options.stallTimeoutMs);
    const onAbort = () => controller.abort(options.signal.reason);
    options.signal.addEventListener('abort', onAbort, { once: true });
    const started = options.now();
    try {
      const response = await provider.complete({ ...request, signal: controller.signal });
      return { kind: 'ok', response, durationMs: options.now() - started };
    } catch (error) {
      if (stalled) return { kind: 'stalled' };
      if (options.signal.aborted) return { kind: 'aborted' };
      const failure = classifyProviderError(error);
      if (!failure.retryable || attempt > DEFAULTS.llmRetries) {
        return { kind: 'failed', status: failure.status, message: failure.message };
      }
      const delayMs = retryDelayMs(failure, attempt, options.retryBaseMs);
      options.onRetry({ attempt, status: failure.status, delayMs });
      if (!(await sleep(delayMs, options.signal))) return { kind: 'aborted' };
    } finally {
      clearTimeout(stallTimer);
      options.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
