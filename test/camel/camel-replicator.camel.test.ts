/**
 * The CamelReplicator's two Integrations, as synthesized, running in Apache Camel 4.14 against a real
 * Ceph RGW (playing both Ceph and AWS S3, with two buckets), a real Kafka broker and an SQS server
 * (ElasticMQ). The gateway's own bucket notifications drive both directions (see rgw-event-bridge.ts).
 *
 * Identities: the lab's main user is the end user writing on both sides; its `alt` user is the
 * replicators' identity everywhere (Rook's user on the Ceph side, the IAM user on the AWS side), so
 * each loop guard must skip exactly the alt user's writes.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Chart, Testing } from 'cdk8s';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamelReplicator } from '../../lib/k8s';
import { startBrokers } from './brokers';
import { createBucket, gateway, s3, type Gateway } from '../support/gateway';
import { altCredentials, awsUniqueId } from '../support/lab-identities';
import { findByKind, synthAndValidate } from '../support/manifests';
import { CamelIntegrationProcess } from './camel-runtime';
import { RgwEventBridge } from './rgw-event-bridge';

const MiB = 1024 * 1024;
/** Both JVMs get a heap smaller than the large object, which therefore has to be streamed. */
const HEAP = ['-Xmx160m'];
const LARGE_BYTES = 200 * MiB;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

let gw: Gateway;
let user: S3Client;
let alt: S3Client;
let altUid: string;
let sqs: SQSClient;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let bridge: RgwEventBridge | undefined;
const integrations: CamelIntegrationProcess[] = [];
const queues: string[] = [];
let d1: CamelIntegrationProcess;
let d2: CamelIntegrationProcess;
const names = {
  ceph: '',
  aws: '',
  cephDenied: '',
  awsDenied: '',
  topic: `camel-e2e-${randomBytes(4).toString('hex')}`,
  queue: `camel-e2e-${randomBytes(4).toString('hex')}`,
};
let deadLetterQueueUrl = '';

async function objectState(client: S3Client, bucket: string, key: string): Promise<{ sha: string; contentType?: string } | 'absent'> {
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    return { sha: sha256(body), contentType: got.ContentType };
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return 'absent';
    throw err;
  }
}

/** Waits until `key` in `bucket` holds `body` (or is absent when `body` is undefined). */
async function expectReplica(bucket: string, key: string, body: Buffer | undefined, contentType?: string): Promise<void> {
  const want = body === undefined ? 'absent' : sha256(body);
  await eventually(`${bucket}/${key} to be ${body === undefined ? 'deleted' : `${body.length} bytes`}`, async () => {
    // Objects the replicators wrote belong to their user (RGW has no bucket-owner-enforced ownership).
    const state = await objectState(alt, bucket, key);
    const got = state === 'absent' ? 'absent' : state.sha;
    if (got !== want) return undefined;
    if (state !== 'absent' && contentType !== undefined) expect(state.contentType).toBe(contentType);
    return true;
  });
}

