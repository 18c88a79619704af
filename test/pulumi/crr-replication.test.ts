import { runInNewContext } from 'node:vm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/model/errors';
import { findAll, findByKind, installMocks, settle, valueOf, type MockState } from './mocks';

let state: MockState;
let aws: typeof import('@pulumi/aws');
let pulumi: typeof import('@pulumi/pulumi');
let k8s: typeof import('@pulumi/kubernetes');
let CrrReplication: typeof import('../../lib/pulumi/crr-replication').CrrReplication;
let providers: {
  af: import('@pulumi/aws').Provider;
  eu: import('@pulumi/aws').Provider;
  euOther: import('@pulumi/aws').Provider;
};

const SRC_ACCOUNT = '111111111111';
/** How a Pulumi secret reaches the mock monitor. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE = '1b47061264138c4ac30d75fd1eb44270';
const DST_ACCOUNT = '222222222222';

beforeAll(async () => {
  state = await installMocks();
  aws = await import('@pulumi/aws');
  pulumi = await import('@pulumi/pulumi');
  k8s = await import('@pulumi/kubernetes');
  ({ CrrReplication } = await import('../../lib/pulumi/crr-replication'));
  providers = {
    af: new aws.Provider('af', { region: 'af-south-1', allowedAccountIds: [SRC_ACCOUNT] }),
    eu: new aws.Provider('eu', { region: 'eu-west-1', allowedAccountIds: [SRC_ACCOUNT] }),
    euOther: new aws.Provider('eu-other', { region: 'eu-west-1', allowedAccountIds: [DST_ACCOUNT] }),
  };
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  replication: 'aws:s3/bucketReplicationConfig:BucketReplicationConfig',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  job: 'kubernetes:batch/v1:Job',
  serviceAccount: 'kubernetes:core/v1:ServiceAccount',
  batchJob: 'pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob',
} as const;

/** Resources this component created (children are named after it). */
function ofComponent(prefix: string) {
  return state.recorded.filter((r) => r.name.startsWith(`${prefix}-`));
}

interface SerializedProvider {
  create(inputs: Record<string, unknown>): Promise<{ id: string; outs: Record<string, unknown> }>;
  diff(id: string, olds: unknown, news: unknown): Promise<unknown>;
  update(id: string, olds: unknown, news: unknown): Promise<{ outs: Record<string, unknown> }>;
  delete(id: string, outs: Record<string, unknown>): Promise<void>;
}

/**
 * Runs the dynamic provider the way the Pulumi engine does, from its serialized text, with the
 * AWS SDK replaced by fakes that record each S3 Control client's config and each call, and each
 * credential provider built. Secret inputs are unwrapped, as the engine hands them over.
 */
function runSerializedProvider(job: { inputs: Record<string, unknown> }) {
  const sent: { config: unknown; op: string; input: unknown }[] = [];
  const credentials: unknown[] = [];
  class FakeS3Control {
    constructor(private readonly config: unknown) {}
    async createJob(input: unknown) {
      sent.push({ config: this.config, op: 'createJob', input });
      return { JobId: 'job-from-engine' };
    }
    async describeJob(input: unknown) {
      sent.push({ config: this.config, op: 'describeJob', input });
      return { Job: { Status: 'Active' } };
    }
    async updateJobStatus(input: unknown) {
      sent.push({ config: this.config, op: 'updateJobStatus', input });
      return {};
    }
  }
  const fakeProviders = {
    fromIni: (init: unknown) => {
      credentials.push({ fromIni: init });
      return { fromIni: init };
    },
    fromTemporaryCredentials: (options: unknown) => {
      credentials.push({ fromTemporaryCredentials: options });
      return { fromTemporaryCredentials: options };
    },
  };
  const fakeRequire = (id: string) => {
    if (id === '@aws-sdk/client-s3-control') return { S3Control: FakeS3Control };
    if (id === '@aws-sdk/credential-providers') return fakeProviders;
    throw new Error(`unexpected require ${id}`);
  };
  const sandbox: { exports: { handler?: () => SerializedProvider } } = { exports: {} };
  runInNewContext(String(job.inputs.__provider), { ...sandbox, require: fakeRequire });
  const provider = sandbox.exports.handler?.();
  if (provider === undefined) throw new Error('the serialized provider exports no handler');
  const unwrap = (value: unknown) =>
    value !== null && typeof value === 'object' && SECRET_SIG in value ? (value as unknown as { value: unknown }).value : value;
  const inputs = Object.fromEntries(
    Object.entries(job.inputs)
      .filter(([key]) => key !== '__provider')
      .map(([key, value]) => [key, unwrap(value)]),
  );
  return { provider, inputs, sent, credentials };
}

function json(value: unknown): unknown {
  return JSON.parse(String(value));
}

function resourcesOf(policy: unknown): string[] {
  const doc = json(policy) as { Statement: { Resource: string | string[] }[] };
  return doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
}

