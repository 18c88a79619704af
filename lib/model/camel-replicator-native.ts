/**
 * The native-engine variant of the CamelReplicator: instead of a Camel K Integration, each direction
 * runs `bucketbridge replicate` with a configuration generated here from the same props. This module
 * resolves the native-only settings, checks what the engine cannot express, and plans each
 * direction's configuration document, container environment and ServiceAccount needs.
 */
import type { CamelReplicatorProps, ResolvedCamelReplicator } from './camel-replicator';
import type { EnvVar } from './copy-backfill';
import type { Problems } from './errors';
import { needsServiceAccountToken, remoteEnvironment, serviceAccountAnnotations, type S3RemoteSpec } from './remote-credentials';
import { resolveReplicateConfig } from './replicate-config';

/** Settings of the native engine (`engine: 'native'`). */
export interface CamelReplicatorNativeProps {
  /**
   * The bucketbridge runtime image (the repository's Dockerfile: entrypoint `bucketbridge`), e.g.
   * `ghcr.io/example/bucketbridge:0.1.0`. Pin a tag or digest.
   */
  readonly image: string;
  /**
   * Pods per direction. Kafka spreads the topic's partitions over them (the consumer group); SQS
   * hands each message to any of them. One pod handles the events of one key one at a time, in
   * order; several pods may handle two events of one key at once (SQS always; Kafka when RGW put
   * them on different partitions), and a copy that read the object just before a delete can then
   * land after it. Keep 1 unless the throughput needs more.
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
   */
  readonly replicas?: number;
  /**
   * Keys reconciled at once per pod, across all buckets (`concurrency` of the engine's configuration).
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Seconds between anti-entropy passes that sync each bucket pair and catch what no event
   * announced (`reconcile.intervalSeconds`); 0 turns them off. Only for a single direction: when
   * both run, a pass of one direction cannot tell an object that changed on the other side (and is
   * not replicated back yet) from a stale copy, and would overwrite or delete it.
   * @default 0
   */
  readonly reconcileIntervalSeconds?: number;
  /**
   * Run one anti-entropy pass at start-up, catching what happened while no pod ran. Single direction only.
   * @default false
   */
  readonly reconcileOnStart?: boolean;
  /**
   * `minAvailable` of the PodDisruptionBudget: pods that a voluntary disruption (node drain) must
   * leave running. Must be below `replicas`, or drains never finish.
   * @default - replicas - 1 (one pod at a time may be evicted)
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly podDisruptionBudgetMinAvailable?: number;
  /**
   * Container port of `/healthz`, `/readyz` and `/metrics` (the probes and the PodMonitor use it).
   * @default 8080
   */
  readonly metricsPort?: number;
  /**
   * On SIGTERM, how long work in flight may finish before it is aborted (its messages are redelivered);
   * the pod's termination grace period is 15 s longer.
   * @default 30
   */
  readonly drainSeconds?: number;
  /**
   * The engine's log level (JSON logs on stdout).
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * The CA that signed the Kafka brokers' certificates, from a Secret mounted into the pod (the
   * engine's `tls.caFile`), for `kafka.useSSL` with a private CA such as Strimzi's cluster CA
   * (Secret `<cluster>-cluster-ca-cert`, key `ca.crt`; copy it into this namespace). Verification
   * stays on.
   * @default - Node's bundled public CAs
   * @see https://strimzi.io/docs/operators/latest/deploying#con-common-configuration-trusted-certificates-reference
   */
  readonly kafkaCaCertificate?: NativeKafkaCaCertificate;
}

/** A PEM CA bundle in a Secret. */
export interface NativeKafkaCaCertificate {
  readonly secretName: string;
  /** @default 'ca.crt' */
  readonly key?: string;
}

