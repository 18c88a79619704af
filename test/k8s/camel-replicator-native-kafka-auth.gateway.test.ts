/**
 * The CamelReplicator's native engine with `kafka.useSSL` and `kafka.sasl`, run as synthesized
 * against Kafka's SASL_SSL listener (SCRAM-SHA-512): the on-prem chart's ConfigMap is written where
 * the Deployment mounts it, the container's environment is resolved from the Secrets it references
 * (the SASL user and password included), the broker's private CA is written where the
 * `native.kafkaCaCertificate` Secret is mounted, and the container's arguments run the engine's CLI.
 * An RGW notification body, captured from the real gateway, is produced over the authenticated
 * listener and must be replicated.
 * Only Kafka is needed (scripts/brokers.sh start kafka), so this file does not share the heavy
 * setup of camel-replicator-native.gateway.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Chart, Testing } from 'cdk8s';
import yaml from 'js-yaml';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamelReplicator, NATIVE_CONTAINER } from '../../lib/k8s';
import { kafkaSaslBroker, type KafkaSaslBroker } from '../support/brokers';
import { createBucket, gateway, s3, type Gateway } from '../support/gateway';
import { field, findByKind, synthAndValidate } from '../support/manifests';
import { captureEvents, deleteTopic, removeNotifiedBuckets, uniqueName } from '../engine/commands/replicate-fixtures';

const CLI = path.join(__dirname, '../../lib/engine/cli.ts');
/** The metrics port of this file's engine (7850-7899 belong to the Kafka auth tests). */
const METRICS_PORT = 7855;

interface Container {
  readonly name: string;
  readonly args: string[];
  readonly env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  readonly volumeMounts: Array<{ name: string; mountPath: string }>;
}

let gw: Gateway;
let client: S3Client;
let broker: KafkaSaslBroker;
let kafka: Kafka;
let scratch: string;
let child: ChildProcess | undefined;
let log = '';
const rgwTopics: string[] = [];
const kafkaTopics: string[] = [];

