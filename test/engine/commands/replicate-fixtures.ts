/**
 * Helpers for the replicate tests: RGW topics and bucket notifications, the write scenario every
 * transport replays, and the check that a destination matches its source object for object.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  CopyObjectCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pino from 'pino';
import { expect } from 'vitest';
import { resolveReplicateConfig, type ReplicateConfig } from '../../../lib/model';
import { Replicator } from '../../../lib/engine/commands/replicate';
import { createEventSource } from '../../../lib/engine/events/create-source';
import { ReplicateMetrics } from '../../../lib/engine/observability/replicate-metrics';
import type { Gateway } from '../../support/gateway';
import { removeNotifications } from '../../support/buckets';
import { describeObject, listAll, objectMd5 } from '../fixtures';

const run = promisify(execFile);

/**
 * The exchange every AMQP test topic publishes to. radosgw 16.2.15 keeps one AMQP connection per
 * broker (host, port, vhost), bound to the exchange of the first topic that used it: a topic for
 * the same broker with another exchange fails with "exchange mismatch" (the PUT still succeeds,
 * the event is lost) until radosgw restarts. So these tests share one exchange, tell their events
 * apart by routing key (RGW sends the topic name), and name the broker `localhost`, which other
 * projects on the shared gateway do not, so that their exchanges and this one never collide.
 */
export const RGW_AMQP_EXCHANGE = 'bucketbridge-rgw';

/** The push-endpoint of the AMQP test topics: the broker's URL with host `localhost`. */
export function rgwAmqpEndpoint(amqpUrl: string): string {
  const url = new URL(amqpUrl);
  url.hostname = 'localhost';
  return url.toString().replace(/\/+$/, '');
}

/** A unique, S3- and RabbitMQ-safe name. */
export function uniqueName(stem: string): string {
  return `${stem}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

function awsEnv(gw: Gateway): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: gw.accessKeyId, AWS_SECRET_ACCESS_KEY: gw.secretAccessKey, AWS_DEFAULT_REGION: gw.region, AWS_REGION: gw.region, AWS_PAGER: '' };
}

/** Creates an RGW topic (SNS API, through Debian's awscli) and returns its ARN. */
export async function createTopic(gw: Gateway, name: string, attributes: Record<string, string>): Promise<string> {
  const { stdout } = await run('/usr/bin/aws', ['--endpoint-url', gw.endpoint, 'sns', 'create-topic', '--name', name, '--attributes', JSON.stringify(attributes)], { env: awsEnv(gw) });
  return (JSON.parse(stdout) as { TopicArn: string }).TopicArn;
}

export async function deleteTopic(gw: Gateway, arn: string): Promise<void> {
  await run('/usr/bin/aws', ['--endpoint-url', gw.endpoint, 'sns', 'delete-topic', '--topic-arn', arn], { env: awsEnv(gw) });
}

/** Buckets with a notification configuration or versioning, for `removeNotifiedBuckets`. */
const notified = new Set<string>();

/**
 * Sends the bucket's object-created and object-removed events to the topic. The bucket must be
 * removed with `removeNotifiedBuckets`, never with DeleteObjects: a multi-object delete on a bucket
 * with a notification aborts radosgw 16.2.15 (seen with HTTP and AMQP endpoints; the notification
 * keeps its own copy of the topic, so deleting the topic first does not help).
 */
export async function notify(client: S3Client, bucket: string, topicArn: string): Promise<void> {
  notified.add(bucket);
  await client.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { TopicConfigurations: [{ Id: 'replicate', TopicArn: topicArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
    }),
  );
}

/** Versioning on; the bucket must then be removed with `removeNotifiedBuckets` (version by version). */
export async function enableVersioning(client: S3Client, bucket: string): Promise<void> {
  notified.add(bucket);
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Removes every bucket `notify` or `enableVersioning` touched, with its versions and delete markers. */
export async function removeNotifiedBuckets(client: S3Client): Promise<void> {
  for (const bucket of [...notified]) {
    await removeVersionedBucket(client, bucket);
    notified.delete(bucket);
  }
}

/**
 * Removes a bucket (versioned or not): its notifications first, so that neither the deletes' events
 * (pushed synchronously to endpoints that may be gone by now) nor DeleteObjects (which aborts
 * radosgw 16.2.15 on a notified bucket) slow or break the cleanup; then every version and delete
 * marker, a page at a time.
 */
export async function removeVersionedBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await removeNotifications(client, bucket);
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key ?? '', VersionId: v.VersionId }));
      if (objects.length === 0) break;
      const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      const failed = out.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} versions from ${bucket}: ${failed[0]?.Code} ${failed[0]?.Key}`);
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchBucket') throw err;
  }
}

