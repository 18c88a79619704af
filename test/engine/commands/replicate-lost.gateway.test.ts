/**
 * The lost-broker exit path of `bucketbridge replicate`, as a process. AMQP: the connection runs
 * through a TCP proxy this test controls; when the proxy drops it for good, the engine must report
 * not ready, then exit 1 with one clear log line within `drainSeconds` plus a bounded grace, and
 * must not have acknowledged a message whose work was not done. Kafka: a broker of this file's own
 * (scripts/brokers.sh with its own directory and ports; a proxy cannot stand in, since Kafka
 * clients connect to the address the broker advertises) is stopped under the engine, which must
 * give the source up after `sourceLostSeconds` the same way.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokers, type Brokers } from '../../support/brokers';
import { createBucket, gateway, rcloneEnv, s3 } from '../../support/gateway';
import { uniqueName } from './replicate-fixtures';

/** Ports of this file (7600-7699 belong to the replicate bench and lost-broker tests). */
const PROXY_PORT = 7620;
const HEALTH_PORT = 7621;
const KAFKA_PORT = 7650;
const brokersScript = path.resolve(__dirname, '../../../scripts/brokers.sh');
const kafkaEnv = { ...process.env, BROKERS_DIR: process.env.BUCKETBRIDGE_TEST_LOST_KAFKA_DIR ?? '/tmp/bucketbridge-lost-kafka', BROKERS_KAFKA_PORT: String(KAFKA_PORT) };
const CLI = path.resolve(__dirname, '../../../lib/engine/cli.ts');

/** A TCP proxy to `target` whose connections the test can cut at once, for good. */
async function tcpProxy(port: number, target: { host: string; port: number }): Promise<{ cut: () => Promise<void>; connections: () => number }> {
  const sockets = new Set<Socket>();
  let total = 0;
  const server: Server = createServer((client) => {
    total++;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    connections: () => total,
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** Accepts connections and never answers: S3 requests to it stay in flight until aborted. */
async function silentServer(): Promise<{ port: number; sockets: Socket[]; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function readyz(): Promise<number | 'down'> {
  try {
    return (await fetch(`http://127.0.0.1:${HEALTH_PORT}/readyz`)).status;
  } catch {
    return 'down';
  }
}

let broker: Brokers;
let client: S3Client;
const dir = mkdtempSync(path.join(tmpdir(), 'replicate-lost-'));

beforeAll(async () => {
  broker = await brokers();
  client = s3(gateway());
});

afterAll(async () => {
  client.destroy();
  rmSync(dir, { recursive: true, force: true });
  await promisify(execFile)('bash', [brokersScript, 'wipe', 'kafka'], { env: kafkaEnv, timeout: 120_000 }).catch(() => undefined);
}, 180_000);

/** Runs the CLI on a config file; stderr collected, exit awaited. */
function startCli(config: unknown, env: Record<string, string>): { child: ChildProcess; stderr: () => string; exited: Promise<{ code: number | null; at: number }> } {
  const file = path.join(dir, `replicate-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'replicate', '--config', file], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
  return { child, stderr: () => stderr, exited };
}

function jsonLines(stderr: string): { level: number; msg: string; reason?: string }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
}

describe('replicate when its broker is lost for good', () => {
  it('reports not ready, then exits 1 with one fatal line within drainSeconds plus the grace, leaving unfinished work unacknowledged', async () => {
    const amqpUrl = new URL(broker.amqpUrl);
    const proxy = await tcpProxy(PROXY_PORT, { host: amqpUrl.hostname, port: Number(amqpUrl.port || 5672) });
    const silent = await silentServer();
    const src = await createBucket('rep-lost-src');
    const dst = await createBucket('rep-lost-dst');
    await client.send(new PutObjectCommand({ Bucket: src, Key: 'done.txt', Body: 'done' }));
    const exchange = uniqueName('lost-ex');
    const queue = uniqueName('lost-q');
    const config = {
      sources: [{ name: 'q', type: 'amqp', url: `amqp://127.0.0.1:${PROXY_PORT}`, exchange, queue }],
      routes: [
        { name: 'ok', source: `lab:${src}`, destination: `lab:${dst}` },
        // A source that never answers: this route's work is in flight when the broker goes.
        { name: 'stuck', source: 'stuck:stuck-bucket', destination: `lab:${dst}` },
      ],
      drainSeconds: 2,
      listen: `127.0.0.1:${HEALTH_PORT}`,
    };
    const cli = startCli(config, {
      ...rcloneEnv('lab'),
      RCLONE_CONFIG_STUCK_TYPE: 's3',
      RCLONE_CONFIG_STUCK_PROVIDER: 'Ceph',
      RCLONE_CONFIG_STUCK_ENDPOINT: `http://127.0.0.1:${silent.port}`,
      RCLONE_CONFIG_STUCK_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      RCLONE_CONFIG_STUCK_SECRET_ACCESS_KEY: 'not-a-secret',
    });
    const connection = await amqp.connect(broker.amqpUrl);
    const channel = await connection.createChannel();
    try {
      await until('the engine to be ready', async () => (await readyz()) === 200, 60_000);
      const publish = (bucket: string, key: string): void => {
        const body = { Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }] };
        channel.publish(exchange, 'rgw-topic', Buffer.from(JSON.stringify(body)));
      };
      publish(src, 'done.txt');
      await until('done.txt to be replicated', async () => {
        try {
          await client.send(new HeadObjectCommand({ Bucket: dst, Key: 'done.txt' }));
          return true;
        } catch {
          return false;
        }
      }, 30_000);
      publish('stuck-bucket', 'never.txt');
      await until('the stuck copy to be in flight', () => silent.sockets.length > 0, 30_000);

      const cutAt = Date.now();
      await proxy.cut();
      await until('/readyz to answer 503', async () => (await readyz()) !== 200, 3_000);
      const { code, at } = await cli.exited;
      expect(code).toBe(1);
      // drainSeconds (2) for the stuck work, then the abort; well inside drainSeconds + the 10 s grace.
      expect(at - cutAt).toBeLessThan(12_000);

      const severe = jsonLines(cli.stderr()).filter((l) => l.level >= 50);
      expect(severe, cli.stderr()).toHaveLength(1);
      expect(severe[0]).toMatchObject({ level: 60, msg: expect.stringContaining('a source lost its broker') as unknown });
      expect(severe[0]?.reason).toBe(`source 'q': the AMQP connection to 127.0.0.1:${PROXY_PORT} closed`);
      expect(proxy.connections()).toBe(1);

      // The done message was acknowledged; the stuck one was not, and is back in the queue, not dead-lettered.
      expect((await channel.checkQueue(queue)).messageCount).toBe(1);
      expect((await channel.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);
      const left = await channel.get(queue, { noAck: true });
      expect(left === false ? undefined : JSON.parse(left.content.toString())).toMatchObject({ Records: [{ s3: { object: { key: 'never.txt' } } }] });
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      await proxy.cut().catch(() => undefined);
      silent.close();
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteQueue(`${queue}.dlq`).catch(() => undefined);
      await channel.deleteExchange(exchange).catch(() => undefined);
      await channel.deleteExchange(`${queue}.dlx`).catch(() => undefined);
      await connection.close();
    }
  });
});

