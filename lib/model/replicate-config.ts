import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { Problems } from './errors';
import type { EventKeyEncoding, S3EventRecord } from './s3-event';

/**
 * The configuration of `bucketbridge replicate`: where events come from, which bucket goes where,
 * and how hard to try. Secrets never appear here: S3 remotes come from `RCLONE_CONFIG_<REMOTE>_*`,
 * broker credentials from the environment variable a source names.
 */
export interface ReplicateConfig {
  readonly sources: readonly EventSourceConfig[];
  readonly routes: readonly RouteConfig[];
  /** Keys reconciled at once, across all sources. @default 16 */
  readonly concurrency: number;
  readonly retry: RetryConfig;
  readonly reconcile: ReconcileConfig;
  /** `[host:]port` serving `/healthz`, `/readyz` and `/metrics`. @default - not served */
  readonly listen?: string;
  /** On SIGTERM, how long work in flight may finish. @default 30 */
  readonly drainSeconds: number;
  /**
   * How long a source may stay not ready (its broker unreachable, its consumer crashed) before the
   * engine gives it up: it then drains like on SIGTERM and exits 1, so that its supervisor
   * restarts it. A closed AMQP connection or a Kafka consumer that will not restart is given up at
   * once. @default 60
   */
  readonly sourceLostSeconds: number;
}

export interface RetryConfig {
  /** Attempts per event before it is dead-lettered, the first included. @default 5 */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time, with full jitter. @default 500 */
  readonly baseDelayMs: number;
}

export interface ReconcileConfig {
  /** Seconds between anti-entropy passes; 0 turns them off. @default 0 */
  readonly intervalSeconds: number;
  /** Run one pass at start-up (catches what happened while the engine was down). @default false */
  readonly onStart: boolean;
  /** `sync` also deletes what the source no longer has; `copy` never deletes. @default 'sync' */
  readonly mode: 'sync' | 'copy';
}

interface SourceBase {
  /** Unique; used in metrics labels and logs. */
  readonly name: string;
  /** How keys are written in records. @default 'auto' */
  readonly keyEncoding: EventKeyEncoding;
}

/** RGW's HTTP push endpoint: the engine answers 2xx only after the work is done. */
export interface HttpSourceConfig extends SourceBase {
  readonly type: 'http';
  /** `[host:]port`. */
  readonly listen: string;
  /** @default '/' (any path is accepted when '/') */
  readonly path: string;
}

/**
 * A RabbitMQ queue bound to the exchange RGW pushes to; failed messages are rejected into a
 * dead-letter exchange.
 * @see https://docs.ceph.com/en/pacific/radosgw/notifications/#create-a-topic
 */
export interface AmqpSourceConfig extends SourceBase {
  readonly type: 'amqp';
  /** `amqp://host:port/vhost` without credentials. */
  readonly url: string;
  /** Environment variables holding the user and password. @default - guest/guest */
  readonly usernameEnv?: string;
  readonly passwordEnv?: string;
  readonly queue: string;
  /** The exchange RGW publishes to (`amqp-exchange`), declared as a durable topic exchange. */
  readonly exchange: string;
  /** @default '#' (RGW uses the topic name as routing key) */
  readonly routingKey: string;
  /** @default '<queue>.dlx' (a fanout exchange with a '<queue>.dlq' queue bound) */
  readonly deadLetterExchange: string;
  /** Unacknowledged messages held at once. @default 32 */
  readonly prefetch: number;
  /** How often the queue's depth is read for `bucketbridge_replicate_consumer_lag_messages`. @default 10 */
  readonly lagIntervalSeconds: number;
}

