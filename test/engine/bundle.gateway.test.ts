/**
 * The runtime image runs build/engine/bucketbridge.cjs, not the sources: these tests run that
 * bundle as a separate process against the gateway. It is (re)built first when missing or older
 * than any file under lib/.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineBuild, ensureEngineBuild } from '../support/engine-bundle';
import { createBucket, gateway, rcloneEnv, s3 } from '../support/gateway';
import { body, listAll } from './fixtures';

const repo = path.resolve(__dirname, '../..');
const bundle = engineBuild.entry;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundle with node, as the image's entrypoint does, with SRC and DST remotes set. */
async function bucketbridge(...args: string[]): Promise<Run> {
  return runEntry(bundle, args, { ...rcloneEnv('SRC'), ...rcloneEnv('DST') });
}

async function runEntry(entry: string, args: string[], remotes: Record<string, string>): Promise<Run> {
  const env = { ...process.env, ...remotes };
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [entry, ...args], { env, cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function summary(run: Run): Record<string, unknown> {
  const lines = run.stdout.trim().split('\n');
  expect(lines, `stdout should be one JSON summary, stderr: ${run.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('the bundled CLI (build/engine/bucketbridge.cjs)', () => {
  const client = s3();
  let src: string;
  let dst: string;
  const objects: Record<string, Buffer> = {
    'a.txt': Buffer.from('hello from the bundle\n'),
    'dir/b c+d.bin': Buffer.alloc(1024, 7),
    'empty': Buffer.alloc(0),
  };
  const bytes = Object.values(objects).reduce((n, b) => n + b.length, 0);

  beforeAll(async () => {
    await ensureEngineBuild();
    src = await createBucket('bundle-src');
    dst = await createBucket('bundle-dst');
    for (const [key, body] of Object.entries(objects)) {
      await client.send(
        new PutObjectCommand({ Bucket: src, Key: key, Body: body, ContentType: 'application/x-test', Metadata: { origin: 'bundle-test' } }),
      );
    }
    await client.send(new PutObjectCommand({ Bucket: dst, Key: 'extra', Body: 'not in the source' }));
  });
  afterAll(() => client.destroy());

  it('syncs, prints one JSON summary, and leaves the destination identical', async () => {
    const run = await bucketbridge('sync', `SRC:${src}`, `DST:${dst}`, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run)).toMatchObject({ command: 'sync', copied: 3, deleted: 1, failed: 0, bytes });

    const listed = await client.send(new ListObjectsV2Command({ Bucket: dst }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(Object.keys(objects));
    for (const [key, body] of Object.entries(objects)) {
      const got = await client.send(new GetObjectCommand({ Bucket: dst, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
      expect(got.ContentType).toBe('application/x-test');
      expect(got.Metadata).toEqual({ origin: 'bundle-test' });
    }
  });

  it('copies nothing when run again, and check then finds no difference', async () => {
    const again = await bucketbridge('sync', `SRC:${src}`, `DST:${dst}`, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(summary(again)).toMatchObject({ copied: 0, deleted: 0, skipped: 3, failed: 0 });

    const check = await bucketbridge('check', `SRC:${src}`, `DST:${dst}`, '--json');
    expect(check.code, check.stderr).toBe(0);
    expect(summary(check)).toMatchObject({ command: 'check', differences: 0 });
  });

  it('exits 1 from check when an object changed', async () => {
    await client.send(new PutObjectCommand({ Bucket: src, Key: 'a.txt', Body: 'changed at the source\n' }));
    const check = await bucketbridge('check', `SRC:${src}`, `DST:${dst}`, '--json');
    expect(check.code).toBe(1);
    expect(summary(check)).toMatchObject({ differences: 1 });
  });

  it('exits 2 and ends stderr with a one-line error naming an unknown remote', async () => {
    const run = await bucketbridge('sync', `NOWHERE:${src}`, `DST:${dst}`);
    expect(run.code).toBe(2);
    // stderr also carries the JSON log; the human-readable error is its last line.
    expect(run.stderr.trim().split('\n').pop()).toMatch(/^bucketbridge: .*'NOWHERE'/);
  });
});

describe('the bundled CLI on its own, as the image carries it', () => {
  const client = s3();
  const MiB = 1024 * 1024;
  let alone: string;

  beforeAll(async () => {
    await ensureEngineBuild();
    // The bundle alone, away from node_modules: any require() of a package it does not hold fails the run.
    alone = mkdtempSync(path.join(tmpdir(), 'bb-bundle-'));
    copyFileSync(bundle, path.join(alone, 'bucketbridge.cjs'));
  });
  afterAll(() => {
    client.destroy();
    rmSync(alone, { recursive: true, force: true });
  });

  it('streams a multipart object in its own layout, headers and tags included, over plain HTTP', async () => {
    const [src, dst] = await Promise.all([createBucket('nosdk-src'), createBucket('nosdk-dst')]);
    const headers = { ContentType: 'text/plain', CacheControl: 'no-cache', Metadata: { note: `=?UTF-8?B?${Buffer.from('café').toString('base64')}?=` } };
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: src, Key: 'parts/ü x', ...headers }));
    const parts = [];
    for (const [i, size] of [5 * MiB, MiB].entries()) {
      const part = { Bucket: src, Key: 'parts/ü x', UploadId: upload.UploadId, PartNumber: i + 1, Body: body(size) };
      parts.push({ PartNumber: i + 1, ETag: (await client.send(new UploadPartCommand(part))).ETag });
    }
    await client.send(
      new CompleteMultipartUploadCommand({ Bucket: src, Key: 'parts/ü x', UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }),
    );
    const Tagging = { TagSet: [{ Key: 'lang', Value: 'é & <x>' }, { Key: 'project', Value: 'bridge' }] };
    await client.send(new PutObjectTaggingCommand({ Bucket: src, Key: 'parts/ü x', Tagging }));
    // The same gateway reached as localhost: the engine cannot copy server-side, so it streams.
    const far = rcloneEnv('FAR', { ...gateway(), endpoint: gateway().endpoint.replace('127.0.0.1', 'localhost') });
    const run = await runEntry(path.join(alone, 'bucketbridge.cjs'), ['copy', `SRC:${src}`, `FAR:${dst}`, '--json'], { ...rcloneEnv('SRC'), ...far });
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run)).toMatchObject({ copied: 1, failed: 0 });
    expect(await listAll(client, dst)).toEqual(await listAll(client, src));
    const head = await client.send(new HeadObjectCommand({ Bucket: dst, Key: 'parts/ü x' }));
    expect(head).toMatchObject(headers);
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: dst, Key: 'parts/ü x' }));
    expect(tags.TagSet).toEqual(Tagging.TagSet);
  });
});
