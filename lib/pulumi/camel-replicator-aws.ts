import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import { Problems } from '../model/errors';
import { missingPeers, missingPeersMessage } from '../model/peers';
import {
  awsToCephPolicy,
  cephToAwsPolicy,
  checkCamelReplicatorAws,
  combinedPolicy,
  irsaTrustPolicy,
  podIdentityTrustPolicy,
  queuePolicy,
  userPrincipalId,
  type IamPolicy,
  type ReplicatorArns,
} from '../model/camel-replicator-aws';

/** The ServiceAccount the AWS -> Ceph replicator runs as on EKS. */
export interface ReplicatorServiceAccount {
  readonly namespace: string;
  readonly name: string;
}

/**
 * How the AWS -> Ceph replicator (the `aws-to-ceph-replicator` Integration or the native engine)
 * reaches AWS. `user` shares the Ceph -> AWS replicator's IAM user and access key (the runbook's
 * way, for clusters outside EKS); `irsa` and `podIdentity` give it a role of its own with
 * short-lived credentials and no key to rotate.
 */
export type CamelReplicatorAwsClusterIdentity =
  | { readonly identity: 'user' }
  | {
      readonly identity: 'irsa';
      /** ARN of the cluster's IAM OIDC provider. */
      readonly oidcProviderArn: pulumi.Input<string>;
      /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
      readonly oidcIssuerUrl: pulumi.Input<string>;
      readonly serviceAccount: ReplicatorServiceAccount;
    }
  | {
      readonly identity: 'podIdentity';
      /** Name of the EKS cluster the association is made in. */
      readonly clusterName: pulumi.Input<string>;
      readonly serviceAccount: ReplicatorServiceAccount;
    };

/** A Kubernetes Secret this component writes the replicator's settings (and keys) into. */
export interface ReplicatorSecretArgs {
  /** Provider of the cluster the Secret goes to. */
  readonly provider: k8s.Provider;
  readonly namespace: string;
  /**
   * @default 'aws-s3-credentials' (the runbook's name; keys `access-key`, `secret-key`, `region`,
   * and on the AWS cluster `sqs-queue-url`)
   */
  readonly name?: string;
}

/** Arguments of {@link CamelReplicatorAws}. */
export interface CamelReplicatorAwsArgs {
  /** Provider of the account and region of the bucket and the queues. */
  readonly provider: aws.Provider;
  /** The AWS bucket that replicates with Ceph (the runbook's `rciis-ceph-replica-af-south-1`). */
  readonly bucketName: pulumi.Input<string>;
  /**
   * Use an existing bucket instead of creating one. Its versioning, encryption and access
   * settings are left as they are.
   * @default false
   */
  readonly adoptBucket?: boolean;
  /**
   * Acknowledge that the adopted bucket's notification configuration is replaced: S3 keeps one
   * per bucket, so existing queue, topic and Lambda notifications are removed. Required with
   * `adoptBucket`.
   * @default false
   * @see https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_notification
   */
  readonly replaceExistingNotifications?: boolean;
  /**
   * Let `pulumi destroy` delete a created bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Default encryption of a created bucket: SSE-KMS with this key (with an S3 Bucket Key).
   * @default - SSE-S3 (AES256)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /** @default '<name>-events' */
  readonly queueName?: string;
  /** @default '<name>-dlq' */
  readonly deadLetterQueueName?: string;
  /**
   * Receives of one message before SQS moves it to the dead-letter queue.
   * @default 5
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a received message stays hidden while the replicator copies its object.
   * @default 300
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * How long the dead-letter queue keeps a message for inspection and redrive.
   * @default 1209600 (14 days, the maximum)
   */
  readonly deadLetterRetentionSeconds?: number;
  /**
   * SSE-KMS key of both queues.
   * @default - SQS-managed encryption (SSE-SQS)
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
   */
  readonly queueKmsKeyArn?: pulumi.Input<string>;
  /** Only keys with this prefix are announced. @default - all keys */
  readonly filterPrefix?: string;
  /** Only keys with this suffix are announced. @default - all keys */
  readonly filterSuffix?: string;
  /**
   * Name of the IAM user of the Ceph -> AWS replicator.
   * @default '<name>-replicator' (the runbook: `rciis-ceph-s3-replicator`)
   */
  readonly userName?: pulumi.Input<string>;
  /** @default { identity: 'user' } */
  readonly awsCluster?: CamelReplicatorAwsClusterIdentity;
  /**
   * Secret on the on-premises cluster with the IAM user's keys and the region, for the Ceph -> AWS
   * replicator.
   * @default - no Secret; read the keys from the `accessKeyId` / `secretAccessKey` outputs
   */
  readonly onPremSecret?: ReplicatorSecretArgs;
  /**
   * Secret on the AWS cluster with the region and queue URL (and the keys, with identity `user`),
   * for the AWS -> Ceph replicator.
   * @default - no Secret
   */
  readonly awsClusterSecret?: ReplicatorSecretArgs;
}

