/**
 * The Kafka source over SASL_SSL (SCRAM-SHA-512, the broker's certificate signed by a private CA),
 * as a Strimzi listener asks for: RGW's own notification bodies, captured at run time, are produced
 * to the topic over the authenticated listener and replicated on the real gateway. A wrong
 * password and a CA the client does not trust each fail start-up at once, with one error.
 */
import { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replicator } from '../../../lib/engine/commands/replicate';
import { createEventSource } from '../../../lib/engine/events/create-source';
import { EventSourceError } from '../../../lib/engine/events/source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import { resolveReplicateConfig } from '../../../lib/model';
import { kafkaSaslBroker, type KafkaSaslBroker } from '../../support/brokers';
import { createBucket, gateway, rcloneEnv, s3, type Gateway } from '../../support/gateway';
import {
  captureEvents,
  deleteTopic,
  enableVersioning,
  expectReplica,
  keyedMessage,
  metricValue,
  removeNotifiedBuckets,
  uniqueName,
  writeScenario,
} from '../commands/replicate-fixtures';

let gw: Gateway;
let client: S3Client;
let broker: KafkaSaslBroker;
let admin: ReturnType<Kafka['admin']>;
const rgwTopics: string[] = [];
const kafkaTopics: string[] = [];

const SASL = { mechanism: 'scram-sha-512', usernameEnv: 'TEST_KAFKA_USER', passwordEnv: 'TEST_KAFKA_PASSWORD' } as const;

beforeAll(async () => {
  gw = gateway();
  client = s3(gw);
  broker = await kafkaSaslBroker();
  admin = testClient().admin();
  await admin.connect();
});

afterAll(async () => {
  for (const arn of rgwTopics) await deleteTopic(gw, arn);
  if (client) await removeNotifiedBuckets(client);
  client?.destroy();
  if (admin && kafkaTopics.length > 0) await admin.deleteTopics({ topics: kafkaTopics });
  await admin?.disconnect();
});

/** The test's own client, on the same authenticated listener. */
function testClient(): Kafka {
  return new Kafka({
    clientId: 'test',
    brokers: [broker.brokers],
    logLevel: logLevel.NOTHING,
    ssl: { ca: readFileSync(broker.caFile, 'utf8') },
    sasl: { mechanism: 'scram-sha-512', username: broker.username, password: broker.password },
  });
}

/** A replicator whose JSON log lines are kept, to check what it says (and does not say). */
async function startLogged(source: Record<string, unknown>, routes: unknown[], env: Record<string, string>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const metrics = new ReplicateMetrics();
  const config = resolveReplicateConfig({ sources: [source], routes });
  const replicator = new Replicator({ config, env, metrics, createSource: createEventSource, logger: pino({ level: 'debug' }, sink) });
  return { replicator, metrics, lines, started: replicator.start() };
}

describe('the Kafka source over SASL_SSL with SCRAM-SHA-512', () => {
  it('replicates the bodies RGW pushed, read from the authenticated listener with the CA file', async () => {
    const src = await createBucket('kauth-src');
    await enableVersioning(client, src);
    const dst = await createBucket('kauth-dst');
    const bodies = await captureEvents(gw, client, src, rgwTopics, () => writeScenario(client, src));
    expect(bodies.length).toBeGreaterThanOrEqual(12);
    const topic = uniqueName('kauth-events');
    kafkaTopics.push(topic, `${topic}.dlq`);
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = testClient().producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: bodies.map(keyedMessage),
      });
    } finally {
      await producer.disconnect();
    }
    const source = { name: 'strimzi', type: 'kafka', brokers: [broker.brokers], topic, groupId: uniqueName('g'), tls: { caFile: broker.caFile }, sasl: SASL };
    const env = { ...rcloneEnv('lab', gw), TEST_KAFKA_USER: broker.username, TEST_KAFKA_PASSWORD: broker.password };
    const { replicator, metrics, lines, started } = await startLogged(source, [{ name: 'r', source: `lab:${src}`, destination: `lab:${dst}` }], env);
    try {
      await started;
      await expectReplica(client, src, dst);
      expect(await metricValue(metrics, 'bucketbridge_replicate_messages_received_total', { source: 'strimzi' })).toBe(bodies.length);
      // The DLQ producer and the admin client that made the DLQ topic logged in as well.
      expect((await admin.listTopics()).includes(`${topic}.dlq`)).toBe(true);
    } finally {
      await replicator.stop();
    }
    expect(lines.join('')).not.toContain(broker.password);
  });

  it('fails start-up at once with one error on a wrong password, never printing it', async () => {
    const wrong = `wrong-${broker.password.slice(0, 6)}-pw`;
    const source = { name: 'strimzi', type: 'kafka', brokers: [broker.brokers], topic: uniqueName('kauth-denied'), tls: { caFile: broker.caFile }, sasl: SASL };
    const env = { ...rcloneEnv('lab', gw), TEST_KAFKA_USER: broker.username, TEST_KAFKA_PASSWORD: wrong };
    const { replicator, lines, started } = await startLogged(source, [{ name: 'r', source: 'lab:kauth-none-src', destination: 'lab:kauth-none-dst' }], env);
    const t0 = Date.now();
    const error = await started.then(
      () => undefined,
      (err: unknown) => err,
    );
    const elapsedMs = Date.now() - t0;
    await replicator.stop();
    expect(error).toBeInstanceOf(EventSourceError);
    expect((error as Error).message).toMatch(/^source 'strimzi': cannot consume topic 'kauth-denied-\S+' from 127\.0\.0\.1:\d+: SASL SCRAM SHA512 authentication failed/);
    // Not retried: kafkajs' default of 8 retries with backoff would take well over 10 s.
    expect(elapsedMs).toBeLessThan(10_000);
    expect((error as Error).message).not.toContain(wrong);
    expect(lines.join('')).not.toContain(wrong);
  });

  it('checks the broker certificate by default: without the CA file the connection is refused', async () => {
    const source = { name: 'strimzi', type: 'kafka', brokers: [broker.brokers], topic: uniqueName('kauth-untrusted'), tls: {}, sasl: SASL };
    const env = { ...rcloneEnv('lab', gw), TEST_KAFKA_USER: broker.username, TEST_KAFKA_PASSWORD: broker.password };
    const { replicator, started } = await startLogged(source, [{ name: 'r', source: 'lab:kauth-none-src', destination: 'lab:kauth-none-dst' }], env);
    const error = await started.then(
      () => undefined,
      (err: unknown) => err,
    );
    await replicator.stop();
    expect(error).toBeInstanceOf(EventSourceError);
    expect((error as Error).message).toMatch(/self[- ]signed certificate|unable to verify|certificate/i);
  });
});
