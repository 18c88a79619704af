/**
 * Loop prevention on a two-zone RGW lab (scripts/cephlab-multisite.sh, a lab of this file's own):
 * one engine replicates bucket X (zone a) to Y (zone b), another Y back to X. With principal
 * guards, both engines write as user `lab-alt` and each ignores events by that principal; with
 * marker guards, each marks its copies (`x-amz-meta-bucketbridge-replica`) and skips events whose
 * object carries a marker. After 50 writes on each side, each engine must have copied exactly 50
 * objects, and (versioned buckets) every key must have been written exactly once per side.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../fixtures';
import type { Gateway } from '../../support/gateway';
import { createTopic, enableVersioning, metricValue, notify, startReplicator, uniqueName } from './replicate-fixtures';

const run = promisify(execFile);
const script = path.resolve(__dirname, '../../../scripts/cephlab-multisite.sh');
/** Zone a's S3 port (zone b on +1); the engines listen on the next four. */
const LAB_PORT = Number(process.env.BUCKETBRIDGE_TEST_MULTISITE_PORT ?? 7750);
const labEnv = { ...process.env, CEPHLAB_DIR: process.env.BUCKETBRIDGE_TEST_MULTISITE_DIR ?? '/tmp/bucketbridge-replicate-multisite', CEPHLAB_PORT: String(LAB_PORT) };
const ENGINE_AB_PORT = LAB_PORT + 2;
const ENGINE_BA_PORT = LAB_PORT + 3;
const MARKED_AB_PORT = LAB_PORT + 4;
const MARKED_BA_PORT = LAB_PORT + 5;

let zoneA: Gateway;
let zoneB: Gateway;
let alt: { accessKeyId: string; secretAccessKey: string };

function client(gw: Gateway): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: gw.region,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function remote(name: string, gw: Gateway): Record<string, string> {
  const p = `RCLONE_CONFIG_${name.toUpperCase()}_`;
  return { [`${p}TYPE`]: 's3', [`${p}PROVIDER`]: 'Ceph', [`${p}ENDPOINT`]: gw.endpoint, [`${p}ACCESS_KEY_ID`]: alt.accessKeyId, [`${p}SECRET_ACCESS_KEY`]: alt.secretAccessKey };
}

beforeAll(async () => {
  try {
    await run('bash', [script, 'start'], { env: labEnv, timeout: 400_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`the two-zone lab could not be started (scripts/cephlab-multisite.sh start):\n${e.stderr?.trim() || e.message}`);
  }
  const { stdout } = await run('bash', [script, 'env'], { env: labEnv });
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])) as Record<string, string>;
  const user = { region: 'us-east-1', accessKeyId: env.CEPHLAB_ACCESS_KEY_ID as string, secretAccessKey: env.CEPHLAB_SECRET_ACCESS_KEY as string };
  zoneA = { ...user, endpoint: env.CEPHLAB_ZONE_A_ENDPOINT as string };
  zoneB = { ...user, endpoint: env.CEPHLAB_ZONE_B_ENDPOINT as string };
  alt = { accessKeyId: env.CEPHLAB_ALT_ACCESS_KEY_ID as string, secretAccessKey: env.CEPHLAB_ALT_SECRET_ACCESS_KEY as string };
}, 420_000);

afterAll(async () => {
  await run('bash', [script, 'wipe'], { env: labEnv, timeout: 120_000 });
}, 180_000);

async function bucketFor(c: S3Client, name: string): Promise<void> {
  await c.send(new CreateBucketCommand({ Bucket: name }));
  // The engines run as lab-alt, a user of their own, so that their writes carry its principal id.
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam:::user/lab-alt'] }, Action: ['s3:*'], Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`] }],
  };
  await c.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(policy) }));
}

/** Bucket x on zone a and y on zone b, each pushing its events to the engine on its port; versioned when asked. */
async function notifiedPair(stem: string, portA: number, portB: number, versioned: boolean) {
  const ca = client(zoneA);
  const cb = client(zoneB);
  const x = uniqueName(`${stem}-x`);
  const y = uniqueName(`${stem}-y`);
  await bucketFor(ca, x);
  await bucketFor(cb, y);
  if (versioned) {
    await enableVersioning(ca, x);
    await enableVersioning(cb, y);
  }
  const topicA = await createTopic(zoneA, uniqueName(`${stem}-a`), { 'push-endpoint': `http://127.0.0.1:${portA}/`, persistent: 'false' });
  const topicB = await createTopic(zoneB, uniqueName(`${stem}-b`), { 'push-endpoint': `http://127.0.0.1:${portB}/`, persistent: 'false' });
  await notify(ca, x, topicA);
  await notify(cb, y, topicB);
  return { ca, cb, x, y, env: { ...remote('za', zoneA), ...remote('zb', zoneB) } };
}

