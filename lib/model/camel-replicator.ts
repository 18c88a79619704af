import { resolveNativeEngine, type CamelReplicatorNativeProps, type ResolvedNativeEngine } from './camel-replicator-native';
import { Problems } from './errors';
import type { RemoteCredentials } from './remote-credentials';

/**
 * A Secret holding an S3 access key pair, mounted into the Integration (Camel K `mount.configs`) and
 * read through `{{secret:<secretName>/<key>}}` placeholders. Never the keys themselves.
 * @see https://camel.apache.org/camel-k/latest/configuration/runtime-config.html
 */
export interface AccessKeySecretRef {
  /** Name of the Secret in the Integration's namespace. */
  readonly secretName: string;
  /**
   * Key of the access key id in the Secret.
   * @default 'access-key' for AWS, 'AccessKey' for Ceph (Rook's CephObjectStoreUser Secret)
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the secret access key in the Secret.
   * @default 'secret-key' for AWS, 'SecretKey' for Ceph (Rook's CephObjectStoreUser Secret)
   */
  readonly secretAccessKeyKey?: string;
}

/** One replicated bucket pair. Keys under `cephPrefix` map to keys under `awsPrefix` and back. */
export interface CamelReplicatorBucketProps {
  /** The Ceph bucket. */
  readonly cephBucket: string;
  /** The AWS bucket the Ceph bucket replicates to (and from). */
  readonly awsBucket: string;
  /**
   * Only keys under this prefix in the Ceph bucket take part; the prefix is replaced by `awsPrefix`.
   * @default '' (every key)
   */
  readonly cephPrefix?: string;
  /**
   * Only keys under this prefix in the AWS bucket take part; the prefix is replaced by `cephPrefix`.
   * @default '' (every key)
   */
  readonly awsPrefix?: string;
  /**
   * Provision the Ceph bucket through an ObjectBucketClaim (named like the bucket) of this
   * StorageClass, labelled so the CephBucketNotification binds to it. Rook only attaches
   * notifications to buckets claimed through OBCs in the notification's namespace; for other
   * buckets create the notification by hand.
   * @default - no claim: the bucket exists already
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-notifications/
   */
  readonly claimStorageClassName?: string;
}

/** Key filters of the CephBucketNotification. */
export interface CamelReplicatorNotificationFilter {
  /**
   * @default - any prefix
   * @see https://docs.ceph.com/en/latest/radosgw/notifications/#filters
   */
  readonly prefix?: string;
  /** @default - any suffix */
  readonly suffix?: string;
  /** @default - no regex */
  readonly regex?: string;
}

/** The on-prem Ceph side. */
export interface CamelReplicatorCephProps {
  /** The CephObjectStore holding the buckets, e.g. `ceph-objectstore`. */
  readonly objectStoreName: string;
  /**
   * Namespace of the Rook cluster and object store.
   * @default 'rook-ceph'
   */
  readonly objectStoreNamespace?: string;
  /**
   * Name of the CephObjectStoreUser (and RGW user id) the replicators read and write Ceph as. Rook
   * writes its keys to the Secret `rook-ceph-object-user-<objectStoreName>-<userName>`.
   * @default 's3-replicator'
   * @see https://rook.io/docs/rook/latest/CRDs/Object-Storage/ceph-object-store-user-crd/
   */
  readonly userName?: string;
  /**
   * In-cluster RGW URL the on-prem Integration reads from.
   * @default `http://rook-ceph-rgw-<objectStoreName>.<objectStoreNamespace>.svc:80`
   */
  readonly internalEndpoint?: string;
  /**
   * Externally reachable RGW URL the AWS-cluster Integration writes to, e.g. `https://rgw.example.com`.
   * Required for the aws-to-ceph direction.
   * @default - none
   */
  readonly externalEndpoint?: string;
  /**
   * Region name sent to RGW (any value RGW accepts; the zone group's api name when set).
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Secret on the AWS cluster holding the Ceph user's keys (no Rook operator there to create it).
   * Required for the aws-to-ceph direction. Key defaults follow Rook: `AccessKey`, `SecretKey`.
   * @default - none
   */
  readonly remoteCredentials?: AccessKeySecretRef;
  /**
   * Key filters of the bucket notification.
   * @default - every key of the claimed buckets
   * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-notifications/#notifications
   */
  readonly notificationFilter?: CamelReplicatorNotificationFilter;
  /**
   * Whether RGW URL-encodes object keys in its notifications (`+` for a space), as AWS does.
   * Ceph releases differ; each key is decoded exactly once either way.
   * @default false
   */
  readonly notificationKeysUrlEncoded?: boolean;
}

/**
 * SASL credentials for Kafka, by Secret reference; used by RGW (CephBucketTopic) and by the Integration.
 * @see https://rook.io/docs/rook/latest/Storage-Configuration/Object-Storage-RGW/ceph-object-bucket-notifications/#topics
 */
