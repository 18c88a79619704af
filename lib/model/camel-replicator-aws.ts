/**
 * Pure pieces of the AWS side of event-driven Ceph <-> AWS replication (the runbook's "On-Prem <->
 * AWS" scenario): the least-privilege policies of the two replicator identities, the SQS queue
 * policy, the OIDC and Pod Identity trust policies, and the checks on the component's arguments.
 *
 * The runbook grants one IAM user everything. Here each direction gets only what it does:
 * - the Ceph -> AWS replicator (on premises, so an IAM user with an access key) writes, tags and
 *   deletes objects in the bucket;
 * - the AWS -> Ceph replicator (on EKS: IRSA or Pod Identity; elsewhere the same user) consumes
 *   the queue, extends a message's visibility while a long copy runs, dead-letters poison
 *   messages and reads objects and their tags.
 * The runbook's `s3:GetObjectMetadata` and `s3:HeadObject` are not IAM actions (HEAD is allowed
 * by `s3:GetObject`); its queue resources used an account wildcard. Both are fixed here.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html
 */
import type { Problems } from './errors';

/** An IAM statement with deploy-time values `V` (ARNs known only after deployment). */
export interface IamStatement<V = string> {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: { readonly Service?: string; readonly AWS?: V; readonly Federated?: V };
  readonly Action: string | readonly string[];
  readonly Resource?: V | readonly V[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, V | readonly V[]>>>>;
}

export interface IamPolicy<V = string> {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamStatement<V>[];
}

/** ARNs the policies name. */
export interface ReplicatorArns {
  readonly bucketArn: string;
  readonly queueArn: string;
  readonly deadLetterQueueArn: string;
  /** KMS key of the bucket's SSE-KMS default encryption, if any. */
  readonly bucketKmsKeyArn?: string;
  /** KMS key of the queues' SSE-KMS, if any. */
  readonly queueKmsKeyArn?: string;
}

/**
 * Object actions of the Ceph -> AWS replicator: write the replica, its tags, and deletes; abort a
 * multipart upload that failed (the native engine copies large objects in parts and cleans up after
 * a failed copy, so that no orphan parts stay billed).
 */
export const CEPH_TO_AWS_OBJECT_ACTIONS = ['s3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject', 's3:GetObject', 's3:GetObjectTagging', 's3:AbortMultipartUpload'] as const;
/** Object actions of the AWS -> Ceph replicator: read the object (GET and HEAD) and its tags. */
export const AWS_TO_CEPH_OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'] as const;
/** Bucket actions both need: list (a HEAD of a missing key answers 404 instead of 403) and locate. */
export const BUCKET_ACTIONS = ['s3:ListBucket', 's3:GetBucketLocation'] as const;
/** Queue actions of the AWS -> Ceph replicator. */
export const QUEUE_CONSUMER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] as const;

function kmsStatement(sid: string, actions: readonly string[], keys: readonly (string | undefined)[]): IamStatement[] {
  const resources = [...new Set(keys.filter((k): k is string => k !== undefined))];
  return resources.length === 0 ? [] : [{ Sid: sid, Effect: 'Allow', Action: [...actions], Resource: resources }];
}

/** Policy of the Ceph -> AWS replicator's identity. */
export function cephToAwsPolicy(arns: ReplicatorArns): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReplicaBucket', Effect: 'Allow', Action: [...BUCKET_ACTIONS], Resource: arns.bucketArn },
      { Sid: 'ReplicaObjects', Effect: 'Allow', Action: [...CEPH_TO_AWS_OBJECT_ACTIONS], Resource: `${arns.bucketArn}/*` },
      ...kmsStatement('ReplicaEncryption', ['kms:GenerateDataKey', 'kms:Decrypt'], [arns.bucketKmsKeyArn]),
    ],
  };
}

/** Policy of the AWS -> Ceph replicator's identity. */
export function awsToCephPolicy(arns: ReplicatorArns): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'SourceBucket', Effect: 'Allow', Action: [...BUCKET_ACTIONS], Resource: arns.bucketArn },
      { Sid: 'SourceObjects', Effect: 'Allow', Action: [...AWS_TO_CEPH_OBJECT_ACTIONS], Resource: `${arns.bucketArn}/*` },
      { Sid: 'EventQueue', Effect: 'Allow', Action: [...QUEUE_CONSUMER_ACTIONS], Resource: arns.queueArn },
      { Sid: 'DeadLetterQueue', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: arns.deadLetterQueueArn },
      ...kmsStatement('SourceDecryption', ['kms:Decrypt'], [arns.bucketKmsKeyArn]),
      ...kmsStatement('QueueEncryption', ['kms:Decrypt', 'kms:GenerateDataKey'], [arns.queueKmsKeyArn]),
    ],
  };
}

