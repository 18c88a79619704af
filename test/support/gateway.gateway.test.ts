import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createBucket, gateway, rcloneEnv, removeCreatedBuckets, s3 } from './gateway';

describe('the test gateway', () => {
  const client = s3();
  afterAll(() => client.destroy());

  it('stores and returns an object byte for byte', async () => {
    const bucket = await createBucket('harness-roundtrip');
    const body = Buffer.from('héllo, ceph\n');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.txt', Body: body, ContentType: 'text/plain' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
    expect(got.ContentType).toBe('text/plain');
  });

  it('accepts a streaming PutObject from s3(), whose checksums are only sent when required', async () => {
    const bucket = await createBucket('harness-stream');
    const chunks = [Buffer.alloc(100_000, 1), Buffer.alloc(50_000, 2)];
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'stream', Body: Readable.from(chunks), ContentLength: 150_000 }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(Buffer.concat(chunks));
  });

  it('refuses a streaming PutObject sent with the SDK default checksums, which s3() turns off', async () => {
    const gw = gateway();
    const bucket = await createBucket('harness-checksum');
    const defaults = new S3Client({
      endpoint: gw.endpoint,
      region: gw.region,
      credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_SUPPORTED',
    });
    try {
      await expect(
        defaults.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'stream', Body: Readable.from([Buffer.alloc(1000)]), ContentLength: 1000 }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 411 } });
    } finally {
      defaults.destroy();
    }
  });

  it('describes the gateway as an rclone remote', () => {
    const gw = gateway();
    expect(rcloneEnv('src')).toEqual({
      RCLONE_CONFIG_SRC_TYPE: 's3',
      RCLONE_CONFIG_SRC_PROVIDER: 'Ceph',
      RCLONE_CONFIG_SRC_ENDPOINT: gw.endpoint,
      RCLONE_CONFIG_SRC_REGION: gw.region,
      RCLONE_CONFIG_SRC_ACCESS_KEY_ID: gw.accessKeyId,
      RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY: gw.secretAccessKey,
    });
  });

  it('removes the buckets it made, with their objects and unfinished uploads', async () => {
    const buckets = [await createBucket('harness-cleanup'), await createBucket('harness-cleanup')];
    for (const bucket of buckets) {
      for (const key of ['a', 'dir/', 'dir/b c']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'unfinished' }));
    }
    await removeCreatedBuckets();
    for (const bucket of buckets) {
      await expect(client.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    }
  });
});