export interface ResolvedNativeEngine {
  readonly image: string;
  readonly replicas: number;
  readonly concurrency: number;
  readonly reconcileIntervalSeconds: number;
  readonly reconcileOnStart: boolean;
  readonly podDisruptionBudgetMinAvailable: number;
  readonly metricsPort: number;
  readonly drainSeconds: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly kafkaCaCertificate?: Required<NativeKafkaCaCertificate>;
}

/** Where the generated configuration is mounted in the container. */
export const NATIVE_CONFIG_DIR = '/etc/bucketbridge';
export const NATIVE_CONFIG_FILE = 'replicate.yaml';
/** Where `native.kafkaCaCertificate` is mounted (its key keeps its name). */
export const NATIVE_KAFKA_CA_DIR = '/etc/bucketbridge-kafka-ca';

/** Names of the engine's remotes (`RCLONE_CONFIG_CEPH_*`, `RCLONE_CONFIG_AWS_*`) and sources. */
export const NATIVE_NAMES = {
  cephRemote: 'ceph',
  awsRemote: 'aws',
  kafkaSource: 'ceph-notifications',
  sqsSource: 'aws-notifications',
  /** Variables the Kafka source's SASL user name and password are read from (Secret key references). */
  kafkaSaslUsernameEnv: 'KAFKA_SASL_USERNAME',
  kafkaSaslPasswordEnv: 'KAFKA_SASL_PASSWORD',
} as const;

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

/**
 * Resolves `native` and checks what the engine cannot do with the shared props: Camel-only props,
 * prefix mappings that replace rather than prepend, filters a reconcile pass cannot honour, and the
 * SQS account. Kafka TLS and SASL map onto the engine's `tls` and `sasl` (see `cephToAwsNative`).
 */
