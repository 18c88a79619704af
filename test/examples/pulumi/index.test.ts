import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findAll, findByKind, installMocks, settle, valueOf, type MockState } from '../../pulumi/mocks';

let state: MockState;
let program: typeof import('../../../examples/pulumi/index');

const SOURCE_ACCOUNT = '111111111111';
const DESTINATION_ACCOUNT = '222222222222';

beforeAll(async () => {
  state = await installMocks();
  const pulumi = await import('@pulumi/pulumi');
  pulumi.runtime.setAllConfig({
    'bucketbridge:sourceAccountId': SOURCE_ACCOUNT,
    'bucketbridge:destinationAccountId': DESTINATION_ACCOUNT,
    'bucketbridge:destinationAccountRoleArn': `arn:aws:iam::${DESTINATION_ACCOUNT}:role/deployer`,
    'bucketbridge:bucketPrefix': 'acme',
  });
  program = await import('../../../examples/pulumi/index');
  await valueOf(program.mediaAlarmArns);
  await settle(state);
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

describe('examples/pulumi', () => {
  it("sets up the AWS side of the runbook topology and exports what the cdk8s side's loop guard needs", async () => {
    expect(findByKind(state, 'bucketbridge:aws:ReplicationTopology', 'rciis')).toBeDefined();
    expect(findByKind(state, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'rciis-aws-regions-replication').inputs.bucket).toBe(
      'rciis-data-af-south-1',
    );
    expect(findByKind(state, 'aws:sqs/queue:Queue', 'rciis-ceph-aws-events').inputs.name).toBe('rciis-s3-replication-events');
    expect(await valueOf(program.rciisReplicatorPrincipalIds)).toEqual({ 'ceph-aws': 'AWS:AIDAEXAMPLEUNIQUEID01' });
    expect(await valueOf(program.rciisReplicatorQueueUrls)).toEqual({
      'ceph-aws': `https://sqs.af-south-1.amazonaws.com/${SOURCE_ACCOUNT}/rciis-s3-replication-events`,
    });
  });

  it('replicates af-south-1 -> eu-west-1 in one account, backfilled by Batch Replication', async () => {
    expect(findByKind(state, 'aws:s3/bucket:Bucket', 'media-source')).toMatchObject({
      provider: 'af-south-1',
      inputs: { bucket: 'acme-media-af-south-1' },
    });
    expect(findByKind(state, 'aws:s3/bucket:Bucket', 'media-destination-acme-media-eu-west-1').provider).toBe('eu-west-1');
    expect(findByKind(state, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'media-replication').inputs).toMatchObject({
      bucket: 'acme-media-af-south-1',
      rules: [{ id: 'everything', destination: { bucket: 'arn:aws:s3:::acme-media-eu-west-1' } }],
    });
    expect(findByKind(state, 'pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob', 'media-backfill').inputs).toMatchObject({
      accountId: SOURCE_ACCOUNT,
      region: 'af-south-1',
      reportBucketName: 'acme-replication-reports',
    });
    expect(await valueOf(program.mediaBackfillJobId as NonNullable<typeof program.mediaBackfillJobId>)).toBe('job-0001');
  });

  it('replicates into another account through a role assumed there, with ownership handed over', async () => {
    const policy = findByKind(state, 'aws:s3/bucketPolicy:BucketPolicy', 'archive-destination-acme-archive-eu-west-1-policy');
    expect(policy.provider).toBe('eu-west-1-destination-account');
    expect(JSON.parse(String(policy.inputs.policy)).Statement[0].Principal).toEqual({
      AWS: `arn:aws:iam::${SOURCE_ACCOUNT}:role/archive-replication-role`,
    });
    expect(findByKind(state, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'archive-replication').inputs).toMatchObject({
      rules: [
        {
          id: 'records',
          filter: { prefix: 'records/' },
          destination: {
            account: DESTINATION_ACCOUNT,
            accessControlTranslation: { owner: 'Destination' },
            replicationTime: { status: 'Enabled', time: { minutes: 15 } },
          },
        },
      ],
    });
    expect(Object.keys(await valueOf(program.archiveDestinationPolicies))).toEqual(['acme-archive-eu-west-1']);
  });

  it('sends every alarm to the SNS topic in af-south-1', () => {
    const alarms = findAll(state, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    expect(alarms.map((a) => a.name).sort()).toEqual([
      'archive-alarm-failed-records',
      'archive-alarm-latency-records',
      'media-alarm-failed-everything',
      'media-alarm-latency-everything',
      'rciis-aws-regions-alarm-failed-aws-regions',
      'rciis-aws-regions-alarm-latency-aws-regions',
    ]);
    for (const alarm of alarms) {
      expect(alarm.provider).toBe(alarm.name.startsWith('rciis-') ? 'rciis-af-south-1' : 'af-south-1');
      expect(alarm.inputs.alarmActions).toEqual([expect.stringMatching(/^arn:aws:sns:af-south-1:/)]);
    }
  });
});
