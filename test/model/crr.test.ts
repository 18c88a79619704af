import { describe, expect, it } from 'vitest';
import { Problems, ValidationError } from '../../lib/model/errors';
import {
  destinationBucketPolicy,
  iamNamePrefix,
  replicaKeyPolicyStatements,
  renderReplicationRules,
  replicationAlarmSpecs,
  replicationRolePolicy,
  resolveCrr,
  reverseCrr,
  DEFAULT_ALARM_THRESHOLDS,
  type CrrProps,
} from '../../lib/model/crr';

const SRC_KEY = 'arn:aws:kms:af-south-1:111111111111:key/src';
const DST_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/dst';

function resolve(props: CrrProps) {
  return resolveCrr(new Problems('crr'), props);
}

function problemsOf(props: CrrProps): string[] {
  try {
    resolve(props);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems.map((p) => `${p.prop}: ${p.rule}`);
  }
  throw new Error('expected a ValidationError');
}

const basic: CrrProps = {
  source: { bucketName: 'media-af' },
  destinations: [{ bucketName: 'media-eu' }],
  rules: [{ id: 'all' }],
};

describe('resolveCrr', () => {
  it('defaults delete markers and metrics on, priority to position, destination to the only one', () => {
    const [rule] = resolve(basic).rules;
    expect(rule).toMatchObject({
      id: 'all',
      priority: 0,
      destination: 'media-eu',
      prefix: '',
      deleteMarkerReplication: true,
      metrics: true,
      replicationTimeControl: false,
      replicaModifications: false,
      sseKmsEncryptedObjects: false,
      enabled: true,
    });
  });

  it('turns delete markers off by default on a tag-filtered rule', () => {
    const crr = resolve({ ...basic, rules: [{ id: 'tagged', tags: { replicate: 'yes' } }] });
    expect(crr.rules[0]?.deleteMarkerReplication).toBe(false);
  });

  it('fails when two rules share a priority', () => {
    expect(problemsOf({ ...basic, rules: [{ id: 'a', priority: 1 }, { id: 'b', priority: 1 }] })).toEqual([
      'rules[1].priority: must be unique, rules[0] has it too',
    ]);
  });

  it('fails when two rules share an id', () => {
    expect(problemsOf({ ...basic, rules: [{ id: 'a', priority: 1 }, { id: 'a', priority: 2 }] })).toEqual([
      'rules[1].id: must be unique, rules[0] has it too',
    ]);
  });

  it('fails when a tag filter asks for delete markers', () => {
    expect(
      problemsOf({ ...basic, rules: [{ id: 't', tags: { a: 'b' }, deleteMarkerReplication: true }] }),
    ).toEqual([
      'rules[0].deleteMarkerReplication: must be false when tags are set: S3 does not replicate delete markers for tag-filtered rules',
    ]);
  });

  it('fails when RTC minutes are not 15', () => {
    expect(problemsOf({ ...basic, rules: [{ id: 'r', replicationTimeControl: { minutes: 30 } }] })).toEqual([
      'rules[0].replicationTimeControl.minutes: must be 15, the only time S3 RTC offers',
    ]);
  });

  it('fails when RTC is on and metrics are explicitly off', () => {
    expect(
      problemsOf({ ...basic, rules: [{ id: 'r', replicationTimeControl: {}, metrics: false }] }),
    ).toEqual(['rules[0].metrics: must not be false with replicationTimeControl: S3 RTC requires replication metrics']);
  });

  it('fails when SSE-KMS objects are replicated without a replica key', () => {
    expect(problemsOf({ ...basic, source: { bucketName: 'media-af', kmsKeyArn: SRC_KEY } })).toEqual([
      "rules[0].replicaKmsKeyArn: is required to replicate SSE-KMS objects (or set kmsKeyArn on destination 'media-eu')",
    ]);
  });

  it('fails when SSE-KMS objects are replicated without the source key', () => {
    expect(
      problemsOf({ ...basic, rules: [{ id: 'k', sseKmsEncryptedObjects: true, replicaKmsKeyArn: DST_KEY }] }),
    ).toEqual([
      'source.kmsKeyArn: is required when rules[0] replicates SSE-KMS objects: the replication role needs kms:Decrypt on it',
    ]);
  });

  it('fails when an adopted bucket is declared unversioned', () => {
    expect(
      problemsOf({ ...basic, destinations: [{ bucketName: 'media-eu', adopt: true, versioning: 'Suspended' }] }),
    ).toEqual([
      "destinations[0].versioning: must be 'Enabled': replication requires versioning on both buckets, and this component does not change the versioning of a bucket it adopts",
    ]);
  });

  it('gathers every problem at once and names the component', () => {
    let error: unknown;
    try {
      resolveCrr(new Problems('my-crr'), {
        source: { bucketName: 'Bad_Name' },
        destinations: [{ bucketName: 'media-eu' }, { bucketName: 'media-us' }],
        rules: [{ id: 'x' }],
        twoWay: true,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const ve = error as ValidationError;
    expect(ve.path).toBe('my-crr');
    expect(ve.problems.map((p) => p.prop)).toEqual(['source.bucketName', 'twoWay', 'rules[0].destination']);
  });

  it('fails on cross-account owner override without an account and on a bad account id', () => {
    expect(
      problemsOf({
        ...basic,
        destinations: [{ bucketName: 'media-eu', ownerOverride: true }, { bucketName: 'media-us', accountId: '12' }],
        rules: [{ id: 'a', destination: 'media-eu' }],
      }),
    ).toEqual([
      'destinations[0].ownerOverride: needs accountId: owner override only applies to a destination in another account',
      'destinations[1].accountId: must be a 12-digit AWS account id',
    ]);
  });
});

describe('renderReplicationRules', () => {
  it('renders the V2 form with explicit filter and delete marker status, metrics without threshold', () => {
    expect(renderReplicationRules(resolve(basic), 'aws')).toEqual([
      {
        id: 'all',
        priority: 0,
        status: 'Enabled',
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Enabled' },
        sourceSelectionCriteria: undefined,
        destination: {
          bucket: 'arn:aws:s3:::media-eu',
          storageClass: undefined,
          account: undefined,
          accessControlTranslation: undefined,
          encryptionConfiguration: undefined,
          metrics: { status: 'Enabled', eventThreshold: undefined },
          replicationTime: undefined,
        },
      },
    ]);
  });

  it('renders tags, RTC, storage class, KMS and cross-account ownership', () => {
    const crr = resolve({
      source: { bucketName: 'media-af', kmsKeyArn: SRC_KEY },
      destinations: [{ bucketName: 'media-eu', accountId: '222222222222', kmsKeyArn: DST_KEY }],
      rules: [
        { id: 'one-tag', priority: 2, tags: { tier: 'gold' }, replicationTimeControl: { minutes: 15 } },
        { id: 'prefix-tags', priority: 1, prefix: 'video/', tags: { a: '1', b: '2' }, storageClass: 'STANDARD_IA' },
      ],
    });
    const [first, second] = renderReplicationRules(crr, 'aws');
    expect(first?.filter).toEqual({ tag: { key: 'tier', value: 'gold' } });
    expect(first?.deleteMarkerReplication).toEqual({ status: 'Disabled' });
    expect(first?.destination).toEqual({
      bucket: 'arn:aws:s3:::media-eu',
      storageClass: undefined,
      account: '222222222222',
      accessControlTranslation: { owner: 'Destination' },
      encryptionConfiguration: { replicaKmsKeyId: DST_KEY },
      metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
      replicationTime: { status: 'Enabled', time: { minutes: 15 } },
    });
    expect(first?.sourceSelectionCriteria).toEqual({
      replicaModifications: undefined,
      sseKmsEncryptedObjects: { status: 'Enabled' },
    });
    expect(second?.filter).toEqual({ and: { prefix: 'video/', tags: { a: '1', b: '2' } } });
    expect(second?.destination.storageClass).toBe('STANDARD_IA');
  });

  it('omits metrics when they are turned off', () => {
    const crr = resolve({ ...basic, rules: [{ id: 'quiet', metrics: false }] });
    expect(renderReplicationRules(crr, 'aws')[0]?.destination.metrics).toBeUndefined();
  });
});

describe('replicationRolePolicy', () => {
  it('groups destinations by owner override and grants nothing on a destination no rule uses', () => {
    const crr = resolve({
      source: { bucketName: 'media-af' },
      destinations: [
        { bucketName: 'media-eu' },
        { bucketName: 'media-other', accountId: '222222222222' },
        { bucketName: 'media-unused' },
      ],
      rules: [
        { id: 'a', destination: 'media-eu' },
        { id: 'b', destination: 'media-other' },
      ],
    });
    const policy = replicationRolePolicy(crr, 'aws', {
      source: 's3.af-south-1.amazonaws.com',
      destinations: {
        'media-eu': 's3.eu-west-1.amazonaws.com',
        'media-other': 's3.eu-west-1.amazonaws.com',
        'media-unused': 's3.eu-west-1.amazonaws.com',
      },
    });
    expect(policy.Statement.slice(2).map((s) => [s.Sid, s.Resource])).toEqual([
      ['ReplicateIntoDestinations', ['arn:aws:s3:::media-eu/*']],
      ['ReplicateIntoDestinationsAsOwner', ['arn:aws:s3:::media-other/*']],
    ]);
  });

  it('adds decrypt and encrypt statements limited to S3 in each region when KMS is used', () => {
    const crr = resolve({
      source: { bucketName: 'media-af', kmsKeyArn: SRC_KEY, bucketKeyEnabled: false },
      destinations: [{ bucketName: 'media-eu', kmsKeyArn: DST_KEY, bucketKeyEnabled: false }],
      rules: [{ id: 'all' }],
    });
    const policy = replicationRolePolicy(crr, 'aws', {
      source: 's3.af-south-1.amazonaws.com',
      destinations: { 'media-eu': 's3.eu-west-1.amazonaws.com' },
    });
    expect(policy.Statement.slice(3)).toEqual([
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [SRC_KEY],
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.af-south-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::media-af/*'],
          },
        },
      },
      {
        Sid: 'EncryptReplicasall',
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: [DST_KEY],
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.eu-west-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::media-eu/*'],
          },
        },
      },
    ]);
  });
});

describe('two-way and cross-account', () => {
  const pair: CrrProps = {
    source: { bucketName: 'media-af', accountId: '111111111111' },
    destinations: [{ bucketName: 'media-eu', accountId: '222222222222' }],
    rules: [{ id: 'all' }],
    twoWay: true,
  };

  it('mirrors the rules with replica modification sync and swaps the accounts', () => {
    const forward = resolve(pair);
    const reverse = reverseCrr(forward);
    expect(forward.rules[0]?.replicaModifications).toBe(true);
    expect(reverse.source.bucketName).toBe('media-eu');
    expect(reverse.destinations).toEqual([
      expect.objectContaining({ bucketName: 'media-af', accountId: '111111111111', ownerOverride: true, bucketPolicy: true }),
    ]);
    expect(reverse.rules).toEqual([expect.objectContaining({ id: 'all', destination: 'media-af', replicaModifications: true })]);
  });

  it('fails on a cross-account pair without the source account', () => {
    expect(problemsOf({ ...pair, source: { bucketName: 'media-af' } })).toEqual([
      "source.accountId: is required for a two-way pair across accounts: it is the reverse direction's destination account",
    ]);
  });

  it('grants owner override in the destination bucket policy only when ownership is handed over', () => {
    const role = 'arn:aws:iam::111111111111:role/replication';
    const keepOwner = resolve({ ...pair, destinations: [{ bucketName: 'media-eu', accountId: '222222222222', ownerOverride: false }] });
    const [destination] = keepOwner.destinations;
    if (!destination) throw new Error('no destination');
    expect(destinationBucketPolicy('aws', destination, role).Statement[0]?.Action).toEqual([
      's3:ReplicateObject',
      's3:ReplicateDelete',
      's3:ReplicateTags',
    ]);
  });
});

describe('replicationAlarmSpecs', () => {
  it('creates failed and latency alarms per rule with metrics, none for rules without', () => {
    const crr = resolve({ ...basic, rules: [{ id: 'all', priority: 1 }, { id: 'quiet', prefix: 'q/', metrics: false }] });
    const specs = replicationAlarmSpecs(crr, DEFAULT_ALARM_THRESHOLDS);
    expect(specs.map((s) => [s.role, s.metricName, s.statistic, s.threshold, s.evaluationPeriods])).toEqual([
      ['failed-all', 'OperationsFailedReplication', 'Sum', 0, 1],
      ['latency-all', 'ReplicationLatency', 'Maximum', 900, 3],
    ]);
    expect(specs[0]?.dimensions).toEqual({ SourceBucket: 'media-af', DestinationBucket: 'media-eu', RuleId: 'all' });
  });
});

describe('default priorities', () => {
  it('skip the priorities other rules claim', () => {
    const crr = resolve({ ...basic, rules: [{ id: 'a' }, { id: 'b', priority: 0 }, { id: 'c' }] });
    expect(crr.rules.map((r) => r.priority)).toEqual([1, 0, 2]);
  });
});

describe('adopting a bucket whose replication configuration this component replaces', () => {
  it('fails when an adopted source does not say replaceExistingRules: true', () => {
    expect(problemsOf({ ...basic, source: { bucketName: 'media-af', adopt: true } })).toEqual([
      "source.replaceExistingRules: must be true to adopt a source bucket: S3 keeps one replication configuration per bucket and this component replaces it, deleting every rule it does not declare",
    ]);
    expect(resolve({ ...basic, source: { bucketName: 'media-af', adopt: true, replaceExistingRules: true } }).source.adopt).toBe(true);
  });

  it('fails when the adopted destination of a two-way pair does not say it either (the reverse direction replaces its configuration)', () => {
    expect(problemsOf({ ...basic, twoWay: true, destinations: [{ bucketName: 'media-eu', adopt: true }] })).toEqual([
      "destinations[0].replaceExistingRules: must be true to adopt a source bucket: S3 keeps one replication configuration per bucket and this component replaces it, deleting every rule it does not declare",
    ]);
    expect(resolve({ ...basic, destinations: [{ bucketName: 'media-eu', adopt: true }] }).destinations[0]?.adopt).toBe(true);
  });
});

describe('iamNamePrefix', () => {
  it('keeps a short prefix as it is', () => {
    expect(iamNamePrefix('media-replication-')).toBe('media-replication-');
  });

  it('keeps long prefixes distinct and within the 38 characters IAM allows a name prefix', () => {
    const name = 'a-component-name-long-enough-to-overflow-iam';
    const forward = iamNamePrefix(`${name}-replication-`);
    const reverse = iamNamePrefix(`${name}-reverse-replication-`);
    expect(forward).not.toBe(reverse);
    for (const prefix of [forward, reverse]) {
      expect(prefix.length).toBeLessThanOrEqual(38);
      expect(prefix).toMatch(/^a-component-name-long-enough-[0-9a-f]{8}-$/);
    }
  });

  it('replaces characters IAM does not allow in role names', () => {
    expect(iamNamePrefix('team/app:media-replication-')).toMatch(/^team-app-media-replication-[0-9a-f]{8}-$/);
  });
});

describe('S3 Bucket Keys, DSSE-KMS and cross-account replica keys', () => {
  const kmsPair = (source: object, destination: object): CrrProps => ({
    source: { bucketName: 'media-af', kmsKeyArn: SRC_KEY, ...source },
    destinations: [{ bucketName: 'media-eu', kmsKeyArn: DST_KEY, ...destination }],
    rules: [{ id: 'all' }],
  });
  const via = { source: 's3.af-south-1.amazonaws.com', destinations: { 'media-eu': 's3.eu-west-1.amazonaws.com' } };
  type Statement = { Sid?: string; Action: string | string[]; Condition?: { StringLike: Record<string, unknown> } };
  const statement = (crr: CrrProps, sid: string) =>
    (replicationRolePolicy(resolve(crr), 'aws', via).Statement as unknown as Statement[]).find((s) => s.Sid === sid);

  it('turns S3 Bucket Keys on for a created SSE-KMS bucket, off for an adopted one unless declared', () => {
    const crr = resolve(kmsPair({}, { adopt: true }));
    expect(crr.source.bucketKey).toBe(true);
    expect(crr.destinations[0]?.bucketKey).toBe(false);
    expect(resolve(basic).source.bucketKey).toBe(false);
  });

  it('lets S3 use the bucket ARN as encryption context, and decrypt with the replica key, where a bucket uses Bucket Keys', () => {
    const crr = kmsPair({}, {});
    expect(statement(crr, 'DecryptSourceObjects')?.Condition?.StringLike['kms:EncryptionContext:aws:s3:arn']).toEqual([
      'arn:aws:s3:::media-af/*',
      'arn:aws:s3:::media-af',
    ]);
    expect(statement(crr, 'EncryptReplicasall')).toMatchObject({
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::media-eu/*', 'arn:aws:s3:::media-eu'] } },
    });
    const withoutBucketKeys = kmsPair({ bucketKeyEnabled: false }, { bucketKeyEnabled: false });
    expect(statement(withoutBucketKeys, 'EncryptReplicasall')).toMatchObject({
      Action: 'kms:Encrypt',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::media-eu/*'] } },
    });
  });

  it('grants kms:GenerateDataKey on the replica key when the source holds DSSE-KMS objects', () => {
    const crr = kmsPair({ sseAlgorithm: 'aws:kms:dsse', bucketKeyEnabled: false }, { bucketKeyEnabled: false });
    expect(statement(crr, 'EncryptReplicasall')?.Action).toEqual(['kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('fails on S3 Bucket Keys with DSSE-KMS, and on Bucket Keys or DSSE-KMS without a KMS key', () => {
    expect(problemsOf(kmsPair({ sseAlgorithm: 'aws:kms:dsse', bucketKeyEnabled: true }, { adopt: true, sseAlgorithm: 'aws:kms:dsse', bucketKeyEnabled: true }))).toEqual([
      "source.bucketKeyEnabled: must be false with sseAlgorithm 'aws:kms:dsse': S3 Bucket Keys are not supported for DSSE-KMS",
      "destinations[0].bucketKeyEnabled: must be false with sseAlgorithm 'aws:kms:dsse': S3 Bucket Keys are not supported for DSSE-KMS",
    ]);
    expect(problemsOf({ ...basic, source: { bucketName: 'media-af', bucketKeyEnabled: true, sseAlgorithm: 'aws:kms' } })).toEqual([
      'source.sseAlgorithm: needs kmsKeyArn',
      'source.bucketKeyEnabled: needs kmsKeyArn: S3 Bucket Keys only apply to SSE-KMS',
    ]);
  });

  it('renders the statement a replica key in another account needs for the replication role', () => {
    const crr = resolve(kmsPair({ sseAlgorithm: 'aws:kms:dsse', bucketKeyEnabled: false }, { accountId: '222222222222' }));
    expect(replicaKeyPolicyStatements(crr, 'aws', via, 'arn:aws:iam::111111111111:role/r')).toEqual({
      'media-eu': {
        Sid: 'AllowSourceReplicationRoleToEncryptReplicas',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:role/r' },
        Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringLike: {
            'kms:ViaService': 's3.eu-west-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::media-eu/*', 'arn:aws:s3:::media-eu'],
          },
        },
      },
    });
    expect(replicaKeyPolicyStatements(resolve(kmsPair({}, {})), 'aws', via, 'r')).toEqual({});
  });
});

describe('Object Lock', () => {
  it('lets the role read retention and legal hold of source objects when the source uses Object Lock', () => {
    const crr = resolve({ ...basic, source: { bucketName: 'media-af', objectLock: true }, destinations: [{ bucketName: 'media-eu', objectLock: true }] });
    const via = { source: 's3.af-south-1.amazonaws.com', destinations: { 'media-eu': 's3.eu-west-1.amazonaws.com' } };
    const read = replicationRolePolicy(crr, 'aws', via).Statement.find((s) => s.Sid === 'ReadSourceObjectVersions');
    expect(read?.Action).toEqual([
      's3:GetObjectVersionForReplication',
      's3:GetObjectVersionAcl',
      's3:GetObjectVersionTagging',
      's3:GetObjectRetention',
      's3:GetObjectLegalHold',
    ]);
  });

  it('fails when the source uses Object Lock and a destination does not', () => {
    expect(problemsOf({ ...basic, source: { bucketName: 'media-af', objectLock: true } })).toEqual([
      'destinations[0].objectLock: must be true when the source uses Object Lock: S3 replicates locked objects only into a bucket with Object Lock enabled',
    ]);
  });
});

describe('bucket names known only at deploy time', () => {
  it('names such a bucket by its id, which rules refer to', () => {
    const crr = resolveCrr<{ deferred: string }>(new Problems('crr'), {
      source: { bucketName: { deferred: 'src' }, id: 'source' },
      destinations: [{ bucketName: { deferred: 'dst' }, id: 'replica' }, { bucketName: 'plain-eu' }],
      rules: [{ id: 'a', destination: 'replica' }, { id: 'b', destination: 'plain-eu' }],
    });
    expect(crr.source).toMatchObject({ key: 'source', bucketName: { deferred: 'src' } });
    expect(crr.destinations.map((d) => d.key)).toEqual(['replica', 'plain-eu']);
    expect(crr.rules.map((r) => r.destination)).toEqual(['replica', 'plain-eu']);
  });

  it('fails when a deploy-time bucket name has no id', () => {
    expect(() =>
      resolveCrr<{ deferred: string }>(new Problems('crr'), {
        source: { bucketName: { deferred: 'src' } },
        destinations: [{ bucketName: 'plain-eu' }],
        rules: [{ id: 'a' }],
      }),
    ).toThrow("'source.id' is required when bucketName is not a plain string: it names the bucket's resources and rules refer to it");
  });

  it('renders rules and policies with the names once they are known', () => {
    const crr = resolveCrr(new Problems('crr'), {
      source: { bucketName: 'media-af-1a2b', id: 'source' },
      destinations: [{ bucketName: 'media-eu-3c4d', id: 'replica' }],
      rules: [{ id: 'all' }],
    });
    expect(renderReplicationRules(crr, 'aws')[0]?.destination.bucket).toBe('arn:aws:s3:::media-eu-3c4d');
    const policy = replicationRolePolicy(crr, 'aws', { source: 'x', destinations: { replica: 'y' } });
    expect(policy.Statement.map((s) => s.Resource)).toEqual([
      ['arn:aws:s3:::media-af-1a2b'],
      ['arn:aws:s3:::media-af-1a2b/*'],
      ['arn:aws:s3:::media-eu-3c4d/*'],
    ]);
  });
});