/** Both directions under one identity (the runbook's single IAM user): each direction's statements. */
export function combinedPolicy(arns: ReplicatorArns): IamPolicy {
  const tagged = (prefix: string, policy: IamPolicy): IamStatement[] => policy.Statement.map((s) => ({ ...s, Sid: `${prefix}${s.Sid ?? ''}` }));
  return { Version: '2012-10-17', Statement: [...tagged('CephToAws', cephToAwsPolicy(arns)), ...tagged('AwsToCeph', awsToCephPolicy(arns))] };
}

/**
 * The event queue's policy: only S3, and only for this bucket in this account, may send.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
 */
export function queuePolicy(queueArn: string, bucketArn: string, accountId: string): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'S3EventNotifications',
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': bucketArn }, StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  };
}

/** `https://oidc.eks...` or bare, as IAM's condition keys want it: without the scheme. */
export function oidcIssuerHost(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, '').replace(/\/+$/, '');
}

/**
 * IRSA trust: the cluster's OIDC provider, for exactly one ServiceAccount.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function irsaTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): IamPolicy {
  const issuer = oidcIssuerHost(issuerUrl);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${issuer}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}

/**
 * Pod Identity trust: the EKS Pod Identity service; the association names the ServiceAccount.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 */
export function podIdentityTrustPolicy(): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
  };
}

/**
 * The `userIdentity.principalId` AWS puts in S3 event notifications for writes by an IAM user:
 * `AWS:` and the user's unique id (`AIDA...`), never its name. The Camel route and the native
 * engine of the AWS -> Ceph direction skip events carrying it, so the Ceph -> AWS replicator's
 * writes do not travel back.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function userPrincipalId(uniqueId: string): string {
  return `AWS:${uniqueId}`;
}

const SQS_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What the checks look at; names may be unknown until deployment (then `undefined`). */
export interface CamelReplicatorAwsCheck {
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly adoptBucket: boolean;
  readonly replaceExistingNotifications: boolean;
  readonly awsClusterIdentity: 'user' | 'irsa' | 'podIdentity';
  readonly serviceAccount?: { readonly namespace: string; readonly name: string };
  readonly secrets: readonly { readonly namespace: string; readonly name: string }[];
}

/** Records every problem with the component's arguments, naming the arg. */
export function checkCamelReplicatorAws(problems: Problems, args: CamelReplicatorAwsCheck): void {
  problems.check(SQS_NAME.test(args.queueName), 'queueName', 'must be 1-80 letters, digits, hyphens or underscores', args.queueName);
  problems.check(
    SQS_NAME.test(args.deadLetterQueueName),
    'deadLetterQueueName',
    'must be 1-80 letters, digits, hyphens or underscores',
    args.deadLetterQueueName,
  );
  problems.check(args.queueName !== args.deadLetterQueueName, 'deadLetterQueueName', 'must differ from queueName', args.deadLetterQueueName);
  problems.checkInteger('maxReceiveCount', args.maxReceiveCount, 1, 1000);
  problems.checkInteger('visibilityTimeoutSeconds', args.visibilityTimeoutSeconds, 0, 43_200);
  problems.checkInteger('messageRetentionSeconds', args.messageRetentionSeconds, 60, 1_209_600);
  problems.check(
    !args.adoptBucket || args.replaceExistingNotifications,
    'replaceExistingNotifications',
    "must be true to adopt a bucket: S3 keeps one notification configuration per bucket, and this component's replaces any the bucket has",
    args.replaceExistingNotifications,
  );
  if (args.awsClusterIdentity !== 'user') {
    const sa = args.serviceAccount;
    problems.check(sa !== undefined, 'awsCluster.serviceAccount', `is required for identity '${args.awsClusterIdentity}'`, sa);
    if (sa !== undefined) {
      problems.check(K8S_NAME.test(sa.namespace), 'awsCluster.serviceAccount.namespace', 'must be a Kubernetes namespace name', sa.namespace);
      problems.check(K8S_NAME.test(sa.name), 'awsCluster.serviceAccount.name', 'must be a Kubernetes name', sa.name);
    }
  }
  args.secrets.forEach((s, i) => {
    problems.check(K8S_NAME.test(s.namespace), `secrets[${i}].namespace`, 'must be a Kubernetes namespace name', s.namespace);
    problems.check(K8S_NAME.test(s.name), `secrets[${i}].name`, 'must be a Kubernetes name', s.name);
  });
}
