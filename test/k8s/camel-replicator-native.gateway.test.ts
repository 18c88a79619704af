/**
 * The CamelReplicator's native-engine variant run as synthesized: each chart's ConfigMap is written
 * where its Deployment mounts it, the container's environment is resolved as the kubelet would
 * (Secret references from keys this test supplies), and the container's arguments run the engine's
 * CLI (`bucketbridge replicate --config ...`) against the real gateway (playing Ceph and AWS S3),
 * the real Kafka broker and ElasticMQ (SQS). The gateway's own bucket notifications drive both
 * directions through test/camel/rgw-event-bridge.ts: RGW's payload unchanged into the Kafka topic
 * the CephBucketTopic names (this RGW build has no Kafka push), and AWS-shaped records into SQS.
 *
 * Identities: the lab's main user is the end user on both sides; its `alt` user is the replicators'
 * identity everywhere (Rook's user on Ceph, the IAM user on AWS), so each loop guard must skip
 * exactly the alt user's writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
import yaml from 'js-yaml';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamelReplicator, NATIVE_CONTAINER } from '../../lib/k8s';
import { startBrokers } from '../camel/brokers';
import { RgwEventBridge } from '../camel/rgw-event-bridge';
import { listAll } from '../engine/fixtures';
import { createBucket, gateway, s3, type Gateway } from '../support/gateway';
import { altCredentials, awsUniqueId } from '../support/lab-identities';
import { field, findByKind, synthAndValidate, type KubeObject } from '../support/manifests';

const CLI = path.join(__dirname, '../../lib/engine/cli.ts');
/** Ports of this file (7780-7789 of the replicate tests' 7700-7799). */
const ON_PREM_PORT = 7780;
/** The AWS cluster's pod listens on the same port in its own network namespace; here both share one host. */
const AWS_PORT = 7781;

interface Container {
  readonly name: string;
  readonly args: string[];
  readonly env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  readonly volumeMounts: Array<{ name: string; mountPath: string }>;
}

/** A running engine pod: its process, log, metrics port. */
interface EnginePod {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
  log(): string;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The container's environment as the kubelet resolves it: literals, and Secret keys from `secrets`. */
function resolveEnv(container: Container, secrets: Record<string, Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    container.env.map((e) => {
      if (e.value !== undefined) return [e.name, e.value];
      const ref = e.valueFrom?.secretKeyRef;
      const value = ref === undefined ? undefined : secrets[ref.name]?.[ref.key];
      if (value === undefined) throw new Error(`env ${e.name}: no Secret key ${JSON.stringify(ref)} among the test's Secrets`);
      return [e.name, value];
    }),
  );
}

/**
 * Starts one direction as its Deployment describes it: the ConfigMap's keys as files under a
 * scratch directory standing in for the mount path, the container's args and env, and waits until
 * the readiness probe's path answers 200.
 */
async function startPod(objects: KubeObject[], secrets: Record<string, Record<string, string>>, scratch: string, port: number): Promise<EnginePod> {
  const deployment = findByKind(objects, 'Deployment');
  const containers = field(deployment, 'spec.template.spec.containers') as Container[];
  const container = containers.find((c) => c.name === NATIVE_CONTAINER) as Container;
  const volumes = field(deployment, 'spec.template.spec.volumes') as Array<{ name: string; configMap?: { name: string } }>;
  let args = [...container.args];
  for (const mount of container.volumeMounts) {
    const configMap = volumes.find((v) => v.name === mount.name)?.configMap;
    if (configMap === undefined) continue;
    const data = findByKind(objects, 'ConfigMap', configMap.name).data as Record<string, string>;
    const dir = path.join(scratch, deployment.metadata.name, mount.name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(data)) {
      // The pods of the two charts share this host: only the listen port differs from the manifest.
      const doc = yaml.load(text) as Record<string, unknown>;
      writeFileSync(path.join(dir, file), yaml.dump({ ...doc, listen: `127.0.0.1:${port}` }));
    }
    args = args.map((arg) => (arg.startsWith(`${mount.mountPath}/`) ? path.join(dir, arg.slice(mount.mountPath.length + 1)) : arg));
  }
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...resolveEnv(container, secrets) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const pod = { name: deployment.metadata.name, child, port, log: () => log };
  await eventually(
    `${pod.name} to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${pod.name} exited with ${child.exitCode}:\n${log}`);
      return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
    },
    60_000,
  );
  return pod;
}

