import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../lib/engine';
import { createBucket, s3 } from '../support/gateway';
import { body, listAll, md5, objectMd5, remotesEnv } from './fixtures';

// Bodies must arrive byte-identical through every path: local -> bucket, bucket -> bucket on the
// same server (CopyObject / UploadPartCopy), bucket -> bucket streamed, and bucket -> local.
// Thresholds are lowered so the multipart and "over 5 GiB" paths run on small bodies.
const MiB = 1024 * 1024;
const tuning = { multipartThresholdBytes: 6 * MiB, partSizeBytes: 5 * MiB, maxSinglePartBytes: 6 * MiB };
const sizes: Record<string, number> = {
  empty: 0,
  'one-byte': 1,
  'just-under': 6 * MiB - 1,
  'just-over': 6 * MiB + 1,
  'three-parts': 11 * MiB,
};

let client: S3Client;
let dir: string;

beforeAll(async () => {
  client = s3();
  dir = await mkdtemp(join(tmpdir(), 'bb-bodies-'));
});

afterAll(async () => {
  client.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('bodies', () => {
  it('arrive byte-identical from 0 B to past the multipart threshold, on every path, and a re-run copies nothing', async () => {
    const env = remotesEnv();
    const local = join(dir, 'small');
    await mkdir(local, { recursive: true });
    const expected: Record<string, string> = {};
    for (const [name, size] of Object.entries(sizes)) {
      const data = body(size);
      await writeFile(join(local, name), data);
      expected[name] = md5(data);
    }
    const [up, same, far] = await Promise.all([createBucket('bodies-up'), createBucket('bodies-same'), createBucket('bodies-far')]);

    expect(await runSync({ command: 'sync', source: local, destination: `src:${up}`, env, tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });
    expect(await runSync({ command: 'sync', source: `src:${up}`, destination: `dst:${same}`, env, tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });
    expect(await runSync({ command: 'sync', source: `src:${up}`, destination: `far:${far}`, env, tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });
    const back = join(dir, 'back');
    expect(await runSync({ command: 'sync', source: `far:${far}`, destination: back, env, tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });

    for (const [name, digest] of Object.entries(expected)) {
      for (const bucket of [up, same, far]) expect(await objectMd5(client, bucket, name), `${bucket}/${name}`).toBe(digest);
      expect(md5(await readFile(join(back, name))), `local ${name}`).toBe(digest);
    }
    const listed = await listAll(client, up);
    expect(listed.find((o) => o.key === 'just-over')?.etag).toMatch(/-2$/);
    expect(listed.find((o) => o.key === 'just-under')?.etag).not.toMatch(/-/);

    for (const [source, destination] of [
      [local, `src:${up}`],
      [`src:${up}`, `dst:${same}`],
      [`src:${up}`, `far:${far}`],
      [`far:${far}`, back],
    ] as const) {
      expect(await runSync({ command: 'sync', source, destination, env, tuning }), `${source} -> ${destination}`).toMatchObject({
        copied: 0,
        skipped: 5,
        failed: 0,
      });
    }
  });

  it('copy a plain object above the single-request limit in parts, server-side and streamed', async () => {
    const env = remotesEnv();
    const [source, same, far] = await Promise.all([createBucket('big-src'), createBucket('big-same'), createBucket('big-far')]);
    const data = body(13 * MiB);
    await client.send(new PutObjectCommand({ Bucket: source, Key: 'big', Body: data }));
    expect(await runSync({ command: 'copy', source: `src:${source}`, destination: `dst:${same}`, env, tuning })).toMatchObject({ copied: 1 });
    expect(await runSync({ command: 'copy', source: `src:${source}`, destination: `far:${far}`, env, tuning })).toMatchObject({ copied: 1 });
    for (const bucket of [same, far]) {
      expect(await objectMd5(client, bucket, 'big')).toBe(md5(data));
      expect((await listAll(client, bucket))[0]?.etag).toMatch(/-\d+$/);
      expect(await runSync({ command: 'check', source: `src:${source}`, destination: `dst:${bucket}`, env, tuning })).toMatchObject({
        differences: 0,
      });
    }
  });

  it('stream a 200 MiB object up, across and back byte-identical', async () => {
    const env = remotesEnv();
    const local = join(dir, 'large');
    await mkdir(local, { recursive: true });
    const hash = createHash('md5');
    const out = createWriteStream(join(local, 'large.bin'));
    for (let i = 0; i < 200; i++) {
      const chunk = body(MiB);
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const digest = hash.digest('hex');
    const [up, far] = await Promise.all([createBucket('large-up'), createBucket('large-far')]);
    expect(await runSync({ command: 'sync', source: local, destination: `src:${up}`, env })).toMatchObject({ copied: 1, failed: 0 });
    expect(await runSync({ command: 'sync', source: `src:${up}`, destination: `far:${far}`, env })).toMatchObject({ copied: 1, failed: 0 });
    const back = join(dir, 'large-back');
    expect(await runSync({ command: 'sync', source: `far:${far}`, destination: back, env })).toMatchObject({ copied: 1, failed: 0 });
    expect(await objectMd5(client, far, 'large.bin')).toBe(digest);
    const again = createHash('md5');
    for await (const chunk of createReadStream(join(back, 'large.bin'))) again.update(chunk as Buffer);
    expect(again.digest('hex')).toBe(digest);
    const [a] = await listAll(client, up);
    const [b] = await listAll(client, far);
    expect(b?.etag).toBe(a?.etag);
  });
});