beforeAll(async () => {
  gw = gateway();
  user = s3(gw);
  const altKeys = altCredentials();
  alt = s3({ ...gw, ...altKeys });
  altUid = (await alt.send(new ListBucketsCommand({}))).Owner?.ID ?? '';
  const userUid = (await user.send(new ListBucketsCommand({}))).Owner?.ID ?? '';
  expect(altUid).not.toBe('');
  expect(altUid).not.toBe(userUid);

  const b = await startBrokers();
  names.ceph = await createBucket('camel-ceph');
  names.aws = await createBucket('camel-aws');
  names.cephDenied = await createBucket('camel-ceph-denied');
  names.awsDenied = await createBucket('camel-aws-denied');
  for (const bucket of [names.ceph, names.aws]) {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [`arn:aws:iam:::user/${altUid}`] },
          Action: ['s3:*'],
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        },
      ],
    };
    await user.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  }

  kafka = new Kafka({ clientId: 'camel-e2e', brokers: [b.kafkaBrokers], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: names.topic, numPartitions: 1 }, { topic: `${names.topic}-dlq`, numPartitions: 1 }],
  });
  producer = kafka.producer();
  await producer.connect();

  sqs = new SQSClient({ endpoint: b.sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: names.queue }))).QueueUrl ?? '';
  deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${names.queue}-dlq` }))).QueueUrl ?? '';
  queues.push(queueUrl, deadLetterQueueUrl);

  const app = Testing.app();
  const replicator = new CamelReplicator(app, 'e2e', {
    buckets: [
      { cephBucket: names.ceph, awsBucket: names.aws, cephPrefix: 'data/', awsPrefix: 'from-ceph/' },
      { cephBucket: names.cephDenied, awsBucket: names.awsDenied },
    ],
    ceph: {
      objectStoreName: 'lab',
      userName: altUid,
      internalEndpoint: gw.endpoint,
      externalEndpoint: gw.endpoint,
      region: gw.region,
      remoteCredentials: { secretName: 'ceph-rgw-credentials' },
    },
    kafka: { bootstrapServers: b.kafkaBrokers, topic: names.topic, groupId: `${names.topic}-group` },
    aws: {
      region: gw.region,
      queueName: names.queue,
      deadLetterQueueName: `${names.queue}-dlq`,
      onPremCredentials: { secretName: 'aws-s3-credentials' },
      clusterIdentity: { kind: 'secret', secretName: 'aws-s3-credentials', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key' },
      s3Endpoint: gw.endpoint,
      sqsEndpoint: b.sqsEndpoint,
    },
    loopGuard: { awsPrincipalId: `AWS:${awsUniqueId(altUid)}` },
    maximumRedeliveries: 1,
  });
  const charts = app.node.children.filter((c): c is Chart => c instanceof Chart);
  expect(charts).toEqual([replicator.onPremChart, replicator.awsChart]);
  const onPrem = synthAndValidate(replicator.onPremChart as Chart);
  const aws = synthAndValidate(replicator.awsChart as Chart);

  const keys = { 'access-key': altKeys.accessKeyId, 'secret-key': altKeys.secretAccessKey };
  const cephKeys = { AccessKey: altKeys.accessKeyId, SecretKey: altKeys.secretAccessKey };
  const secrets = {
    [`rook-ceph-object-user-lab-${altUid}`]: cephKeys,
    'ceph-rgw-credentials': cephKeys,
    'aws-s3-credentials': keys,
  };

  bridge = await RgwEventBridge.start({
    gateway: gw,
    s3: user,
    kafka: { producer, topic: names.topic },
    sqs: { client: sqs, queueUrl },
    awsUserIds: { [altUid]: awsUniqueId(altUid), [userUid]: awsUniqueId(userUid) },
  });
  await bridge.notify(names.ceph, 'ceph');
  await bridge.notify(names.cephDenied, 'ceph');
  await bridge.notify(names.aws, 'aws');
  await bridge.notify(names.awsDenied, 'aws');

  const start = async (objects: typeof onPrem) => {
    const started = await CamelIntegrationProcess.start(findByKind(objects, 'Integration'), secrets, HEAP);
    integrations.push(started);
    return started;
  };
  [d1, d2] = await Promise.all([start(onPrem), start(aws)]);
  // The Kafka consumer has joined its group once it logs its partition assignment.
  await d1.waitForLog(/[Aa]dding newly assigned partitions|partitions assigned/, 60_000);
}, 900_000);

afterAll(async () => {
  try {
    // First: no bucket may keep an HTTP notification when the cleanup deletes its objects (see RgwEventBridge.stop).
    await bridge?.stop();
  } finally {
    for (const integration of integrations) {
      const lines = integration.replicatorLines().join('\n');
      console.log(`--- ${integration.name}: replicator log (Camel's whole log: ${await integration.stop()}) ---\n${lines}`);
    }
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [names.topic, `${names.topic}-dlq`] }).catch(() => undefined);
    await admin?.disconnect();
    for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    sqs?.destroy();
    user?.destroy();
    alt?.destroy();
  }
}, 120_000);

/** Keys with spaces, a plus, percent signs and non-ASCII characters. */
const KEYS = ['plain.txt', 'with space + plus.txt', 'ünïcødé/日本語 ファイル.txt', '100% done & more.bin'];