describe('replicate when its Kafka broker goes away', () => {
  it('reports not ready, gives the source up after sourceLostSeconds and exits 1 with one fatal line', async () => {
    const run = promisify(execFile);
    try {
      await run('bash', [brokersScript, 'start', 'kafka'], { env: kafkaEnv, timeout: 300_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`a Kafka broker of this test's own could not be started (scripts/brokers.sh start kafka):\n${e.stderr?.trim() || e.message}`);
    }
    const topic = uniqueName('lost');
    const admin = new Kafka({ clientId: 'lost-test', brokers: [`127.0.0.1:${KAFKA_PORT}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const cli = startCli(
      {
        sources: [{ name: 'k', type: 'kafka', brokers: [`127.0.0.1:${KAFKA_PORT}`], topic, lagIntervalSeconds: 1 }],
        routes: [{ name: 'r', source: 'lab:lost-src', destination: 'lab:lost-dst' }],
        drainSeconds: 2,
        sourceLostSeconds: 3,
        listen: `127.0.0.1:${HEALTH_PORT}`,
      },
      rcloneEnv('lab'),
    );
    try {
      await until('the engine to be ready', async () => (await readyz()) === 200 || cli.child.exitCode !== null, 120_000);
      expect(cli.child.exitCode, cli.stderr()).toBeNull();
      await run('bash', [brokersScript, 'stop', 'kafka'], { env: kafkaEnv, timeout: 120_000 });
      const stoppedAt = Date.now();
      // A refused or unanswered (5 s) offsets read, at the 1 s interval.
      await until('/readyz to answer 503', async () => (await readyz()) !== 200, 10_000);
      const { code, at } = await cli.exited;
      expect(code).toBe(1);
      // At most: the unanswered read (6 s), sourceLostSeconds (3), drainSeconds (2), the 10 s grace.
      expect(at - stoppedAt).toBeLessThan(25_000);
      const fatal = jsonLines(cli.stderr()).filter((l) => l.level >= 60);
      expect(fatal, cli.stderr()).toHaveLength(1);
      expect(fatal[0]?.msg).toContain('a source lost its broker');
      expect(fatal[0]?.reason).toMatch(/^source 'k' has not been ready for \d+ s \(sourceLostSeconds 3\)$/);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});
