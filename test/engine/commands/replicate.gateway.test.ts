/**
 * `replicate` end to end on the real gateway and real brokers: RGW pushes its bucket
 * notifications over HTTP to the engine and over AMQP through RabbitMQ; Kafka carries the exact
 * bodies RGW pushed (this RGW build has no Kafka push); ElasticMQ carries AWS-format messages,
 * plain and SNS-wrapped. Every transport replays the same writes, and the destination must end up
 * equal to the source object for object, headers, metadata and tags included.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectTaggingCommand, PutObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replicator } from '../../../lib/engine/commands/replicate';
import type { Delivery, EventSource } from '../../../lib/engine/events/source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import { resolveReplicateConfig } from '../../../lib/model';
import { describeObject, listAll, objectMd5 } from '../fixtures';
import { brokers, type Brokers } from '../../support/brokers';
import { createBucket, gateway, rcloneEnv, s3, type Gateway } from '../../support/gateway';
import {
  KEYS,
  RGW_AMQP_EXCHANGE,
  rgwAmqpEndpoint,
  SCENARIO_FINAL_KEYS,
  captureEvents,
  createTopic,
  deleteTopic,
  enableVersioning,
  expectReplica,
  keyedMessage,
  metricValue,
  notify,
  removeNotifiedBuckets,
  startReplicator,
  uniqueName,
  writeScenario,
  type Operation,
} from './replicate-fixtures';

/** Ports of this file (the replicate tests own 7700-7799). */
const HTTP_PORT = 7701;
const CAPTURE_PORT = 7702;

let gw: Gateway;
let client: S3Client;
let broker: Brokers;
let env: Record<string, string>;
const topics: string[] = [];

beforeAll(async () => {
  gw = gateway();
  client = s3(gw);
  broker = await brokers();
  env = rcloneEnv('lab', gw);
  // ElasticMQ takes any credentials; the SQS client reads them from the default chain.
  process.env.AWS_ACCESS_KEY_ID ??= 'elasticmq';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'elasticmq';
});

afterAll(async () => {
  // Topics first: a bucket's deletes then notify no one.
  for (const arn of topics) await deleteTopic(gw, arn);
  await removeNotifiedBuckets(client);
  client.destroy();
});

async function sourceBucket(stem: string): Promise<string> {
  const bucket = await createBucket(stem);
  await enableVersioning(client, bucket);
  return bucket;
}

function route(src: string, dst: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'r', source: `lab:${src}`, destination: `lab:${dst}`, ...extra };
}

describe('replicate over HTTP push from RGW', () => {
  it('makes the destination match the source after PUT, overwrite, multipart, copy, DELETE and delete marker', async () => {
    const src = await sourceBucket('rep-http-src');
    const dst = await createBucket('rep-http-dst');
    const arn = await createTopic(gw, uniqueName('rep-http'), { 'push-endpoint': `http://127.0.0.1:${HTTP_PORT}/events`, persistent: 'false' });
    topics.push(arn);
    await notify(client, src, arn);
    const { replicator, metrics } = await startReplicator(
      { sources: [{ name: 'rgw', type: 'http', listen: `127.0.0.1:${HTTP_PORT}`, path: '/events' }], routes: [route(src, dst, { keyPrefix: 'from-{bucket}/' })] },
      env,
    );
    try {
      await writeScenario(client, src);
      await expectReplica(client, src, dst, { keyPrefix: `from-${src}/` });
      expect((await client.send(new GetObjectTaggingCommand({ Bucket: dst, Key: `from-${src}/${KEYS.plain}` }))).TagSet).toEqual([{ Key: 'a', Value: '3' }]);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'copied' })).toBeGreaterThanOrEqual(SCENARIO_FINAL_KEYS.length);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'deleted' })).toBeGreaterThanOrEqual(2);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { outcome: 'failed' })).toBe(0);
      // HTTP has no dead-letter queue: poison is refused with 400, and counted.
      const poison = await fetch(`http://127.0.0.1:${HTTP_PORT}/events`, { method: 'POST', body: 'not json' });
      expect(poison.status).toBe(400);
      expect(await metricValue(metrics, 'bucketbridge_replicate_dead_lettered_total', { reason: 'poison' })).toBe(1);
    } finally {
      await replicator.stop();
    }
  });
});

