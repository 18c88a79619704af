import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runSync } from '../../lib/engine';
import { createBucket } from '../support/gateway';
import { body, listAll, md5, objectMd5, remotesEnv, useScratch } from './fixtures';

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

const scratch = useScratch('bodies');

describe('bodies', () => {
  it('arrive byte-identical from 0 B to past the multipart threshold, on every path, and a re-run copies nothing', async () => {
    const env = remotesEnv();
    const local = join(scratch.dir, 'small');
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
    const back = join(scratch.dir, 'back');
    expect(await runSync({ command: 'sync', source: `far:${far}`, destination: back, env, tuning })).toMatchObject({
      copied: 5,
      failed: 0,
    });

    for (const [name, digest] of Object.entries(expected)) {
      for (const bucket of [up, same, far]) expect(await objectMd5(scratch.client, bucket, name), `${bucket}/${name}`).toBe(digest);
      expect(md5(await readFile(join(back, name))), `local ${name}`).toBe(digest);
    }
    const listed = await listAll(scratch.client, up);
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
    await scratch.client.send(new PutObjectCommand({ Bucket: source, Key: 'big', Body: data }));
    expect(await runSync({ command: 'copy', source: `src:${source}`, destination: `dst:${same}`, env, tuning })).toMatchObject({ copied: 1 });
    expect(await runSync({ command: 'copy', source: `src:${source}`, destination: `far:${far}`, env, tuning })).toMatchObject({ copied: 1 });
    for (const bucket of [same, far]) {
      expect(await objectMd5(scratch.client, bucket, 'big')).toBe(md5(data));
      expect((await listAll(scratch.client, bucket))[0]?.etag).toMatch(/-\d+$/);
      expect(await runSync({ command: 'check', source: `src:${source}`, destination: `dst:${bucket}`, env, tuning })).toMatchObject({
        differences: 0,
      });
    }
  });

  it('stream a 200 MiB object up, across and back byte-identical', async () => {
    const env = remotesEnv();
    const local = join(scratch.dir, 'large');
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
    const back = join(scratch.dir, 'large-back');
    expect(await runSync({ command: 'sync', source: `far:${far}`, destination: back, env })).toMatchObject({ copied: 1, failed: 0 });
    expect(await objectMd5(scratch.client, far, 'large.bin')).toBe(digest);
    const again = createHash('md5');
    for await (const chunk of createReadStream(join(back, 'large.bin'))) again.update(chunk as Buffer);
    expect(again.digest('hex')).toBe(digest);
    const [a] = await listAll(scratch.client, up);
    const [b] = await listAll(scratch.client, far);
    expect(b?.etag).toBe(a?.etag);
  });
});