describe('CrrReplication, af-south-1 -> eu-west-1 in one account', () => {
  let outputs: { roleArn: string; sourceBucketArn: string; destinationBucketArns: string[]; alarmArns: string[]; ruleIds: string[] };

  beforeAll(async () => {
    const crr = new CrrReplication('media', {
      source: { bucketName: 'media-af', provider: providers.af },
      destinations: [{ bucketName: 'media-eu', provider: providers.eu }],
      rules: [{ id: 'everything' }],
    });
    outputs = {
      roleArn: await valueOf(crr.roleArn),
      sourceBucketArn: await valueOf(crr.sourceBucketArn),
      destinationBucketArns: await valueOf(crr.destinationBucketArns),
      alarmArns: await valueOf(crr.alarmArns),
      ruleIds: crr.ruleIds,
    };
    await settle(state);
  });

  it('creates exactly the expected resources', () => {
    expect(ofComponent('media').map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${T.bucket} media-source`,
        `${T.versioning} media-source-versioning`,
        `${T.encryption} media-source-encryption`,
        `${T.publicAccessBlock} media-source-public-access-block`,
        `${T.bucket} media-destination-media-eu`,
        `${T.versioning} media-destination-media-eu-versioning`,
        `${T.encryption} media-destination-media-eu-encryption`,
        `${T.publicAccessBlock} media-destination-media-eu-public-access-block`,
        `${T.role} media-replication-role`,
        `${T.rolePolicy} media-replication-policy`,
        `${T.replication} media-replication`,
        `${T.alarm} media-alarm-failed-everything`,
        `${T.alarm} media-alarm-latency-everything`,
      ].sort(),
    );
  });

  it('creates each bucket in its own region and enables versioning on both sides', () => {
    expect(findByKind(state, T.bucket, 'media-source')).toMatchObject({ provider: 'af', inputs: { bucket: 'media-af', forceDestroy: false } });
    expect(findByKind(state, T.bucket, 'media-destination-media-eu')).toMatchObject({ provider: 'eu', inputs: { bucket: 'media-eu' } });
    expect(findByKind(state, T.versioning, 'media-source-versioning')).toMatchObject({
      provider: 'af',
      inputs: { bucket: 'media-af', versioningConfiguration: { status: 'Enabled' } },
    });
    expect(findByKind(state, T.versioning, 'media-destination-media-eu-versioning')).toMatchObject({
      provider: 'eu',
      inputs: { bucket: 'media-eu', versioningConfiguration: { status: 'Enabled' } },
    });
  });

  it('encrypts with SSE-S3 and blocks public access on created buckets', () => {
    expect(findByKind(state, T.encryption, 'media-source-encryption').inputs).toEqual({
      bucket: 'media-af',
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    expect(findByKind(state, T.publicAccessBlock, 'media-destination-media-eu-public-access-block').inputs).toEqual({
      bucket: 'media-eu',
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  it('trusts only s3.amazonaws.com with the replication role', () => {
    const role = findByKind(state, T.role, 'media-replication-role');
    expect(role.provider).toBe('af');
    expect(role.inputs.namePrefix).toBe('media-replication-');
    expect(json(role.inputs.assumeRolePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it('grants least privilege scoped to the two buckets, without KMS', () => {
    const policy = findByKind(state, T.rolePolicy, 'media-replication-policy');
    expect(policy.inputs.role).toBe('media-replication-role');
    expect(json(policy.inputs.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadSourceReplicationConfiguration',
          Effect: 'Allow',
          Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
          Resource: ['arn:aws:s3:::media-af'],
        },
        {
          Sid: 'ReadSourceObjectVersions',
          Effect: 'Allow',
          Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
          Resource: ['arn:aws:s3:::media-af/*'],
        },
        {
          Sid: 'ReplicateIntoDestinations',
          Effect: 'Allow',
          Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
          Resource: ['arn:aws:s3:::media-eu/*'],
        },
      ],
    });
    expect(resourcesOf(policy.inputs.policy).filter((r) => r === '*' || r.startsWith('arn:aws:s3:::*'))).toEqual([]);
  });

  it('sends the exact V2 replication configuration from the source region', () => {
    const config = findByKind(state, T.replication, 'media-replication');
    expect(config.provider).toBe('af');
    expect(config.inputs).toEqual({
      bucket: 'media-af',
      role: `arn:aws:iam::${SRC_ACCOUNT}:role/media-replication-role`,
      rules: [
        {
          id: 'everything',
          priority: 0,
          status: 'Enabled',
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Enabled' },
          destination: { bucket: 'arn:aws:s3:::media-eu', metrics: { status: 'Enabled' } },
        },
      ],
    });
  });

  it('puts the replication configuration only after versioning on both sides and the role policy', () => {
    expect(findByKind(state, T.replication, 'media-replication').dependsOn).toEqual(
      expect.arrayContaining([
        'media-source-versioning',
        'media-destination-media-eu-versioning',
        'media-replication-policy',
        'media-replication-role',
      ]),
    );
  });

  it('alarms on failed operations and latency per rule in the source region', () => {
    const failed = findByKind(state, T.alarm, 'media-alarm-failed-everything');
    expect(failed.provider).toBe('af');
    expect(failed.inputs).toEqual({
      alarmDescription: 'S3 replication media-af -> media-eu (rule everything): operations failed to replicate',
      namespace: 'AWS/S3',
      metricName: 'OperationsFailedReplication',
      statistic: 'Sum',
      dimensions: { SourceBucket: 'media-af', DestinationBucket: 'media-eu', RuleId: 'everything' },
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [],
      okActions: [],
    });
    expect(findByKind(state, T.alarm, 'media-alarm-latency-everything').inputs).toMatchObject({
      metricName: 'ReplicationLatency',
      statistic: 'Maximum',
      threshold: 900,
      evaluationPeriods: 3,
    });
  });

  it('outputs the role, bucket ARNs, rule ids and alarm ARNs', () => {
    expect(outputs).toEqual({
      roleArn: `arn:aws:iam::${SRC_ACCOUNT}:role/media-replication-role`,
      sourceBucketArn: 'arn:aws:s3:::media-af',
      destinationBucketArns: ['arn:aws:s3:::media-eu'],
      alarmArns: [
        `arn:aws:cloudwatch:region:${SRC_ACCOUNT}:alarm:media-alarm-failed-everything`,
        `arn:aws:cloudwatch:region:${SRC_ACCOUNT}:alarm:media-alarm-latency-everything`,
      ],
      ruleIds: ['everything'],
    });
  });
});

describe('CrrReplication across accounts', () => {
  beforeAll(async () => {
    const crr = new CrrReplication('archive', {
      source: { bucketName: 'archive-af', provider: providers.af },
      destinations: [{ bucketName: 'archive-eu', provider: providers.euOther, accountId: DST_ACCOUNT }],
      rules: [{ id: 'logs', prefix: 'logs/', storageClass: 'STANDARD_IA', replicationTimeControl: {} }],
    });
    await valueOf(crr.destinationPolicies);
    await settle(state);
  });

  it('names the destination account and hands replicas to it', () => {
    const config = findByKind(state, T.replication, 'archive-replication');
    expect(config.inputs.rules).toEqual([
      {
        id: 'logs',
        priority: 0,
        status: 'Enabled',
        filter: { prefix: 'logs/' },
        deleteMarkerReplication: { status: 'Enabled' },
        destination: {
          bucket: 'arn:aws:s3:::archive-eu',
          storageClass: 'STANDARD_IA',
          account: DST_ACCOUNT,
          accessControlTranslation: { owner: 'Destination' },
          metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
          replicationTime: { status: 'Enabled', time: { minutes: 15 } },
        },
      },
    ]);
  });

  it('lets the source role replicate into the destination with a bucket policy in its account', () => {
    const policy = findByKind(state, T.bucketPolicy, 'archive-destination-archive-eu-policy');
    expect(policy.provider).toBe('eu-other');
    expect(policy.inputs.bucket).toBe('archive-eu');
    const role = `arn:aws:iam::${SRC_ACCOUNT}:role/archive-replication-role`;
    expect(json(policy.inputs.policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AllowReplicationRoleToReplicate',
          Effect: 'Allow',
          Principal: { AWS: role },
          Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
          Resource: ['arn:aws:s3:::archive-eu/*'],
        },
        {
          Sid: 'AllowReplicationRoleToReadVersioning',
          Effect: 'Allow',
          Principal: { AWS: role },
          Action: ['s3:GetBucketVersioning'],
          Resource: ['arn:aws:s3:::archive-eu'],
        },
      ],
    });
  });

  it('orders the bucket policy after the public access block and the configuration after the policy', () => {
    expect(findByKind(state, T.bucketPolicy, 'archive-destination-archive-eu-policy').dependsOn).toContain(
      'archive-destination-archive-eu-public-access-block',
    );
    expect(findByKind(state, T.replication, 'archive-replication').dependsOn).toContain(
      'archive-destination-archive-eu-policy',
    );
  });

  it('grants the role owner override on the destination objects only', () => {
    const doc = json(findByKind(state, T.rolePolicy, 'archive-replication-policy').inputs.policy) as {
      Statement: { Sid: string; Action: string[]; Resource: string[] }[];
    };
    expect(doc.Statement.find((s) => s.Sid === 'ReplicateIntoDestinationsAsOwner')).toEqual({
      Sid: 'ReplicateIntoDestinationsAsOwner',
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
      Resource: ['arn:aws:s3:::archive-eu/*'],
    });
  });
});

describe('CrrReplication two-way across accounts, destination adopted', () => {
  let policies: Record<string, string>;

  beforeAll(async () => {
    const crr = new CrrReplication('mirror', {
      source: { bucketName: 'mirror-af', provider: providers.af, accountId: SRC_ACCOUNT },
      destinations: [{ bucketName: 'mirror-eu', provider: providers.euOther, accountId: DST_ACCOUNT, adopt: true, replaceExistingRules: true }],
      rules: [{ id: 'sync' }],
      twoWay: true,
    });
    policies = await valueOf(crr.destinationPolicies);
    await settle(state);
  });

  it('attaches a policy only to the bucket it created and hands back the one for the adopted bucket', () => {
    expect(findAll(state, T.bucketPolicy).filter((r) => r.name.startsWith('mirror-')).map((r) => [r.name, r.provider])).toEqual([
      ['mirror-reverse-destination-mirror-af-policy', 'af'],
    ]);
    expect(Object.keys(policies).sort()).toEqual(['mirror-af', 'mirror-eu']);
    expect(JSON.parse(policies['mirror-eu'] ?? '{}').Statement[0].Principal).toEqual({
      AWS: `arn:aws:iam::${SRC_ACCOUNT}:role/mirror-replication-role`,
    });
  });

  it('replicates back into the source account with ownership handed to it, from a role in the destination account', () => {
    expect(findByKind(state, T.role, 'mirror-reverse-replication-role').provider).toBe('eu-other');
    const reverse = findByKind(state, T.replication, 'mirror-reverse-replication');
    expect(reverse.provider).toBe('eu-other');
    expect(reverse.inputs.rules).toEqual([
      expect.objectContaining({
        destination: {
          bucket: 'arn:aws:s3:::mirror-af',
          account: SRC_ACCOUNT,
          accessControlTranslation: { owner: 'Destination' },
          metrics: { status: 'Enabled' },
        },
      }),
    ]);
    expect(JSON.parse(String(findByKind(state, T.bucketPolicy, 'mirror-reverse-destination-mirror-af-policy').inputs.policy)).Statement[0].Principal).toEqual({
      AWS: `arn:aws:iam::${DST_ACCOUNT}:role/mirror-reverse-replication-role`,
    });
  });
});

describe('CrrReplication two-way', () => {
  beforeAll(async () => {
    const crr = new CrrReplication('pair', {
      source: { bucketName: 'pair-af', provider: providers.af },
      destinations: [{ bucketName: 'pair-eu', provider: providers.eu }],
      rules: [{ id: 'sync' }],
      twoWay: true,
    });
    await valueOf(crr.alarmArns);
    await settle(state);
  });

  it('configures both directions with replica modification sync, each from its own region', () => {
    const forward = findByKind(state, T.replication, 'pair-replication');
    const reverse = findByKind(state, T.replication, 'pair-reverse-replication');
    expect(forward).toMatchObject({ provider: 'af', inputs: { bucket: 'pair-af', role: `arn:aws:iam::${SRC_ACCOUNT}:role/pair-replication-role` } });
    expect(reverse).toMatchObject({ provider: 'eu', inputs: { bucket: 'pair-eu', role: `arn:aws:iam::${SRC_ACCOUNT}:role/pair-reverse-replication-role` } });
    const sync = { replicaModifications: { status: 'Enabled' } };
    expect(forward.inputs.rules).toEqual([expect.objectContaining({ sourceSelectionCriteria: sync, destination: { bucket: 'arn:aws:s3:::pair-eu', metrics: { status: 'Enabled' } } })]);
    expect(reverse.inputs.rules).toEqual([expect.objectContaining({ sourceSelectionCriteria: sync, destination: { bucket: 'arn:aws:s3:::pair-af', metrics: { status: 'Enabled' } } })]);
  });

  it('puts neither direction before versioning is enabled on both buckets', () => {
    for (const config of ['pair-replication', 'pair-reverse-replication']) {
      expect(findByKind(state, T.replication, config).dependsOn).toEqual(
        expect.arrayContaining(['pair-source-versioning', 'pair-destination-pair-eu-versioning']),
      );
    }
  });

  it('gives the reverse direction its own role in the destination region and its own alarms', () => {
    expect(findByKind(state, T.role, 'pair-reverse-replication-role').provider).toBe('eu');
    const doc = json(findByKind(state, T.rolePolicy, 'pair-reverse-replication-policy').inputs.policy) as {
      Statement: { Resource: string[] }[];
    };
    expect(doc.Statement.map((s) => s.Resource)).toEqual([
      ['arn:aws:s3:::pair-eu'],
      ['arn:aws:s3:::pair-eu/*'],
      ['arn:aws:s3:::pair-af/*'],
    ]);
    expect(findByKind(state, T.alarm, 'pair-alarm-reverse-failed-sync')).toMatchObject({
      provider: 'eu',
      inputs: { dimensions: { SourceBucket: 'pair-eu', DestinationBucket: 'pair-af', RuleId: 'sync' } },
    });
  });
});

describe('CrrReplication with adopted buckets, KMS and several destinations', () => {
  const SRC_KEY = 'arn:aws:kms:af-south-1:111111111111:key/src';
  const EU_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/eu';
  const US_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/second';

  beforeAll(async () => {
    const crr = new CrrReplication('vault', {
      source: { bucketName: 'vault-af', provider: providers.af, adopt: true, replaceExistingRules: true, kmsKeyArn: SRC_KEY },
      destinations: [
        { bucketName: 'vault-eu', provider: providers.eu, adopt: true, kmsKeyArn: EU_KEY },
        { bucketName: 'vault-eu-2', provider: providers.eu, kmsKeyArn: US_KEY },
      ],
      rules: [
        { id: 'primary', priority: 2, destination: 'vault-eu' },
        { id: 'secondary', priority: 1, destination: 'vault-eu-2', tags: { copy: 'twice' } },
      ],
      alarms: false,
    });
    await valueOf(crr.roleArn);
    await settle(state);
  });

  it('leaves adopted buckets alone and creates only the new one', () => {
    expect(findAll(state, T.bucket).filter((r) => r.name.startsWith('vault-')).map((r) => r.name)).toEqual([
      'vault-destination-vault-eu-2',
    ]);
    expect(findAll(state, T.versioning).filter((r) => r.name.startsWith('vault-')).map((r) => r.name)).toEqual([
      'vault-destination-vault-eu-2-versioning',
    ]);
    expect(findByKind(state, T.encryption, 'vault-destination-vault-eu-2-encryption').inputs).toEqual({
      bucket: 'vault-eu-2',
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: US_KEY }, bucketKeyEnabled: true }],
    });
    expect(findAll(state, T.alarm).filter((r) => r.name.startsWith('vault-'))).toEqual([]);
  });

  it('replicates SSE-KMS objects to each destination with its own key', () => {
    const config = findByKind(state, T.replication, 'vault-replication');
    expect(config.inputs.bucket).toBe('vault-af');
    expect(config.inputs.rules).toEqual([
      {
        id: 'primary',
        priority: 2,
        status: 'Enabled',
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Enabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: 'arn:aws:s3:::vault-eu',
          encryptionConfiguration: { replicaKmsKeyId: EU_KEY },
          metrics: { status: 'Enabled' },
        },
      },
      {
        id: 'secondary',
        priority: 1,
        status: 'Enabled',
        filter: { tag: { key: 'copy', value: 'twice' } },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: 'arn:aws:s3:::vault-eu-2',
          encryptionConfiguration: { replicaKmsKeyId: US_KEY },
          metrics: { status: 'Enabled' },
        },
      },
    ]);
  });

  it('grants decrypt on the source key and encrypt on each replica key, via S3 in each region', () => {
    const doc = json(findByKind(state, T.rolePolicy, 'vault-replication-policy').inputs.policy) as {
      Statement: { Sid: string; Action: string; Resource: string[]; Condition?: unknown }[];
    };
    expect(doc.Statement.filter((s) => s.Sid.startsWith('Decrypt') || s.Sid.startsWith('Encrypt'))).toEqual([
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [SRC_KEY],
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.af-south-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::vault-af/*'],
          },
        },
      },
      {
        Sid: 'EncryptReplicasprimary',
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: [EU_KEY],
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.eu-west-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::vault-eu/*'],
          },
        },
      },
      {
        Sid: 'EncryptReplicassecondary',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: [US_KEY],
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.eu-west-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::vault-eu-2/*', 'arn:aws:s3:::vault-eu-2'],
          },
        },
      },
    ]);
  });
});

describe('CrrReplication with a role of your own and SNS notifications', () => {
  beforeAll(async () => {
    const crr = new CrrReplication('byo', {
      source: { bucketName: 'byo-af', provider: providers.af },
      destinations: [{ bucketName: 'byo-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      roleArn: 'arn:aws:iam::111111111111:role/existing',
      alarms: { snsTopicArn: 'arn:aws:sns:af-south-1:111111111111:ops', latencySeconds: 300 },
    });
    await valueOf(crr.alarmArns);
    await settle(state);
  });

  it('creates no role and uses the given one', () => {
    expect(findAll(state, T.role).filter((r) => r.name.startsWith('byo-'))).toEqual([]);
    expect(findByKind(state, T.replication, 'byo-replication').inputs.role).toBe('arn:aws:iam::111111111111:role/existing');
  });

  it('notifies the topic on alarm and recovery with the given threshold', () => {
    expect(findByKind(state, T.alarm, 'byo-alarm-latency-all').inputs).toMatchObject({
      threshold: 300,
      alarmActions: ['arn:aws:sns:af-south-1:111111111111:ops'],
      okActions: ['arn:aws:sns:af-south-1:111111111111:ops'],
    });
  });
});

describe('CrrReplication backfill', () => {
  it('creates a batch replication job with its own role after the replication configuration', async () => {
    const crr = new CrrReplication('fill', {
      source: { bucketName: 'fill-af', provider: providers.af },
      destinations: [{ bucketName: 'fill-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      alarms: false,
      backfill: { kind: 'batchReplication', reportBucketName: 'fill-reports' },
    });
    expect(await valueOf(crr.backfillJobId as import('@pulumi/pulumi').Output<string>)).toBe('job-0001');
    await settle(state);

    const role = findByKind(state, T.role, 'fill-batch-replication-role');
    expect(role.provider).toBe('af');
    expect(json(role.inputs.assumeRolePolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'batchoperations.s3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(resourcesOf(findByKind(state, T.rolePolicy, 'fill-batch-replication-policy').inputs.policy)).toEqual([
      'arn:aws:s3:::fill-af/*',
      'arn:aws:s3:::fill-af',
      'arn:aws:s3:::fill-reports/batch-replication-reports/*',
    ]);
    const job = findByKind(state, T.batchJob, 'fill-backfill');
    expect(job.dependsOn).toEqual(expect.arrayContaining(['fill-replication', 'fill-batch-replication-policy']));
    const { __provider: serialized, clientRequestToken: token, identity, ...inputs } = job.inputs;
    expect(serialized).toEqual(expect.stringContaining('createJob'));
    expect(identity).toEqual({ [SECRET_SIG]: SECRET_VALUE, value: {} });
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(inputs).toEqual({
      accountId: SRC_ACCOUNT,
      region: 'af-south-1',
      partition: 'aws',
      sourceBucketName: 'fill-af',
      roleArn: `arn:aws:iam::${SRC_ACCOUNT}:role/fill-batch-replication-role`,
      replicationStatuses: ['NONE', 'FAILED'],
      reportBucketName: 'fill-reports',
      reportPrefix: 'batch-replication-reports/',
      priority: 10,
      description: 'bucketbridge backfill fill-af (fill)',
      trigger: 'initial',
    });
  });

  it('serializes a provider that the engine can run: it creates the job through S3 Control', async () => {
    await settle(state);
    const job = findByKind(state, T.batchJob, 'fill-backfill');
    const engine = runSerializedProvider(job);
    const inputs = engine.inputs;
    const created = await engine.provider.create(inputs);
    expect(created.id).toBe('job-from-engine');
    expect(await engine.provider.diff('job-from-engine', inputs, { ...inputs })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await engine.provider.diff('job-from-engine', inputs, { ...inputs, trigger: 'again' })).toEqual({
      changes: true,
      replaces: ['trigger'],
      deleteBeforeReplace: false,
    });
    expect(engine.sent).toEqual([
      {
        config: { region: 'af-south-1' },
        op: 'createJob',
        input: expect.objectContaining({
          AccountId: SRC_ACCOUNT,
          Operation: { S3ReplicateObject: {} },
          ClientRequestToken: inputs.clientRequestToken,
        }),
      },
    ]);
  });

  it('runs one copy-engine Job per rule with credentials only from Secrets', async () => {
    const cluster = new k8s.Provider('cluster', { kubeconfig: 'unused' });
    const crr = new CrrReplication('copy', {
      source: { bucketName: 'copy-af', provider: providers.af },
      destinations: [{ bucketName: 'copy-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      alarms: false,
      backfill: {
        kind: 'copyJob',
        image: 'ghcr.io/bucketbridge/bucketbridge:0.1.0',
        namespace: 'replication',
        kubernetesProvider: cluster,
        sourceCredentials: { secretName: 'aws-af' },
        destinationCredentials: { secretName: 'aws-eu', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' },
      },
    });
    await valueOf(crr.roleArn);
    await settle(state);
    const job = findByKind(state, T.job, 'copy-backfill-all');
    expect(job.provider).toBe('cluster');
    const ref = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    expect(job.inputs).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        namespace: 'replication',
        labels: { 'app.kubernetes.io/name': 'bucketbridge', 'app.kubernetes.io/component': 'backfill' },
        annotations: { 'pulumi.com/skipAwait': 'true' },
      },
      spec: {
        backoffLimit: 3,
        template: {
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: 'copy-backfill',
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'copy',
                image: 'ghcr.io/bucketbridge/bucketbridge:0.1.0',
                args: ['copy', 'src:copy-af', 'dst:copy-eu'],
                env: [
                  { name: 'RCLONE_CONFIG_SRC_TYPE', value: 's3' },
                  { name: 'RCLONE_CONFIG_SRC_PROVIDER', value: 'AWS' },
                  { name: 'RCLONE_CONFIG_SRC_REGION', value: 'af-south-1' },
                  { name: 'RCLONE_CONFIG_SRC_ACCESS_KEY_ID', valueFrom: ref('aws-af', 'AWS_ACCESS_KEY_ID') },
                  { name: 'RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY', valueFrom: ref('aws-af', 'AWS_SECRET_ACCESS_KEY') },
                  { name: 'RCLONE_CONFIG_DST_TYPE', value: 's3' },
                  { name: 'RCLONE_CONFIG_DST_PROVIDER', value: 'AWS' },
                  { name: 'RCLONE_CONFIG_DST_REGION', value: 'eu-west-1' },
                  { name: 'RCLONE_CONFIG_DST_ACCESS_KEY_ID', valueFrom: ref('aws-eu', 'id') },
                  { name: 'RCLONE_CONFIG_DST_SECRET_ACCESS_KEY', valueFrom: ref('aws-eu', 'secret') },
                ],
              },
            ],
          },
        },
      },
    });
    expect(findAll(state, T.batchJob).filter((r) => r.name.startsWith('copy-'))).toEqual([]);
  });
});

describe('CrrReplication with a long name', () => {
  it('keeps role name prefixes distinct and within the 38 characters IAM allows', async () => {
    const name = 'a-component-name-long-enough-to-overflow-iam';
    const crr = new CrrReplication(name, {
      source: { bucketName: 'long-af', provider: providers.af },
      destinations: [{ bucketName: 'long-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      twoWay: true,
      alarms: false,
    });
    await valueOf(crr.roleArn);
    await settle(state);
    const prefixes = findAll(state, T.role)
      .filter((r) => r.name.startsWith(name))
      .map((r) => String(r.inputs.namePrefix));
    expect(new Set(prefixes).size).toBe(2);
    for (const prefix of prefixes) {
      expect(prefix.length).toBeLessThanOrEqual(38);
      expect(prefix.startsWith('a-component-name-long-enough-')).toBe(true);
    }
  });
});

describe('CrrReplication validation', () => {
  const base = () => ({
    source: { bucketName: 'bad-af', provider: providers.af },
    destinations: [{ bucketName: 'bad-eu', provider: providers.eu }],
    rules: [{ id: 'all' }],
  });

  function problemsOf(build: () => unknown): string[] {
    try {
      build();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).path).toBe('bad');
      return (e as ValidationError).problems.map((p) => p.prop);
    }
    throw new Error('expected a ValidationError');
  }

  it('fails when two rules share a priority', () => {
    expect(problemsOf(() => new CrrReplication('bad', { ...base(), rules: [{ id: 'a', priority: 3 }, { id: 'b', priority: 3 }] }))).toEqual([
      'rules[1].priority',
    ]);
  });

  it('fails when a tag filter replicates delete markers', () => {
    expect(
      problemsOf(() => new CrrReplication('bad', { ...base(), rules: [{ id: 't', tags: { k: 'v' }, deleteMarkerReplication: true }] })),
    ).toEqual(['rules[0].deleteMarkerReplication']);
  });

  it('fails when RTC minutes are not 15', () => {
    expect(
      problemsOf(() => new CrrReplication('bad', { ...base(), rules: [{ id: 'r', replicationTimeControl: { minutes: 60 } }] })),
    ).toEqual(['rules[0].replicationTimeControl.minutes']);
  });

  it('fails when KMS objects are replicated without a replica key', () => {
    expect(
      problemsOf(
        () =>
          new CrrReplication('bad', {
            ...base(),
            source: { bucketName: 'bad-af', provider: providers.af, kmsKeyArn: 'arn:aws:kms:af-south-1:111111111111:key/k' },
          }),
      ),
    ).toEqual(['rules[0].replicaKmsKeyArn']);
  });

  it('fails when an adopted bucket is declared unversioned', () => {
    expect(
      problemsOf(
        () =>
          new CrrReplication('bad', {
            ...base(),
            source: { bucketName: 'bad-af', provider: providers.af, adopt: true, replaceExistingRules: true, versioning: 'Disabled' },
          }),
      ),
    ).toEqual(['source.versioning']);
  });

  it('fails on component props and model props together, once', () => {
    expect(
      problemsOf(
        () =>
          new CrrReplication('bad', {
            ...base(),
            reverseRoleArn: 'arn:aws:iam::111111111111:role/r',
            rules: [{ id: 'a', priority: 1 }, { id: 'b', priority: 1 }],
          }),
      ),
    ).toEqual(['reverseRoleArn', 'rules[1].priority']);
  });

  it('fails when a copy-engine backfill would have to select by tags', () => {
    expect(
      problemsOf(
        () =>
          new CrrReplication('bad', {
            ...base(),
            rules: [{ id: 'tagged', tags: { k: 'v' } }],
            backfill: { kind: 'copyJob', image: 'bucketbridge:0.1.0', sourceCredentials: { secretName: 'aws' } },
          }),
      ),
    ).toEqual(['backfill.kind']);
  });

  it('registers nothing, not even the component, when the props are invalid', async () => {
    await settle(state);
    expect(state.recorded.filter((r) => r.name === 'bad' || r.name.startsWith('bad-'))).toEqual([]);
  });
});

describe('CrrReplication Batch Replication backfill with the source provider identity', () => {
  it('creates and cancels the job with the assumed role on top of the explicit keys, held as a secret', async () => {
    const keyed = new aws.Provider('af-keys', {
      region: 'af-south-1',
      allowedAccountIds: [SRC_ACCOUNT],
      accessKey: 'AKIAEXAMPLEKEY',
      secretKey: 'example-secret',
      assumeRoles: [{ roleArn: 'arn:aws:iam::111111111111:role/deployer', sessionName: 'ci', externalId: 'x-1' }],
    });
    const crr = new CrrReplication('who', {
      source: { bucketName: 'who-af', provider: keyed },
      destinations: [{ bucketName: 'who-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      alarms: false,
      backfill: {
        kind: 'batchReplication',
        reportBucketName: 'who-reports',
        identity: {
          accessKey: keyed.accessKey,
          secretKey: keyed.secretKey,
          assumeRoles: [{ roleArn: 'arn:aws:iam::111111111111:role/deployer', sessionName: 'ci', externalId: 'x-1' }],
        },
      },
    });
    await valueOf(crr.backfillJobId as import('@pulumi/pulumi').Output<string>);
    await settle(state);
    const job = findByKind(state, T.batchJob, 'who-backfill');
    expect(job.inputs.identity).toEqual({
      [SECRET_SIG]: SECRET_VALUE,
      value: {
        accessKey: 'AKIAEXAMPLEKEY',
        secretKey: 'example-secret',
        assumeRoles: [{ roleArn: 'arn:aws:iam::111111111111:role/deployer', sessionName: 'ci', externalId: 'x-1' }],
      },
    });

    const engine = runSerializedProvider(job);
    const created = await engine.provider.create(engine.inputs);
    await engine.provider.delete(created.id, created.outs);
    const assumed = {
      fromTemporaryCredentials: {
        params: { RoleArn: 'arn:aws:iam::111111111111:role/deployer', RoleSessionName: 'ci', ExternalId: 'x-1' },
        masterCredentials: { accessKeyId: 'AKIAEXAMPLEKEY', secretAccessKey: 'example-secret' },
        clientConfig: { region: 'af-south-1' },
      },
    };
    expect(engine.sent.map((s) => [s.op, s.config])).toEqual([
      ['createJob', { region: 'af-south-1', credentials: assumed }],
      ['describeJob', { region: 'af-south-1', credentials: assumed }],
      ['updateJobStatus', { region: 'af-south-1', credentials: assumed }],
    ]);
  });

  it("takes the source provider's profile when no identity is given", async () => {
    const profiled = new aws.Provider('af-profile', { region: 'af-south-1', profile: 'media-prod' });
    const crr = new CrrReplication('prof', {
      source: { bucketName: 'prof-af', provider: profiled },
      destinations: [{ bucketName: 'prof-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      alarms: false,
      backfill: { kind: 'batchReplication', reportBucketName: 'prof-reports' },
    });
    await valueOf(crr.backfillJobId as import('@pulumi/pulumi').Output<string>);
    await settle(state);
    const engine = runSerializedProvider(findByKind(state, T.batchJob, 'prof-backfill'));
    await engine.provider.create(engine.inputs);
    expect(engine.sent.map((s) => s.config)).toEqual([{ region: 'af-south-1', credentials: { fromIni: { profile: 'media-prod' } } }]);
  });

  it('updates the identity in place instead of starting a new job', async () => {
    await settle(state);
    const engine = runSerializedProvider(findByKind(state, T.batchJob, 'prof-backfill'));
    const news = { ...engine.inputs, identity: { profile: 'media-prod-2' } };
    expect(await engine.provider.diff('job', engine.inputs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect((await engine.provider.update('job', { ...engine.inputs, jobId: 'job' }, news)).outs).toMatchObject({
      jobId: 'job',
      identity: { profile: 'media-prod-2' },
    });
  });
});

describe('CrrReplication adopting a source bucket', () => {
  it('fails unless replaceExistingRules confirms that its replication configuration is replaced', () => {
    expect(() =>
      new CrrReplication('adopt', {
        source: { bucketName: 'adopt-af', provider: providers.af, adopt: true },
        destinations: [{ bucketName: 'adopt-eu', provider: providers.eu }],
        rules: [{ id: 'all' }],
      }),
    ).toThrow("'source.replaceExistingRules' must be true to adopt a source bucket");
  });
});

describe('CrrReplication with KMS across accounts, Object Lock, deploy-time names and per-resource regions', () => {
  const SRC_KEY = 'arn:aws:kms:af-south-1:111111111111:key/src';
  const DST_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/dst';
  let keyStatements: Record<string, string>;

  beforeAll(async () => {
    const lateName = pulumi.output('locked-eu-7f3a');
    const crr = new CrrReplication('locked', {
      source: { bucketName: 'locked-af', provider: providers.af, kmsKeyArn: SRC_KEY, objectLock: true },
      destinations: [
        { bucketName: lateName, id: 'replica', provider: providers.euOther, accountId: DST_ACCOUNT, kmsKeyArn: DST_KEY, objectLock: true },
        { bucketName: 'locked-eu-same', region: 'eu-west-1', objectLock: true },
      ],
      rules: [
        { id: 'other-account', destination: 'replica', prefix: 'a/' },
        { id: 'same-account', destination: 'locked-eu-same', prefix: 'b/', sseKmsEncryptedObjects: false },
      ],
      alarms: false,
    });
    keyStatements = await valueOf(crr.replicaKeyPolicyStatements);
    await settle(state);
  });

  it('creates SSE-KMS buckets with S3 Bucket Keys and Object Lock', () => {
    expect(findByKind(state, T.bucket, 'locked-source').inputs).toMatchObject({ bucket: 'locked-af', objectLockEnabled: true });
    expect(findByKind(state, T.encryption, 'locked-source-encryption').inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: SRC_KEY }, bucketKeyEnabled: true },
    ]);
  });

  it('lets the role read retention and legal hold so S3 replicates them', () => {
    const doc = json(findByKind(state, T.rolePolicy, 'locked-replication-policy').inputs.policy) as { Statement: { Sid: string; Action: string[] }[] };
    expect(doc.Statement.find((s) => s.Sid === 'ReadSourceObjectVersions')?.Action).toEqual(
      expect.arrayContaining(['s3:GetObjectRetention', 's3:GetObjectLegalHold']),
    );
  });

  it('names a bucket known only at deploy time by its id and uses its name once known', () => {
    expect(findByKind(state, T.bucket, 'locked-destination-replica')).toMatchObject({ provider: 'eu-other', inputs: { bucket: 'locked-eu-7f3a' } });
    const rules = findByKind(state, T.replication, 'locked-replication').inputs.rules as { destination: { bucket: string } }[];
    expect(rules.map((r) => r.destination.bucket)).toEqual(['arn:aws:s3:::locked-eu-7f3a', 'arn:aws:s3:::locked-eu-same']);
  });

  it("puts a same-account destination in its region through the source's provider, with no provider of its own", () => {
    for (const name of ['locked-destination-locked-eu-same', 'locked-destination-locked-eu-same-versioning']) {
      const resource = state.recorded.find((r) => r.name === name);
      expect(resource).toMatchObject({ provider: 'af', inputs: { region: 'eu-west-1' } });
    }
    expect(findByKind(state, T.bucket, 'locked-source').inputs.region).toBeUndefined();
  });

  it('outputs the key-policy statement the replica key in the other account needs', () => {
    expect(Object.keys(keyStatements)).toEqual(['replica']);
    expect(JSON.parse(keyStatements.replica ?? '{}')).toEqual({
      Sid: 'AllowSourceReplicationRoleToEncryptReplicas',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${SRC_ACCOUNT}:role/locked-replication-role` },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringLike: {
          'kms:ViaService': 's3.eu-west-1.amazonaws.com',
          'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::locked-eu-7f3a/*', 'arn:aws:s3:::locked-eu-7f3a'],
        },
      },
    });
  });
});