describe('replicate over AMQP from RGW through RabbitMQ', () => {
  it('replicates what RGW publishes to the exchange, and dead-letters poison into <queue>.dlq', async () => {
    const src = await sourceBucket('rep-amqp-src');
    const dst = await createBucket('rep-amqp-dst');
    const exchange = RGW_AMQP_EXCHANGE;
    const queue = uniqueName('rep-q');
    const topic = uniqueName('rep-amqp');
    const source = { name: 'rabbit', type: 'amqp', url: broker.amqpUrl, exchange, queue, routingKey: topic };
    const { replicator, metrics } = await startReplicator({ sources: [source], routes: [route(src, dst)] }, env);
    const connection = await amqp.connect(broker.amqpUrl);
    try {
      // amqp-ack-level=none: 'broker' aborts radosgw 16.2.15 on a multi-object delete (notes, pitfall list).
      const arn = await createTopic(gw, topic, { 'push-endpoint': rgwAmqpEndpoint(broker.amqpUrl), 'amqp-exchange': exchange, 'amqp-ack-level': 'none' });
      topics.push(arn);
      await notify(client, src, arn);
      await writeScenario(client, src);
      await expectReplica(client, src, dst);
      const channel = await connection.createChannel();
      channel.publish(exchange, topic, Buffer.from('{"Records": "not an array"}'));
      const deadline = Date.now() + 10_000;
      let dead: amqp.GetMessage | false = false;
      while (dead === false && Date.now() < deadline) {
        dead = await channel.get(`${queue}.dlq`, { noAck: true });
        if (dead === false) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(dead === false ? undefined : dead.content.toString()).toBe('{"Records": "not an array"}');
      expect(await metricValue(metrics, 'bucketbridge_replicate_dead_lettered_total', { source: 'rabbit', reason: 'poison' })).toBe(1);
      expect((await channel.checkQueue(queue)).messageCount).toBe(0);
      await channel.deleteQueue(`${queue}.dlq`);
      await channel.close();
    } finally {
      await replicator.stop();
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await channel.deleteExchange(`${queue}.dlx`);
      await connection.close();
    }
  });
});

describe('replicate from Kafka', () => {
  it('replicates the exact bodies RGW pushed, captured at run time, and sends poison to the DLQ topic', async () => {
    const src = await sourceBucket('rep-kafka-src');
    const dst = await createBucket('rep-kafka-dst');
    const bodies = await captureEvents(gw, client, src, topics, () => writeScenario(client, src), CAPTURE_PORT);
    expect(bodies.length).toBeGreaterThanOrEqual(12);
    const topic = uniqueName('rgw-events');
    const kafka = new Kafka({ clientId: 'test', brokers: [broker.kafkaBrokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    // Keyed by object key, as a Kafka push would be partitioned: one key's events stay in order.
    await producer.send({
      topic,
      messages: [
        ...bodies.map(keyedMessage),
        { key: 'poison', value: Buffer.from('\u0000garbage') },
      ],
    });
    const { replicator, metrics } = await startReplicator(
      { sources: [{ name: 'kafka', type: 'kafka', brokers: [broker.kafkaBrokers], topic, groupId: uniqueName('g') }], routes: [route(src, dst)] },
      env,
    );
    try {
      await expectReplica(client, src, dst);
      const dlq = kafka.consumer({ groupId: uniqueName('dlq-reader') });
      await dlq.connect();
      await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
      const dead = await new Promise<{ value: string; reason: string }>((resolve) => {
        void dlq.run({ eachMessage: async ({ message }) => resolve({ value: String(message.value), reason: String(message.headers?.['bucketbridge-reason']) }) });
      });
      await dlq.disconnect();
      expect(dead).toEqual({ value: '\u0000garbage', reason: 'poison' });
      expect(await metricValue(metrics, 'bucketbridge_replicate_messages_received_total', { source: 'kafka' })).toBe(bodies.length + 1);
    } finally {
      await replicator.stop();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] });
      await admin.disconnect();
    }
  });
});

/** An AWS S3 event record for one operation: `aws:s3`, an IAM principal id, the key form-encoded. */
function awsRecord(bucket: string, op: Operation, eventTime = new Date()): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: eventTime.toISOString(),
    eventName: op.eventName,
    userIdentity: { principalId: 'AWS:AIDAEXAMPLEUSERID01' },
    requestParameters: { sourceIPAddress: '203.0.113.5' },
    responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'replicate',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeURIComponent(op.key).replace(/%20/g, '+'),
        ...(op.size === undefined ? {} : { size: op.size }),
        ...(op.etag === undefined ? {} : { eTag: op.etag }),
        ...(op.versionId === undefined ? {} : { versionId: op.versionId }),
        sequencer: '0055AED6DCD90281E5',
      },
    },
  };
}

