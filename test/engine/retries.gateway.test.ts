import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineMetrics, runSync } from '../../lib/engine';
import { FaultyProxy, type Fault, type SeenRequest } from '../support/faulty-proxy';
import { createBucket, gateway, rcloneEnv } from '../support/gateway';
import { body, listAll, md5, objectMd5, openUploads, useScratch } from './fixtures';

// Transient failures injected between the engine and the real gateway by a proxy: every request
// of the kinds below fails once, and the run must still end complete, each request retried at one
// level only (a second attempt, not a retry inside a retry).

const MiB = 1024 * 1024;
const scratch = useScratch('retries');
const fast = { retryBaseDelayMs: 5 };

let proxy: FaultyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const isCopy = (r: SeenRequest): boolean => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined;
const isFirstListing = (r: SeenRequest): boolean => r.method === 'GET' && r.url.includes('list-type=2') && !r.url.includes('continuation-token');

/**
 * A copy from `source` to `destination` through the proxy, streamed: the destination is reached
 * by another name, so the engine cannot copy server-side. 12 MiB bodies go in 5 MiB parts.
 */
function streamedCopy(through: FaultyProxy, source: string, destination: string, tuning: Record<string, number> = {}): ReturnType<typeof runSync> {
  const near = { ...gateway(), endpoint: through.endpoint };
  const far = { ...gateway(), endpoint: through.endpoint.replace('127.0.0.1', 'localhost') };
  return runSync({
    command: 'copy',
    source: `src:${source}`,
    destination: `dst:${destination}`,
    env: { ...rcloneEnv('src', near), ...rcloneEnv('dst', far) },
    tuning: { ...fast, maxSinglePartBytes: 5 * MiB, partSizeBytes: 5 * MiB, ...tuning },
  });
}

async function retriesOf(metrics: EngineMetrics, operation: string): Promise<number> {
  const metric = await metrics.retries.get();
  return metric.values.filter((v) => v.labels.operation === operation).reduce((sum, v) => sum + v.value, 0);
}

describe('transient errors', () => {
  it('are retried on listings and server-side copies: 503 SlowDown and connection resets', async () => {
    const [source, destination] = await Promise.all([createBucket('retry-src'), createBucket('retry-dst')]);
    const keys = ['a', 'b', 'c', 'd/e', 'f g', 'h+i'];
    const bodies = new Map(keys.map((key) => [key, body(1000)]));
    for (const [key, data] of bodies) await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: data }));
    let copies = 0;
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => {
      if (r.attempt > 1) return 'pass';
      if (isFirstListing(r)) return 'slow-down';
      if (isCopy(r)) return copies++ % 2 === 0 ? 'slow-down' : 'reset';
      return 'pass';
    });
    const through = { ...gateway(), endpoint: proxy.endpoint };
    const metrics = new EngineMetrics();
    const summary = await runSync({
      command: 'sync',
      source: `src:${source}`,
      destination: `dst:${destination}`,
      env: { ...rcloneEnv('src', through), ...rcloneEnv('dst', through) },
      metrics,
      tuning: fast,
    });
    expect(summary).toMatchObject({ copied: keys.length, failed: 0 });
    const copied = await listAll(scratch.client, destination);
    expect(copied.map((o) => [o.key, o.etag])).toEqual([...bodies].map(([key, data]) => [key, md5(data)]).sort());
    for (const key of keys) {
      const attempts = proxy.requests((r) => isCopy(r) && (r.url.split('?')[0] ?? '').endsWith(`/${encodeURIComponent(key).replace(/%2F/g, '/')}`));
      expect(attempts.map((r) => r.fault), key).toEqual([attempts[0]?.fault, 'pass']);
    }
    expect(proxy.requests((r) => isFirstListing(r) && r.fault === 'slow-down')).toHaveLength(2);
    expect(await retriesOf(metrics, 'CopyObject')).toBe(keys.length);
    expect(await retriesOf(metrics, 'ListObjectsV2')).toBe(2);
  });

  it('are retried on a streamed multipart copy: a ranged GET cut off mid-body, and a 503 on completion', async () => {
    const [source, destination] = await Promise.all([createBucket('retry-mp-src'), createBucket('retry-mp-dst')]);
    const data = body(12 * MiB);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'big', Body: data }));
    const isRangedGet = (r: SeenRequest): boolean => r.method === 'GET' && r.headers.range !== undefined;
    const isComplete = (r: SeenRequest): boolean => r.method === 'POST' && r.url.includes('uploadId=');
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => {
      if (r.attempt > 1) return 'pass';
      if (isRangedGet(r)) return 'reset-mid-body';
      if (isComplete(r)) return 'slow-down';
      return 'pass';
    });
    const summary = await streamedCopy(proxy, source, destination);
    expect(summary).toMatchObject({ copied: 1, failed: 0 });
    expect(await objectMd5(scratch.client, destination, 'big')).toBe(md5(data));
    expect(await openUploads(scratch.client, destination)).toBe(0);
    const gets = proxy.requests(isRangedGet);
    expect(new Set(gets.map((r) => r.headers.range))).toEqual(new Set(['bytes=0-5242879', 'bytes=5242880-10485759', 'bytes=10485760-12582911']));
    expect(gets.map((r) => r.attempt).sort()).toEqual([1, 1, 1, 2, 2, 2]);
    expect(proxy.requests(isComplete).map((r) => r.fault)).toEqual(['slow-down', 'pass']);
  });

  it('give up on a part after the set attempts, each request tried at one level, and abort the upload', async () => {
    const [source, destination] = await Promise.all([createBucket('retry-fail-src'), createBucket('retry-fail-dst')]);
    const data = body(12 * MiB);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'big', Body: data }));
    const secondPart = (r: SeenRequest): boolean => r.method === 'GET' && r.headers.range === 'bytes=5242880-10485759';
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => (secondPart(r) ? 'slow-down' : 'pass'));
    const summary = await streamedCopy(proxy, source, destination, { retryAttempts: 3 });
    expect(summary).toMatchObject({ copied: 0, failed: 1 });
    expect(proxy.requests(secondPart)).toHaveLength(3);
    expect(await openUploads(scratch.client, destination)).toBe(0);
    expect(await listAll(scratch.client, destination)).toEqual([]);
  });

  it('retry reading a streamed object\'s tags within its GET+PUT attempt, not inside it as well', async () => {
    const [source, destination] = await Promise.all([createBucket('retry-tags-src'), createBucket('retry-tags-dst')]);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'tagged', Body: body(1000), Tagging: 'team=storage' }));
    const readsTags = (r: SeenRequest): boolean => r.method === 'GET' && r.url.includes('?tagging');
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => (readsTags(r) ? 'slow-down' : 'pass'));
    const summary = await streamedCopy(proxy, source, destination, { retryAttempts: 3 });
    expect(summary).toMatchObject({ copied: 0, failed: 1 });
    expect(proxy.requests(readsTags)).toHaveLength(3);
    expect(await listAll(scratch.client, destination)).toEqual([]);
  });
});
