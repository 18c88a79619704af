import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './errors';

export interface RetryOptions {
  readonly signal: AbortSignal;
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time up to `maxDelayMs`, with full jitter. */
  readonly baseDelayMs: number;
  /** @default 20000 */
  readonly maxDelayMs?: number;
  /** No retry starts (or waits) past this long after the first attempt began. @default - none */
  readonly deadlineMs?: number;
  /** Which errors are worth another attempt. @default isRetryable */
  readonly transient?: (err: unknown) => boolean;
  /** Called before each retry, to log and count it. */
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `operation` again after a transient failure (see `isRetryable`): capped exponential backoff
 * with full jitter, at most `attempts` in all and none starting past the deadline.
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const began = Date.now();
  const transient = options.transient ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= options.attempts || !transient(err) || options.signal.aborted) throw err;
      const ceiling = Math.min(options.maxDelayMs ?? 20_000, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.random() * ceiling;
      if (options.deadlineMs !== undefined && Date.now() + delay - began > options.deadlineMs) throw err;
      options.onRetry?.(err, attempt);
      await sleep(delay, undefined, { signal: options.signal });
    }
  }
}
