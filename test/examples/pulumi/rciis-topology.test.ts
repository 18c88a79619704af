import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findAll, findByKind, installMocks, settle, type MockState } from '../../pulumi/mocks';

let state: MockState;

beforeAll(async () => {
  state = await installMocks();
  const { rciisAwsSide } = await import('../../../examples/pulumi/rciis-topology');
  rciisAwsSide();
  await settle(state);
});

afterEach(() => {
  expect(state.unknown).toEqual([]);
});

describe('examples/pulumi/rciis-topology', () => {
  it('creates the CRR pair and the AWS end of the replicator with the runbook names', () => {
    expect(findByKind(state, 'aws:s3/bucketReplicationConfig:BucketReplicationConfig', 'rciis-aws-regions-replication').inputs).toMatchObject({
      bucket: 'rciis-data-af-south-1',
      rules: [{ id: 'aws-regions', destination: { bucket: 'arn:aws:s3:::rciis-data-eu-west-1' } }],
    });
    expect(findAll(state, 'aws:sqs/queue:Queue').map((q) => q.inputs.name).sort()).toEqual([
      'rciis-s3-replication-dlq',
      'rciis-s3-replication-events',
    ]);
    expect(findByKind(state, 'aws:iam/user:User', 'rciis-ceph-aws-user').inputs.name).toBe('rciis-ceph-s3-replicator');
    expect(findByKind(state, 'aws:s3/bucket:Bucket', 'rciis-ceph-aws-bucket')).toMatchObject({
      provider: 'rciis-af-south-1',
      inputs: { bucket: 'rciis-ceph-replica-af-south-1' },
    });
  });
});