/** A Kafka consumer group on the bucket-notification topic; failures go to a DLQ topic. */
export interface KafkaSourceConfig extends SourceBase {
  readonly type: 'kafka';
  readonly brokers: readonly string[];
  readonly topic: string;
  /** @default 'bucketbridge-replicate' */
  readonly groupId: string;
  /** @default '<topic>.dlq' */
  readonly deadLetterTopic: string;
  /** @default 'bucketbridge' */
  readonly clientId: string;
  /** Start from the earliest offset when the group has none. @default true */
  readonly fromBeginning: boolean;
  /**
   * How often the group's committed offsets and the partitions' high watermarks are read (kafkajs
   * admin) for the lag gauges; a failed read also marks the source not ready. @default 10
   */
  readonly lagIntervalSeconds: number;
  /**
   * TLS to the brokers (the consumer, the DLQ producer and the admin client alike).
   * @default - plaintext
   * @see https://kafka.js.org/docs/configuration#ssl
   */
  readonly tls?: KafkaTlsConfig;
  /**
   * SASL authentication; the credentials come from the environment variables named here.
   * @default - none
   * @see https://kafka.js.org/docs/configuration#sasl
   */
  readonly sasl?: KafkaSaslConfig;
}

/** TLS to the Kafka brokers (kafkajs `ssl`, Node's `tls.connect` options). */
export interface KafkaTlsConfig {
  /**
   * PEM file of the CA certificates the brokers' certificates are checked against (e.g. Strimzi's
   * cluster CA, `ca.crt` of the `<cluster>-cluster-ca-cert` Secret, mounted into the pod).
   * @default - Node's bundled public CAs
   */
  readonly caFile?: string;
  /**
   * Check the brokers' certificates and host names. Off only for a throwaway test cluster.
   * @default true
   */
  readonly verify: boolean;
}

/** SASL to the Kafka brokers; never the credentials themselves, only where to find them. */
export interface KafkaSaslConfig {
  /**
   * @see https://kafka.apache.org/documentation/#security_sasl
   */
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  /** Environment variable holding the user name. */
  readonly usernameEnv: string;
  /** Environment variable holding the password. */
  readonly passwordEnv: string;
}

/** An SQS queue that S3 (or SNS) delivers event notifications to. */
export interface SqsSourceConfig extends SourceBase {
  readonly type: 'sqs';
  readonly queueUrl: string;
  /** @default - the queue URL's region, else AWS_REGION */
  readonly region?: string;
  /** @default - the SDK's endpoint for the region */
  readonly endpoint?: string;
  /**
   * Poison messages are sent here at once; other failures reach it by the queue's redrive policy.
   * @default - poison messages are left to the redrive policy too
   */
  readonly deadLetterQueueUrl?: string;
  /** Visibility timeout set on receipt and extended while work runs. @default 60 */
  readonly visibilityTimeoutSeconds: number;
  /** @default 10 */
  readonly maxMessages: number;
  /** @default 20 */
  readonly waitTimeSeconds: number;
  /**
   * How often the queue's `ApproximateNumberOfMessages` and `ApproximateNumberOfMessagesNotVisible`
   * are read for the backlog gauges. @default 10
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
   */
  readonly lagIntervalSeconds: number;
}

export type EventSourceConfig = HttpSourceConfig | AmqpSourceConfig | KafkaSourceConfig | SqsSourceConfig;

/** One bucket (optionally filtered) replicated to one destination bucket. */
export interface RouteConfig {
  readonly name: string;
  /** `REMOTE:bucket`: the remote the engine reads the source objects through. */
  readonly source: BucketRef;
  readonly destination: BucketRef;
  /** Only keys starting with this. @default '' */
  readonly prefix: string;
  /** Only keys ending with this. @default '' */
  readonly suffix: string;
  /**
   * Prepended to every destination key; `{bucket}` is the source bucket, so several buckets can
   * fan in to one destination without mixing. @default ''
   */
  readonly keyPrefix: string;
  /** Events by these principals are ignored (the other direction's replicator). @default [] */
  readonly ignorePrincipals: readonly string[];
  /** Also compare tags before deciding a key is in step. @default false */
  readonly compareTags: boolean;
  /** Also compare user metadata and content headers. @default false */
  readonly compareMetadata: boolean;
  /**
   * Loop guard by metadata marker: every copy this route writes carries the user metadata
   * `x-amz-meta-bucketbridge-replica: <replicaMarker>` (`REPLICA_MARKER_METADATA`), and an event
   * whose source object carries that metadata (with any value: it is some route's replica) is
   * skipped. @default - copies are not marked and marked objects are replicated like any other
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata
   */
  readonly replicaMarker?: string;
}

/** The user-metadata name (`x-amz-meta-` + this) of the loop-guard marker a route's copies carry. */
export const REPLICA_MARKER_METADATA = 'bucketbridge-replica';

