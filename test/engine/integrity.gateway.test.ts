import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineMetrics, ListingError, runSync } from '../../lib/engine';
import { FaultyProxy, type Fault, type SeenRequest } from '../support/faulty-proxy';
import { createBucket, gateway, rcloneEnv } from '../support/gateway';
import { body, listAll, md5, objectMd5, openUploads, remotesEnv, useScratch } from './fixtures';

// The engine never mixes two versions of a source, never keeps bytes that changed on the way, and
// never deletes on the strength of a listing it cannot know complete. Faults are injected by a
// proxy between the engine and the real gateway.

const MiB = 1024 * 1024;
const scratch = useScratch('integrity');

let proxy: FaultyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** Uploads `data` as a multipart object in parts of `partSize`, as lib-storage or rclone would. */
async function putMultipart(client: S3Client, bucket: string, key: string, data: Buffer, partSize: number): Promise<string> {
  const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (let start = 0, n = 1; start < data.length; start += partSize, n++) {
    const out = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, PartNumber: n, Body: data.subarray(start, start + partSize) }),
    );
    parts.push({ PartNumber: n, ETag: out.ETag });
  }
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }));
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return (head.ETag ?? '').replace(/"/g, '');
}

async function retriesOf(metrics: EngineMetrics, operation: string): Promise<number> {
  const metric = await metrics.retries.get();
  return metric.values.filter((v) => v.labels.operation === operation).reduce((sum, v) => sum + v.value, 0);
}

const partNumberOf = (r: SeenRequest): number | undefined => {
  const n = /[?&]partNumber=(\d+)/.exec(r.url)?.[1];
  return n === undefined ? undefined : Number(n);
};

describe('a source overwritten during a 100 MiB multipart copy', () => {
  const paths = [
    {
      name: 'streamed (ranged GETs pinned with If-Match)',
      // The second part's GET waits until the source has been overwritten.
      holds: (r: SeenRequest) => r.method === 'GET' && r.headers.range === `bytes=${5 * MiB}-${10 * MiB - 1}`,
      env: (p: FaultyProxy) => ({ ...rcloneEnv('src', { ...gateway(), endpoint: p.endpoint }), ...rcloneEnv('dst', { ...gateway(), endpoint: gateway().endpoint.replace('127.0.0.1', 'localhost') }) }),
    },
    {
      name: 'server-side (UploadPartCopy, parts checked against the source ETag before completing)',
      holds: (r: SeenRequest) => r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined && partNumberOf(r) === 2,
      env: (p: FaultyProxy) => ({ ...rcloneEnv('src', { ...gateway(), endpoint: p.endpoint }), ...rcloneEnv('dst', { ...gateway(), endpoint: p.endpoint }) }),
    },
  ];

  for (const path of paths) {
    it(`ends as exactly one version at the destination, copied again from the start: ${path.name}`, async () => {
      const [source, destination] = await Promise.all([createBucket('pin-src'), createBucket('pin-dst')]);
      const before = body(100 * MiB);
      const after = body(100 * MiB);
      await putMultipart(scratch.client, source, 'big', before, 5 * MiB);
      let overwritten: string | undefined;
      proxy = await FaultyProxy.start(gateway().endpoint, async (r): Promise<Fault> => {
        if (overwritten === undefined && path.holds(r)) overwritten = await putMultipart(scratch.client, source, 'big', after, 5 * MiB);
        return 'pass';
      });
      const summary = await runSync({ command: 'copy', source: `src:${source}`, destination: `dst:${destination}`, env: path.env(proxy) });
      expect(overwritten, 'the copy never reached its second part').toBeDefined();
      expect(summary).toMatchObject({ copied: 1, failed: 0, sourceChanged: 1 });
      expect(await objectMd5(scratch.client, destination, 'big')).toBe(md5(after));
      expect((await listAll(scratch.client, destination)).map((o) => o.etag)).toEqual([overwritten]);
      expect(await openUploads(scratch.client, destination)).toBe(0);
    }, 240_000);
  }
});