describe('CamelReplicator in Apache Camel', () => {
  it('Direction 1 replicates PUT (content type and user metadata included), overwrite and DELETE from Ceph to AWS under the mapped prefix, streaming large objects', async () => {
    for (const key of KEYS) {
      const body = Buffer.from(`v1 of ${key}`);
      await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: `data/${key}`, Body: body, ContentType: 'text/plain' }));
      await expectReplica(names.aws, `from-ceph/${key}`, body, 'text/plain');
    }
    const v2 = Buffer.from('version two, longer than the first');
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: `data/${KEYS[1]}`, Body: v2 }));
    await expectReplica(names.aws, `from-ceph/${KEYS[1]}`, v2);
    await user.send(new DeleteObjectCommand({ Bucket: names.ceph, Key: `data/${KEYS[2]}` }));
    await expectReplica(names.aws, `from-ceph/${KEYS[2]}`, undefined);

    const tagged = Buffer.from('with user metadata');
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: 'data/meta.txt', Body: tagged, Metadata: { owner: 'team-a' } }));
    await expectReplica(names.aws, 'from-ceph/meta.txt', tagged);
    const head = await alt.send(new HeadObjectCommand({ Bucket: names.aws, Key: 'from-ceph/meta.txt' }));
    expect(head.Metadata).toEqual({ owner: 'team-a' });

    const large = randomBytes(LARGE_BYTES);
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: 'data/large.bin', Body: large }));
    await expectReplica(names.aws, 'from-ceph/large.bin', large);
  });

  it('Direction 2 replicates PUT, overwrite and DELETE from AWS to Ceph, decoding AWS-encoded keys once', async () => {
    for (const key of KEYS) {
      const body = Buffer.from(`from aws: ${key}`);
      await user.send(new PutObjectCommand({ Bucket: names.aws, Key: `from-ceph/aws-${key}`, Body: body, ContentType: 'application/json' }));
      await expectReplica(names.ceph, `data/aws-${key}`, body, 'application/json');
    }
    const v2 = Buffer.from('aws overwrite');
    await user.send(new PutObjectCommand({ Bucket: names.aws, Key: `from-ceph/aws-${KEYS[3]}`, Body: v2 }));
    await expectReplica(names.ceph, `data/aws-${KEYS[3]}`, v2);
    await user.send(new DeleteObjectCommand({ Bucket: names.aws, Key: `from-ceph/aws-${KEYS[1]}` }));
    await expectReplica(names.ceph, `data/aws-${KEYS[1]}`, undefined);
  });

  it('each loop guard skips the other replicator’s writes, so nothing echoes back', async () => {
    // Every write Direction 1 made in AWS came back as an event that Direction 2 skipped, and vice versa.
    const skipped = (process: CamelIntegrationProcess, bucket: string, key: string) =>
      process.replicatorLines().some((l) => l.includes('Loop guard: skipped') && l.includes(`${bucket}/${key} written by`));
    await eventually('the loop guards to see every replicated write', async () => {
      const d2Skips = KEYS.every((key) => skipped(d2, names.aws, `from-ceph/${key}`));
      const d1Skips = [KEYS[0], KEYS[2]].every((key) => skipped(d1, names.ceph, `data/aws-${key}`));
      return d2Skips && d1Skips ? true : undefined;
    });
    expect(d2.replicatorLines().some((l) => l.includes(`ObjectRemoved:Delete of ${names.aws}/from-ceph/${KEYS[2]} written by AWS:`))).toBe(true);
    // No replicator copied the other's write back: D2 never wrote data/<key> for D1's keys, D1 never wrote from-ceph/aws-<key>.
    expect(d2.replicatorLines().filter((l) => l.includes('Replicated') && !l.includes('/from-ceph/aws-'))).toEqual([]);
    expect(d1.replicatorLines().filter((l) => l.includes('Replicated') && l.includes('/data/aws-'))).toEqual([]);
    // The end user's Ceph object written before replication still holds its bytes (not re-written by an echo).
    expect(await objectState(alt, names.ceph, `data/${KEYS[0]}`)).toMatchObject({ sha: sha256(Buffer.from(`v1 of ${KEYS[0]}`)) });
  });

  it('does not replicate keys outside the mapped prefix', async () => {
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: 'elsewhere/skip.txt', Body: 'x' }));
    await eventually('the skip to be logged', async () =>
      d1.replicatorLines().some((l) => l.includes(`Skipped ${names.ceph}/elsewhere/skip.txt: outside every replicated bucket and prefix`)) ? true : undefined,
    );
    await expect(alt.send(new HeadObjectCommand({ Bucket: names.aws, Key: 'elsewhere/skip.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('sends a record that fails every redelivery to the dead-letter topic and queue instead of dropping it', async () => {
    // The replicators' identity may not read these buckets: every GET fails with AccessDenied.
    await user.send(new PutObjectCommand({ Bucket: names.cephDenied, Key: 'denied one.txt', Body: 'x' }));
    await user.send(new PutObjectCommand({ Bucket: names.awsDenied, Key: 'denied two.txt', Body: 'y' }));

    const consumer = kafka.consumer({ groupId: `${names.topic}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${names.topic}-dlq`, fromBeginning: true });
    const dead: Array<{ value: string; error: string }> = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        dead.push({ value: message.value?.toString('utf8') ?? '', error: message.headers?.ReplicationError?.toString() ?? '' });
        return Promise.resolve();
      },
    });
    try {
      const record = await eventually('the Kafka dead letter', async () => dead.find((d) => d.value.includes('denied one.txt')), 90_000);
      expect(JSON.parse(record.value)).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: names.cephDenied } } });
      expect(record.error).toContain('S3Exception');
      expect(record.error).toContain('Status Code: 403');
    } finally {
      await consumer.disconnect();
    }

    const message = await eventually(
      'the SQS dead letter',
      async () => {
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
        return got.Messages?.find((m) => m.Body?.includes('denied+two.txt'));
      },
      90_000,
    );
    expect(JSON.parse(message.Body ?? '')).toMatchObject({ eventSource: 'aws:s3', s3: { bucket: { name: names.awsDenied } } });
    expect(message.MessageAttributes?.ReplicationError?.StringValue).toContain('Status Code: 403');
  });
});