export function resolveNativeEngine(
  problems: Problems,
  props: CamelReplicatorProps,
  directions: { readonly cephToAws: boolean; readonly awsToCeph: boolean },
): ResolvedNativeEngine | undefined {
  const n = props.native;
  const camelOnly = "is a Camel K setting; leave it unset with engine 'native'";
  if (props.operatorId !== undefined) problems.add('operatorId', camelOnly, props.operatorId);
  if (directions.awsToCeph && props.aws.accountId === undefined) {
    problems.add('aws.accountId', "must be set for the aws-to-ceph direction with engine 'native' (the SQS queue URL names the account)", undefined);
  }
  (props.buckets ?? []).forEach((bucket, index) => {
    const ceph = bucket.cephPrefix ?? '';
    const aws = bucket.awsPrefix ?? '';
    const rule = (from: string, to: string) =>
      `must end with ${from} (${JSON.stringify(from === 'cephPrefix' ? ceph : aws)}) with engine 'native': the engine prepends a key prefix to the source key, it does not replace the source's prefix (the ${from === 'cephPrefix' ? 'ceph-to-aws' : 'aws-to-ceph'} direction maps ${from} onto ${to})`;
    if (directions.cephToAws && !aws.endsWith(ceph)) problems.add(`buckets[${index}].awsPrefix`, rule('cephPrefix', 'awsPrefix'), aws);
    else if (directions.awsToCeph && !ceph.endsWith(aws)) problems.add(`buckets[${index}].cephPrefix`, rule('awsPrefix', 'cephPrefix'), ceph);
  });

  if (n === undefined) {
    problems.add('native', "must be set with engine 'native' (at least native.image, the bucketbridge runtime image)", undefined);
    return undefined;
  }
  problems.check(typeof n.image === 'string' && IMAGE.test(n.image), 'native.image', 'must be an image reference (registry/repository[:tag][@sha256:digest])', n.image);
  const replicas = n.replicas ?? 1;
  problems.checkInteger('native.replicas', replicas, 1, 100);
  const concurrency = n.concurrency ?? 16;
  problems.checkInteger('native.concurrency', concurrency, 1, 1024);
  const reconcileIntervalSeconds = n.reconcileIntervalSeconds ?? 0;
  problems.checkInteger('native.reconcileIntervalSeconds', reconcileIntervalSeconds, 0, 604_800);
  const reconcileOnStart = n.reconcileOnStart ?? false;
  const reconciles = reconcileIntervalSeconds > 0 || reconcileOnStart;
  if (reconciles && directions.cephToAws && directions.awsToCeph) {
    const rule =
      'must be off when both directions run: a pass of one direction cannot tell an object changed on the other side (not yet replicated back) from a stale copy, and would overwrite or delete it';
    if (reconcileIntervalSeconds > 0) problems.add('native.reconcileIntervalSeconds', rule, reconcileIntervalSeconds);
    if (reconcileOnStart) problems.add('native.reconcileOnStart', rule, reconcileOnStart);
  }
  const regex = props.ceph.notificationFilter?.regex;
  if (reconciles && directions.cephToAws && regex !== undefined) {
    problems.add('ceph.notificationFilter.regex', 'cannot be combined with a reconcile pass (native.reconcile*): the pass selects keys by prefix and suffix only and would copy keys the regex excludes', regex);
  }
  const podDisruptionBudgetMinAvailable = n.podDisruptionBudgetMinAvailable ?? Math.max(0, replicas - 1);
  if (problems.checkInteger('native.podDisruptionBudgetMinAvailable', podDisruptionBudgetMinAvailable, 0) && n.podDisruptionBudgetMinAvailable !== undefined) {
    problems.check(
      podDisruptionBudgetMinAvailable < replicas,
      'native.podDisruptionBudgetMinAvailable',
      `must be below native.replicas (${replicas}), or no pod can ever be evicted and node drains never finish`,
      podDisruptionBudgetMinAvailable,
    );
  }
  const metricsPort = n.metricsPort ?? 8080;
  problems.checkInteger('native.metricsPort', metricsPort, 1024, 65_535);
  const drainSeconds = n.drainSeconds ?? 30;
  problems.checkInteger('native.drainSeconds', drainSeconds, 0, 3600);
  const logLevel = n.logLevel ?? 'info';
  problems.check(['debug', 'info', 'warn', 'error'].includes(logLevel), 'native.logLevel', "must be 'debug', 'info', 'warn' or 'error'", logLevel);
  let kafkaCaCertificate: Required<NativeKafkaCaCertificate> | undefined;
  if (n.kafkaCaCertificate !== undefined) {
    kafkaCaCertificate = { key: 'ca.crt', ...n.kafkaCaCertificate };
    problems.check(DNS_NAME.test(kafkaCaCertificate.secretName), 'native.kafkaCaCertificate.secretName', 'must be a Secret name', kafkaCaCertificate.secretName);
    problems.check(SECRET_KEY.test(kafkaCaCertificate.key), 'native.kafkaCaCertificate.key', 'must be a Secret key', kafkaCaCertificate.key);
    problems.check(
      directions.cephToAws && props.kafka?.useSSL === true,
      'native.kafkaCaCertificate',
      'needs kafka.useSSL true and the ceph-to-aws direction (it is the CA of the Kafka brokers the engine connects to with TLS)',
      kafkaCaCertificate.secretName,
    );
  }
  return {
    image: n.image,
    replicas,
    concurrency,
    reconcileIntervalSeconds,
    reconcileOnStart,
    podDisruptionBudgetMinAvailable,
    metricsPort,
    drainSeconds,
    logLevel,
    ...(kafkaCaCertificate !== undefined ? { kafkaCaCertificate } : {}),
  };
}

/** One direction of the native engine, ready to render. */
export interface NativeEnginePlan {
  /** Deployment, ServiceAccount and pod name stem: `ceph-to-aws-replicator` or `aws-to-ceph-replicator`. */
  readonly name: string;
  /** The `bucketbridge replicate` configuration document, valid against REPLICATE_CONFIG_SCHEMA. */
  readonly config: Record<string, unknown>;
  /** The container's arguments after the image's `bucketbridge` entrypoint. */
  readonly args: string[];
  /** Remotes as `RCLONE_CONFIG_<REMOTE>_*`, keys only as Secret references; SQS keys as `AWS_*`. */
  readonly env: EnvVar[];
  readonly serviceAccountAnnotations: Record<string, string>;
  readonly automountServiceAccountToken: boolean;
  /** Secrets mounted read-only besides the configuration (the Kafka CA). */
  readonly secretMounts: readonly NativeSecretMount[];
}