describe('replicate loop prevention on the two-zone lab', () => {
  it('settles A->B and B->A with principal-id guards: every object copied exactly once per side', async () => {
    const { ca, cb, x, y, env } = await notifiedPair('loop', ENGINE_AB_PORT, ENGINE_BA_PORT, false);
    const ab = await startReplicator(
      { sources: [{ name: 'a', type: 'http', listen: `127.0.0.1:${ENGINE_AB_PORT}` }], routes: [{ name: 'ab', source: `za:${x}`, destination: `zb:${y}`, ignorePrincipals: ['lab-alt'] }] },
      env,
    );
    const ba = await startReplicator(
      { sources: [{ name: 'b', type: 'http', listen: `127.0.0.1:${ENGINE_BA_PORT}` }], routes: [{ name: 'ba', source: `zb:${y}`, destination: `za:${x}`, ignorePrincipals: ['lab-alt'] }] },
      env,
    );
    try {
      for (let i = 0; i < 50; i++) {
        await ca.send(new PutObjectCommand({ Bucket: x, Key: `from-a/${i}`, Body: `a ${i}` }));
        await cb.send(new PutObjectCommand({ Bucket: y, Key: `from-b/${i}`, Body: `b ${i}` }));
      }
      const deadline = Date.now() + 60_000;
      let [lx, ly] = await Promise.all([listAll(ca, x), listAll(cb, y)]);
      while ((lx.length < 100 || ly.length < 100) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        [lx, ly] = await Promise.all([listAll(ca, x), listAll(cb, y)]);
      }
      expect(ly).toEqual(lx);
      expect(lx).toHaveLength(100);
      // Give a loop, if there were one, time to show.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const [engine, route] of [[ab, 'ab'], [ba, 'ba']] as const) {
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'copied' }), route).toBe(50);
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'ignored-principal' }), route).toBe(50);
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'failed' }), route).toBe(0);
      }
    } finally {
      await ab.replicator.stop();
      await ba.replicator.stop();
      ca.destroy();
      cb.destroy();
    }
  });
});

/** Every version and delete marker of a bucket, as `key v` / `key delete-marker` lines, sorted. */
async function history(c: S3Client, bucket: string): Promise<string[]> {
  const lines: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await c.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    for (const v of page.Versions ?? []) lines.push(`${v.Key} v`);
    for (const m of page.DeleteMarkers ?? []) lines.push(`${m.Key} delete-marker`);
    if (page.IsTruncated !== true) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  return lines.sort();
}

describe('replicate loop prevention by metadata marker on the two-zone lab', () => {
  it('settles A->B and B->A guarded only by the marker: every key written exactly once per side, no ping-pong', async () => {
    const { ca, cb, x, y, env } = await notifiedPair('mark', MARKED_AB_PORT, MARKED_BA_PORT, true);
    // No principal guard; metadata compared too, so a marker that counted as a difference would loop.
    const ab = await startReplicator(
      {
        sources: [{ name: 'a', type: 'http', listen: `127.0.0.1:${MARKED_AB_PORT}` }],
        routes: [{ name: 'ab', source: `za:${x}`, destination: `zb:${y}`, replicaMarker: 'zone-a', compareMetadata: true }],
      },
      env,
    );
    const ba = await startReplicator(
      {
        sources: [{ name: 'b', type: 'http', listen: `127.0.0.1:${MARKED_BA_PORT}` }],
        routes: [{ name: 'ba', source: `zb:${y}`, destination: `za:${x}`, replicaMarker: 'zone-b', compareMetadata: true }],
      },
      env,
    );
    try {
      for (let i = 0; i < 50; i++) {
        await ca.send(new PutObjectCommand({ Bucket: x, Key: `from-a/${i}`, Body: `a ${i}`, Metadata: { n: String(i) } }));
        await cb.send(new PutObjectCommand({ Bucket: y, Key: `from-b/${i}`, Body: `b ${i}`, Metadata: { n: String(i) } }));
      }
      for (let i = 0; i < 5; i++) {
        await ca.send(new DeleteObjectCommand({ Bucket: x, Key: `from-a/${i}` }));
        await cb.send(new DeleteObjectCommand({ Bucket: y, Key: `from-b/${i}` }));
      }
      const expected = [
        ...Array.from({ length: 50 }, (_, i) => `from-a/${i} v`),
        ...Array.from({ length: 50 }, (_, i) => `from-b/${i} v`),
        ...Array.from({ length: 5 }, (_, i) => `from-a/${i} delete-marker`),
        ...Array.from({ length: 5 }, (_, i) => `from-b/${i} delete-marker`),
      ].sort();
      const deadline = Date.now() + 60_000;
      let [hx, hy] = await Promise.all([history(ca, x), history(cb, y)]);
      while ((hx.length < expected.length || hy.length < expected.length) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        [hx, hy] = await Promise.all([history(ca, x), history(cb, y)]);
      }
      // Give a loop, if there were one, time to show: any extra write adds a version.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await history(ca, x)).toEqual(expected);
      expect(await history(cb, y)).toEqual(expected);
      // The copies belong to lab-alt, which the bucket owner may list but not read.
      const altA = client({ ...zoneA, ...alt });
      const altB = client({ ...zoneB, ...alt });
      expect((await altB.send(new HeadObjectCommand({ Bucket: y, Key: 'from-a/7' }))).Metadata).toEqual({ n: '7', 'bucketbridge-replica': 'zone-a' });
      expect((await ca.send(new HeadObjectCommand({ Bucket: x, Key: 'from-a/7' }))).Metadata).toEqual({ n: '7' });
      expect((await altA.send(new HeadObjectCommand({ Bucket: x, Key: 'from-b/7' }))).Metadata).toEqual({ n: '7', 'bucketbridge-replica': 'zone-b' });
      expect((await cb.send(new HeadObjectCommand({ Bucket: y, Key: 'from-b/7' }))).Metadata).toEqual({ n: '7' });
      altA.destroy();
      altB.destroy();
      for (const [engine, route] of [[ab, 'ab'], [ba, 'ba']] as const) {
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'copied' }), route).toBe(50);
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'deleted' }), route).toBe(5);
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'ignored-replica' }), route).toBe(50);
        expect(await metricValue(engine.metrics, 'bucketbridge_replicate_keys_total', { route, outcome: 'failed' }), route).toBe(0);
      }
    } finally {
      await ab.replicator.stop();
      await ba.replicator.stop();
      ca.destroy();
      cb.destroy();
    }
  });
});