export interface BucketRef {
  readonly remote: string;
  readonly bucket: string;
}

const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', description: "1-63 letters, digits, '.', '_' or '-'" };
const LISTEN = { type: 'string', pattern: '^(\\[[0-9a-fA-F:]+\\]:|[A-Za-z0-9.-]+:)?[0-9]{1,5}$', description: '[host:]port' };
const BUCKET_REF = { type: 'string', pattern: '^[A-Za-z0-9_-]+:[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', description: 'REMOTE:bucket (an S3 bucket name)' };
const KEY_ENCODING = { enum: ['auto', 'url', 'raw'] };
const URL = { type: 'string', pattern: '^https?://[^@]+$', description: 'an http(s) URL without credentials' };
const ENV_NAME = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' };

/**
 * The published JSON schema of the configuration file (also in docs/replicate.schema.json).
 */
export const REPLICATE_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://bucketbridge.dev/schemas/replicate-config.json',
  title: 'bucketbridge replicate configuration',
  type: 'object',
  additionalProperties: false,
  required: ['sources', 'routes'],
  properties: {
    sources: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['type', 'name'],
        discriminator: { propertyName: 'type' },
        oneOf: [
          {
            additionalProperties: false,
            required: ['listen'],
            properties: { type: { const: 'http' }, name: NAME, keyEncoding: KEY_ENCODING, listen: LISTEN, path: { type: 'string', pattern: '^/', description: 'a path starting with /' } },
          },
          {
            additionalProperties: false,
            required: ['url', 'queue', 'exchange'],
            properties: {
              type: { const: 'amqp' },
              name: NAME,
              keyEncoding: KEY_ENCODING,
              url: { type: 'string', pattern: '^amqps?://[^@/]+(/.*)?$', description: 'amqp[s]://host[:port][/vhost] without credentials (use usernameEnv/passwordEnv)' },
              usernameEnv: ENV_NAME,
              passwordEnv: ENV_NAME,
              queue: { type: 'string', minLength: 1, maxLength: 255 },
              exchange: { type: 'string', minLength: 1, maxLength: 255 },
              routingKey: { type: 'string', maxLength: 255 },
              deadLetterExchange: { type: 'string', minLength: 1, maxLength: 255 },
              prefetch: { type: 'integer', minimum: 1, maximum: 65535 },
              lagIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
            },
          },
          {
            additionalProperties: false,
            required: ['brokers', 'topic'],
            properties: {
              type: { const: 'kafka' },
              name: NAME,
              keyEncoding: KEY_ENCODING,
              brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^\\s/@]+:[0-9]{1,5}$', description: 'host:port' } },
              topic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$', description: "a Kafka topic name (letters, digits, '.', '_', '-')" },
              groupId: { type: 'string', minLength: 1 },
              deadLetterTopic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$', description: "a Kafka topic name (letters, digits, '.', '_', '-')" },
              clientId: { type: 'string', minLength: 1 },
              fromBeginning: { type: 'boolean' },
              lagIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
              tls: {
                type: 'object',
                additionalProperties: false,
                description: 'TLS to the brokers; present means on unless enabled is false',
                properties: {
                  enabled: { type: 'boolean' },
                  caFile: { type: 'string', minLength: 1, description: "a PEM file of CA certificates" },
                  verify: { type: 'boolean' },
                },
              },
              sasl: {
                type: 'object',
                additionalProperties: false,
                required: ['mechanism', 'usernameEnv', 'passwordEnv'],
                description: 'SASL; the user name and password come from the environment variables named here',
                properties: {
                  mechanism: { enum: ['plain', 'scram-sha-256', 'scram-sha-512'] },
                  usernameEnv: ENV_NAME,
                  passwordEnv: ENV_NAME,
                },
              },
            },
          },
          {
            additionalProperties: false,
            required: ['queueUrl'],
            properties: {
              type: { const: 'sqs' },
              name: NAME,
              keyEncoding: KEY_ENCODING,
              queueUrl: URL,
              region: { type: 'string', minLength: 1 },
              endpoint: URL,
              deadLetterQueueUrl: URL,
              visibilityTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 43200 },
              maxMessages: { type: 'integer', minimum: 1, maximum: 10 },
              waitTimeSeconds: { type: 'integer', minimum: 0, maximum: 20 },
              lagIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
            },
          },
        ],
      },
    },
    routes: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'source', 'destination'],
        properties: {
          name: NAME,
          source: BUCKET_REF,
          destination: BUCKET_REF,
          prefix: { type: 'string' },
          suffix: { type: 'string' },
          keyPrefix: { type: 'string' },
          ignorePrincipals: { type: 'array', items: { type: 'string', minLength: 1 } },
          compareTags: { type: 'boolean' },
          compareMetadata: { type: 'boolean' },
          replicaMarker: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,128}$', description: "1-128 letters, digits, '.', '_', ':', '/' or '-' (an HTTP header value)" },
        },
      },
    },
    concurrency: { type: 'integer', minimum: 1, maximum: 1024 },
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: { attempts: { type: 'integer', minimum: 1, maximum: 100 }, baseDelayMs: { type: 'integer', minimum: 0 } },
    },
    reconcile: {
      type: 'object',
      additionalProperties: false,
      properties: {
        intervalSeconds: { type: 'integer', minimum: 0 },
        onStart: { type: 'boolean' },
        mode: { enum: ['sync', 'copy'] },
      },
    },
    listen: LISTEN,
    drainSeconds: { type: 'integer', minimum: 0 },
    sourceLostSeconds: { type: 'integer', minimum: 1 },
  },
} as const;