/** A Secret key mounted as a file: `<mountPath>/<key>`. */
export interface NativeSecretMount {
  /** Volume name. */
  readonly name: string;
  readonly secretName: string;
  readonly key: string;
  readonly mountPath: string;
}

function nativeOf(r: ResolvedCamelReplicator): ResolvedNativeEngine {
  if (r.native === undefined) throw new Error("the native engine's plan needs resolved native settings (resolve the props with engine 'native' first)");
  return r.native;
}

/** Route names: the source bucket, unique within the configuration, at most 63 characters. */
function routeNames(buckets: readonly string[]): string[] {
  return buckets.map((bucket, index) => (buckets.indexOf(bucket) === index && buckets.lastIndexOf(bucket) === index ? bucket : `${bucket.slice(0, 58)}-${index}`));
}

/** A route as the configuration file has it: empty prefixes and guards left out (the engine's defaults). */
function route(r: { name: string | undefined; source: string; destination: string; prefix: string; suffix: string; keyPrefix: string; ignorePrincipals: string[] }): Record<string, unknown> {
  return {
    name: r.name,
    source: r.source,
    destination: r.destination,
    ...(r.prefix !== '' ? { prefix: r.prefix } : {}),
    ...(r.suffix !== '' ? { suffix: r.suffix } : {}),
    ...(r.keyPrefix !== '' ? { keyPrefix: r.keyPrefix } : {}),
    ...(r.ignorePrincipals.length > 0 ? { ignorePrincipals: r.ignorePrincipals } : {}),
  };
}

function commonConfig(r: ResolvedCamelReplicator, n: ResolvedNativeEngine): Record<string, unknown> {
  const reconciles = n.reconcileIntervalSeconds > 0 || n.reconcileOnStart;
  return {
    concurrency: n.concurrency,
    // Camel's redelivery policy: maximumRedeliveries after the first attempt, from 1 s, doubling.
    retry: { attempts: r.maximumRedeliveries + 1, baseDelayMs: 1000 },
    ...(reconciles ? { reconcile: { intervalSeconds: n.reconcileIntervalSeconds, onStart: n.reconcileOnStart, mode: 'sync' } } : {}),
    listen: String(n.metricsPort),
    drainSeconds: n.drainSeconds,
  };
}

function args(n: ResolvedNativeEngine): string[] {
  return ['replicate', '--config', `${NATIVE_CONFIG_DIR}/${NATIVE_CONFIG_FILE}`, '--log-level', n.logLevel];
}

