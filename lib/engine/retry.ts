import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable } from './errors';

export interface RetryOptions {
  readonly signal: AbortSignal;
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time, with full jitter. */
  readonly baseDelayMs: number;
  /** Which errors are worth another attempt. @default isRetryable */
  readonly transient?: (err: unknown) => boolean;
  /** Called before each retry, to log and count it. */
  readonly onRetry?: (err: unknown, attempt: number) => void;
}

/** Runs `operation` again after a transient failure (see `isRetryable`), with backoff. */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      const transient = options.transient ?? isRetryable;
      if (attempt >= options.attempts || !transient(err) || options.signal.aborted) throw err;
      options.onRetry?.(err, attempt);
      const ceiling = options.baseDelayMs * 2 ** (attempt - 1);
      await sleep(Math.random() * ceiling, undefined, { signal: options.signal });
    }
  }
}
