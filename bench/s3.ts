/** The benchmark's S3 plumbing: the lab's credentials, a tuned client, and bounded-concurrency loops. */
import { Agent } from 'node:http';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface Credentials {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The SDK's default agent keeps connections alive with up to 50 sockets, enough for any concurrency
 * of the sync bench; `maxSockets` gives room for more requests in flight (the replicate bench's rates).
 */
export function client(c: Credentials, maxSockets?: number): S3Client {
  return new S3Client({
    endpoint: c.endpoint,
    region: c.region,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(maxSockets !== undefined ? { requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets }) }) } : {}),
  });
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** The key of object i: spread over 100 "directories" like a real bucket. */
export function keyOf(i: number): string {
  return `d${String(i % 100).padStart(2, '0')}/object-${String(i).padStart(6, '0')}`;
}

const CHUNK = 8 * 1024 * 1024;

/** A body of `size` bytes: one shared buffer up to 64 MiB, otherwise a stream of 8 MiB chunks. */
function body(size: number, shared: Buffer): Buffer | Readable {
  if (size <= shared.length) return shared.subarray(0, size);
  const chunk = shared.subarray(0, CHUNK);
  return Readable.from(
    (function* () {
      for (let left = size; left > 0; left -= CHUNK) yield left >= CHUNK ? chunk : chunk.subarray(0, left);
    })(),
  );
}

export async function putObjects(
  s3: S3Client,
  bucket: string,
  count: number,
  size: number,
  concurrency: number,
  progress: (done: number) => void,
): Promise<void> {
  const shared = Buffer.alloc(Math.min(Math.max(size, CHUNK), 64 * 1024 * 1024), 'bucketbridge bench ');
  let done = 0;
  await pool(count, concurrency, async (i) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(i), Body: body(size, shared), ContentLength: size }));
    progress(++done);
  });
}

export async function* listObjects(s3: S3Client, bucket: string): AsyncGenerator<{ key: string; size: number }> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: 1000 }));
    for (const o of page.Contents ?? []) yield { key: o.Key!, size: o.Size ?? 0 };
    token = page.NextContinuationToken;
  } while (token);
}

export async function copyObjects(
  s3: S3Client,
  src: string,
  dst: string,
  concurrency: number,
  progress: (done: number) => void,
): Promise<void> {
  const keys: string[] = [];
  for await (const o of listObjects(s3, src)) keys.push(o.key);
  let done = 0;
  await pool(keys.length, concurrency, async (i) => {
    const key = keys[i]!;
    await s3.send(new CopyObjectCommand({ Bucket: dst, Key: key, CopySource: `${src}/${encodeURIComponent(key)}` }));
    progress(++done);
  });
}

export async function inventory(s3: S3Client, bucket: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const o of listObjects(s3, bucket)) {
    objects++;
    bytes += o.size;
  }
  return { objects, bytes };
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