/** Ceph -> AWS: Kafka (RGW's notifications), Ceph read in-cluster, AWS written with the on-prem access key. */
export function cephToAwsNative(r: ResolvedCamelReplicator, name: string): NativeEnginePlan {
  const n = nativeOf(r);
  const kafka = r.kafka;
  const keys = r.aws.onPremCredentials;
  if (!kafka || !keys) throw new Error('ceph-to-aws needs kafka and aws.onPremCredentials (resolve the props first)');
  const filter = r.ceph.notificationFilter;
  const names = routeNames(r.buckets.map((b) => b.cephBucket));
  const routes = r.buckets.map((b, i) => {
    // The notification only announces keys under its filter prefix: a reconcile pass covers the same keys.
    const prefix = filter.prefix !== undefined && filter.prefix.startsWith(b.cephPrefix) ? filter.prefix : b.cephPrefix;
    return route({
      name: names[i],
      source: `${NATIVE_NAMES.cephRemote}:${b.cephBucket}`,
      destination: `${NATIVE_NAMES.awsRemote}:${b.awsBucket}`,
      prefix,
      suffix: filter.suffix ?? '',
      keyPrefix: b.awsPrefix.slice(0, b.awsPrefix.length - b.cephPrefix.length),
      // Writes of the aws-to-ceph replicator (the Ceph user it writes as) are not sent back.
      ignorePrincipals: r.awsToCeph ? [r.loopGuard.cephPrincipalId] : [],
    });
  });
  const config = {
    sources: [
      {
        name: NATIVE_NAMES.kafkaSource,
        type: 'kafka',
        keyEncoding: r.ceph.notificationKeysUrlEncoded ? 'url' : 'raw',
        brokers: kafka.bootstrapServers.split(','),
        topic: kafka.topic,
        groupId: kafka.groupId,
        deadLetterTopic: kafka.deadLetterTopic,
        clientId: name,
        fromBeginning: true,
        // TLS with verification on: the mounted CA, else Node's public CAs (as Camel uses the JVM's truststore).
        ...(kafka.useSSL ? { tls: n.kafkaCaCertificate ? { caFile: `${NATIVE_KAFKA_CA_DIR}/${n.kafkaCaCertificate.key}` } : {} } : {}),
        ...(kafka.sasl
          ? { sasl: { mechanism: kafka.sasl.mechanism.toLowerCase(), usernameEnv: NATIVE_NAMES.kafkaSaslUsernameEnv, passwordEnv: NATIVE_NAMES.kafkaSaslPasswordEnv } }
          : {}),
      },
    ],
    routes,
    ...commonConfig(r, n),
  };
  const ceph: S3RemoteSpec = {
    provider: 'Ceph',
    endpoint: r.ceph.internalEndpoint,
    region: r.ceph.region,
    credentials: { kind: 'secret', ...r.ceph.userSecret },
  };
  const aws: S3RemoteSpec = {
    provider: 'AWS',
    endpoint: r.aws.s3Endpoint,
    region: r.aws.region,
    credentials: { kind: 'secret', ...keys },
    ...(r.aws.s3Endpoint !== undefined ? { forcePathStyle: true } : {}),
  };
  // The SASL user and password by reference to the same Secret keys the CephBucketTopic uses.
  const saslEnv: EnvVar[] = kafka.sasl
    ? [
        { name: NATIVE_NAMES.kafkaSaslUsernameEnv, valueFrom: { secretKeyRef: { name: kafka.sasl.secretName, key: kafka.sasl.usernameKey } } },
        { name: NATIVE_NAMES.kafkaSaslPasswordEnv, valueFrom: { secretKeyRef: { name: kafka.sasl.secretName, key: kafka.sasl.passwordKey } } },
      ]
    : [];
  const caMounts: NativeSecretMount[] =
    kafka.useSSL && n.kafkaCaCertificate ? [{ name: 'kafka-ca', secretName: n.kafkaCaCertificate.secretName, key: n.kafkaCaCertificate.key, mountPath: NATIVE_KAFKA_CA_DIR }] : [];
  return plan(name, config, n, [
    ...remoteEnvironment(NATIVE_NAMES.cephRemote, ceph),
    ...remoteEnvironment(NATIVE_NAMES.awsRemote, aws),
    ...saslEnv,
  ], [ceph, aws], caMounts);
}

