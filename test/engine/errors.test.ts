import { describe, expect, it } from 'vitest';
import {
  IntegrityError,
  ListingError,
  SourceChangedError,
  StoppedError,
  TransferError,
  describeError,
  isRetryable,
  isTransientOnceReached,
} from '../../lib/engine/errors';

const s3Error = (name: string, status: number): Error =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('isRetryable', () => {
  it('retries throttling, 5xx and 429', () => {
    expect(isRetryable(s3Error('SlowDown', 503))).toBe(true);
    expect(isRetryable(s3Error('InternalError', 500))).toBe(true);
    expect(isRetryable(s3Error('Whatever', 502))).toBe(true);
    expect(isRetryable(s3Error('TooManyRequests', 429))).toBe(true);
  });

  it('retries connection resets and timeouts, also when wrapped', () => {
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new Error('outer', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
  });

  it('does not retry client errors, aborts or the engine own errors', () => {
    expect(isRetryable(s3Error('AccessDenied', 403))).toBe(false);
    expect(isRetryable(s3Error('NoSuchKey', 404))).toBe(false);
    expect(isRetryable(Object.assign(new Error('a'), { name: 'AbortError' }))).toBe(false);
    expect(isRetryable(new StoppedError('stop'))).toBe(false);
    expect(isRetryable(new TransferError('x', 'k'))).toBe(false);
    expect(isRetryable('string')).toBe(false);
  });

  it('retries bytes that changed on the way, but not a changed source or an incomplete listing', () => {
    expect(isRetryable(s3Error('BadDigest', 400))).toBe(true);
    expect(isRetryable(new IntegrityError('etag differs'))).toBe(true);
    expect(isRetryable(new SourceChangedError('changed', { cause: s3Error('PreconditionFailed', 412) }))).toBe(false);
    expect(isRetryable(new ListingError('no token'))).toBe(false);
  });
});

describe('isTransientOnceReached', () => {
  const network = (code: string): Error => Object.assign(new Error(code), { code });

  it('rides out what isRetryable does, except an endpoint that cannot be reached', () => {
    expect(isTransientOnceReached(s3Error('SlowDown', 503))).toBe(true);
    expect(isTransientOnceReached(network('ECONNRESET'))).toBe(true);
    expect(isTransientOnceReached(network('ECONNREFUSED'))).toBe(false);
    expect(isTransientOnceReached(network('ENOTFOUND'))).toBe(false);
    expect(isRetryable(network('ECONNREFUSED'))).toBe(true);
    expect(isTransientOnceReached(s3Error('AccessDenied', 403))).toBe(false);
  });
});

describe('describeError', () => {
  it('gives name, code and status on one line', () => {
    const err = Object.assign(new Error('first\nsecond'), { name: 'SlowDown', code: 'E1', $metadata: { httpStatusCode: 503 } });
    expect(describeError(err)).toBe('SlowDown E1 HTTP 503: first');
  });
});
