/**
 * `replicate` under failure, on the real gateway and RabbitMQ: the engine killed mid-stream,
 * events lost while it was down, and duplicated, reordered deliveries.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokers, type Brokers } from '../../support/brokers';
import { createBucket, gateway, rcloneEnv, s3, type Gateway } from '../../support/gateway';
import { listAll } from '../fixtures';
import {
  RGW_AMQP_EXCHANGE,
  rgwAmqpEndpoint,
  captureEvents,
  createTopic,
  deleteTopic,
  enableVersioning,
  expectReplica,
  metricValue,
  notify,
  removeNotifiedBuckets,
  startReplicator,
  uniqueName,
} from './replicate-fixtures';

const HEALTH_PORT = 7711;
const DEAD_PORT = 7712;
const CAPTURE_PORT = 7713;
const SHUFFLE_PORT = 7714;
const CLI = join(__dirname, '../../../lib/engine/cli.ts');

let gw: Gateway;
let client: S3Client;
let broker: Brokers;
const topics: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'replicate-chaos-'));

beforeAll(async () => {
  gw = gateway();
  client = s3(gw);
  broker = await brokers();
});

afterAll(async () => {
  for (const arn of topics) await deleteTopic(gw, arn);
  await removeNotifiedBuckets(client);
  client.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

/** Writes `count` small objects, `parallel` at a time. */
async function writeMany(bucket: string, count: number, parallel: number, stem = 'obj'): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${stem}/${String(i).padStart(4, '0')} k.txt`, Body: `body ${i} ${Date.now()}` }));
      }
    }),
  );
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `bucketbridge replicate` as a child process and waits until /readyz answers 200. */
async function startCli(configFile: string): Promise<{ child: ChildProcess; log: () => string }> {
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'replicate', '--config', configFile, '--log-level', 'warn'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...rcloneEnv('lab', gw) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  await waitFor(
    `replicate to be ready (log: ${log})`,
    async () => {
      if (child.exitCode !== null) throw new Error(`replicate exited with ${child.exitCode}:\n${log}`);
      return (await fetch(`http://127.0.0.1:${HEALTH_PORT}/readyz`).catch(() => undefined))?.status === 200;
    },
    30_000,
  );
  return { child, log: () => log };
}