const TYPE = 'bucketbridge:aws:CamelReplicatorAws';
const SECRET_NAME = 'aws-s3-credentials';
const EVENTS = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];

/**
 * The AWS side of event-driven Ceph <-> AWS replication: the bucket, the S3 event queue and its
 * dead-letter queue, the queue policy that lets only that bucket publish, the bucket's
 * notification, and a least-privilege identity per direction, with the keys written as Secrets
 * into each cluster. `replicatorPrincipalId` is what the AWS -> Ceph loop guard must skip.
 *
 * Type token `bucketbridge:aws:CamelReplicatorAws`.
 */
export class CamelReplicatorAws extends pulumi.ComponentResource {
  /**
   * The AWS account the queues live in (the provider's caller identity): the native engine's queue
   * URLs name it (`CamelReplicatorProps.aws.accountId`).
   * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
   */
  readonly accountId: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly queueUrl: pulumi.Output<string>;
  readonly queueArn: pulumi.Output<string>;
  readonly deadLetterQueueUrl: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  /** ARN of the Ceph -> AWS replicator's IAM user. */
  readonly userArn: pulumi.Output<string>;
  /** `AWS:<unique id>` of that user: the principal id S3 events carry for its writes. */
  readonly replicatorPrincipalId: pulumi.Output<string>;
  /** The user's access key id (a Pulumi secret). */
  readonly accessKeyId: pulumi.Output<string>;
  /** The user's secret access key (a Pulumi secret). */
  readonly secretAccessKey: pulumi.Output<string>;
  /** Role of the AWS -> Ceph replicator with identity `irsa` or `podIdentity`. */
  readonly awsClusterRoleArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: CamelReplicatorAwsArgs, opts?: pulumi.ComponentResourceOptions) {
    const queueName = args.queueName ?? `${name}-events`;
    const deadLetterQueueName = args.deadLetterQueueName ?? `${name}-dlq`;
    const cluster = args.awsCluster ?? { identity: 'user' };
    const problems = new Problems(name);
    checkCamelReplicatorAws(problems, {
      queueName,
      deadLetterQueueName,
      maxReceiveCount: args.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: args.visibilityTimeoutSeconds ?? 300,
      messageRetentionSeconds: args.deadLetterRetentionSeconds ?? 1_209_600,
      adoptBucket: args.adoptBucket ?? false,
      replaceExistingNotifications: args.replaceExistingNotifications ?? false,
      awsClusterIdentity: cluster.identity,
      serviceAccount: cluster.identity === 'user' ? undefined : cluster.serviceAccount,
      secrets: [args.onPremSecret, args.awsClusterSecret]
        .filter((s): s is ReplicatorSecretArgs => s !== undefined)
        .map((s) => ({ namespace: s.namespace, name: s.name ?? SECRET_NAME })),
    });
    for (const prop of ['onPremSecret', 'awsClusterSecret'] as const) {
      const missing = args[prop] === undefined ? [] : missingPeers(['@pulumi/kubernetes']);
      problems.check(missing.length === 0, prop, missingPeersMessage('a Kubernetes Secret', missing), args[prop]?.namespace);
    }
    problems.throwIfAny();
    super(TYPE, name, {}, opts);

    const on = { parent: this, provider: args.provider };
    const accountId = aws.getCallerIdentityOutput({}, on).accountId;
    this.accountId = accountId;
    const region = aws.getRegionOutput({}, on).region;
    const partition = aws.getPartitionOutput({}, on).partition;

    const bucketReady = args.adoptBucket ? [] : this.bucket(name, args, on);
    this.bucketArn = pulumi.interpolate`arn:${partition}:s3:::${args.bucketName}`;

    const sse = args.queueKmsKeyArn === undefined ? { sqsManagedSseEnabled: true } : { kmsMasterKeyId: args.queueKmsKeyArn };
    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      { name: deadLetterQueueName, messageRetentionSeconds: args.deadLetterRetentionSeconds ?? 1_209_600, ...sse },
      on,
    );
    const queue = new aws.sqs.Queue(
      `${name}-events`,
      {
        name: queueName,
        visibilityTimeoutSeconds: args.visibilityTimeoutSeconds ?? 300,
        redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: args.maxReceiveCount ?? 5 }),
        ...sse,
      },
      on,
    );
    const policy = new aws.sqs.QueuePolicy(
      `${name}-events-policy`,
      { queueUrl: queue.url, policy: json(pulumi.all([queue.arn, this.bucketArn, accountId]).apply(([q, b, a]) => queuePolicy(q, b, a))) },
      on,
    );
    new aws.s3.BucketNotification(
      `${name}-notification`,
      {
        bucket: args.bucketName,
        queues: [{ queueArn: queue.arn, events: EVENTS, filterPrefix: args.filterPrefix, filterSuffix: args.filterSuffix }],
      },
      { ...on, dependsOn: [policy, ...bucketReady] },
    );

    const arns: pulumi.Output<ReplicatorArns> = pulumi
      .all([this.bucketArn, queue.arn, dlq.arn, args.kmsKeyArn, args.queueKmsKeyArn])
      .apply(([bucketArn, queueArn, deadLetterQueueArn, bucketKmsKeyArn, queueKmsKeyArn]) => ({
        bucketArn,
        queueArn,
        deadLetterQueueArn,
        bucketKmsKeyArn,
        queueKmsKeyArn,
      }));
    const user = new aws.iam.User(`${name}-user`, { name: args.userName ?? `${name}-replicator` }, on);
    new aws.iam.UserPolicy(
      `${name}-user-policy`,
      { user: user.name, policy: json(arns.apply(cluster.identity === 'user' ? combinedPolicy : cephToAwsPolicy)) },
      on,
    );
    const key = new aws.iam.AccessKey(`${name}-user-key`, { user: user.name }, { ...on, additionalSecretOutputs: ['secret'] });
    this.userArn = user.arn;
    this.replicatorPrincipalId = user.uniqueId.apply(userPrincipalId);
    this.accessKeyId = pulumi.secret(key.id);
    this.secretAccessKey = pulumi.secret(key.secret);
    this.awsClusterRoleArn = cluster.identity === 'user' ? undefined : this.clusterRole(name, cluster, arns, on);
    this.deadLetterQueueArn = dlq.arn;
    this.deadLetterQueueUrl = dlq.url;
    this.queueArn = queue.arn;
    this.queueUrl = queue.url;

    const withKeys = { 'access-key': this.accessKeyId, 'secret-key': this.secretAccessKey };
    if (args.onPremSecret) this.secret(`${name}-onprem-secret`, args.onPremSecret, { ...withKeys, region });
    if (args.awsClusterSecret) {
      const keys = cluster.identity === 'user' ? withKeys : {};
      this.secret(`${name}-awscluster-secret`, args.awsClusterSecret, { ...keys, region, 'sqs-queue-url': queue.url });
    }

    this.registerOutputs({
      accountId: this.accountId,
      bucketArn: this.bucketArn,
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
      deadLetterQueueArn: this.deadLetterQueueArn,
      userArn: this.userArn,
      replicatorPrincipalId: this.replicatorPrincipalId,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
      awsClusterRoleArn: this.awsClusterRoleArn,
    });
  }

  /** A created bucket: versioned, encrypted, private, owned by its account. */
  private bucket(name: string, args: CamelReplicatorAwsArgs, on: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: args.forceDestroy ?? false }, on);
    const after = { ...on, dependsOn: [bucket] };
    const versioning = new aws.s3.BucketVersioning(
      `${name}-bucket-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: 'Enabled' } },
      after,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-bucket-encryption`,
      {
        bucket: bucket.bucket,
        rules: [
          args.kmsKeyArn === undefined
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
        ],
      },
      after,
    );
    const access = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: bucket.bucket, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
      after,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-bucket-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      after,
    );
    return [bucket, versioning, encryption, access, ownership];
  }

  /** The AWS -> Ceph replicator's own role, trusted by the cluster for its ServiceAccount only. */
  private clusterRole(
    name: string,
    cluster: Exclude<CamelReplicatorAwsClusterIdentity, { identity: 'user' }>,
    arns: pulumi.Output<ReplicatorArns>,
    on: pulumi.CustomResourceOptions,
  ): pulumi.Output<string> {
    const sa = cluster.serviceAccount;
    const trust =
      cluster.identity === 'irsa'
        ? pulumi.all([cluster.oidcProviderArn, cluster.oidcIssuerUrl]).apply(([arn, url]) => irsaTrustPolicy(arn, url, sa.namespace, sa.name))
        : pulumi.output(podIdentityTrustPolicy());
    const role = new aws.iam.Role(`${name}-awscluster-role`, { assumeRolePolicy: json(trust) }, on);
    new aws.iam.RolePolicy(`${name}-awscluster-role-policy`, { role: role.name, policy: json(arns.apply(awsToCephPolicy)) }, on);
    if (cluster.identity === 'podIdentity') {
      new aws.eks.PodIdentityAssociation(
        `${name}-awscluster-pod-identity`,
        { clusterName: cluster.clusterName, namespace: sa.namespace, serviceAccount: sa.name, roleArn: role.arn },
        on,
      );
    }
    return role.arn;
  }

  private secret(id: string, args: ReplicatorSecretArgs, data: Record<string, pulumi.Input<string>>): void {
    // An optional peer, loaded only when a Secret is asked for (checked in the constructor).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kubernetes = require('@pulumi/kubernetes') as typeof k8s;
    new kubernetes.core.v1.Secret(
      id,
      { metadata: { name: args.name ?? SECRET_NAME, namespace: args.namespace }, type: 'Opaque', stringData: pulumi.secret(data) },
      { parent: this, provider: args.provider },
    );
  }
}

function json(policy: pulumi.Output<IamPolicy>): pulumi.Output<string> {
  return policy.apply((p) => JSON.stringify(p));
}
