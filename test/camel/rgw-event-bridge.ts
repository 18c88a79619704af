/**
 * Carries the gateway's real bucket notifications to the brokers the Integrations consume:
 *
 * - "Ceph" side: RGW's own payload, unchanged, into a Kafka topic, as RGW's Kafka endpoint would
 *   publish it (Debian's RGW 16.2 is built without librdkafka, so it pushes over HTTP to this bridge).
 * - "AWS" side: the same gateway stands in for S3, and the bridge reshapes each record as AWS S3
 *   sends it to SQS: `eventSource: aws:s3`, the key form-encoded (`+` for a space), and the writer as
 *   `AWS:<unique id>` of the IAM user the test maps the RGW user to.
 *
 * Notifications are non-persistent, so RGW pushes each event before the write returns, and the
 * bridge answers only after the broker accepted it: a test's writes reach the broker in order.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Producer } from 'kafkajs';
import type { Gateway } from '../support/gateway';

/** node:crypto behind the hash interface SignatureV4 takes. */
class Sha256 {
  private hash;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh() {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as ArrayBuffer));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/** One request to the gateway, signed with SigV4 for `service`. */
async function signedRequest(gw: Gateway, service: 's3' | 'sns', method: 'POST' | 'DELETE', path: string, query: Record<string, string>, body = ''): Promise<string> {
  const url = new URL(gw.endpoint);
  const signer = new SignatureV4({
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    region: gw.region,
    service,
    sha256: Sha256,
  });
  const headers: Record<string, string> = { host: url.host };
  if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (service === 's3') headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path,
    query,
    headers,
    body: body || undefined,
  });
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${gw.endpoint}${path}${search ? `?${search}` : ''}`, { method, headers: signed.headers, body: body || undefined });
  const text = await response.text();
  if (!response.ok) throw new Error(`RGW ${method} ${path} failed (${response.status}): ${text}`);
  return text;
}

/** One SNS action on the gateway (RGW serves topics through the SNS API). */
function sns(gw: Gateway, params: Record<string, string>): Promise<string> {
  return signedRequest(gw, 'sns', 'POST', '/', {}, new URLSearchParams(params).toString());
}

interface S3Record {
  eventSource?: string;
  userIdentity?: { principalId?: string };
  s3?: { object?: { key?: string } };
  [key: string]: unknown;
}

/** A key as AWS puts it in an event: form-encoded, `/` kept. */
export function awsEventKey(key: string): string {
  return key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export interface BridgeOptions {
  readonly gateway: Gateway;
  readonly s3: S3Client;
  readonly kafka: { readonly producer: Producer; readonly topic: string };
  readonly sqs: { readonly client: SQSClient; readonly queueUrl: string };
  /** RGW user id -> AWS unique id (`AIDA...`) for the AWS side's events. */
  readonly awsUserIds: Readonly<Record<string, string>>;
}

export class RgwEventBridge {
  /** Every payload forwarded, per side, for assertions. */
  readonly forwarded: { ceph: string[]; aws: string[] } = { ceph: [], aws: [] };
  private readonly topics: string[] = [];
  private readonly buckets: string[] = [];

  private constructor(
    private readonly options: BridgeOptions,
    private readonly server: Server,
  ) {}

  static async start(options: BridgeOptions): Promise<RgwEventBridge> {
    const server = createServer();
    const bridge = new RgwEventBridge(options, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void (async () => {
        try {
          await bridge.forward(req.url ?? '', await readBody(req));
          res.writeHead(200).end();
        } catch (err) {
          res.writeHead(500).end(String(err));
        }
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return bridge;
  }

  private get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Creates an RGW topic pushing to this bridge and notifies created and removed events of `bucket` to it. */
  async notify(bucket: string, side: 'ceph' | 'aws'): Promise<void> {
    const name = `${bucket}-${side}`;
    const xml = await sns(this.options.gateway, {
      Action: 'CreateTopic',
      Name: name,
      'Attributes.entry.1.key': 'push-endpoint',
      'Attributes.entry.1.value': `http://127.0.0.1:${this.port}/${side}`,
      'Attributes.entry.2.key': 'persistent',
      'Attributes.entry.2.value': 'false',
    });
    const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(xml)?.[1];
    if (!arn) throw new Error(`RGW CreateTopic answered without a TopicArn: ${xml}`);
    this.topics.push(arn);
    this.buckets.push(bucket);
    await this.options.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          TopicConfigurations: [{ Id: name, TopicArn: arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }],
        },
      }),
    );
  }

  private async forward(url: string, body: string): Promise<void> {
    if (url === '/ceph') {
      this.forwarded.ceph.push(body);
      await this.options.kafka.producer.send({ topic: this.options.kafka.topic, messages: [{ value: body }] });
      return;
    }
    if (url === '/aws') {
      const event = JSON.parse(body) as { Records?: S3Record[] };
      const records = (event.Records ?? []).map((record) => {
        const user = record.userIdentity?.principalId ?? '';
        const id = this.options.awsUserIds[user];
        if (!id) throw new Error(`no AWS id for RGW user ${user}`);
        const key = record.s3?.object?.key ?? '';
        return {
          ...record,
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'us-east-1',
          userIdentity: { principalId: `AWS:${id}` },
          s3: { ...record.s3, object: { ...record.s3?.object, key: awsEventKey(key) } },
        };
      });
      const message = JSON.stringify({ Records: records });
      this.forwarded.aws.push(message);
      await this.options.sqs.client.send(new SendMessageCommand({ QueueUrl: this.options.sqs.queueUrl, MessageBody: message }));
      return;
    }
    throw new Error(`unknown path ${url}`);
  }

  /**
   * Removes the notifications before the topics: RGW 16.2.15 aborts when a multi-object delete (as
   * the buckets' cleanup sends) publishes to an HTTP endpoint, so no bucket may keep one.
   */
  async stop(): Promise<void> {
    for (const bucket of this.buckets.splice(0)) {
      // RGW's own extension (S3 has no call to remove a bucket's notifications, and RGW refuses an empty configuration).
      await signedRequest(this.options.gateway, 's3', 'DELETE', `/${bucket}`, { notification: '' });
    }
    for (const arn of this.topics.splice(0)) await sns(this.options.gateway, { Action: 'DeleteTopic', TopicArn: arn });
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