describe('a byte corrupted between the engine and the gateway', () => {
  /** A streamed copy whose destination is reached through the proxy. */
  const streamed = (p: FaultyProxy, source: string, destination: string, metrics: EngineMetrics): ReturnType<typeof runSync> =>
    runSync({
      command: 'copy',
      source: `src:${source}`,
      destination: `dst:${destination}`,
      env: { ...rcloneEnv('src'), ...rcloneEnv('dst', { ...gateway(), endpoint: p.endpoint }) },
      metrics,
      tuning: { retryBaseDelayMs: 5, maxSinglePartBytes: 5 * MiB },
    });

  it('makes a PUT fail (Content-MD5 is the source ETag) and retried, ending with the right bytes', async () => {
    const [source, destination] = await Promise.all([createBucket('corrupt-src'), createBucket('corrupt-dst')]);
    const data = body(MiB);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'obj', Body: data }));
    const isPut = (r: SeenRequest): boolean => r.method === 'PUT' && r.url.includes('/obj');
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => (isPut(r) && r.attempt === 1 ? 'corrupt-body' : 'pass'));
    const metrics = new EngineMetrics();
    expect(await streamed(proxy, source, destination, metrics)).toMatchObject({ copied: 1, failed: 0 });
    expect(proxy.requests(isPut).map((r) => r.fault)).toEqual(['corrupt-body', 'pass']);
    expect(proxy.requests(isPut)[0]?.headers['content-md5']).toBe(Buffer.from(md5(data), 'hex').toString('base64'));
    expect(await retriesOf(metrics, 'PutObject')).toBe(1);
    expect(await objectMd5(scratch.client, destination, 'obj')).toBe(md5(data));
  });

  it('makes a part fail (its ETag is not the MD5 of the bytes sent) and retried, ending with the source ETag', async () => {
    const [source, destination] = await Promise.all([createBucket('corrupt-mp-src'), createBucket('corrupt-mp-dst')]);
    const data = body(12 * MiB);
    const etag = await putMultipart(scratch.client, source, 'big', data, 5 * MiB);
    const firstPart = (r: SeenRequest): boolean => r.method === 'PUT' && partNumberOf(r) === 1;
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => (firstPart(r) && r.attempt === 1 ? 'corrupt-body' : 'pass'));
    const metrics = new EngineMetrics();
    expect(await streamed(proxy, source, destination, metrics)).toMatchObject({ copied: 1, failed: 0 });
    expect(proxy.requests(firstPart).map((r) => r.fault)).toEqual(['corrupt-body', 'pass']);
    expect(await retriesOf(metrics, 'UploadPart')).toBe(1);
    expect((await listAll(scratch.client, destination)).map((o) => o.etag)).toEqual([etag]);
    expect(await objectMd5(scratch.client, destination, 'big')).toBe(md5(data));
  });
});

describe('a listing page truncated without a continuation token', () => {
  it('fails the run before any delete', async () => {
    const [source, destination] = await Promise.all([createBucket('token-src'), createBucket('token-dst')]);
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (const key of keys) await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: key }));
    const tuning = { listPageKeys: 2 };
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env: remotesEnv(), tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });
    await scratch.client.send(new PutObjectCommand({ Bucket: destination, Key: 'zz-extra', Body: 'extra' }));
    const isSourceListing = (r: SeenRequest): boolean => r.method === 'GET' && r.url.startsWith(`/${source}`) && r.url.includes('list-type=2');
    proxy = await FaultyProxy.start(gateway().endpoint, (r): Fault => (isSourceListing(r) ? 'drop-token' : 'pass'));
    const env = { ...rcloneEnv('src', { ...gateway(), endpoint: proxy.endpoint }), ...rcloneEnv('dst', { ...gateway(), endpoint: proxy.endpoint }) };
    const run = runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, tuning });
    await expect(run).rejects.toThrow(ListingError);
    await expect(run).rejects.toThrow(`listing of bucket '${source}' on remote 'src' is truncated but has no continuation token`);
    expect(proxy.requests((r) => r.method === 'POST' && r.url.includes('delete'))).toEqual([]);
    expect((await listAll(scratch.client, destination)).map((o) => o.key)).toEqual([...keys, 'zz-extra']);
  });
});
