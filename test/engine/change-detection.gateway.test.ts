import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { runSync } from '../../lib/engine';
import { createBucket } from '../support/gateway';
import { body, listAll, md5, objectMd5, remotesEnv, useScratch } from './fixtures';

// Change detection is size + ETag, from listings alone. Multipart copies reproduce the source's
// part layout so the ETags match; when they cannot, modification times decide.
const MiB = 1024 * 1024;

const scratch = useScratch('change');

async function upload(bucket: string, key: string, data: Buffer): Promise<void> {
  await new Upload({ client: scratch.client, params: { Bucket: bucket, Key: key, Body: data }, partSize: 5 * MiB }).done();
}

async function unevenUpload(bucket: string, key: string, sizes: number[]): Promise<void> {
  const created = await scratch.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (const [i, size] of sizes.entries()) {
    const out = await scratch.client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body(size) }));
    parts.push({ PartNumber: i + 1, ETag: out.ETag });
  }
  await scratch.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
}

const etagOf = async (bucket: string, key: string): Promise<string | undefined> =>
  (await listAll(scratch.client, bucket)).find((o) => o.key === key)?.etag;

describe('change detection', () => {
  it('does not re-copy an unchanged multipart object: the copy has the source ETag', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await upload(source, 'mp', body(12 * MiB));
    expect(await etagOf(source, 'mp')).toMatch(/-3$/);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({ copied: 1 });
    expect(await etagOf(destination, 'mp')).toBe(await etagOf(source, 'mp'));
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({
      copied: 0,
      skipped: 1,
    });
  });

  it('detects a changed multipart object of the same size and part count', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await upload(source, 'mp', body(12 * MiB));
    await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env });
    const changed = body(12 * MiB);
    await upload(source, 'mp', changed);
    expect(await runSync({ command: 'check', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({
      differences: 1,
    });
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({ copied: 1 });
    expect(await objectMd5(scratch.client, destination, 'mp')).toBe(md5(changed));
  });

  it('falls back to times when uneven parts cannot be reproduced: unchanged stays, changed is copied', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await unevenUpload(source, 'uneven', [6 * MiB, 5 * MiB, MiB]);
    await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env });
    expect(await etagOf(destination, 'uneven')).not.toBe(await etagOf(source, 'uneven'));
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({ copied: 0 });
    expect(await runSync({ command: 'check', source: `src:${source}`, destination: `far:${destination}`, env, compare: 'checksum' })).toMatchObject({
      differences: 1,
    });
    await unevenUpload(source, 'uneven', [6 * MiB, 5 * MiB, MiB]);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env })).toMatchObject({ copied: 1 });
  });

  it('detects a changed single-part object of the same size by its MD5, unless --size-only', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'plain', Body: 'version-1' }));
    await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env });
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'plain', Body: 'version-2' }));
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, compare: 'size-only' })).toMatchObject({
      copied: 0,
    });
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({ copied: 1 });
    expect(await objectMd5(scratch.client, destination, 'plain')).toBe(md5(Buffer.from('version-2')));
  });

  it('between a directory and a bucket, uses times by default and content hashes with --checksum', async () => {
    const env = remotesEnv();
    const tuning = { multipartThresholdBytes: 6 * MiB, partSizeBytes: 5 * MiB };
    const destination = await createBucket('cd-local');
    const local = join(scratch.dir, 'local');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'big'), body(11 * MiB));
    await writeFile(join(local, 'small'), 'aaaa');
    await runSync({ command: 'sync', source: local, destination: `dst:${destination}`, env, tuning });
    expect(await runSync({ command: 'check', source: local, destination: `dst:${destination}`, env, tuning, compare: 'checksum' })).toMatchObject({
      differences: 0,
    });
    const old = new Date((await stat(join(local, 'small'))).mtimeMs - 60_000);
    await writeFile(join(local, 'small'), 'bbbb');
    await utimes(join(local, 'small'), old, old);
    expect(await runSync({ command: 'check', source: local, destination: `dst:${destination}`, env, tuning })).toMatchObject({ differences: 0 });
    expect(await runSync({ command: 'sync', source: local, destination: `dst:${destination}`, env, tuning, compare: 'checksum' })).toMatchObject({
      copied: 1,
      skipped: 1,
    });
    const future = new Date(Date.now() + 60_000);
    await writeFile(join(local, 'small'), 'cccc');
    await utimes(join(local, 'small'), future, future);
    expect(await runSync({ command: 'sync', source: local, destination: `dst:${destination}`, env, tuning })).toMatchObject({ copied: 1 });
  });

  it('--checksum settles after a server-side copy of a multipart source: the copy is made in its layout', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await upload(source, 'mp', body(12 * MiB));
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({ copied: 1 });
    expect(await etagOf(destination, 'mp')).toBe(await etagOf(source, 'mp'));
    expect(await runSync({ command: 'check', source: `src:${source}`, destination: `dst:${destination}`, env, compare: 'checksum' })).toMatchObject({
      differences: 0,
    });
  });

  it('carries a tag-only change with --compare-tags (one PutObjectTagging), and not without it', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'tagged', Body: 'same body', Tagging: 'stage=draft' }));
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'untagged', Body: 'other body' }));
    await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env });
    await scratch.client.send(new PutObjectTaggingCommand({ Bucket: source, Key: 'tagged', Tagging: { TagSet: [{ Key: 'stage', Value: 'final' }] } }));
    const tagsAt = async (bucket: string): Promise<string[]> =>
      ((await scratch.client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }))).TagSet ?? []).map((t) => `${t.Key}=${t.Value}`);
    const compareAttributes = { tags: true };

    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({ copied: 0, skipped: 2 });
    expect(await tagsAt(destination)).toEqual(['stage=draft']);
    expect(await runSync({ command: 'check', source: `src:${source}`, destination: `dst:${destination}`, env, compareAttributes })).toMatchObject({
      differences: 1,
    });
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `far:${destination}`, env, compareAttributes })).toMatchObject({
      copied: 1,
      skipped: 1,
      failed: 0,
    });
    expect(await tagsAt(destination)).toEqual(['stage=final']);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, compareAttributes })).toMatchObject({
      copied: 0,
      skipped: 2,
    });
  });

  it('carries a metadata-only change with --compare-metadata by copying the object again', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('cd-src'), createBucket('cd-dst')]);
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'doc', Body: 'same body', ContentType: 'text/plain', Metadata: { rev: '1' } }));
    await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env });
    // Copied onto itself with new metadata: same body, same ETag.
    await scratch.client.send(
      new CopyObjectCommand({ Bucket: source, Key: 'doc', CopySource: `${source}/doc`, MetadataDirective: 'REPLACE', ContentType: 'text/markdown', Metadata: { rev: '2' } }),
    );
    expect(await etagOf(source, 'doc')).toBe(await etagOf(destination, 'doc'));
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({ copied: 0 });
    const compareAttributes = { metadata: true };
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, compareAttributes })).toMatchObject({
      copied: 1,
      failed: 0,
    });
    const head = await scratch.client.send(new HeadObjectCommand({ Bucket: destination, Key: 'doc' }));
    expect({ type: head.ContentType, metadata: head.Metadata }).toEqual({ type: 'text/markdown', metadata: { rev: '2' } });
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, compareAttributes })).toMatchObject({
      copied: 0,
      skipped: 1,
    });
  });
});