export interface CamelReplicatorKafkaSasl {
  /** SASL mechanism. */
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** Secret holding the user name and password. */
  readonly secretName: string;
  /** @default 'username' */
  readonly usernameKey?: string;
  /** @default 'password' */
  readonly passwordKey?: string;
}

/** A Strimzi KafkaTopic for the notification topic and its dead-letter topic. */
export interface CamelReplicatorStrimziTopicProps {
  /** The Strimzi Kafka cluster (`strimzi.io/cluster` label), e.g. `kafka-rciis-prod`. */
  readonly clusterName: string;
  /**
   * Namespace the Strimzi topic operator watches.
   * @default - the Kafka cluster's namespace from `kafka.consumerLagNamespace`
   */
  readonly namespace?: string;
  /** @default 3 */
  readonly partitions?: number;
  /** @default 3 */
  readonly replicas?: number;
  /**
   * `retention.ms` of the topics.
   * @default 604800000 (7 days)
   * @see https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaTopicSpec-reference
   */
  readonly retentionMs?: number;
}

/** Kafka between RGW and the on-prem Integration. */
export interface CamelReplicatorKafkaProps {
  /** Bootstrap servers, `host:port[,host:port]`, e.g. `kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093`. */
  readonly bootstrapServers: string;
  /**
   * Topic RGW publishes to. RGW names the Kafka topic after its notification topic, so this is also
   * the CephBucketTopic's name.
   * @default 'ceph-bucket-notifications'
   */
  readonly topic?: string;
  /**
   * Dead-letter topic for records that fail after every redelivery.
   * @default `<topic>-dlq`
   */
  readonly deadLetterTopic?: string;
  /** @default 's3-replicator-ceph-to-aws' */
  readonly groupId?: string;
  /**
   * TLS to the brokers (RGW and Integration).
   * @default false
   */
  readonly useSSL?: boolean;
  /**
   * Broker acknowledgement RGW waits for.
   * @default 'broker'
   */
  readonly ackLevel?: 'none' | 'broker';
  /**
   * Keep notifications in RGW's queue until Kafka acknowledges them (survives broker outages).
   * @default true
   */
  readonly persistent?: boolean;
  /**
   * SASL authentication.
   * @default - none
   */
  readonly sasl?: CamelReplicatorKafkaSasl;
  /**
   * Create Strimzi KafkaTopics for the topic and the dead-letter topic.
   * @default - none: the topics exist or are auto-created
   */
  readonly strimziTopic?: CamelReplicatorStrimziTopicProps;
  /**
   * Namespace label of the Kafka exporter's `kafka_consumergroup_lag` series.
   * @default 'rciis-prod'
   */
  readonly consumerLagNamespace?: string;
}

/** The AWS side. */
export interface CamelReplicatorAwsProps {
  /** AWS region of the bucket and queues, e.g. `af-south-1`. */
  readonly region: string;
  /** @default 'rciis-s3-replication-events' */
  readonly queueName?: string;
  /** @default 'rciis-s3-replication-dlq' */
  readonly deadLetterQueueName?: string;
  /**
   * Access key the on-prem Integration writes AWS with (Secret `aws-s3-credentials` in the runbook).
   * Required for the ceph-to-aws direction.
   * @default - none
   */
  readonly onPremCredentials?: AccessKeySecretRef;
  /**
   * How the AWS-cluster Integration reads S3 and SQS. On EKS use `irsa` (the role ARN goes on the
   * Integration's ServiceAccount) or `podIdentity`: both, like `environment`, render
   * `useDefaultCredentialsProvider=true` instead of keys. `secret` mounts an access key Secret
   * (keys default to `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`). Required for the aws-to-ceph direction.
   * @default - none
   * @see https://camel.apache.org/components/4.14.x/aws2-s3-component.html
   */
  readonly clusterIdentity?: RemoteCredentials;
  /**
   * S3 endpoint override (VPC endpoint, or an S3-compatible stand-in in tests).
   * @default - the regional AWS endpoint
   */
  readonly s3Endpoint?: string;
  /**
   * SQS endpoint override.
   * @default - the regional AWS endpoint
   */
  readonly sqsEndpoint?: string;
  /**
   * The AWS account (12 digits) that owns the queues. The native engine addresses the queues by URL
   * (`<sqs endpoint>/<accountId>/<queue>`), so it needs the account; the Camel K Integration looks
   * the queues up by name in its credentials' account and ignores it.
   * @default - none (required for the aws-to-ceph direction with engine 'native')
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
   */
  readonly accountId?: string;
}

/** Loop guard identities: each Integration skips records written by the other. */
export interface CamelReplicatorLoopGuard {
  /**
   * `userIdentity.principalId` in AWS events for writes of the on-prem Integration: `AWS:<unique id>`
   * of its IAM user (`AIDA...`, an output of the Pulumi side), not the user name. Required when both
   * directions run.
   * @default - none
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
   */
  readonly awsPrincipalId?: string;
  /**
   * `userIdentity.principalId` in Ceph events for writes of the AWS-cluster Integration: the RGW user id.
   * @default - `ceph.userName`
   */
  readonly cephPrincipalId?: string;
}