let validateSchema: ValidateFunction | undefined;

/** The schema's validator, compiled on first use: importing the model must not cost every program an ajv compile. */
function schemaValidator(): ValidateFunction {
  validateSchema ??= new Ajv({ allErrors: true, discriminator: true, strict: false, verbose: true }).compile(REPLICATE_CONFIG_SCHEMA);
  return validateSchema;
}

/** `/routes/0/source` -> `routes[0].source` */
function propOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`), '');
}

function valueAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const part of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** Names of fields that would hold a credential (files name variables instead, e.g. `passwordEnv`). */
const SECRET_FIELD = /pass(word)?|secret|token|credential/i;

/** One problem per bad field; ajv's follow-up errors for the same field are dropped. */
function schemaProblems(doc: unknown, errors: readonly ErrorObject[], problems: Problems): void {
  const seen = new Set<string>();
  for (const e of errors) {
    let prop = propOf(e.instancePath);
    let rule: string;
    let value: unknown = valueAt(doc, e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        prop = prop === '' ? String(params.missingProperty) : `${prop}.${String(params.missingProperty)}`;
        rule = 'is required';
        value = undefined;
        break;
      case 'additionalProperties':
        prop = prop === '' ? String(params.additionalProperty) : `${prop}.${String(params.additionalProperty)}`;
        rule = 'is not a known field';
        // A field the file should not have may still hold a literal credential: its value is not echoed.
        value = SECRET_FIELD.test(String(params.additionalProperty)) ? '[redacted]' : valueAt(doc, `${e.instancePath}/${String(params.additionalProperty)}`);
        break;
      case 'discriminator':
        prop = prop === '' ? 'type' : `${prop}.type`;
        rule = "must be one of 'http', 'amqp', 'kafka', 'sqs'";
        value = valueAt(doc, `${e.instancePath}/type`);
        break;
      case 'pattern':
        rule = `must be ${String((e.parentSchema as { description?: string } | undefined)?.description ?? `like ${String(params.pattern)}`)}`;
        break;
      case 'enum':
        rule = `must be one of ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`;
        break;
      default:
        rule = e.message ?? e.keyword;
    }
    if (seen.has(prop)) continue;
    seen.add(prop);
    problems.add(prop, rule, redactUserinfo(value));
  }
}

/** A URL's `user:password@` never reaches an error message. */
function redactUserinfo(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/\/\/[^/@]*@/, '//[redacted]@') : value;
}

function parseBucketRef(text: string): BucketRef {
  const colon = text.indexOf(':');
  return { remote: text.slice(0, colon), bucket: text.slice(colon + 1) };
}

/**
 * Validates a parsed configuration file against the schema and the rules a schema cannot say,
 * then resolves every default. Throws one `ValidationError` listing every bad field.
 */
export function resolveReplicateConfig(doc: unknown, path = 'replicate config'): ReplicateConfig {
  const problems = new Problems(path);
  const validate = schemaValidator();
  if (!validate(doc)) {
    schemaProblems(doc, validate.errors ?? [], problems);
    problems.throwIfAny();
  }
  const raw = doc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- checked by the schema above
  const sources = (raw.sources as Record<string, any>[]).map(resolveSource); // eslint-disable-line @typescript-eslint/no-explicit-any
  const routes: RouteConfig[] = (raw.routes as Record<string, any>[]).map((r) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
    name: r.name,
    source: parseBucketRef(r.source),
    destination: parseBucketRef(r.destination),
    prefix: r.prefix ?? '',
    suffix: r.suffix ?? '',
    keyPrefix: r.keyPrefix ?? '',
    ignorePrincipals: r.ignorePrincipals ?? [],
    compareTags: r.compareTags ?? false,
    compareMetadata: r.compareMetadata ?? false,
    replicaMarker: r.replicaMarker,
  }));
  unique(problems, 'sources', sources.map((s) => s.name));
  unique(problems, 'routes', routes.map((r) => r.name));
  const listens = new Map<string, string>();
  sources.forEach((s, i) => {
    if (s.type !== 'http') return;
    const port = s.listen.split(':').pop() as string;
    const other = listens.get(port);
    if (other !== undefined) problems.add(`sources[${i}].listen`, `must not share a port with ${other}`, s.listen);
    listens.set(port, `sources[${i}]`);
  });
  (raw.sources as Record<string, any>[]).forEach((s, i) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (s.type !== 'kafka') return;
    if (s.tls?.enabled === false) {
      for (const field of ['caFile', 'verify'] as const) {
        if (s.tls[field] !== undefined) problems.add(`sources[${i}].tls.${field}`, 'must be left out when tls.enabled is false', s.tls[field]);
      }
    }
    if (s.sasl !== undefined) {
      problems.check(s.sasl.usernameEnv !== s.sasl.passwordEnv, `sources[${i}].sasl.passwordEnv`, 'must name another variable than sasl.usernameEnv', s.sasl.passwordEnv);
    }
  });
  if (raw.listen !== undefined) {
    const port = String(raw.listen).split(':').pop() as string;
    if (listens.has(port)) problems.add('listen', `must not share a port with ${listens.get(port) as string}`, raw.listen);
  }
  routes.forEach((r, i) => {
    const unknownTokens = r.keyPrefix.match(/\{[^}]*\}/g)?.filter((t) => t !== '{bucket}') ?? [];
    problems.check(unknownTokens.length === 0, `routes[${i}].keyPrefix`, "may only use the placeholder '{bucket}'", r.keyPrefix);
    // Replicating a bucket into itself fires an event for every copy it writes, without end.
    problems.check(
      !(r.source.remote === r.destination.remote && r.source.bucket === r.destination.bucket),
      `routes[${i}].destination`,
      "must not be the route's source bucket",
      `${r.destination.remote}:${r.destination.bucket}`,
    );
  });
  problems.throwIfAny();
  return {
    sources,
    routes,
    concurrency: raw.concurrency ?? 16,
    retry: { attempts: raw.retry?.attempts ?? 5, baseDelayMs: raw.retry?.baseDelayMs ?? 500 },
    reconcile: { intervalSeconds: raw.reconcile?.intervalSeconds ?? 0, onStart: raw.reconcile?.onStart ?? false, mode: raw.reconcile?.mode ?? 'sync' },
    listen: raw.listen,
    drainSeconds: raw.drainSeconds ?? 30,
    sourceLostSeconds: raw.sourceLostSeconds ?? 60,
  };
}

function unique(problems: Problems, list: string, names: readonly string[]): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    problems.check(!seen.has(name), `${list}[${i}].name`, 'must be unique', name);
    seen.add(name);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by the schema
function resolveSource(s: Record<string, any>): EventSourceConfig {
  const keyEncoding: EventKeyEncoding = s.keyEncoding ?? 'auto';
  switch (s.type) {
    case 'http':
      return { type: 'http', name: s.name, keyEncoding, listen: s.listen, path: s.path ?? '/' };
    case 'amqp':
      return {
        type: 'amqp',
        name: s.name,
        keyEncoding,
        url: s.url,
        usernameEnv: s.usernameEnv,
        passwordEnv: s.passwordEnv,
        queue: s.queue,
        exchange: s.exchange,
        routingKey: s.routingKey ?? '#',
        deadLetterExchange: s.deadLetterExchange ?? `${s.queue}.dlx`,
        prefetch: s.prefetch ?? 32,
        lagIntervalSeconds: s.lagIntervalSeconds ?? 10,
      };
    case 'kafka':
      return {
        type: 'kafka',
        name: s.name,
        keyEncoding,
        brokers: s.brokers,
        topic: s.topic,
        groupId: s.groupId ?? 'bucketbridge-replicate',
        deadLetterTopic: s.deadLetterTopic ?? `${s.topic}.dlq`,
        clientId: s.clientId ?? 'bucketbridge',
        fromBeginning: s.fromBeginning ?? true,
        lagIntervalSeconds: s.lagIntervalSeconds ?? 10,
        ...(s.tls !== undefined && s.tls.enabled !== false ? { tls: { ...(s.tls.caFile !== undefined ? { caFile: s.tls.caFile } : {}), verify: s.tls.verify ?? true } } : {}),
        ...(s.sasl !== undefined ? { sasl: { mechanism: s.sasl.mechanism, usernameEnv: s.sasl.usernameEnv, passwordEnv: s.sasl.passwordEnv } } : {}),
      };
    default:
      return {
        type: 'sqs',
        name: s.name,
        keyEncoding,
        queueUrl: s.queueUrl,
        region: s.region,
        endpoint: s.endpoint,
        deadLetterQueueUrl: s.deadLetterQueueUrl,
        visibilityTimeoutSeconds: s.visibilityTimeoutSeconds ?? 60,
        maxMessages: s.maxMessages ?? 10,
        waitTimeSeconds: s.waitTimeSeconds ?? 20,
        lagIntervalSeconds: s.lagIntervalSeconds ?? 10,
      };
  }
}

/** Where one event's key goes on one route. */
export interface RouteTarget {
  readonly route: RouteConfig;
  /** Key at the source (the event's key). */
  readonly sourceKey: string;
  /** Key at the destination: the route's key prefix, rendered, then the source key. */
  readonly destinationKey: string;
}

/** Why an event was not applied on a route it matched. */
export type GuardVerdict = 'apply' | 'ignored-principal' | 'ignored-replica';

/** The routes an event's bucket and key match, with the destination key of each. */
export function routeTargets(routes: readonly RouteConfig[], record: Pick<S3EventRecord, 'bucket' | 'key'>): RouteTarget[] {
  return routes
    .filter((r) => r.source.bucket === record.bucket && record.key.startsWith(r.prefix) && record.key.endsWith(r.suffix))
    .map((route) => ({ route, sourceKey: record.key, destinationKey: renderKeyPrefix(route) + record.key }));
}

export function renderKeyPrefix(route: RouteConfig): string {
  return route.keyPrefix.replace(/\{bucket\}/g, route.source.bucket);
}

/**
 * Loop prevention: an event written by a principal the route ignores (the replicator of the
 * other direction) is not applied. Replication/sync event names are dropped at parse time.
 */
export function guardVerdict(route: RouteConfig, record: Pick<S3EventRecord, 'principalId'>): GuardVerdict {
  return record.principalId !== undefined && route.ignorePrincipals.includes(record.principalId) ? 'ignored-principal' : 'apply';
}

/**
 * Loop prevention by marker: on a route with `replicaMarker`, an object whose user metadata
 * carries the marker (read from the HEAD the reconciliation makes anyway) is a replica written by
 * a route, and its event is not applied. `metadata` is the S3 SDK's form: names without
 * `x-amz-meta-`, lower case.
 */
export function markerVerdict(route: Pick<RouteConfig, 'replicaMarker'>, metadata: Readonly<Record<string, string>> | undefined): GuardVerdict {
  return route.replicaMarker !== undefined && metadata?.[REPLICA_MARKER_METADATA] !== undefined ? 'ignored-replica' : 'apply';
}

