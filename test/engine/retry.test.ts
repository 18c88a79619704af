import { describe, expect, it } from 'vitest';
import { withRetry } from '../../lib/engine/retry';

const transient = (): Error => Object.assign(new Error('reset'), { code: 'ECONNRESET' });
const options = { signal: new AbortController().signal, attempts: 4, baseDelayMs: 1 };

describe('withRetry', () => {
  it('retries transient errors until success, reporting each retry', async () => {
    let calls = 0;
    const retried: number[] = [];
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw transient();
        return 'ok';
      },
      { ...options, onRetry: (_err, attempt) => retried.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(retried).toEqual([1, 2]);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw transient();
      }, options),
    ).rejects.toThrow('reset');
    expect(calls).toBe(4);
  });

  it('does not retry a permanent error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }, options),
    ).rejects.toThrow('denied');
    expect(calls).toBe(1);
  });

  it('stops retrying once the signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          controller.abort();
          throw transient();
        },
        { ...options, signal: controller.signal },
      ),
    ).rejects.toThrow('reset');
    expect(calls).toBe(1);
  });

  it('retries only what `transient` accepts when given', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw transient();
        },
        { ...options, transient: () => false },
      ),
    ).rejects.toThrow('reset');
    expect(calls).toBe(1);
  });

  it('caps each delay at maxDelayMs', async () => {
    let calls = 0;
    const began = Date.now();
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw transient();
        },
        { ...options, attempts: 6, baseDelayMs: 60_000, maxDelayMs: 20 },
      ),
    ).rejects.toThrow('reset');
    expect(calls).toBe(6);
    expect(Date.now() - began).toBeLessThan(1000);
  });

  it('starts no retry past the deadline and fails with the last error', async () => {
    let calls = 0;
    const began = Date.now();
    await expect(
      withRetry(
        async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 60));
          throw transient();
        },
        { ...options, attempts: 100, deadlineMs: 200 },
      ),
    ).rejects.toThrow('reset');
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(5);
    expect(Date.now() - began).toBeLessThan(500);
  });
});
