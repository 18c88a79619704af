import { describe, expect, it } from 'vitest';
import { Problems, ValidationError } from '../../lib/model/errors';
import {
  destinationBucketPolicy,
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
      source: { bucketName: 'media-af', kmsKeyArn: SRC_KEY },
      destinations: [{ bucketName: 'media-eu', kmsKeyArn: DST_KEY }],
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
