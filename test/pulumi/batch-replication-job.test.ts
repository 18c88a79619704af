import { describe, expect, it } from 'vitest';
import type {
  CreateJobCommandInput,
  DescribeJobCommandInput,
  UpdateJobStatusCommandInput,
} from '@aws-sdk/client-s3-control';
import { BatchReplicationJobLifecycle, type S3ControlJobs } from '../../lib/pulumi/batch-replication-job';
import type { BatchReplicationJobInputs } from '../../lib/model/batch-replication';

/** Records every request and answers with the given job id and status. */
class StubS3Control implements S3ControlJobs {
  readonly requests: { op: string; input: unknown }[] = [];

  constructor(
    private readonly answers: { jobId?: string; status?: string; describeError?: Error } = {},
  ) {}

  async createJob(input: CreateJobCommandInput) {
    this.requests.push({ op: 'CreateJob', input });
    return { JobId: this.answers.jobId };
  }

  async describeJob(input: DescribeJobCommandInput) {
    this.requests.push({ op: 'DescribeJob', input });
    if (this.answers.describeError) throw this.answers.describeError;
    return { Job: { Status: this.answers.status } };
  }

  async updateJobStatus(input: UpdateJobStatusCommandInput) {
    this.requests.push({ op: 'UpdateJobStatus', input });
    return {};
  }
}

const inputs: BatchReplicationJobInputs = {
  accountId: '111111111111',
  region: 'af-south-1',
  partition: 'aws',
  sourceBucketName: 'media-af',
  roleArn: 'arn:aws:iam::111111111111:role/batch',
  replicationStatuses: ['NONE', 'FAILED'],
  reportBucketName: 'media-reports',
  reportPrefix: 'batch-replication-reports/',
  priority: 10,
  description: 'bucketbridge backfill media-af (media)',
  trigger: 'initial',
  clientRequestToken: 'a'.repeat(64),
};

describe('BatchReplicationJobLifecycle.create', () => {
  it('sends one CreateJob for eligible objects with status NONE or FAILED and records the job id', async () => {
    const client = new StubS3Control({ jobId: 'job-42' });
    const created = await new BatchReplicationJobLifecycle(client).create(inputs);
    expect(created).toEqual({ id: 'job-42', outs: { ...inputs, jobId: 'job-42' } });
    expect(client.requests).toEqual([
      {
        op: 'CreateJob',
        input: {
          AccountId: '111111111111',
          ConfirmationRequired: false,
          Operation: { S3ReplicateObject: {} },
          Priority: 10,
          RoleArn: 'arn:aws:iam::111111111111:role/batch',
          ClientRequestToken: 'a'.repeat(64),
          Description: 'bucketbridge backfill media-af (media)',
          Report: {
            Enabled: true,
            Bucket: 'arn:aws:s3:::media-reports',
            Prefix: 'batch-replication-reports/',
            Format: 'Report_CSV_20180820',
            ReportScope: 'AllTasks',
          },
          ManifestGenerator: {
            S3JobManifestGenerator: {
              ExpectedBucketOwner: '111111111111',
              SourceBucket: 'arn:aws:s3:::media-af',
              EnableManifestOutput: false,
              Filter: { EligibleForReplication: true, ObjectReplicationStatuses: ['NONE', 'FAILED'] },
            },
          },
        },
      },
    ]);
  });

  it('fails when S3 Control returns no job id', async () => {
    await expect(new BatchReplicationJobLifecycle(new StubS3Control({})).create(inputs)).rejects.toThrow(
      'S3 Control CreateJob returned no JobId for bucket media-af',
    );
  });
});

describe('BatchReplicationJobLifecycle.delete', () => {
  const outs = { ...inputs, jobId: 'job-42' };

  it('cancels a job that is still running', async () => {
    const client = new StubS3Control({ status: 'Active' });
    await new BatchReplicationJobLifecycle(client).delete('job-42', outs);
    expect(client.requests).toEqual([
      { op: 'DescribeJob', input: { AccountId: '111111111111', JobId: 'job-42' } },
      {
        op: 'UpdateJobStatus',
        input: {
          AccountId: '111111111111',
          JobId: 'job-42',
          RequestedJobStatus: 'Cancelled',
          StatusUpdateReason: 'backfill resource deleted by Pulumi',
        },
      },
    ]);
  });

  it.each(['Complete', 'Failed', 'Cancelled', 'Completing'])('leaves a %s job alone', async (status) => {
    const client = new StubS3Control({ status });
    await new BatchReplicationJobLifecycle(client).delete('job-42', outs);
    expect(client.requests.map((r) => r.op)).toEqual(['DescribeJob']);
  });

  it('treats a job S3 no longer knows as deleted', async () => {
    const gone = Object.assign(new Error('no such job'), { name: 'NotFoundException' });
    const client = new StubS3Control({ describeError: gone });
    await expect(new BatchReplicationJobLifecycle(client).delete('job-42', outs)).resolves.toBeUndefined();
  });

  it('propagates any other error', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    const client = new StubS3Control({ describeError: denied });
    await expect(new BatchReplicationJobLifecycle(client).delete('job-42', outs)).rejects.toThrow('denied');
  });
});
