import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { SyncEngine, runSync } from '../../lib/engine';
import { createBucket } from '../support/gateway';
import { body, listAll, openUploads, remotesEnv, useScratch } from './fixtures';

const MiB = 1024 * 1024;

const scratch = useScratch('sync');

async function fill(bucket: string, keys: string[], text = 'x'): Promise<void> {
  for (const key of keys) await scratch.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${text}:${key}` }));
}

const keysOf = async (bucket: string): Promise<string[]> => (await listAll(scratch.client, bucket)).map((o) => o.key);

describe('sync', () => {
  it('makes the destination identical, deleting extras in batches, and a re-run does nothing', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('sync-src'), createBucket('sync-dst')]);
    await fill(source, ['a', 'b', 'c/d']);
    await fill(destination, ['b', 'extra1', 'extra2', 'c/e']);
    const summary = await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env });
    expect(summary).toMatchObject({ copied: 2, deleted: 3, skipped: 1, failed: 0 });
    expect(await keysOf(destination)).toEqual(['a', 'b', 'c/d']);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({
      copied: 0,
      deleted: 0,
      skipped: 3,
    });
  });

  it('copy never deletes; check reports and changes nothing; dry run changes nothing', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('sync-src'), createBucket('sync-dst')]);
    await fill(source, ['new', 'same']);
    await fill(destination, ['same', 'extra']);
    expect(await runSync({ command: 'check', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({
      differences: 2,
    });
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, dryRun: true })).toMatchObject({
      copied: 1,
      deleted: 1,
      dryRun: true,
    });
    expect(await keysOf(destination)).toEqual(['extra', 'same']);
    expect(await runSync({ command: 'copy', source: `src:${source}`, destination: `dst:${destination}`, env })).toMatchObject({
      copied: 1,
      deleted: 0,
    });
    expect(await keysOf(destination)).toEqual(['extra', 'new', 'same']);
  });

  it('never deletes more than --max-delete', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('sync-src'), createBucket('sync-dst')]);
    await fill(source, ['keep']);
    await fill(destination, ['keep', 'x1', 'x2', 'x3']);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, maxDelete: 2 })).toMatchObject({
      deleted: 0,
      failed: 3,
    });
    expect(await keysOf(destination)).toEqual(['keep', 'x1', 'x2', 'x3']);
    expect(await runSync({ command: 'sync', source: `src:${source}`, destination: `dst:${destination}`, env, maxDelete: 3 })).toMatchObject({
      deleted: 3,
      failed: 0,
    });
  });

  it('a failing object does not stop the others, and then nothing is deleted', async () => {
    const env = remotesEnv();
    const source = await createBucket('sync-fail');
    await fill(source, ['ok-1', 'a//b', 'ok-2']);
    const local = join(scratch.dir, 'fail');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'extra'), 'kept because a copy failed');
    const summary = await runSync({ command: 'sync', source: `src:${source}`, destination: local, env });
    expect(summary).toMatchObject({ copied: 2, failed: 1, deleted: 0 });
    expect((await readdir(local)).sort()).toEqual(['extra', 'ok-1', 'ok-2']);
  });

  it('filters keys on both sides', async () => {
    const env = remotesEnv();
    const [source, destination] = await Promise.all([createBucket('sync-src'), createBucket('sync-dst')]);
    await fill(source, ['img/a.jpg', 'img/b.png', 'tmp/c.jpg']);
    await fill(destination, ['img/old.png', 'img/old.jpg']);
    const summary = await runSync({
      command: 'sync',
      source: `src:${source}`,
      destination: `dst:${destination}`,
      env,
      include: ['**/*.jpg'],
      exclude: ['tmp/**'],
    });
    expect(summary).toMatchObject({ copied: 1, deleted: 1 });
    expect(await keysOf(destination)).toEqual(['img/a.jpg', 'img/old.png']);
  });

  it('aborting mid-upload leaves no partial object and no open multipart upload', async () => {
    const env = remotesEnv();
    const destination = await createBucket('sync-abort');
    const local = join(scratch.dir, 'abort');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, 'large'), body(60 * MiB));
    const engine = new SyncEngine({
      command: 'sync',
      source: local,
      destination: `dst:${destination}`,
      env,
      transfers: 1,
      tuning: { multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB },
    });
    const done = engine.start();
    while ((await openUploads(scratch.client, destination)) === 0) await sleep(20);
    await engine.stop({ abort: true });
    const summary = await done;
    expect(summary.stopped).toBe(true);
    expect(summary.copied).toBe(0);
    expect(await openUploads(scratch.client, destination)).toBe(0);
    expect(await keysOf(destination)).toEqual([]);
  });
});