/** Sum of a counter's samples on a pod's /metrics whose labels include `labels`. */
async function metric(pod: EnginePod, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pod.port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

let gw: Gateway;
let user: S3Client;
let alt: S3Client;
let sqs: SQSClient;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let bridge: RgwEventBridge | undefined;
let scratch: string;
const pods: EnginePod[] = [];
const queues: string[] = [];
let d1: EnginePod;
let d2: EnginePod;
const names = { ceph: '', aws: '', cephDenied: '', awsDenied: '', topic: `native-e2e-${randomBytes(4).toString('hex')}`, queue: `native-e2e-${randomBytes(4).toString('hex')}` };
let deadLetterQueueUrl = '';

async function objectState(bucket: string, key: string): Promise<{ sha: string; contentType?: string } | 'absent'> {
  try {
    const got = await alt.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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
    const state = await objectState(bucket, key);
    if ((state === 'absent' ? 'absent' : state.sha) !== want) return undefined;
    if (state !== 'absent' && contentType !== undefined) expect(state.contentType).toBe(contentType);
    return true;
  });
}

beforeAll(async () => {
  gw = gateway();
  user = s3(gw);
  const altKeys = altCredentials();
  alt = s3({ ...gw, ...altKeys });
  const altUid = (await alt.send(new ListBucketsCommand({}))).Owner?.ID ?? '';
  const userUid = (await user.send(new ListBucketsCommand({}))).Owner?.ID ?? '';
  expect(altUid).not.toBe('');
  expect(altUid).not.toBe(userUid);

  const b = await startBrokers();
  names.ceph = await createBucket('native-ceph');
  names.aws = await createBucket('native-aws');
  names.cephDenied = await createBucket('native-ceph-denied');
  names.awsDenied = await createBucket('native-aws-denied');
  for (const bucket of [names.ceph, names.aws]) {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${altUid}`] }, Action: ['s3:*'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
    };
    await user.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  }

  kafka = new Kafka({ clientId: 'native-e2e', brokers: [b.kafkaBrokers], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: names.topic, numPartitions: 1 }, { topic: `${names.topic}-dlq`, numPartitions: 1 }] });
  producer = kafka.producer();
  await producer.connect();

  sqs = new SQSClient({ endpoint: b.sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: names.queue }))).QueueUrl ?? '';
  deadLetterQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${names.queue}-dlq` }))).QueueUrl ?? '';
  queues.push(queueUrl, deadLetterQueueUrl);

  const app = Testing.app();
  const replicator = new CamelReplicator(app, 's3-replicator-native', {
    engine: 'native',
    native: { image: 'ghcr.io/example/bucketbridge:test', metricsPort: ON_PREM_PORT, drainSeconds: 10 },
    buckets: [
      { cephBucket: names.ceph, awsBucket: names.aws, cephPrefix: 'data/', awsPrefix: 'data/' },
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
      // ElasticMQ's account.
      accountId: '000000000000',
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
  // The queue URLs the chart derives from the account, endpoint and names are the ones ElasticMQ made.
  const awsConfig = yaml.load((findByKind(aws, 'ConfigMap', 'aws-to-ceph-replicator-config').data as Record<string, string>)['replicate.yaml'] as string);
  expect((awsConfig as { sources: unknown[] }).sources).toEqual([expect.objectContaining({ queueUrl, deadLetterQueueUrl })]);

  const cephKeys = { AccessKey: altKeys.accessKeyId, SecretKey: altKeys.secretAccessKey };
  const secrets = {
    [`rook-ceph-object-user-lab-${altUid}`]: cephKeys,
    'ceph-rgw-credentials': cephKeys,
    'aws-s3-credentials': { 'access-key': altKeys.accessKeyId, 'secret-key': altKeys.secretAccessKey },
  };

  bridge = await RgwEventBridge.start({
    gateway: gw,
    s3: user,
    kafka: { producer, topic: names.topic },
    sqs: { client: sqs, queueUrl },
    awsUserIds: { [altUid]: awsUniqueId(altUid), [userUid]: awsUniqueId(userUid) },
  });
  for (const bucket of [names.ceph, names.cephDenied]) await bridge.notify(bucket, 'ceph');
  for (const bucket of [names.aws, names.awsDenied]) await bridge.notify(bucket, 'aws');

  scratch = mkdtempSync(path.join(tmpdir(), 'native-e2e-'));
  d1 = await startPod(onPrem, secrets, scratch, ON_PREM_PORT);
  pods.push(d1);
  d2 = await startPod(aws, secrets, scratch, AWS_PORT);
  pods.push(d2);
}, 600_000);

afterAll(async () => {
  try {
    // First: no bucket may keep an HTTP notification when the cleanup deletes its objects (see RgwEventBridge.stop).
    await bridge?.stop();
  } finally {
    for (const pod of pods) {
      if (pod.child.exitCode === null) {
        pod.child.kill('SIGKILL');
        console.log(`--- ${pod.name} log ---\n${pod.log()}`);
      }
    }
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [names.topic, `${names.topic}-dlq`] }).catch(() => undefined);
    await admin?.disconnect();
    for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    sqs?.destroy();
    user?.destroy();
    alt?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}, 120_000);

