import { Construct } from 'constructs';
import { CamelReplicator } from '../../lib/k8s';
import type { CamelReplicatorProps } from '../../lib/model';

/**
 * The runbook's "On-Prem ↔ AWS" scenario: Ceph store `ceph-objectstore` (namespace `rook-ceph`) and
 * the AWS bucket `rciis-ceph-replica-af-south-1` in `af-south-1`, replicated both ways by
 * `ceph-to-aws-replicator` (on-prem, fed by Strimzi cluster `kafka-rciis-prod`) and
 * `aws-to-ceph-replicator` (AWS cluster, fed by SQS queue `rciis-s3-replication-events`).
 *
 * `awsPrincipalId` is the `AWS:<unique id>` of the IAM user `rciis-ceph-s3-replicator`: the Pulumi
 * side's output (`aws iam get-user --user-name rciis-ceph-s3-replicator --query User.UserId`).
 */
const rciisReplicator: CamelReplicatorProps = {
  namespace: 's3-replicator',
  buckets: [{ cephBucket: 's3-replication-test', awsBucket: 'rciis-ceph-replica-af-south-1', claimStorageClassName: 'ceph-bucket' }],
  ceph: {
    objectStoreName: 'ceph-objectstore',
    objectStoreNamespace: 'rook-ceph',
    userName: 's3-replicator',
    externalEndpoint: 'https://rgw.example.com',
    // No Rook on the AWS cluster: the on-prem user's keys, copied into this Secret (SOPS/KSOPS).
    remoteCredentials: { secretName: 'ceph-rgw-credentials' },
  },
  kafka: {
    bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9093',
    topic: 'ceph-bucket-notifications',
    groupId: 's3-replicator-ceph-to-aws',
    strimziTopic: { clusterName: 'kafka-rciis-prod', namespace: 'rciis-prod' },
    consumerLagNamespace: 'rciis-prod',
  },
  aws: {
    region: 'af-south-1',
    queueName: 'rciis-s3-replication-events',
    deadLetterQueueName: 'rciis-s3-replication-dlq',
    onPremCredentials: { secretName: 'aws-s3-credentials' },
    clusterIdentity: { kind: 'secret', secretName: 'aws-s3-credentials', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key' },
  },
  loopGuard: { awsPrincipalId: 'AWS:AIDAEXAMPLEREPLICATOR01' },
};

/** The scenario on Camel K Integrations: renders the charts `s3-replicator-on-prem` and `s3-replicator-aws`. */
export function rciisCamelReplicator(scope: Construct): CamelReplicator {
  return new CamelReplicator(scope, 's3-replicator', { ...rciisReplicator, operatorId: 'camel-k-operator' });
}

/**
 * The same scenario on bucketbridge's own engine (no Camel K operator): renders the charts
 * `s3-replicator-native-on-prem` and `s3-replicator-native-aws`. RGW and the engine use Strimzi's
 * plaintext listener (9092) here; for a TLS listener set `kafka.useSSL` (with
 * `native.kafkaCaCertificate` for Strimzi's cluster CA) and `kafka.sasl` as for Camel K. The engine
 * addresses the SQS queues by URL, so it needs the account (`CamelReplicatorAws.accountId`, or
 * `aws sts get-caller-identity --query Account`).
 */
export function rciisNativeReplicator(scope: Construct, image = 'registry.example.com/bucketbridge:0.1.0'): CamelReplicator {
  return new CamelReplicator(scope, 's3-replicator-native', {
    ...rciisReplicator,
    engine: 'native',
    native: { image },
    kafka: { ...rciisReplicator.kafka, bootstrapServers: 'kafka-rciis-prod-kafka-bootstrap.rciis-prod.svc:9092' },
    aws: { ...rciisReplicator.aws, accountId: '123456789012' },
  });
}
