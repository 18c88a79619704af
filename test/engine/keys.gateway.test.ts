import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../lib/engine';
import { createBucket, s3 } from '../support/gateway';
import { listAll, remotesEnv } from './fixtures';

// Keys S3 allows but that trip naive tools: URL-special characters, unicode where UTF-8 byte
// order and JavaScript string order disagree, 1,000-byte keys, empty segments, and markers.
const KEYS = [
  'plain.txt',
  'with space',
  'a+b',
  '100%',
  '%2F encoded',
  'what?',
  'hash#tag',
  'ü/日本語/ファイル',
  '\uFF5E fullwidth tilde',
  '\u{1F600} emoji',
  'k'.repeat(1000),
  'a//b',
  '/leading-slash',
  'trailing space ',
  'dir/',
  'dir/inside',
  'a-b',
  'a/b',
  'a0',
];

let client: S3Client;
let source: string;

beforeAll(async () => {
  client = s3();
  source = await createBucket('keys-src');
  for (const key of KEYS) {
    await client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: key.endsWith('/') ? '' : `body of ${key}` }));
  }
});

afterAll(() => client.destroy());

describe('keys', () => {
  for (const [name, remote] of [
    ['server-side', 'dst'],
    ['streamed', 'far'],
  ] as const) {
    it(`arrive unchanged, with their bodies, when copied ${name}; a re-run copies nothing`, async () => {
      const env = remotesEnv();
      const destination = await createBucket(`keys-${name}`);
      expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `${remote}:${destination}`, env })).toMatchObject({
        copied: KEYS.length,
        failed: 0,
      });
      expect(await listAll(client, destination)).toEqual(await listAll(client, source));
      expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `${remote}:${destination}`, env })).toMatchObject({
        copied: 0,
        deleted: 0,
        skipped: KEYS.length,
      });
    });
  }

  it('sync under a prefix stays under it and deletes only there', async () => {
    const env = remotesEnv();
    const destination = await createBucket('keys-prefix');
    await client.send(new PutObjectCommand({ Bucket: destination, Key: 'outside', Body: 'kept' }));
    await client.send(new PutObjectCommand({ Bucket: destination, Key: 'copy/extra', Body: 'deleted' }));
    expect(await runSync({ command: 'sync', source: `src:${source}/ü`, destination: `dst:${destination}/copy`, env })).toMatchObject({
      copied: 1,
      deleted: 1,
    });
    expect((await listAll(client, destination)).map((o) => o.key)).toEqual(['copy/日本語/ファイル', 'outside']);
  });
});
