import { createHash } from 'node:crypto';
import { bucketArn, type PolicyDocument } from './crr';

/**
 * Pure pieces of an S3 Batch Replication backfill: the S3 Control `CreateJob` request (in the
 * API's own field names) and the batch-operations role's permission policy.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html
 */

/** Replication statuses a batch replication job can select objects by. */
export type BatchReplicationStatus = 'NONE' | 'FAILED' | 'COMPLETED' | 'REPLICA';

/** Everything a batch replication job is created from; all plain values at create time. */
export interface BatchReplicationJobInputs {
  /** Account that owns the source bucket and runs the job. */
  readonly accountId: string;
  /** Region of the source bucket; S3 Control is called there. */
  readonly region: string;
  readonly partition: string;
  readonly sourceBucketName: string;
  /** Role assumed by `batchoperations.s3.amazonaws.com`. */
  readonly roleArn: string;
  /** Objects whose replication status is one of these are replicated. */
  readonly replicationStatuses: readonly BatchReplicationStatus[];
  /** Bucket receiving the completion report. */
  readonly reportBucketName: string;
  readonly reportPrefix: string;
  /** Job priority, higher runs first. */
  readonly priority: number;
  readonly description: string;
  /** Opaque value the user changes to run a new job; part of the idempotency token. */
  readonly trigger: string;
  /** Idempotency token, {@link clientRequestToken} of the other inputs. */
  readonly clientRequestToken: string;
}

/**
 * `CreateJob` idempotency token derived from the job's inputs: a retried create after a lost
 * response returns the same job instead of starting a second one, while any change of inputs
 * (including `trigger`) yields a new token and so a new job.
 */
export function clientRequestToken(inputs: Omit<BatchReplicationJobInputs, 'clientRequestToken'>): string {
  const ordered = Object.fromEntries(Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex').slice(0, 64);
}

/**
 * `CreateJob` request: `S3ReplicateObject` over a manifest S3 generates from the source bucket's
 * replication configuration (`EligibleForReplication`) limited to the given replication statuses,
 * without a stored manifest, reporting every task to the report bucket, and starting without
 * confirmation.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobManifestGeneratorFilter.html
 */
export function createJobRequest(inputs: BatchReplicationJobInputs) {
  return {
    AccountId: inputs.accountId,
    ConfirmationRequired: false,
    Operation: { S3ReplicateObject: {} },
    Priority: inputs.priority,
    RoleArn: inputs.roleArn,
    ClientRequestToken: inputs.clientRequestToken,
    Description: inputs.description,
    Report: {
      Enabled: true,
      Bucket: bucketArn(inputs.partition, inputs.reportBucketName),
      Prefix: inputs.reportPrefix,
      Format: 'Report_CSV_20180820' as const,
      ReportScope: 'AllTasks' as const,
    },
    ManifestGenerator: {
      S3JobManifestGenerator: {
        ExpectedBucketOwner: inputs.accountId,
        SourceBucket: bucketArn(inputs.partition, inputs.sourceBucketName),
        EnableManifestOutput: false,
        Filter: {
          EligibleForReplication: true,
          ObjectReplicationStatuses: [...inputs.replicationStatuses],
        },
      },
    },
  };
}

/** Job states in which a job can still be cancelled. */
export const CANCELLABLE_JOB_STATUSES: readonly string[] = [
  'New',
  'Preparing',
  'Suspended',
  'Ready',
  'Active',
  'Pausing',
  'Paused',
];

/**
 * Permission policy of the batch-operations role: start replication of the source's objects, read
 * its replication configuration and generate the manifest (an inventory configuration under the
 * hood), and write the completion report under its prefix only.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-policies.html
 */
export function batchReplicationRolePolicy(
  partition: string,
  sourceBucketName: string,
  reportBucketName: string,
  reportPrefix: string,
): PolicyDocument {
  const source = bucketArn(partition, sourceBucketName);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InitiateReplicationOfSourceObjects',
        Effect: 'Allow',
        Action: ['s3:InitiateReplication'],
        Resource: [`${source}/*`],
      },
      {
        Sid: 'GenerateManifestFromReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:PutInventoryConfiguration'],
        Resource: [source],
      },
      {
        Sid: 'WriteCompletionReport',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`${bucketArn(partition, reportBucketName)}/${reportPrefix}*`],
      },
    ],
  };
}
