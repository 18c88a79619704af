/**
 * Sizes, deadlines and the retry policy. The CLI sets the deadlines and retries from its flags
 * (docs/engine.md); tests lower the sizes to exercise multipart logic on small bodies.
 */
export interface EngineTuning {
  /** A local file above this is uploaded in parts. @default 64 MiB */
  readonly multipartThresholdBytes: number;
  /** Part size for bodies the engine lays out itself. @default 16 MiB */
  readonly partSizeBytes: number;
  /** The largest single PUT or CopyObject S3 allows; above it, multipart. @default 5 GiB */
  readonly maxSinglePartBytes: number;
  /** How long opening a connection may take (`--connect-timeout`). @default 10000 */
  readonly connectTimeoutMs: number;
  /**
   * How long a request without a body may wait for the answer's headers (`--header-timeout`).
   * Uploads are bounded by the idle timeout instead, since their headers come after the body.
   * @default 60000
   */
  readonly headerTimeoutMs: number;
  /** How long a connection may stay silent, before the headers or mid-body (`--idle-timeout`). @default 60000 */
  readonly idleTimeoutMs: number;
  /** Attempts per request, the first included (`--retries`). @default 5 */
  readonly retryAttempts: number;
  /** Delay before the first retry; doubles each time, capped, with full jitter. @default 250 */
  readonly retryBaseDelayMs: number;
  /** The longest delay between two attempts. @default 20000 */
  readonly retryMaxDelayMs: number;
  /**
   * No retry starts later than this after an operation's first attempt (`--retry-deadline`), so
   * one request cannot hold a transfer slot for longer than this plus its own deadlines.
   * @default 300000
   */
  readonly retryDeadlineMs: number;
  /** Keys per listing page (ListObjectsV2 MaxKeys). @default 1000 */
  readonly listPageKeys: number;
  /** Times one object is copied again from the start after its source changed mid-copy. @default 3 */
  readonly sourceChangeRestarts: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_TUNING: EngineTuning = {
  multipartThresholdBytes: 64 * MIB,
  partSizeBytes: 16 * MIB,
  maxSinglePartBytes: 5 * 1024 * MIB,
  connectTimeoutMs: 10_000,
  headerTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  retryAttempts: 5,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 20_000,
  retryDeadlineMs: 300_000,
  listPageKeys: 1000,
  sourceChangeRestarts: 3,
};