/** The keys the scenario writes: spaces, `+`, `%`, unicode. */
export const KEYS = {
  plain: 'plain.txt',
  space: 'dir/a b.txt',
  plus: 'x+y.txt',
  percent: '100%.txt',
  unicode: 'ünï/ç ö.txt',
  big: 'big/100MiB.bin',
  copy: 'copied.txt',
  temp: 'temp.txt',
} as const;

/** One S3 operation of the scenario, as an S3 event would announce it. */
export interface Operation {
  readonly eventName: string;
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
  readonly versionId?: string;
}

const MIB = 1024 * 1024;

/**
 * Writes to a versioned bucket: PUTs with metadata and tags, an overwrite, a 100 MiB multipart
 * upload, a server-side copy, the delete of the newest version (the older one becomes current
 * again), a delete marker, and a key whose only version is deleted. Returns the operations in
 * order, for transports whose events the test builds itself.
 */
export async function writeScenario(client: S3Client, bucket: string, options: { bigBytes?: number } = {}): Promise<Operation[]> {
  const ops: Operation[] = [];
  const put = async (key: string, body: Buffer | string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<string | undefined> => {
    const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
    ops.push({ eventName: 'ObjectCreated:Put', key, size: Buffer.byteLength(body), etag: out.ETag?.replace(/"/g, ''), versionId: out.VersionId });
    return out.VersionId;
  };
  await put(KEYS.plain, 'first body', { ContentType: 'text/plain', Metadata: { owner: 'me' }, Tagging: 'a=1&b=2' });
  await put(KEYS.space, randomBytes(1000), { Metadata: { 'with-space': 'a b' } });
  await put(KEYS.plus, 'plus v1', { Tagging: 'v=1' });
  const plusV2 = await put(KEYS.plus, 'plus v2 longer', { Tagging: 'v=2' });
  await put(KEYS.percent, randomBytes(10), { ContentType: 'application/octet-stream' });
  await put(KEYS.unicode, 'ünïcödé', { ContentType: 'text/plain; charset=utf-8', Tagging: 'lang=fr', CacheControl: 'max-age=60' });
  await put(KEYS.temp, 'short-lived');
  await put(KEYS.plain, 'second body, overwritten', { ContentType: 'text/markdown', Metadata: { owner: 'you', v: '2' }, Tagging: 'a=3' });
  const bigBytes = options.bigBytes ?? 100 * MIB;
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: KEYS.big, Body: randomBytes(bigBytes), Metadata: { kind: 'multipart' }, ContentType: 'application/x-big' },
    partSize: 16 * MIB,
    queueSize: 2,
  });
  await upload.done();
  ops.push({ eventName: 'ObjectCreated:CompleteMultipartUpload', key: KEYS.big, size: bigBytes });
  await client.send(new CopyObjectCommand({ Bucket: bucket, Key: KEYS.copy, CopySource: `${bucket}/${encodeURIComponent(KEYS.plain)}` }));
  ops.push({ eventName: 'ObjectCreated:Copy', key: KEYS.copy });
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEYS.plus, VersionId: plusV2 }));
  ops.push({ eventName: 'ObjectRemoved:Delete', key: KEYS.plus, versionId: plusV2 });
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEYS.percent }));
  ops.push({ eventName: 'ObjectRemoved:DeleteMarkerCreated', key: KEYS.percent });
  const tempVersion = ops.find((o) => o.key === KEYS.temp)?.versionId;
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEYS.temp, VersionId: tempVersion }));
  ops.push({ eventName: 'ObjectRemoved:Delete', key: KEYS.temp, versionId: tempVersion });
  return ops;
}