/** Container resources of the replicator: the Integration's (Camel K `container` trait) or the native engine's container. */
export interface CamelReplicatorResources {
  /** @default '100m' */
  readonly requestCPU?: string;
  /** @default '256Mi' */
  readonly requestMemory?: string;
  /** @default '500m' */
  readonly limitCPU?: string;
  /** @default '512Mi' */
  readonly limitMemory?: string;
}

/**
 * Alert thresholds; defaults are the runbook's.
 */
export interface CamelReplicatorAlertProps {
  /** @default '5m' */
  readonly downFor?: string;
  /**
   * Failed exchanges per second (5 m rate) above which `S3ReplicatorHighErrorRate` fires.
   * @default 0.1
   */
  readonly errorRatePerSecond?: number;
  /** @default '10m' */
  readonly errorRateFor?: string;
  /** @default 30 */
  readonly latencyP95Seconds?: number;
  /** @default '10m' */
  readonly latencyFor?: string;
  /** @default 1000 */
  readonly kafkaConsumerLagMessages?: number;
  /** @default '15m' */
  readonly kafkaConsumerLagFor?: string;
  /**
   * Messages in the dead-letter topic/queue above which `S3ReplicatorDeadLetters` fires.
   * @default 0
   */
  readonly deadLetterMessages?: number;
  /** @default '5m' */
  readonly deadLetterFor?: string;
}

export type CamelReplicatorDirections = 'both' | 'ceph-to-aws' | 'aws-to-ceph';

/**
 * What runs each direction: a Camel K Integration (needs the Camel K operator, which builds it with
 * Maven at deploy time), or a Deployment of bucketbridge's own engine (`bucketbridge replicate`).
 */
export type CamelReplicatorEngine = 'camel-k' | 'native';

export interface CamelReplicatorProps {
  /**
   * Namespace of every object (Integration, CephObjectStoreUser, topic, notification, claims, rules).
   * @default 's3-replicator'
   */
  readonly namespace?: string;
  /**
   * Directions to run.
   * @default 'both'
   */
  readonly directions?: CamelReplicatorDirections;
  /**
   * What runs each direction. `camel-k` renders the runbook's Camel K Integrations; `native` renders
   * a Deployment of the bucketbridge runtime image running `bucketbridge replicate` with a generated
   * configuration (ConfigMap), its ServiceAccount, PodDisruptionBudget and PodMonitor, and alerts on
   * the engine's metrics. Everything on the Rook side (user, topic, notification, claims, Kafka
   * topics) is the same for both.
   * @default 'camel-k'
   * @see https://camel.apache.org/camel-k/latest/
   */
  readonly engine?: CamelReplicatorEngine;
  /**
   * Settings of the native engine (engine 'native' only; required there for its image).
   * @default - none
   */
  readonly native?: CamelReplicatorNativeProps;
  /**
   * Camel K operator that reconciles the Integrations (`camel.apache.org/operator.id`). Engine
   * 'camel-k' only.
   * @default 'camel-k-operator'
   * @see https://camel.apache.org/camel-k/latest/installation/advanced/multi.html
   */
  readonly operatorId?: string;
  /** The replicated bucket pairs; at least one. */
  readonly buckets: readonly CamelReplicatorBucketProps[];
  readonly ceph: CamelReplicatorCephProps;
  /** Required for the ceph-to-aws direction. @default - none */
  readonly kafka?: CamelReplicatorKafkaProps;
  readonly aws: CamelReplicatorAwsProps;
  /** @default - Ceph side from `ceph.userName`; AWS side required when both directions run */
  readonly loopGuard?: CamelReplicatorLoopGuard;
  /** @default - the runbook's requests and limits */
  readonly resources?: CamelReplicatorResources;
  /**
   * Redeliveries of a failing record (exponential back-off from 1 s) before it goes to the dead-letter
   * channel. The native engine makes `maximumRedeliveries + 1` attempts (`retry.attempts`).
   * @default 3
   */
  readonly maximumRedeliveries?: number;
  /** @default - the runbook's thresholds */
  readonly alerts?: CamelReplicatorAlertProps;
}

/** Names of the runbook: Integrations, user, queues, topics. */
export const CAMEL_REPLICATOR_NAMES = {
  cephToAws: 'ceph-to-aws-replicator',
  awsToCeph: 'aws-to-ceph-replicator',
  partOf: 's3-replicator',
  component: 's3-replication',
  notification: 's3-replication-notification',
  rules: 's3-replicator-alerts',
  dashboard: 's3-replicator-dashboard',
} as const;

export interface ResolvedReplicatorBucket {
  readonly cephBucket: string;
  readonly awsBucket: string;
  readonly cephPrefix: string;
  readonly awsPrefix: string;
  readonly claimStorageClassName?: string;
}

export interface ResolvedKeyPair {
  readonly secretName: string;
  readonly accessKeyIdKey: string;
  readonly secretAccessKeyKey: string;
}

