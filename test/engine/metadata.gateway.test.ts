import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../lib/engine';
import { createBucket, s3 } from '../support/gateway';
import { body, describeObject, listAll, remotesEnv } from './fixtures';

const MiB = 1024 * 1024;
// User metadata with non-ASCII text travels as RFC 2047 encoded words (S3's documented form).
const encoded = (text: string): string => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
const HEADERS = {
  ContentType: 'text/markdown; charset=utf-8',
  CacheControl: 'public, max-age=600',
  ContentDisposition: 'attachment; filename="report.md"',
  ContentEncoding: 'identity',
  ContentLanguage: 'fr-CA',
  Expires: new Date('2031-05-06T07:08:09Z'),
  Metadata: { owner: 'team-a', note: encoded('café ☕ 日本') },
};
const TAGS = { TagSet: [{ Key: 'project', Value: 'bridge' }, { Key: 'lang', Value: 'é日本' }] };

let client: S3Client;
let source: string;

beforeAll(async () => {
  client = s3();
  source = await createBucket('meta-src');
  await client.send(new PutObjectCommand({ Bucket: source, Key: 'small', Body: 'hello', ...HEADERS }));
  await client.send(new PutObjectTaggingCommand({ Bucket: source, Key: 'small', Tagging: TAGS }));
  const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: source, Key: 'multipart', ...HEADERS }));
  const parts = [];
  for (const [i, size] of [5 * MiB, 5 * MiB, MiB].entries()) {
    const out = await client.send(
      new UploadPartCommand({ Bucket: source, Key: 'multipart', UploadId: upload.UploadId, PartNumber: i + 1, Body: body(size) }),
    );
    parts.push({ PartNumber: i + 1, ETag: out.ETag });
  }
  await client.send(
    new CompleteMultipartUploadCommand({ Bucket: source, Key: 'multipart', UploadId: upload.UploadId, MultipartUpload: { Parts: parts } }),
  );
  await client.send(new PutObjectTaggingCommand({ Bucket: source, Key: 'multipart', Tagging: TAGS }));
});

afterAll(() => client.destroy());

describe('headers, metadata and tags', () => {
  it('the fixtures carry every preserved field', async () => {
    const small = await describeObject(client, source, 'small');
    expect(small).toMatchObject({ ContentLanguage: 'fr-CA', Metadata: HEADERS.Metadata });
    expect(small.Tags).toEqual(['lang=é日本', 'project=bridge']);
  });

  for (const [name, remote, tuning] of [
    ['server-side (CopyObject)', 'dst', {}],
    ['server-side in parts (UploadPartCopy)', 'dst', { maxSinglePartBytes: 1 }],
    ['streamed', 'far', {}],
  ] as const) {
    it(`are preserved when copied ${name}`, async () => {
      const destination = await createBucket('meta-dst');
      const summary = await runSync({ command: 'copy', source: `src:${source}`, destination: `${remote}:${destination}`, env: remotesEnv(), tuning });
      expect(summary).toMatchObject({ copied: 2, failed: 0 });
      for (const key of ['small', 'multipart']) {
        expect(await describeObject(client, destination, key), key).toEqual(await describeObject(client, source, key));
      }
      if (name === 'streamed') expect(await listAll(client, destination)).toEqual(await listAll(client, source));
    });
  }
});
