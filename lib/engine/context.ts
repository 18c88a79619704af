import type { Logger } from 'pino';
import type { EngineMetrics } from './observability/metrics';

/** What every store and transfer needs from the run it belongs to. */
export interface EngineContext {
  /** Aborted by `stop({ abort: true })`; passed to every SDK call and stream. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly metrics: EngineMetrics;
  /**
   * Runs one request with the run's retry policy, counting retries under `operation`. `transient`
   * narrows which errors are retried (default `isRetryable`).
   */
  retry<T>(operation: string, request: () => Promise<T>, transient?: (err: unknown) => boolean): Promise<T>;
}
