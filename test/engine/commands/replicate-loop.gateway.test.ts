/**
 * Loop prevention on a two-zone RGW lab (scripts/cephlab-multisite.sh, a lab of this file's own):
 * one engine replicates bucket X (zone a) to Y (zone b), another Y back to X. Both engines write
 * as user `lab-alt`; each ignores events by that principal, so the other's copies are not sent
 * back. After 50 writes on each side, each engine must have copied exactly 50 objects.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../fixtures';
import type { Gateway } from '../../support/gateway';
import { createTopic, metricValue, notify, startReplicator, uniqueName } from './replicate-fixtures';

const run = promisify(execFile);
const script = path.resolve(__dirname, '../../../scripts/cephlab-multisite.sh');
const labEnv = { ...process.env, CEPHLAB_DIR: process.env.BUCKETBRIDGE_TEST_MULTISITE_DIR ?? '/tmp/bucketbridge-replicate-multisite', CEPHLAB_PORT: '7750' };
const ENGINE_AB_PORT = 7752;
const ENGINE_BA_PORT = 7753;

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

describe('replicate loop prevention on the two-zone lab', () => {
  it('settles A->B and B->A with principal-id guards: every object copied exactly once per side', async () => {
    const ca = client(zoneA);
    const cb = client(zoneB);
    const x = uniqueName('loop-x');
    const y = uniqueName('loop-y');
    await bucketFor(ca, x);
    await bucketFor(cb, y);
    const topicA = await createTopic(zoneA, uniqueName('loop-a'), { 'push-endpoint': `http://127.0.0.1:${ENGINE_AB_PORT}/`, persistent: 'false' });
    const topicB = await createTopic(zoneB, uniqueName('loop-b'), { 'push-endpoint': `http://127.0.0.1:${ENGINE_BA_PORT}/`, persistent: 'false' });
    await notify(ca, x, topicA);
    await notify(cb, y, topicB);
    const env = { ...remote('za', zoneA), ...remote('zb', zoneB) };
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
