/**
 * Helpers for the engine's gateway tests: remotes in rclone's env convention, bodies, and reads.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { gateway, rcloneEnv, s3, type Gateway } from '../support/gateway';

/**
 * `src` and `dst` share endpoint and credentials (server-side copies); `far` is the same gateway
 * reached as `localhost`, which the engine cannot know is the same server, so copies stream.
 */
export function remotesEnv(gw: Gateway = gateway()): Record<string, string> {
  const far = { ...gw, endpoint: gw.endpoint.replace('127.0.0.1', 'localhost') };
  return { ...rcloneEnv('src', gw), ...rcloneEnv('dst', gw), ...rcloneEnv('far', far) };
}

/** A random body of `size` bytes: two calls never give the same content. */
export function body(size: number): Buffer {
  return randomBytes(size);
}

export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** The MD5 of an object's body, read as a stream. */
export async function objectMd5(client: S3Client, bucket: string, key: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  for await (const chunk of out.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface Listed {
  key: string;
  size: number;
  etag: string;
}

export async function listAll(client: S3Client, bucket: string, prefix = ''): Promise<Listed[]> {
  const out: Listed[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const c of page.Contents ?? []) out.push({ key: c.Key ?? '', size: c.Size ?? 0, etag: (c.ETag ?? '').replace(/"/g, '') });
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

export async function describeObject(client: S3Client, bucket: string, key: string): Promise<Record<string, unknown>> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const tags = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return {
    ContentType: head.ContentType,
    CacheControl: head.CacheControl,
    ContentDisposition: head.ContentDisposition,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
    Expires: head.ExpiresString ?? head.Expires?.toUTCString(),
    Metadata: head.Metadata,
    Tags: (tags.TagSet ?? []).map((t) => `${t.Key}=${t.Value}`).sort(),
  };
}

export async function openUploads(client: S3Client, bucket: string): Promise<number> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).length;
}

export interface Scratch {
  /** An S3 client for the gateway, for the test's own reads and writes. */
  readonly client: S3Client;
  /** A temporary directory, removed after the file's tests. */
  readonly dir: string;
}

/** Registers hooks giving the file's tests a gateway client and a temporary directory. */
export function useScratch(name: string): Scratch {
  const scratch = {} as { client: S3Client; dir: string };
  beforeAll(async () => {
    scratch.client = s3();
    scratch.dir = await mkdtemp(join(tmpdir(), `bb-${name}-`));
  });
  afterAll(async () => {
    scratch.client.destroy();
    await rm(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}