/** Keys with spaces, a plus, percent signs and non-ASCII characters. */
const KEYS = ['plain.txt', 'with space + plus.txt', 'ünïcødé/日本語 ファイル.txt', '100% done & more.bin'];

describe('CamelReplicator on the native engine, as synthesized', () => {
  it('Direction 1 replicates PUT (content type and metadata included), overwrite and DELETE from Ceph (Kafka) to AWS', async () => {
    for (const key of KEYS) {
      const body = Buffer.from(`v1 of ${key}`);
      await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: `data/${key}`, Body: body, ContentType: 'text/plain', Metadata: { owner: 'team-a' } }));
      await expectReplica(names.aws, `data/${key}`, body, 'text/plain');
    }
    const head = await alt.send(new HeadObjectCommand({ Bucket: names.aws, Key: `data/${KEYS[0]}` }));
    expect(head.Metadata).toEqual({ owner: 'team-a' });
    const v2 = Buffer.from('version two, longer than the first');
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: `data/${KEYS[1]}`, Body: v2 }));
    await expectReplica(names.aws, `data/${KEYS[1]}`, v2);
    await user.send(new DeleteObjectCommand({ Bucket: names.ceph, Key: `data/${KEYS[2]}` }));
    await expectReplica(names.aws, `data/${KEYS[2]}`, undefined);
  });

  it('Direction 2 replicates PUT, overwrite and DELETE from AWS (SQS, form-encoded keys) to Ceph', async () => {
    for (const key of KEYS) {
      const body = Buffer.from(`from aws: ${key}`);
      await user.send(new PutObjectCommand({ Bucket: names.aws, Key: `data/aws-${key}`, Body: body, ContentType: 'application/json' }));
      await expectReplica(names.ceph, `data/aws-${key}`, body, 'application/json');
    }
    const v2 = Buffer.from('aws overwrite');
    await user.send(new PutObjectCommand({ Bucket: names.aws, Key: `data/aws-${KEYS[3]}`, Body: v2 }));
    await expectReplica(names.ceph, `data/aws-${KEYS[3]}`, v2);
    await user.send(new DeleteObjectCommand({ Bucket: names.aws, Key: `data/aws-${KEYS[1]}` }));
    await expectReplica(names.ceph, `data/aws-${KEYS[1]}`, undefined);
  });

  it("each loop guard skips exactly the other side's writes, and both buckets end identical", async () => {
    // Each direction wrote 5 objects and deleted 1 on the other side: 6 events by the replicators' identity each.
    const d1Route = { route: names.ceph };
    const d2Route = { route: names.aws };
    await eventually('both guards to have skipped the 6 writes of the other direction', async () => {
      const skipped = await Promise.all([
        metric(d1, 'bucketbridge_replicate_keys_total', { ...d1Route, outcome: 'ignored-principal' }),
        metric(d2, 'bucketbridge_replicate_keys_total', { ...d2Route, outcome: 'ignored-principal' }),
      ]);
      return skipped.every((n) => n === 6) ? true : undefined;
    });
    // Nothing echoed: each engine copied only its own side's 5 writes and applied its 1 delete.
    for (const [pod, route] of [[d1, d1Route], [d2, d2Route]] as const) {
      expect(await metric(pod, 'bucketbridge_replicate_keys_total', { ...route, outcome: 'copied' }), pod.name).toBe(5);
      expect(await metric(pod, 'bucketbridge_replicate_keys_total', { ...route, outcome: 'deleted' }), pod.name).toBe(1);
      expect(await metric(pod, 'bucketbridge_replicate_keys_total', { ...route, outcome: 'failed' }), pod.name).toBe(0);
    }
    const strip = (listed: Awaited<ReturnType<typeof listAll>>) => listed.map((o) => ({ ...o, lastModified: undefined }));
    const [ceph, aws] = await Promise.all([listAll(alt, names.ceph, 'data/'), listAll(alt, names.aws, 'data/')]);
    expect(ceph.map((o) => o.key).sort()).toEqual([...KEYS.filter((_, i) => i !== 2).map((k) => `data/${k}`), ...KEYS.filter((_, i) => i !== 1).map((k) => `data/aws-${k}`)].sort());
    expect(strip(aws)).toEqual(strip(ceph));
  });

  it('does not replicate keys outside the mapped prefix', async () => {
    const before = await metric(d1, 'bucketbridge_replicate_events_ignored_total', { reason: 'no-route' });
    await user.send(new PutObjectCommand({ Bucket: names.ceph, Key: 'elsewhere/skip.txt', Body: 'x' }));
    await eventually('the event to be ignored for want of a route', async () =>
      (await metric(d1, 'bucketbridge_replicate_events_ignored_total', { reason: 'no-route' })) > before ? true : undefined,
    );
    await expect(alt.send(new HeadObjectCommand({ Bucket: names.aws, Key: 'elsewhere/skip.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('sends a record that fails every attempt to the dead-letter topic and queue instead of dropping it', async () => {
    // The replicators' identity may not read these buckets: every HEAD fails with 403.
    await user.send(new PutObjectCommand({ Bucket: names.cephDenied, Key: 'denied one.txt', Body: 'x' }));
    await user.send(new PutObjectCommand({ Bucket: names.awsDenied, Key: 'denied two.txt', Body: 'y' }));

    const consumer = kafka.consumer({ groupId: `${names.topic}-dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${names.topic}-dlq`, fromBeginning: true });
    const dead: Array<{ value: string; reason: string }> = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        dead.push({ value: message.value?.toString('utf8') ?? '', reason: message.headers?.['bucketbridge-reason']?.toString() ?? '' });
        return Promise.resolve();
      },
    });
    try {
      const record = await eventually('the Kafka dead letter', async () => dead.find((d) => d.value.includes('denied one.txt')), 90_000);
      expect(record.reason).toBe('failed');
      expect(JSON.parse(record.value)).toMatchObject({ Records: [{ s3: { bucket: { name: names.cephDenied } } }] });
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
    expect(message.MessageAttributes?.['bucketbridge-reason']?.StringValue).toBe('failed');
    expect(await metric(d2, 'bucketbridge_replicate_dead_lettered_total', { reason: 'failed' })).toBeGreaterThanOrEqual(1);
  });

  it('serves the probe paths and drains to exit code 0 on SIGTERM, as the pod is stopped', async () => {
    for (const pod of [d1, d2]) {
      expect((await fetch(`http://127.0.0.1:${pod.port}/healthz`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => pod.child.once('exit', (code) => resolve(code)));
      pod.child.kill('SIGTERM');
      expect(await exited, pod.log()).toBe(0);
    }
  });
});
