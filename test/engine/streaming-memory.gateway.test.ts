/**
 * Memory of a streamed copy (GET and PUT through the engine, as between two gateways): the body
 * passes through in chunks with backpressure, so the peak resident set must not follow the size
 * of the object. The built bundle copies a 2 MiB and a 512 MiB object, each in its own process,
 * and the two peaks are compared.
 *
 * What the larger copy adds is not held data: the read buffers of the response body become
 * garbage as soon as they are written on, and V8 collects them when about 64 MiB of them have
 * piled up (its external-memory trigger), so the peak rises by that much once and then stays,
 * measured 150-195 MiB for 512 MiB and 2 GiB objects alike against about 80 MiB for 2 MiB
 * (docs/benchmarks.md). A copy that held the object, or a part of it per part in flight, would
 * add hundreds of MiB here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineBuild, ensureEngineBuild } from '../support/engine-bundle';
import { createBucket, gateway, rcloneEnv, s3 } from '../support/gateway';

const MiB = 1024 * 1024;
const peakRss = path.join(__dirname, '../support/peak-rss.js');

/** `size` bytes of a repeated 1 MiB pattern, generated as read: the test process holds none of it. */
function pattern(size: number): { body: Readable; md5: string } {
  const block = Buffer.alloc(MiB, 'bucketbridge streaming memory ');
  const hash = createHash('md5');
  for (let sent = 0; sent < size; sent += MiB) hash.update(block.subarray(0, Math.min(MiB, size - sent)));
  function* chunks(): Generator<Buffer> {
    for (let sent = 0; sent < size; sent += MiB) yield block.subarray(0, Math.min(MiB, size - sent));
  }
  return { body: Readable.from(chunks(), { objectMode: false }), md5: hash.digest('hex') };
}

describe('streamed copy memory', () => {
  const client = s3();

  beforeAll(ensureEngineBuild);
  afterAll(() => client.destroy());

  /** Copies one object of `size` bytes with the bundle, streamed; returns the engine's peak RSS in MiB. */
  async function streamedCopyPeak(size: number): Promise<number> {
    const [src, dst] = await Promise.all([createBucket('mem-src'), createBucket('mem-dst')]);
    const { body, md5 } = pattern(size);
    await client.send(new PutObjectCommand({ Bucket: src, Key: 'object', Body: body, ContentLength: size }));
    // The same gateway reached as localhost: the engine cannot copy server-side, so it streams.
    const far = rcloneEnv('FAR', { ...gateway(), endpoint: gateway().endpoint.replace('127.0.0.1', 'localhost') });
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--require', peakRss, engineBuild.entry, 'copy', `SRC:${src}`, `FAR:${dst}`, '--json', '--log-level', 'warn'],
      { env: { ...process.env, ...rcloneEnv('SRC'), ...far } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ copied: 1, failed: 0, bytes: size });
    const copy = await client.send(new HeadObjectCommand({ Bucket: dst, Key: 'object' }));
    expect(copy.ETag).toBe(`"${md5}"`);
    const kib = Number(/^peak-rss-kib (\d+)$/m.exec(stderr)?.[1]);
    expect(kib, stderr).toBeGreaterThan(0);
    return kib / 1024;
  }

  it('does not follow the object size: a 512 MiB copy peaks less than a third of the object above a 2 MiB one', async () => {
    const small = await streamedCopyPeak(2 * MiB);
    const large = await streamedCopyPeak(512 * MiB);
    expect(large - small, `peak RSS ${small.toFixed(0)} MiB for 2 MiB, ${large.toFixed(0)} MiB for 512 MiB`).toBeLessThan(512 / 3);
  });
});