export type ResolvedAwsIdentity =
  | { readonly kind: 'secret'; readonly secret: ResolvedKeyPair }
  | { readonly kind: 'irsa'; readonly roleArn: string }
  | { readonly kind: 'podIdentity' }
  | { readonly kind: 'environment' };

export interface ResolvedKafka {
  readonly bootstrapServers: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly useSSL: boolean;
  readonly ackLevel: 'none' | 'broker';
  readonly persistent: boolean;
  readonly sasl?: Required<CamelReplicatorKafkaSasl>;
  readonly strimziTopic?: Required<CamelReplicatorStrimziTopicProps>;
  readonly consumerLagNamespace: string;
}

export interface ResolvedAlerts {
  readonly downFor: string;
  readonly errorRatePerSecond: number;
  readonly errorRateFor: string;
  readonly latencyP95Seconds: number;
  readonly latencyFor: string;
  readonly kafkaConsumerLagMessages: number;
  readonly kafkaConsumerLagFor: string;
  readonly deadLetterMessages: number;
  readonly deadLetterFor: string;
}

export interface ResolvedCamelReplicator {
  readonly engine: CamelReplicatorEngine;
  /** Set with engine 'native'. */
  readonly native?: ResolvedNativeEngine;
  readonly namespace: string;
  readonly cephToAws: boolean;
  readonly awsToCeph: boolean;
  readonly operatorId: string;
  readonly buckets: readonly ResolvedReplicatorBucket[];
  readonly ceph: {
    readonly objectStoreName: string;
    readonly objectStoreNamespace: string;
    readonly userName: string;
    /** Rook's Secret with the user's keys, on the on-prem cluster. */
    readonly userSecret: ResolvedKeyPair;
    readonly internalEndpoint: string;
    readonly externalEndpoint?: string;
    readonly region: string;
    readonly remoteCredentials?: ResolvedKeyPair;
    readonly notificationFilter: CamelReplicatorNotificationFilter;
    readonly notificationKeysUrlEncoded: boolean;
  };
  readonly kafka?: ResolvedKafka;
  readonly aws: {
    readonly region: string;
    readonly queueName: string;
    readonly deadLetterQueueName: string;
    readonly onPremCredentials?: ResolvedKeyPair;
    readonly clusterIdentity?: ResolvedAwsIdentity;
    readonly s3Endpoint?: string;
    readonly sqsEndpoint?: string;
    readonly accountId?: string;
  };
  readonly loopGuard: { readonly awsPrincipalId?: string; readonly cephPrincipalId: string };
  readonly resources: Required<CamelReplicatorResources>;
  readonly maximumRedeliveries: number;
  readonly alerts: ResolvedAlerts;
}

