/**
 * The engine's error classes. Exit code 2 is for `UsageError` and `ConfigurationError`; a
 * `TransferError` fails one object and the run goes on with the others.
 */

/** The command line is wrong (unknown flag, bad number, missing argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A remote, endpoint, bucket or credential is wrong or unreachable; nothing was changed. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** One object could not be copied, deleted or compared. */
export class TransferError extends Error {
  override readonly name = 'TransferError';

  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The run was stopped with `stop({ abort: true })` while this operation was in flight. */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/**
 * The bytes that arrived are not the bytes sent: the gateway refused a body whose Content-MD5 did
 * not match (BadDigest), or an answer's ETag differs from the MD5 the engine computed or expected.
 * Transient: the transfer is retried.
 */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

/**
 * The source object changed while it was being copied (a pinned request answered 412, or a
 * reproduced part layout did not give the source's ETag). The object's upload is aborted and the
 * copy starts again from the new version.
 */
export class SourceChangedError extends Error {
  override readonly name = 'SourceChangedError';
}

/** A listing cannot be trusted to be complete (e.g. truncated without a continuation token): the run stops before any delete. */
export class ListingError extends Error {
  override readonly name = 'ListingError';
}

const RETRYABLE_NAMES = new Set([
  'IntegrityError',
  'BadDigest',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
]);

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
  cause?: unknown;
}

/**
 * The one place that decides whether an error is transient: throttling, 5xx, 429, request
 * timeouts and connection resets are; everything else (4xx, aborts, our own errors) is not.
 */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as ErrorShape;
  if (e.name === 'AbortError' || err instanceof StoppedError || err instanceof SourceChangedError || err instanceof ListingError) return false;
  if (typeof e.name === 'string' && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  return e.cause !== undefined && e.cause !== err && isRetryable(e.cause);
}

/** Network errors that mean the endpoint cannot be reached at all, as opposed to a dropped connection. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * `isRetryable`, less the errors of an endpoint that cannot be reached: for a run's first request,
 * which should say "cannot reach" at once rather than after its retries, yet ride out a 503, a
 * throttle or a reset like any other request.
 */
export function isTransientOnceReached(err: unknown): boolean {
  const code = (err as ErrorShape | null)?.code;
  return isRetryable(err) && !(typeof code === 'string' && UNREACHABLE_CODES.has(code));
}

/** A short, single-line description of an error for logs and summaries, without any secret. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & ErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const parts = [e.name];
  if (typeof e.code === 'string' && e.code !== e.name) parts.push(e.code);
  if (typeof status === 'number') parts.push(`HTTP ${status}`);
  const message = e.message && e.message !== 'UnknownError' ? `: ${e.message.split('\n')[0]}` : '';
  return `${parts.join(' ')}${message}`;
}