beforeAll(async () => {
  gw = gateway();
  client = s3(gw);
  broker = await kafkaSaslBroker();
  kafka = new Kafka({
    clientId: 'native-auth-test',
    brokers: [broker.brokers],
    logLevel: logLevel.NOTHING,
    ssl: { ca: readFileSync(broker.caFile, 'utf8') },
    sasl: { mechanism: 'scram-sha-512', username: broker.username, password: broker.password },
  });
  scratch = mkdtempSync(path.join(tmpdir(), 'native-kafka-auth-'));
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const arn of rgwTopics) await deleteTopic(gw, arn);
  if (client) await removeNotifiedBuckets(client);
  if (kafka && kafkaTopics.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: kafkaTopics }).catch(() => undefined);
    await admin.disconnect();
  }
  client?.destroy();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- engine log ---\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('CamelReplicator native over Kafka SASL_SSL', () => {
  it('runs the synthesized engine with the SASL user from its Secret and replicates what RGW announced', async () => {
    const src = await createBucket('nauth-ceph');
    const dst = await createBucket('nauth-aws');
    const topic = uniqueName('nauth-events');
    kafkaTopics.push(topic, `${topic}-dlq`);

    const app = Testing.app();
    const replicator = new CamelReplicator(app, 's3-replicator-native', {
      engine: 'native',
      directions: 'ceph-to-aws',
      native: { image: 'ghcr.io/example/bucketbridge:test', metricsPort: METRICS_PORT, drainSeconds: 5, kafkaCaCertificate: { secretName: 'kafka-cluster-ca-cert' } },
      buckets: [{ cephBucket: src, awsBucket: dst }],
      ceph: { objectStoreName: 'lab', internalEndpoint: gw.endpoint, region: gw.region },
      kafka: { bootstrapServers: broker.brokers, topic, useSSL: true, sasl: { mechanism: 'SCRAM-SHA-512', secretName: 'kafka-user' } },
      aws: { region: gw.region, onPremCredentials: { secretName: 'aws-s3-credentials' }, s3Endpoint: gw.endpoint },
      maximumRedeliveries: 1,
    });
    const onPrem = synthAndValidate(replicator.onPremChart as Chart);
    const deployment = findByKind(onPrem, 'Deployment');
    const container = (field(deployment, 'spec.template.spec.containers') as Container[]).find((c) => c.name === NATIVE_CONTAINER) as Container;

    // The kubelet's part: the ConfigMap and the CA Secret at their mount paths (only the listen address
    // moved to loopback), and the Secret keys as variables.
    const mount = container.volumeMounts.find((m) => m.name === 'config') as { mountPath: string };
    const caMount = container.volumeMounts.find((m) => m.name === 'kafka-ca') as { mountPath: string };
    const caVolume = (field(deployment, 'spec.template.spec.volumes') as Array<{ name: string; secret?: { secretName: string; items: Array<{ key: string; path: string }> } }>).find((v) => v.name === 'kafka-ca');
    expect(caVolume?.secret).toEqual({ secretName: 'kafka-cluster-ca-cert', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    mkdirSync(path.join(scratch, 'kafka-ca'));
    writeFileSync(path.join(scratch, 'kafka-ca', 'ca.crt'), readFileSync(broker.caFile));
    const configText = (findByKind(onPrem, 'ConfigMap', 'ceph-to-aws-replicator-config').data as Record<string, string>)['replicate.yaml'] as string;
    const config = yaml.load(configText) as { sources: Array<Record<string, unknown>> } & Record<string, unknown>;
    const source = config.sources[0] as Record<string, unknown>;
    expect(source).toMatchObject({ tls: { caFile: `${caMount.mountPath}/ca.crt` }, sasl: { mechanism: 'scram-sha-512' } });
    const mounted = { ...source, tls: { caFile: path.join(scratch, 'kafka-ca', 'ca.crt') } };
    writeFileSync(path.join(scratch, 'replicate.yaml'), yaml.dump({ ...config, sources: [mounted], listen: `127.0.0.1:${METRICS_PORT}` }));
    const args = container.args.map((arg) => (arg.startsWith(`${mount.mountPath}/`) ? path.join(scratch, arg.slice(mount.mountPath.length + 1)) : arg));
    const secrets: Record<string, Record<string, string>> = {
      'rook-ceph-object-user-lab-s3-replicator': { AccessKey: gw.accessKeyId, SecretKey: gw.secretAccessKey },
      'aws-s3-credentials': { 'access-key': gw.accessKeyId, 'secret-key': gw.secretAccessKey },
      'kafka-user': { username: broker.username, password: broker.password },
    };
    const env = Object.fromEntries(
      container.env.map((e) => {
        if (e.value !== undefined) return [e.name, e.value];
        const ref = e.valueFrom?.secretKeyRef;
        const value = ref === undefined ? undefined : secrets[ref.name]?.[ref.key];
        if (value === undefined) throw new Error(`env ${e.name}: no Secret key ${JSON.stringify(ref)} among the test's Secrets`);
        return [e.name, value];
      }),
    );
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']));

    // An RGW notification body, as RGW pushes it, for one PUT.
    const body = Buffer.from(`replicated over SASL_SSL ${Date.now()}`);
    const bodies = await captureEvents(gw, client, src, rgwTopics, async (pushed) => {
      await client.send(new PutObjectCommand({ Bucket: src, Key: 'hello.txt', Body: body, ContentType: 'text/plain' }));
      await eventually('RGW to push the event', async () => (pushed.length > 0 ? true : undefined), 30_000);
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: bodies.map((value) => ({ key: 'hello.txt', value })) });
    await producer.disconnect();

    child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const engine = child;
    engine.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    engine.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    await eventually('the engine to be ready', async () => {
      if (engine.exitCode !== null) throw new Error(`the engine exited with ${engine.exitCode}:\n${log}`);
      return (await fetch(`http://127.0.0.1:${METRICS_PORT}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined;
    });
    const copied = await eventually(`${dst}/hello.txt`, async () => {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: dst, Key: 'hello.txt' }));
        return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    });
    expect(copied.equals(body)).toBe(true);
    const exited = new Promise<number | null>((resolve) => engine.once('exit', (code) => resolve(code)));
    engine.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).not.toContain(broker.password);
  });
});
