import { describe, expect, it } from 'vitest';
import { batchReplicationRolePolicy, clientRequestToken, createJobRequest } from '../../lib/model/batch-replication';

describe('createJobRequest', () => {
  it('replicates eligible objects with the chosen statuses and reports every task', () => {
    const request = createJobRequest(
      {
        accountId: '111111111111',
        region: 'af-south-1',
        partition: 'aws',
        sourceBucketName: 'media-af',
        roleArn: 'arn:aws:iam::111111111111:role/batch',
        replicationStatuses: ['NONE', 'FAILED'],
        reportBucketName: 'media-reports',
        reportPrefix: 'backfill/',
        priority: 10,
        description: 'backfill',
        trigger: 'initial',
        clientRequestToken: 'token-1',
      },
    );
    expect(request.Operation).toEqual({ S3ReplicateObject: {} });
    expect(request.ConfirmationRequired).toBe(false);
    expect(request.ManifestGenerator.S3JobManifestGenerator.Filter).toEqual({
      EligibleForReplication: true,
      ObjectReplicationStatuses: ['NONE', 'FAILED'],
    });
    expect(request.Report).toMatchObject({ Enabled: true, Bucket: 'arn:aws:s3:::media-reports', ReportScope: 'AllTasks' });
  });
});

describe('batchReplicationRolePolicy', () => {
  it('scopes replication to the source and report writes to the report prefix', () => {
    expect(batchReplicationRolePolicy('aws', 'media-af', 'media-reports', 'backfill/').Statement).toEqual([
      {
        Sid: 'InitiateReplicationOfSourceObjects',
        Effect: 'Allow',
        Action: ['s3:InitiateReplication'],
        Resource: ['arn:aws:s3:::media-af/*'],
      },
      {
        Sid: 'GenerateManifestFromReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:PutInventoryConfiguration'],
        Resource: ['arn:aws:s3:::media-af'],
      },
      {
        Sid: 'WriteCompletionReport',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: ['arn:aws:s3:::media-reports/backfill/*'],
      },
    ]);
  });
});

describe('clientRequestToken', () => {
  const spec = {
    accountId: '111111111111',
    region: 'af-south-1',
    partition: 'aws',
    sourceBucketName: 'media-af',
    roleArn: 'arn:aws:iam::111111111111:role/batch',
    replicationStatuses: ['NONE', 'FAILED'] as const,
    reportBucketName: 'media-reports',
    reportPrefix: 'backfill/',
    priority: 10,
    description: 'backfill',
    trigger: 'initial',
  };

  it('is stable for the same inputs in any key order and fits the 64-character limit', () => {
    const reordered = Object.fromEntries(Object.entries(spec).reverse()) as typeof spec;
    expect(clientRequestToken({ ...spec, replicationStatuses: ['NONE', 'FAILED'] })).toBe(
      clientRequestToken({ ...reordered, replicationStatuses: ['NONE', 'FAILED'] }),
    );
    expect(clientRequestToken({ ...spec, replicationStatuses: ['NONE', 'FAILED'] })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when the trigger changes, so a new job runs', () => {
    const statuses: ('NONE' | 'FAILED')[] = ['NONE', 'FAILED'];
    expect(clientRequestToken({ ...spec, replicationStatuses: statuses })).not.toBe(
      clientRequestToken({ ...spec, replicationStatuses: statuses, trigger: 'again' }),
    );
  });
});