describe('CrrReplication copy-engine backfill with IRSA', () => {
  it('runs the Jobs under a ServiceAccount carrying the role, with no keys mounted', async () => {
    const crr = new CrrReplication('irsa', {
      source: { bucketName: 'irsa-af', provider: providers.af },
      destinations: [{ bucketName: 'irsa-eu', provider: providers.eu }],
      rules: [{ id: 'all' }],
      alarms: false,
      backfill: {
        kind: 'copyJob',
        image: 'ghcr.io/bucketbridge/bucketbridge:0.1.0',
        namespace: 'replication',
        sourceCredentials: { kind: 'irsa', roleArn: 'arn:aws:iam::111111111111:role/backfill' },
        destinationAssumeRole: { roleArn: 'arn:aws:iam::222222222222:role/writer' },
      },
    });
    await valueOf(crr.roleArn);
    await settle(state);
    expect(findByKind(state, T.serviceAccount, 'irsa-backfill').inputs).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'irsa-backfill',
        namespace: 'replication',
        labels: { 'app.kubernetes.io/name': 'bucketbridge', 'app.kubernetes.io/component': 'backfill' },
        annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/backfill' },
      },
      automountServiceAccountToken: true,
    });
    const pod = (findByKind(state, T.job, 'irsa-backfill-all').inputs.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.serviceAccountName).toBe('irsa-backfill');
    expect(pod.automountServiceAccountToken).toBe(true);
    const [container] = pod.containers as { env: { name: string; value?: string; valueFrom?: unknown }[] }[];
    expect(container?.env.filter((e) => e.valueFrom !== undefined)).toEqual([]);
    expect(container?.env).toEqual(
      expect.arrayContaining([
        { name: 'RCLONE_CONFIG_SRC_ENV_AUTH', value: 'true' },
        { name: 'RCLONE_CONFIG_DST_ENV_AUTH', value: 'true' },
        { name: 'RCLONE_CONFIG_DST_ROLE_ARN', value: 'arn:aws:iam::222222222222:role/writer' },
      ]),
    );
  });

  it('fails on an IRSA role that is not a role ARN', () => {
    expect(() =>
      new CrrReplication('irsa-bad', {
        source: { bucketName: 'irsab-af', provider: providers.af },
        destinations: [{ bucketName: 'irsab-eu', provider: providers.eu }],
        rules: [{ id: 'all' }],
        backfill: { kind: 'copyJob', image: 'bucketbridge:0.1.0', sourceCredentials: { kind: 'irsa', roleArn: 'backfill' } },
      }),
    ).toThrow("'backfill.source.credentials.roleArn' must be an IAM role ARN");
  });
});
