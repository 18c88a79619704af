import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/model/errors';
import { findByKind, findAll, installMocks, settle, valueOf, type MockState } from './mocks';

let state: MockState;
let aws: typeof import('@pulumi/aws');
let k8s: typeof import('@pulumi/kubernetes');
let pulumi: typeof import('@pulumi/pulumi');
let CamelReplicatorAws: typeof import('../../lib/pulumi/camel-replicator-aws').CamelReplicatorAws;
let af: import('@pulumi/aws').Provider;
let onPrem: import('@pulumi/kubernetes').Provider;
let eks: import('@pulumi/kubernetes').Provider;

const ACCOUNT = '333333333333';
const BUCKET = 'rciis-ceph-replica-af-south-1';
const T = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  notification: 'aws:s3/bucketNotification:BucketNotification',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  user: 'aws:iam/user:User',
  userPolicy: 'aws:iam/userPolicy:UserPolicy',
  accessKey: 'aws:iam/accessKey:AccessKey',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  podIdentity: 'aws:eks/podIdentityAssociation:PodIdentityAssociation',
  secret: 'kubernetes:core/v1:Secret',
} as const;

beforeAll(async () => {
  state = await installMocks();
  pulumi = await import('@pulumi/pulumi');
  aws = await import('@pulumi/aws');
  k8s = await import('@pulumi/kubernetes');
  ({ CamelReplicatorAws } = await import('../../lib/pulumi/camel-replicator-aws'));
  af = new aws.Provider('replicator-af', { region: 'af-south-1', allowedAccountIds: [ACCOUNT] });
  onPrem = new k8s.Provider('on-prem', {});
  eks = new k8s.Provider('eks', {});
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

function statements(policy: unknown): Statement[] {
  return (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
}

function grants(policy: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of statements(policy)) {
    for (const r of Array.isArray(s.Resource) ? s.Resource : [s.Resource ?? '']) {
      out[r] = [...(out[r] ?? []), ...(Array.isArray(s.Action) ? s.Action : [s.Action])].sort();
    }
  }
  return out;
}

/** Pulumi's wire form of a secret value, as the engine (and the mock monitor) receives it. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** The plain value inside a secret input; fails when the input is not a secret. */
function secretValue(input: unknown): Record<string, unknown> {
  expect(input).toMatchObject({ [SECRET_SIG]: '1b47061264138c4ac30d75fd1eb44270' });
  return (input as { value: Record<string, unknown> }).value;
}

const queueArn = (name: string) => `arn:aws:sqs:af-south-1:${ACCOUNT}:${name}`;

async function deploy(name: string, args: Partial<import('../../lib/pulumi/camel-replicator-aws').CamelReplicatorAwsArgs> = {}) {
  const component = new CamelReplicatorAws(name, { provider: af, bucketName: BUCKET, ...args });
  await settle(state);
  return component;
}

describe('CamelReplicatorAws', () => {
  it('creates a versioned, encrypted, private bucket owned by its account', async () => {
    await deploy('created');
    expect(findByKind(state, T.bucket, 'created-bucket').inputs).toMatchObject({ bucket: BUCKET, forceDestroy: false });
    expect(findByKind(state, T.versioning, 'created-bucket-versioning').inputs.versioningConfiguration).toEqual({ status: 'Enabled' });
    expect(findByKind(state, T.encryption, 'created-bucket-encryption').inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
    ]);
    expect(findByKind(state, T.publicAccess, 'created-bucket-public-access').inputs).toMatchObject({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    expect(findByKind(state, T.ownership, 'created-bucket-ownership').inputs.rule).toEqual({ objectOwnership: 'BucketOwnerEnforced' });
  });

  it('uses SSE-KMS with an S3 Bucket Key when given a key, and grants the replicators that key only', async () => {
    const key = `arn:aws:kms:af-south-1:${ACCOUNT}:key/1234`;
    await deploy('kms', { kmsKeyArn: key });
    expect(findByKind(state, T.encryption, 'kms-bucket-encryption').inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: key }, bucketKeyEnabled: true },
    ]);
    expect(grants(findByKind(state, T.userPolicy, 'kms-user-policy').inputs.policy)[key]).toEqual(['kms:Decrypt', 'kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('creates the event queue with a dead-letter redrive after 5 receives, 300 s visibility and SSE', async () => {
    await deploy('rciis-s3-replication');
    const dlq = findByKind(state, T.queue, 'rciis-s3-replication-dlq').inputs;
    expect(dlq).toMatchObject({ name: 'rciis-s3-replication-dlq', messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true });
    const queue = findByKind(state, T.queue, 'rciis-s3-replication-events').inputs;
    expect(queue).toMatchObject({ name: 'rciis-s3-replication-events', visibilityTimeoutSeconds: 300, sqsManagedSseEnabled: true });
    expect(JSON.parse(String(queue.redrivePolicy))).toEqual({ deadLetterTargetArn: queueArn('rciis-s3-replication-dlq'), maxReceiveCount: 5 });
  });

  it('lets only S3, for this bucket in this account, send to the queue', async () => {
    await deploy('qp');
    const [statement, ...rest] = statements(findByKind(state, T.queuePolicy, 'qp-events-policy').inputs.policy);
    expect(rest).toEqual([]);
    expect(statement).toEqual({
      Sid: 'S3EventNotifications',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn('qp-events'),
      Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${BUCKET}` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    });
  });

  it('notifies the queue of created and removed objects, after the queue policy exists', async () => {
    await deploy('notify', { filterPrefix: 'data/' });
    const notification = findByKind(state, T.notification, 'notify-notification');
    expect(notification.inputs).toMatchObject({
      bucket: BUCKET,
      queues: [{ queueArn: queueArn('notify-events'), events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'], filterPrefix: 'data/' }],
    });
    expect(notification.dependsOn).toContain('notify-events-policy');
  });

  it('gives the one IAM user exactly the runbook directions need, on this bucket and these queues, and no wildcard resource', async () => {
    await deploy('user', { userName: 'rciis-ceph-s3-replicator' });
    expect(findByKind(state, T.user, 'user-user').inputs.name).toBe('rciis-ceph-s3-replicator');
    const policy = findByKind(state, T.userPolicy, 'user-user-policy').inputs.policy;
    expect(grants(policy)).toEqual({
      [`arn:aws:s3:::${BUCKET}`]: ['s3:GetBucketLocation', 's3:GetBucketLocation', 's3:ListBucket', 's3:ListBucket'],
      [`arn:aws:s3:::${BUCKET}/*`]: [
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetObject',
        's3:GetObject',
        's3:GetObjectTagging',
        's3:GetObjectTagging',
        's3:GetObjectVersion',
        's3:PutObject',
        's3:PutObjectTagging',
      ],
      [queueArn('user-events')]: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      [queueArn('user-dlq')]: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
    });
    expect(JSON.stringify(statements(policy))).not.toMatch(/"\*"|:\*:/);
  });

  it('outputs the principal id AWS puts in events for the user, AWS:<unique id>, for the loop guard', async () => {
    const component = await deploy('principal');
    expect(await valueOf(component.replicatorPrincipalId)).toBe('AWS:AIDAEXAMPLEUNIQUEID01');
  });

  it("outputs the account of the provider's identity, which the native engine's queue URLs name", async () => {
    expect(await valueOf((await deploy('account')).accountId)).toBe(ACCOUNT);
    const other = new aws.Provider('replicator-other', { region: 'af-south-1', allowedAccountIds: ['444444444444'] });
    const component = new CamelReplicatorAws('account-other', { provider: other, bucketName: 'other-replica-bucket' });
    await settle(state);
    expect(await valueOf(component.accountId)).toBe('444444444444');
    expect(await valueOf(component.queueUrl)).toContain('/444444444444/');
  });

  it('keeps key material secret in its outputs and in the Secrets it writes to each cluster', async () => {
    const component = await deploy('secrets', {
      onPremSecret: { provider: onPrem, namespace: 's3-replicator' },
      awsClusterSecret: { provider: eks, namespace: 's3-replicator' },
    });
    expect(await pulumi.isSecret(component.secretAccessKey)).toBe(true);
    expect(await pulumi.isSecret(component.accessKeyId)).toBe(true);
    const onPremSecret = findByKind(state, T.secret, 'secrets-onprem-secret');
    expect(onPremSecret.provider).toBe('on-prem');
    expect(onPremSecret.inputs.metadata).toEqual({ name: 'aws-s3-credentials', namespace: 's3-replicator' });
    expect(secretValue(onPremSecret.inputs.stringData)).toEqual({ 'access-key': 'AKIAMOCKACCESSKEY001', 'secret-key': 'mock-secret-access-key', region: 'af-south-1' });
    const awsSecret = findByKind(state, T.secret, 'secrets-awscluster-secret');
    expect(awsSecret.provider).toBe('eks');
    expect(Object.keys(secretValue(awsSecret.inputs.stringData)).sort()).toEqual(['access-key', 'region', 'secret-key', 'sqs-queue-url']);
  });

  it('gives the AWS-cluster replicator an IRSA role trusted for exactly its ServiceAccount, and the user only the Ceph -> AWS writes', async () => {
    const component = await deploy('irsa', {
      awsCluster: {
        identity: 'irsa',
        oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.af-south-1.amazonaws.com/id/ABC`,
        oidcIssuerUrl: 'https://oidc.eks.af-south-1.amazonaws.com/id/ABC',
        serviceAccount: { namespace: 's3-replicator', name: 'aws-to-ceph-replicator' },
      },
      awsClusterSecret: { provider: eks, namespace: 's3-replicator' },
    });
    const [trust] = statements(findByKind(state, T.role, 'irsa-awscluster-role').inputs.assumeRolePolicy);
    expect(trust).toEqual({
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.af-south-1.amazonaws.com/id/ABC` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.af-south-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:s3-replicator:aws-to-ceph-replicator',
          'oidc.eks.af-south-1.amazonaws.com/id/ABC:aud': 'sts.amazonaws.com',
        },
      },
    });
    expect(Object.keys(grants(findByKind(state, T.rolePolicy, 'irsa-awscluster-role-policy').inputs.policy))).toEqual([
      `arn:aws:s3:::${BUCKET}`,
      `arn:aws:s3:::${BUCKET}/*`,
      queueArn('irsa-events'),
      queueArn('irsa-dlq'),
    ]);
    expect(grants(findByKind(state, T.userPolicy, 'irsa-user-policy').inputs.policy)).toEqual({
      [`arn:aws:s3:::${BUCKET}`]: ['s3:GetBucketLocation', 's3:ListBucket'],
      [`arn:aws:s3:::${BUCKET}/*`]: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:GetObjectTagging', 's3:PutObject', 's3:PutObjectTagging'],
    });
    expect(await valueOf(component.awsClusterRoleArn!)).toBe(`arn:aws:iam::${ACCOUNT}:role/irsa-awscluster-role`);
    expect(Object.keys(secretValue(findByKind(state, T.secret, 'irsa-awscluster-secret').inputs.stringData)).sort()).toEqual(['region', 'sqs-queue-url']);
  });

  it('associates a Pod Identity role with the ServiceAccount in the named cluster', async () => {
    await deploy('podid', { awsCluster: { identity: 'podIdentity', clusterName: 'rciis-eks', serviceAccount: { namespace: 's3-replicator', name: 'replicator' } } });
    expect(statements(findByKind(state, T.role, 'podid-awscluster-role').inputs.assumeRolePolicy)).toEqual([
      { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ]);
    expect(findByKind(state, T.podIdentity, 'podid-awscluster-pod-identity').inputs).toMatchObject({
      clusterName: 'rciis-eks',
      namespace: 's3-replicator',
      serviceAccount: 'replicator',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/podid-awscluster-role`,
    });
  });

  it('adopts an existing bucket without touching its settings once its notifications may be replaced', async () => {
    await deploy('adopted', { adoptBucket: true, replaceExistingNotifications: true });
    expect(findAll(state, T.bucket, 'adopted-bucket')).toEqual([]);
    expect(findAll(state, T.versioning, 'adopted-bucket-versioning')).toEqual([]);
    expect(findByKind(state, T.notification, 'adopted-notification').inputs.bucket).toBe(BUCKET);
  });

  it('fails, naming each arg, on an adopted bucket without the notification acknowledgement and on bad queue settings', () => {
    let error: unknown;
    try {
      new CamelReplicatorAws('bad', {
        provider: af,
        bucketName: BUCKET,
        adoptBucket: true,
        queueName: 'has space',
        maxReceiveCount: 0,
        awsCluster: { identity: 'irsa', oidcProviderArn: 'x', oidcIssuerUrl: 'y', serviceAccount: { namespace: 'NS', name: 'sa' } },
        onPremSecret: { provider: onPrem, namespace: 's3-replicator', name: 'Bad_Name' },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.prop)).toEqual([
      'queueName',
      'maxReceiveCount',
      'replaceExistingNotifications',
      'awsCluster.serviceAccount.namespace',
      'secrets[0].name',
    ]);
    expect((error as Error).message).toContain(
      "'replaceExistingNotifications' must be true to adopt a bucket: S3 keeps one notification configuration per bucket, and this component's replaces any the bucket has, got false",
    );
  });

  it('accepts a bucket name known only at deployment', async () => {
    const name = pulumi.output('late-bucket');
    await deploy('late', { bucketName: name });
    expect(findByKind(state, T.notification, 'late-notification').inputs.bucket).toBe('late-bucket');
  });
});