export const DEFAULT_CAMEL_REPLICATOR_ALERTS: ResolvedAlerts = {
  downFor: '5m',
  errorRatePerSecond: 0.1,
  errorRateFor: '10m',
  latencyP95Seconds: 30,
  latencyFor: '10m',
  kafkaConsumerLagMessages: 1000,
  kafkaConsumerLagFor: '15m',
  deadLetterMessages: 0,
  deadLetterFor: '5m',
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** S3 bucket names (AWS rules; RGW accepts the same). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:(\d{1,5})$/;
const AWS_PRINCIPAL = /^AWS:(AIDA|AROA)[A-Z0-9]{12,}(:[\w+=,.@-]+)?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$|^[a-z0-9-]+$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** Shapes of AWS access keys, secret keys and Ceph's generated keys: such a value is a credential, not a name. */
const LITERAL_CREDENTIAL = [/^(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}$/, /^[A-Za-z0-9/+=]{40}$/, /^[A-Z0-9]{20}$/];
/** Characters that would break out of a Camel simple-language string literal or placeholder. */
const SIMPLE_UNSAFE = /['${}\\]/;
/** Props that, given a string, hold a credential rather than a reference. */
const CREDENTIAL_PROPS = ['accessKey', 'secretKey', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'password'];

/**
 * Resolves the defaults of a CamelReplicator and checks every prop, throwing one ValidationError
 * naming each offending prop.
 */
export function resolveCamelReplicatorProps(path: string, props: CamelReplicatorProps): ResolvedCamelReplicator {
  const problems = new Problems(path);
  const directions = props.directions ?? 'both';
  problems.check(['both', 'ceph-to-aws', 'aws-to-ceph'].includes(directions), 'directions', "must be 'both', 'ceph-to-aws' or 'aws-to-ceph'", directions);
  const cephToAws = directions !== 'aws-to-ceph';
  const awsToCeph = directions !== 'ceph-to-aws';

  const engine = props.engine ?? 'camel-k';
  problems.check(engine === 'camel-k' || engine === 'native', 'engine', "must be 'camel-k' or 'native'", engine);

  const namespace = props.namespace ?? 's3-replicator';
  problems.check(DNS_LABEL.test(namespace), 'namespace', 'must be a DNS-1123 label', namespace);
  const operatorId = props.operatorId ?? 'camel-k-operator';
  problems.check(DNS_NAME.test(operatorId), 'operatorId', 'must be a DNS-1123 name', operatorId);

  const ceph = props.ceph;
  const objectStoreNamespace = ceph.objectStoreNamespace ?? 'rook-ceph';
  const userName = ceph.userName ?? 's3-replicator';
  problems.check(DNS_LABEL.test(ceph.objectStoreName), 'ceph.objectStoreName', 'must be a DNS-1123 label', ceph.objectStoreName);
  problems.check(DNS_LABEL.test(objectStoreNamespace), 'ceph.objectStoreNamespace', 'must be a DNS-1123 label', objectStoreNamespace);
  problems.check(DNS_LABEL.test(userName), 'ceph.userName', 'must be a DNS-1123 label', userName);
  const internalEndpoint =
    ceph.internalEndpoint ?? `http://rook-ceph-rgw-${ceph.objectStoreName}.${objectStoreNamespace}.svc:80`;
  checkUrl(problems, 'ceph.internalEndpoint', internalEndpoint);
  if (ceph.externalEndpoint !== undefined) checkUrl(problems, 'ceph.externalEndpoint', ceph.externalEndpoint);
  else if (awsToCeph) problems.add('ceph.externalEndpoint', 'must be set for the aws-to-ceph direction (the RGW URL the AWS cluster reaches)', undefined);
  const region = ceph.region ?? 'us-east-1';
  problems.check(REGION.test(region), 'ceph.region', 'must be a region name', region);
  const remoteCredentials = awsToCeph
    ? requiredKeyPair(problems, 'ceph.remoteCredentials', ceph.remoteCredentials, 'AccessKey', 'SecretKey', 'the aws-to-ceph direction')
    : undefined;
  const notificationFilter = ceph.notificationFilter ?? {};

  const buckets = resolveBuckets(problems, props.buckets, notificationFilter);

  const kafka = cephToAws ? resolveKafka(problems, props.kafka) : undefined;

  const aws = props.aws;
  problems.check(REGION.test(aws.region ?? ''), 'aws.region', 'must be an AWS region name', aws.region);
  const queueName = aws.queueName ?? 'rciis-s3-replication-events';
  const deadLetterQueueName = aws.deadLetterQueueName ?? 'rciis-s3-replication-dlq';
  for (const [prop, value] of [['aws.queueName', queueName], ['aws.deadLetterQueueName', deadLetterQueueName]] as const) {
    problems.check(/^[A-Za-z0-9_-]{1,80}$/.test(value), prop, 'must be an SQS queue name (1-80 letters, digits, - and _)', value);
  }
  const onPremCredentials = cephToAws
    ? requiredKeyPair(problems, 'aws.onPremCredentials', aws.onPremCredentials, 'access-key', 'secret-key', 'the ceph-to-aws direction')
    : undefined;
  const clusterIdentity = awsToCeph ? resolveIdentity(problems, aws.clusterIdentity) : undefined;
  if (aws.s3Endpoint !== undefined) checkUrl(problems, 'aws.s3Endpoint', aws.s3Endpoint);
  if (aws.sqsEndpoint !== undefined) checkUrl(problems, 'aws.sqsEndpoint', aws.sqsEndpoint);
  if (aws.accountId !== undefined) problems.check(/^\d{12}$/.test(aws.accountId), 'aws.accountId', 'must be an AWS account id (12 digits)', aws.accountId);

  const loopGuard = { awsPrincipalId: props.loopGuard?.awsPrincipalId, cephPrincipalId: props.loopGuard?.cephPrincipalId ?? userName };
  if (loopGuard.awsPrincipalId !== undefined) {
    const rule = "must be the principal id AWS sends for the on-prem replicator's IAM user, 'AWS:<unique id>' (e.g. AWS:AIDA...), not its name";
    problems.check(AWS_PRINCIPAL.test(loopGuard.awsPrincipalId), 'loopGuard.awsPrincipalId', rule, loopGuard.awsPrincipalId);
  } else if (cephToAws && awsToCeph) {
    const rule = "must be set when both directions run, or AWS -> Ceph re-replicates every object the on-prem replicator writes ('AWS:<unique id>' of its IAM user)";
    problems.add('loopGuard.awsPrincipalId', rule, undefined);
  }
  const cephRule = 'must be an RGW user id ([tenant$]user) without quotes, braces or backslashes';
  problems.check(/^[^\s'{}\\]+$/.test(loopGuard.cephPrincipalId), 'loopGuard.cephPrincipalId', cephRule, loopGuard.cephPrincipalId);

  const resources = {
    requestCPU: props.resources?.requestCPU ?? '100m',
    requestMemory: props.resources?.requestMemory ?? '256Mi',
    limitCPU: props.resources?.limitCPU ?? '500m',
    limitMemory: props.resources?.limitMemory ?? '512Mi',
  };
  for (const [key, value] of Object.entries(resources)) {
    problems.check(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(value), `resources.${key}`, 'must be a Kubernetes quantity', value);
  }
  const maximumRedeliveries = props.maximumRedeliveries ?? 3;
  problems.checkInteger('maximumRedeliveries', maximumRedeliveries, 0, 100);
  const alerts = resolveAlerts(problems, props.alerts ?? {});
  const native = engine === 'native' ? resolveNativeEngine(problems, props, { cephToAws, awsToCeph }) : undefined;
  if (engine !== 'native' && props.native !== undefined) {
    problems.add('native', "is only used with engine 'native' (set engine: 'native', or leave native unset for Camel K)", Object.keys(props.native));
  }

  problems.throwIfAny();
  return {
    engine,
    native,
    namespace,
    cephToAws,
    awsToCeph,
    operatorId,
    buckets,
    ceph: {
      objectStoreName: ceph.objectStoreName,
      objectStoreNamespace,
      userName,
      userSecret: {
        secretName: `rook-ceph-object-user-${ceph.objectStoreName}-${userName}`,
        accessKeyIdKey: 'AccessKey',
        secretAccessKeyKey: 'SecretKey',
      },
      internalEndpoint,
      externalEndpoint: ceph.externalEndpoint,
      region,
      remoteCredentials,
      notificationFilter,
      notificationKeysUrlEncoded: ceph.notificationKeysUrlEncoded ?? false,
    },
    kafka,
    aws: {
      region: aws.region,
      queueName,
      deadLetterQueueName,
      onPremCredentials,
      clusterIdentity,
      s3Endpoint: aws.s3Endpoint,
      sqsEndpoint: aws.sqsEndpoint,
      accountId: aws.accountId,
    },
    loopGuard,
    resources,
    maximumRedeliveries,
    alerts,
  };
}

function checkUrl(problems: Problems, prop: string, url: string): void {
  problems.check(HTTP_URL.test(url), prop, 'must be an http:// or https:// URL without query', url);
}

function checkNoLiteralCredential(problems: Problems, prop: string, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  let ok = true;
  for (const key of CREDENTIAL_PROPS) {
    const held = (value as Record<string, unknown>)[key];
    if (held !== undefined) {
      problems.add(`${prop}.${key}`, 'must not be set: credentials are read from a Secret only (set secretName and its keys)', '[redacted]');
      ok = false;
    }
  }
  return ok;
}

function looksLikeCredential(value: string): boolean {
  return LITERAL_CREDENTIAL.some((pattern) => pattern.test(value));
}

function requiredKeyPair(
  problems: Problems,
  prop: string,
  ref: AccessKeySecretRef | undefined,
  accessDefault: string,
  secretDefault: string,
  purpose: string,
): ResolvedKeyPair | undefined {
  if (ref === undefined) {
    problems.add(prop, `must be set for ${purpose}: a Secret reference ({ secretName, accessKeyIdKey, secretAccessKeyKey })`, undefined);
    return undefined;
  }
  return resolveKeyPair(problems, prop, ref, accessDefault, secretDefault);
}

function resolveKeyPair(
  problems: Problems,
  prop: string,
  ref: AccessKeySecretRef,
  accessDefault: string,
  secretDefault: string,
): ResolvedKeyPair {
  checkNoLiteralCredential(problems, prop, ref);
  const resolved = {
    secretName: ref.secretName,
    accessKeyIdKey: ref.accessKeyIdKey ?? accessDefault,
    secretAccessKeyKey: ref.secretAccessKeyKey ?? secretDefault,
  };
  for (const [key, value] of Object.entries(resolved)) {
    const at = `${prop}.${key}`;
    if (typeof value === 'string' && looksLikeCredential(value)) {
      problems.add(at, 'must name a Secret or Secret key, not hold a credential', '[redacted]');
      continue;
    }
    const pattern = key === 'secretName' ? DNS_NAME : SECRET_KEY;
    problems.check(typeof value === 'string' && pattern.test(value), at, key === 'secretName' ? 'must be a Secret name' : 'must be a Secret key', value);
  }
  return resolved;
}

function resolveIdentity(problems: Problems, identity: RemoteCredentials | undefined): ResolvedAwsIdentity | undefined {
  const prop = 'aws.clusterIdentity';
  if (identity === undefined) {
    problems.add(prop, "must be set for the aws-to-ceph direction: kind 'secret', 'irsa', 'podIdentity' or 'environment'", undefined);
    return undefined;
  }
  checkNoLiteralCredential(problems, prop, identity);
  switch (identity.kind) {
    case 'secret': {
      const ref = { secretName: identity.secretName, accessKeyIdKey: identity.accessKeyIdKey, secretAccessKeyKey: identity.secretAccessKeyKey };
      if (identity.sessionTokenKey !== undefined) {
        problems.add(`${prop}.sessionTokenKey`, 'must not be set: a session token expires, use irsa or podIdentity for temporary credentials', identity.sessionTokenKey);
      }
      return { kind: 'secret', secret: resolveKeyPair(problems, prop, ref, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY') };
    }
    case 'irsa':
      problems.check(ROLE_ARN.test(identity.roleArn), `${prop}.roleArn`, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)', identity.roleArn);
      return { kind: 'irsa', roleArn: identity.roleArn };
    case 'podIdentity':
    case 'environment':
      return { kind: identity.kind };
    default:
      problems.add(`${prop}.kind`, "must be one of 'secret', 'irsa', 'podIdentity', 'environment'", (identity as { kind: unknown }).kind);
      return undefined;
  }
}

function resolveBuckets(
  problems: Problems,
  buckets: readonly CamelReplicatorBucketProps[],
  filter: CamelReplicatorNotificationFilter,
): ResolvedReplicatorBucket[] {
  problems.check(buckets.length > 0, 'buckets', 'must list at least one bucket pair', buckets);
  const resolved = buckets.map((bucket, index): ResolvedReplicatorBucket => {
    const at = `buckets[${index}]`;
    problems.check(BUCKET.test(bucket.cephBucket ?? ''), `${at}.cephBucket`, 'must be an S3 bucket name', bucket.cephBucket);
    if (bucket.awsBucket === undefined || bucket.awsBucket === '') {
      problems.add(`${at}.awsBucket`, 'must be set: the destination bucket in AWS (not assumed to be named like the Ceph bucket)', bucket.awsBucket);
    } else {
      problems.check(BUCKET.test(bucket.awsBucket), `${at}.awsBucket`, 'must be an S3 bucket name', bucket.awsBucket);
    }
    const cephPrefix = bucket.cephPrefix ?? '';
    const awsPrefix = bucket.awsPrefix ?? '';
    for (const [prop, value] of [[`${at}.cephPrefix`, cephPrefix], [`${at}.awsPrefix`, awsPrefix]] as const) {
      problems.check(!SIMPLE_UNSAFE.test(value), prop, "must not contain ' $ { } or \\", value);
    }
    if (bucket.claimStorageClassName !== undefined) {
      const prop = `${at}.claimStorageClassName`;
      problems.check(DNS_NAME.test(bucket.claimStorageClassName), prop, 'must be a StorageClass name', bucket.claimStorageClassName);
    }
    return { cephBucket: bucket.cephBucket, awsBucket: bucket.awsBucket, cephPrefix, awsPrefix, claimStorageClassName: bucket.claimStorageClassName };
  });
  const pairs = resolved.map((b) => `${b.cephBucket}/${b.cephPrefix}`);
  const awsPairs = resolved.map((b) => `${b.awsBucket}/${b.awsPrefix}`);
  resolved.forEach((bucket, index) => {
    const overlapsCeph = resolved.some(
      (other, j) => j !== index && other.cephBucket === bucket.cephBucket && prefixesOverlap(other.cephPrefix, bucket.cephPrefix),
    );
    problems.check(!overlapsCeph, `buckets[${index}].cephPrefix`, 'must not overlap another pair of the same Ceph bucket', pairs[index]);
    const overlapsAws = resolved.some(
      (other, j) => j !== index && other.awsBucket === bucket.awsBucket && prefixesOverlap(other.awsPrefix, bucket.awsPrefix),
    );
    problems.check(!overlapsAws, `buckets[${index}].awsPrefix`, 'must not overlap another pair of the same AWS bucket', awsPairs[index]);
  });
  checkFilter(problems, filter, resolved);
  return resolved;
}

function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** A notification filter that can match no key of any replicated prefix is an error. */
function checkFilter(problems: Problems, filter: CamelReplicatorNotificationFilter, buckets: readonly ResolvedReplicatorBucket[]): void {
  const base = 'ceph.notificationFilter';
  for (const key of ['prefix', 'suffix', 'regex'] as const) {
    const value = filter[key];
    if (value !== undefined) problems.check(value.length > 0, `${base}.${key}`, 'must not be empty (leave it unset to match every key)', value);
  }
  if (filter.regex) {
    try {
      new RegExp(filter.regex);
    } catch (error) {
      problems.add(`${base}.regex`, `must be a valid regular expression (${(error as Error).message})`, filter.regex);
    }
  }
  const { prefix } = filter;
  if (prefix && buckets.length > 0 && !buckets.some((bucket) => prefixesOverlap(prefix, bucket.cephPrefix))) {
    const prefixes = buckets.map((bucket) => bucket.cephPrefix);
    problems.add(`${base}.prefix`, `matches no key under any bucket's cephPrefix ${JSON.stringify(prefixes)}`, prefix);
  }
}

function resolveKafka(problems: Problems, kafka: CamelReplicatorKafkaProps | undefined): ResolvedKafka | undefined {
  if (kafka === undefined) {
    problems.add('kafka', 'must be set for the ceph-to-aws direction (the brokers RGW publishes notifications to)', undefined);
    return undefined;
  }
  const servers = kafka.bootstrapServers.split(',');
  servers.forEach((server) => {
    const port = HOST_PORT.exec(server.trim())?.[1];
    const ok = port !== undefined && Number(port) >= 1 && Number(port) <= 65535;
    problems.check(ok, 'kafka.bootstrapServers', 'must list host:port pairs with a port (RGW and Camel both need it)', server);
  });
  const topic = kafka.topic ?? 'ceph-bucket-notifications';
  const deadLetterTopic = kafka.deadLetterTopic ?? `${topic}-dlq`;
  for (const [prop, value] of [['kafka.topic', topic], ['kafka.deadLetterTopic', deadLetterTopic]] as const) {
    problems.check(DNS_LABEL.test(value), prop, 'must be a DNS-1123 label (it names the CephBucketTopic and KafkaTopic too)', value);
  }
  problems.check(topic !== deadLetterTopic, 'kafka.deadLetterTopic', 'must differ from kafka.topic', deadLetterTopic);
  const groupId = kafka.groupId ?? 's3-replicator-ceph-to-aws';
  problems.check(/^[\w.-]+$/.test(groupId), 'kafka.groupId', 'must be letters, digits, . _ and -', groupId);
  const ackLevel = kafka.ackLevel ?? 'broker';
  problems.check(ackLevel === 'none' || ackLevel === 'broker', 'kafka.ackLevel', "must be 'none' or 'broker'", ackLevel);
  let sasl: Required<CamelReplicatorKafkaSasl> | undefined;
  if (kafka.sasl) {
    checkNoLiteralCredential(problems, 'kafka.sasl', kafka.sasl);
    sasl = { usernameKey: 'username', passwordKey: 'password', ...kafka.sasl };
    const mechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
    problems.check(mechanisms.includes(sasl.mechanism), 'kafka.sasl.mechanism', `must be one of ${mechanisms.join(', ')}`, sasl.mechanism);
    problems.check(DNS_NAME.test(sasl.secretName), 'kafka.sasl.secretName', 'must be a Secret name', sasl.secretName);
    problems.check(SECRET_KEY.test(sasl.usernameKey), 'kafka.sasl.usernameKey', 'must be a Secret key', sasl.usernameKey);
    problems.check(SECRET_KEY.test(sasl.passwordKey), 'kafka.sasl.passwordKey', 'must be a Secret key', sasl.passwordKey);
  }
  const consumerLagNamespace = kafka.consumerLagNamespace ?? 'rciis-prod';
  problems.check(DNS_LABEL.test(consumerLagNamespace), 'kafka.consumerLagNamespace', 'must be a DNS-1123 label', consumerLagNamespace);
  let strimziTopic: Required<CamelReplicatorStrimziTopicProps> | undefined;
  if (kafka.strimziTopic) {
    const t = kafka.strimziTopic;
    strimziTopic = {
      clusterName: t.clusterName,
      namespace: t.namespace ?? consumerLagNamespace,
      partitions: t.partitions ?? 3,
      replicas: t.replicas ?? 3,
      retentionMs: t.retentionMs ?? 604_800_000,
    };
    problems.check(DNS_LABEL.test(t.clusterName), 'kafka.strimziTopic.clusterName', 'must be a DNS-1123 label', t.clusterName);
    problems.check(DNS_LABEL.test(strimziTopic.namespace), 'kafka.strimziTopic.namespace', 'must be a DNS-1123 label', strimziTopic.namespace);
    problems.checkInteger('kafka.strimziTopic.partitions', strimziTopic.partitions, 1, 10_000);
    problems.checkInteger('kafka.strimziTopic.replicas', strimziTopic.replicas, 1, 32_767);
    problems.checkInteger('kafka.strimziTopic.retentionMs', strimziTopic.retentionMs, 60_000);
  }
  return {
    bootstrapServers: servers.map((s) => s.trim()).join(','),
    topic,
    deadLetterTopic,
    groupId,
    useSSL: kafka.useSSL ?? false,
    ackLevel,
    persistent: kafka.persistent ?? true,
    sasl,
    strimziTopic,
    consumerLagNamespace,
  };
}

function resolveAlerts(problems: Problems, alerts: CamelReplicatorAlertProps): ResolvedAlerts {
  const resolved: ResolvedAlerts = { ...DEFAULT_CAMEL_REPLICATOR_ALERTS, ...definedOnly(alerts) };
  for (const key of ['downFor', 'errorRateFor', 'latencyFor', 'kafkaConsumerLagFor', 'deadLetterFor'] as const) {
    problems.check(DURATION.test(resolved[key]), `alerts.${key}`, "must be a Prometheus duration such as '5m'", resolved[key]);
  }
  const range = (key: keyof ResolvedAlerts, min: number, max: number, exclusiveMin: boolean) => {
    const value = resolved[key] as number;
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
    problems.check(ok, `alerts.${key}`, `must be ${exclusiveMin ? 'above' : 'at least'} ${min} and at most ${max}`, value);
  };
  range('errorRatePerSecond', 0, 10_000, true);
  range('latencyP95Seconds', 0, 86_400, true);
  problems.checkInteger('alerts.kafkaConsumerLagMessages', resolved.kafkaConsumerLagMessages, 1, 1_000_000_000);
  problems.checkInteger('alerts.deadLetterMessages', resolved.deadLetterMessages, 0, 1_000_000_000);
  return resolved;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