describe('replicate chaos', () => {
  it('loses nothing when the engine is SIGKILLed in the middle of 500 AMQP events and restarted', async () => {
    const src = await createBucket('chaos-kill-src');
    const dst = await createBucket('chaos-kill-dst');
    const exchange = RGW_AMQP_EXCHANGE;
    const queue = uniqueName('chaos-q');
    const topic = uniqueName('chaos-amqp');
    const configFile = join(scratch, 'kill.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        sources: [{ name: 'rabbit', type: 'amqp', url: broker.amqpUrl, exchange, queue, routingKey: topic, prefetch: 8 }],
        routes: [{ name: 'r', source: `lab:${src}`, destination: `lab:${dst}` }],
        concurrency: 4,
        listen: `127.0.0.1:${HEALTH_PORT}`,
        drainSeconds: 5,
      }),
    );
    let engine = await startCli(configFile);
    const connection = await amqp.connect(broker.amqpUrl);
    try {
      const arn = await createTopic(gw, topic, { 'push-endpoint': rgwAmqpEndpoint(broker.amqpUrl), 'amqp-exchange': exchange, 'amqp-ack-level': 'none' });
      topics.push(arn);
      await notify(client, src, arn);
      const writing = writeMany(src, 500, 4);
      await waitFor('the first 50 copies', async () => (await listAll(client, dst)).length >= 50);
      engine.child.kill('SIGKILL');
      await new Promise((resolve) => engine.child.once('exit', resolve));
      const atKill = (await listAll(client, dst)).length;
      await writing;
      expect(atKill).toBeLessThan(500);
      engine = await startCli(configFile);
      await waitFor('all 500 copies', async () => (await listAll(client, dst)).length === 500, 120_000);
      const [a, b] = await Promise.all([listAll(client, src), listAll(client, dst)]);
      expect(b).toEqual(a);
      await waitFor('an empty queue', async () => {
        const channel = await connection.createChannel();
        const { messageCount } = await channel.checkQueue(queue);
        await channel.close();
        return messageCount === 0;
      });
    } finally {
      engine.child.kill('SIGTERM');
      const code = await new Promise((resolve) => engine.child.once('exit', (c) => resolve(c)));
      expect(code, engine.log()).toBe(0);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}.dlq`);
      await channel.deleteExchange(`${queue}.dlx`);
      await connection.close();
    }
  });

  it('repairs 100 objects whose events a non-persistent topic lost while the engine was down, and counts them as drift', async () => {
    const src = await createBucket('chaos-lost-src');
    const dst = await createBucket('chaos-lost-dst');
    const arn = await createTopic(gw, uniqueName('chaos-lost'), { 'push-endpoint': `http://127.0.0.1:${DEAD_PORT}/`, persistent: 'false' });
    topics.push(arn);
    await notify(client, src, arn);
    // Nothing listens on DEAD_PORT: RGW's pushes fail, the PUTs still succeed, the events are gone.
    await writeMany(src, 100, 8, 'lost');
    expect(await listAll(client, dst)).toEqual([]);
    const { replicator, metrics } = await startReplicator(
      {
        sources: [{ name: 'rgw', type: 'http', listen: `127.0.0.1:${DEAD_PORT}` }],
        routes: [{ name: 'r', source: `lab:${src}`, destination: `lab:${dst}` }],
        reconcile: { onStart: true },
      },
      rcloneEnv('lab', gw),
    );
    try {
      await expectReplica(client, src, dst, { timeoutMs: 5_000 });
      expect(await metricValue(metrics, 'bucketbridge_replicate_reconcile_drift_total', { route: 'r', action: 'copied' })).toBe(100);
      expect(await metricValue(metrics, 'bucketbridge_replicate_reconcile_runs_total', { route: 'r', outcome: 'ok' })).toBe(1);
      // Events flow again once the engine listens.
      await client.send(new PutObjectCommand({ Bucket: src, Key: 'after.txt', Body: 'after' }));
      await expectReplica(client, src, dst, { timeoutMs: 10_000 });
    } finally {
      await replicator.stop();
    }
  });

  it('converges to the source when one key’s events arrive duplicated and in reverse order', async () => {
    const src = await createBucket('chaos-order-src');
    await enableVersioning(client, src);
    const dst = await createBucket('chaos-order-dst');
    const bodies = await captureEvents(
      gw,
      client,
      src,
      topics,
      async () => {
        for (const body of ['v1', 'v2 longer', 'v3 longest of all']) await client.send(new PutObjectCommand({ Bucket: src, Key: 'kept key', Body: body }));
        await client.send(new DeleteObjectCommand({ Bucket: src, Key: 'kept key' }));
        await client.send(new PutObjectCommand({ Bucket: src, Key: 'kept key', Body: 'final' }));
        await client.send(new PutObjectCommand({ Bucket: src, Key: 'gone key', Body: 'x' }));
        await client.send(new PutObjectCommand({ Bucket: src, Key: 'gone key', Body: 'xy' }));
        await client.send(new DeleteObjectCommand({ Bucket: src, Key: 'gone key' }));
      },
      CAPTURE_PORT,
    );
    expect(bodies).toHaveLength(8);
    // The engine must also remove a stale copy the deleted key left at the destination.
    await client.send(new PutObjectCommand({ Bucket: dst, Key: 'gone key', Body: 'stale' }));
    const { replicator, metrics } = await startReplicator(
      { sources: [{ name: 'rgw', type: 'http', listen: `127.0.0.1:${SHUFFLE_PORT}` }], routes: [{ name: 'r', source: `lab:${src}`, destination: `lab:${dst}` }], concurrency: 8 },
      rcloneEnv('lab', gw),
    );
    try {
      const deliveries = [...bodies].reverse().flatMap((body) => [body, body, body]);
      const answers = await Promise.all(deliveries.map((body) => fetch(`http://127.0.0.1:${SHUFFLE_PORT}/`, { method: 'POST', body })));
      expect(answers.map((a) => a.status)).toEqual(deliveries.map(() => 200));
      await expectReplica(client, src, dst, { timeoutMs: 1_000 });
      expect((await listAll(client, dst)).map((o) => o.key)).toEqual(['kept key']);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'failed' })).toBe(0);
      // Every delivery after the first per key found the destination in step (or already gone).
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'copied' })).toBe(1);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'deleted' })).toBe(1);
    } finally {
      await replicator.stop();
    }
  });
});