/** AWS -> Ceph: SQS (S3's notifications), AWS read with the cluster identity, Ceph written at its external endpoint. */
export function awsToCephNative(r: ResolvedCamelReplicator, name: string): NativeEnginePlan {
  const n = nativeOf(r);
  const { externalEndpoint, remoteCredentials } = r.ceph;
  const identity = r.aws.clusterIdentity;
  const account = r.aws.accountId;
  if (!externalEndpoint || !remoteCredentials || !identity || !account) {
    throw new Error('aws-to-ceph needs ceph.externalEndpoint, ceph.remoteCredentials, aws.clusterIdentity and aws.accountId (resolve the props first)');
  }
  const sqsBase = (r.aws.sqsEndpoint ?? `https://sqs.${r.aws.region}.amazonaws.com`).replace(/\/+$/, '');
  const names = routeNames(r.buckets.map((b) => b.awsBucket));
  const routes = r.buckets.map((b, i) =>
    route({
      name: names[i],
      source: `${NATIVE_NAMES.awsRemote}:${b.awsBucket}`,
      destination: `${NATIVE_NAMES.cephRemote}:${b.cephBucket}`,
      prefix: b.awsPrefix,
      suffix: '',
      keyPrefix: b.cephPrefix.slice(0, b.cephPrefix.length - b.awsPrefix.length),
      // Writes of the ceph-to-aws replicator (its IAM user's principal id) are not sent back.
      ignorePrincipals: r.cephToAws && r.loopGuard.awsPrincipalId !== undefined ? [r.loopGuard.awsPrincipalId] : [],
    }),
  );
  const config = {
    sources: [
      {
        name: NATIVE_NAMES.sqsSource,
        type: 'sqs',
        // S3 form-encodes keys in its notifications ('+' for a space).
        keyEncoding: 'url',
        queueUrl: `${sqsBase}/${account}/${r.aws.queueName}`,
        region: r.aws.region,
        ...(r.aws.sqsEndpoint !== undefined ? { endpoint: r.aws.sqsEndpoint } : {}),
        deadLetterQueueUrl: `${sqsBase}/${account}/${r.aws.deadLetterQueueName}`,
        // The queue's own visibility timeout (300 s); extended while a copy runs.
        visibilityTimeoutSeconds: 300,
        maxMessages: 10,
        waitTimeSeconds: 20,
      },
    ],
    routes,
    ...commonConfig(r, n),
  };
  const awsCredentials: S3RemoteSpec['credentials'] = identity.kind === 'secret' ? { kind: 'secret', ...identity.secret } : identity.kind === 'irsa' ? { kind: 'irsa', roleArn: identity.roleArn } : { kind: identity.kind };
  const aws: S3RemoteSpec = {
    provider: 'AWS',
    endpoint: r.aws.s3Endpoint,
    region: r.aws.region,
    credentials: awsCredentials,
    ...(r.aws.s3Endpoint !== undefined ? { forcePathStyle: true } : {}),
  };
  const ceph: S3RemoteSpec = { provider: 'Ceph', endpoint: externalEndpoint, region: r.ceph.region, credentials: { kind: 'secret', ...remoteCredentials } };
  // The SQS source uses the SDK's default chain: the same keys as the AWS remote, or IRSA / Pod Identity.
  const sqsEnv: EnvVar[] = [{ name: 'AWS_REGION', value: r.aws.region }];
  if (identity.kind === 'secret') {
    sqsEnv.push(
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: identity.secret.secretName, key: identity.secret.accessKeyIdKey } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: identity.secret.secretName, key: identity.secret.secretAccessKeyKey } } },
    );
  }
  return plan(name, config, n, [...remoteEnvironment(NATIVE_NAMES.awsRemote, aws), ...remoteEnvironment(NATIVE_NAMES.cephRemote, ceph), ...sqsEnv], [aws, ceph]);
}

function plan(name: string, config: Record<string, unknown>, n: ResolvedNativeEngine, env: EnvVar[], remotes: readonly S3RemoteSpec[], secretMounts: NativeSecretMount[] = []): NativeEnginePlan {
  // The engine's own schema and rules: a generated configuration the engine would refuse fails synth.
  resolveReplicateConfig(config, `${name} replicate config`);
  return {
    name,
    config,
    args: args(n),
    env,
    serviceAccountAnnotations: serviceAccountAnnotations(remotes),
    automountServiceAccountToken: needsServiceAccountToken(remotes),
    secretMounts,
  };
}
