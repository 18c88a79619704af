/** Internal sizes and retry policy; tests lower them to exercise multipart logic on small bodies. */
export interface EngineTuning {
  /** A local file above this is uploaded in parts. @default 64 MiB */
  readonly multipartThresholdBytes: number;
  /** Part size for bodies the engine lays out itself. @default 16 MiB */
  readonly partSizeBytes: number;
  /** The largest single PUT or CopyObject S3 allows; above it, multipart. @default 5 GiB */
  readonly maxSinglePartBytes: number;
  /** Attempts per request, the first included. @default 5 */
  readonly retryAttempts: number;
  /** @default 250 */
  readonly retryBaseDelayMs: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_TUNING: EngineTuning = {
  multipartThresholdBytes: 64 * MIB,
  partSizeBytes: 16 * MIB,
  maxSinglePartBytes: 5 * 1024 * MIB,
  retryAttempts: 5,
  retryBaseDelayMs: 250,
};