describe('replicate from SQS (ElasticMQ)', () => {
  it('replicates AWS-format messages, plain and SNS-wrapped, applies tagging events, and sends poison to the DLQ at once', async () => {
    const src = await sourceBucket('rep-sqs-src');
    const dst = await createBucket('rep-sqs-dst');
    const sqs = new SQSClient({ endpoint: broker.sqsEndpoint, region: 'us-east-1' });
    const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('events') }));
    const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('events-dlq') }));
    const ops = await writeScenario(client, src);
    await client.send(new PutObjectTaggingCommand({ Bucket: src, Key: KEYS.unicode, Tagging: { TagSet: [{ Key: 'lang', Value: 'de' }, { Key: 'new', Value: 'yes' }] } }));
    ops.push({ eventName: 'ObjectTagging:Put', key: KEYS.unicode });
    // Half the messages come through SNS, some carry two records, and a TestEvent comes first.
    const bodies: string[] = [JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: src })];
    for (let i = 0; i < ops.length; i += 2) {
      const message = JSON.stringify({ Records: ops.slice(i, i + 2).map((op) => awsRecord(src, op)) });
      bodies.push(i % 4 === 0 ? message : JSON.stringify({ Type: 'Notification', MessageId: `m${i}`, TopicArn: 'arn:aws:sns:us-east-1:123456789012:s3-events', Message: message }));
    }
    bodies.push('{"Type":"Notification","Message":"{broken"}');
    for (const MessageBody of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody }));
    const { replicator, metrics } = await startReplicator(
      {
        sources: [{ name: 'sqs', type: 'sqs', queueUrl, endpoint: broker.sqsEndpoint, region: 'us-east-1', deadLetterQueueUrl: dlqUrl, waitTimeSeconds: 1 }],
        routes: [route(src, dst)],
      },
      env,
    );
    try {
      await expectReplica(client, src, dst);
      const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 5, MessageAttributeNames: ['All'] }));
      expect(dead.Messages?.map((m) => [m.Body, m.MessageAttributes?.['bucketbridge-reason']?.StringValue])).toEqual([['{"Type":"Notification","Message":"{broken"}', 'poison']]);
      expect(await metricValue(metrics, 'bucketbridge_replicate_events_ignored_total', { reason: 'test-event' })).toBe(1);
      expect(await metricValue(metrics, 'bucketbridge_replicate_events_received_total', { action: 'tagging' })).toBe(1);
      const left = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      expect(left.Messages ?? []).toEqual([]);
    } finally {
      await replicator.stop();
      sqs.destroy();
    }
  });
});

describe('replicate with a replica marker on one gateway', () => {
  it('marks server-side copies (CopyObject and multipart part copies) and keeps every other header, metadata and tag', async () => {
    const src = await createBucket('rep-mark-src');
    const dst = await createBucket('rep-mark-dst');
    await client.send(
      new PutObjectCommand({ Bucket: src, Key: 'small.txt', Body: 'small', ContentType: 'text/plain', CacheControl: 'max-age=9', Metadata: { owner: 'me' }, Tagging: 't=1' }),
    );
    const MiB = 1024 * 1024;
    await new Upload({ client, params: { Bucket: src, Key: 'parts.bin', Body: randomBytes(11 * MiB), Metadata: { kind: 'multipart' }, ContentType: 'application/x-parts' }, partSize: 5 * MiB }).done();
    // Replicas of another route: skipped, never copied.
    await client.send(new PutObjectCommand({ Bucket: src, Key: 'replica.txt', Body: 'r', Metadata: { 'bucketbridge-replica': 'elsewhere' } }));
    const config = resolveReplicateConfig({
      sources: [{ name: 'h', type: 'http', listen: '127.0.0.1:0' }],
      routes: [{ name: 'r', source: `lab:${src}`, destination: `lab:${dst}`, replicaMarker: 'lab-src', compareMetadata: true }],
    });
    const metrics = new ReplicateMetrics();
    const idle: EventSource = { name: 'h', start: async () => undefined, stop: async () => undefined, ready: () => true };
    const replicator = new Replicator({ config, env, metrics, createSource: () => idle });
    await replicator.start();
    try {
      const event = (key: string): Delivery => ({
        body: Buffer.from(JSON.stringify({ Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: src }, object: { key } } }] })),
      });
      for (const key of ['small.txt', 'parts.bin', 'replica.txt']) expect(await replicator.handle(config.sources[0]!, event(key))).toBe('done');
      for (const key of ['small.txt', 'parts.bin']) {
        const want = await describeObject(client, src, key);
        expect(await describeObject(client, dst, key), key).toEqual({ ...want, Metadata: { ...(want.Metadata as object), 'bucketbridge-replica': 'lab-src' } });
        expect(await objectMd5(client, dst, key), key).toBe(await objectMd5(client, src, key));
      }
      expect((await listAll(client, dst)).map((o) => o.key).sort()).toEqual(['parts.bin', 'small.txt']);
      // The marker is no difference: a second event finds the copy in step.
      expect(await replicator.handle(config.sources[0]!, event('small.txt'))).toBe('done');
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { route: 'r', outcome: 'copied' })).toBe(2);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { route: 'r', outcome: 'in-step' })).toBe(1);
      expect(await metricValue(metrics, 'bucketbridge_replicate_keys_total', { route: 'r', outcome: 'ignored-replica' })).toBe(1);
    } finally {
      await replicator.stop();
    }
  });
});