/** The keys the scenario leaves in the source. */
export const SCENARIO_FINAL_KEYS = [KEYS.big, KEYS.copy, KEYS.space, KEYS.plain, KEYS.unicode, KEYS.plus].sort();

/**
 * Waits until `dst` (under `keyPrefix`) lists the same keys with the same sizes and ETags as
 * `src`, then checks every object's body, headers, metadata and tags.
 */
export async function expectReplica(client: S3Client, src: string, dst: string, options: { keyPrefix?: string; timeoutMs?: number } = {}): Promise<void> {
  const keyPrefix = options.keyPrefix ?? '';
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const view = async (): Promise<string[][]> => {
    const [a, b] = await Promise.all([listAll(client, src), listAll(client, dst, keyPrefix)]);
    return [a.map((o) => `${o.key} ${o.size}`).sort(), b.map((o) => `${o.key.slice(keyPrefix.length)} ${o.size}`).sort()];
  };
  let [want, got] = await view();
  while (JSON.stringify(want) !== JSON.stringify(got) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    [want, got] = await view();
  }
  expect(got).toEqual(want);
  for (const entry of await listAll(client, src)) {
    const dstKey = keyPrefix + entry.key;
    expect.soft(await objectMd5(client, dst, dstKey), `body of ${entry.key}`).toBe(await objectMd5(client, src, entry.key));
    expect.soft(await describeObject(client, dst, dstKey), `headers of ${entry.key}`).toEqual(await describeObject(client, src, entry.key));
  }
}

/** Runs a replicator in this process with the real event sources. */
export async function startReplicator(doc: unknown, env: Record<string, string>): Promise<{ replicator: Replicator; metrics: ReplicateMetrics; config: ReplicateConfig }> {
  const config = resolveReplicateConfig(doc);
  const metrics = new ReplicateMetrics();
  const replicator = new Replicator({ config, env, metrics, createSource: createEventSource, logger: pino({ level: process.env.BUCKETBRIDGE_TEST_LOG ?? 'silent' }) });
  await replicator.start();
  return { replicator, metrics, config };
}

/** The value of one counter/gauge series, 0 when absent. */
export async function metricValue(metrics: ReplicateMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * RGW's own notification bodies for what `write` does to `bucket`: a non-persistent topic pushes
 * them to a capture server while `write` runs (it sees the bodies so far, to wait for them). The
 * topic's ARN goes into `topics` for cleanup.
 */
export async function captureEvents(
  gw: Gateway,
  client: S3Client,
  bucket: string,
  topics: string[],
  write: (bodies: readonly Buffer[]) => Promise<unknown>,
  port = 0,
): Promise<Buffer[]> {
  const capture = await captureServer(port);
  try {
    const arn = await createTopic(gw, uniqueName('capture'), { 'push-endpoint': `http://127.0.0.1:${capture.port}/`, persistent: 'false' });
    topics.push(arn);
    await notify(client, bucket, arn);
    await write(capture.bodies);
  } finally {
    capture.server.close();
  }
  return capture.bodies;
}

/** A Kafka message of an RGW body, keyed by its first record's object key, so one key's events stay in order. */
export function keyedMessage(body: Buffer): { key: string | null; value: Buffer } {
  const key = (JSON.parse(body.toString()) as { Records: { s3: { object: { key: string } } }[] }).Records[0]?.s3.object.key ?? null;
  return { key, value: body };
}

/** An HTTP server that records every POST body: stands in for the engine to capture what RGW pushes. */
export async function captureServer(port = 0): Promise<{ server: Server; bodies: Buffer[]; port: number }> {
  const bodies: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, bodies, port: (server.address() as AddressInfo).port };
}
