import * as pulumi from '@pulumi/pulumi';
import type {
  CreateJobCommandInput,
  DescribeJobCommandInput,
  UpdateJobStatusCommandInput,
} from '@aws-sdk/client-s3-control';
import {
  CANCELLABLE_JOB_STATUSES,
  createJobRequest,
  type BatchReplicationJobInputs,
  type BatchReplicationStatus,
} from '../model/batch-replication';

/**
 * The three S3 Control calls a batch replication job needs. The SDK's `S3Control` satisfies it;
 * tests pass a stub and read the requests it received.
 */
export interface S3ControlJobs {
  createJob(input: CreateJobCommandInput): Promise<{ JobId?: string }>;
  describeJob(input: DescribeJobCommandInput): Promise<{ Job?: { Status?: string } }>;
  updateJobStatus(input: UpdateJobStatusCommandInput): Promise<unknown>;
}

/** State recorded for a created job. */
export interface BatchReplicationJobOutputs extends BatchReplicationJobInputs {
  readonly jobId: string;
}

/**
 * Create and delete of one S3 Batch Replication job, as plain code over an injected client.
 *
 * Create sends `CreateJob` with the idempotency token derived from the inputs, so a retried
 * `pulumi up` after a lost response gets the same job back instead of a second one. Delete
 * cancels the job if it is still running; a finished job cannot be deleted and stays in the
 * account's job history (S3 keeps it 90 days).
 */
export class BatchReplicationJobLifecycle {
  constructor(private readonly client: S3ControlJobs) {}

  async create(inputs: BatchReplicationJobInputs): Promise<{ id: string; outs: BatchReplicationJobOutputs }> {
    const response = await this.client.createJob(createJobRequest(inputs));
    if (response.JobId === undefined) {
      throw new Error(`S3 Control CreateJob returned no JobId for bucket ${inputs.sourceBucketName}`);
    }
    return { id: response.JobId, outs: { ...inputs, jobId: response.JobId } };
  }

  async delete(jobId: string, outs: BatchReplicationJobOutputs): Promise<void> {
    let status: string | undefined;
    try {
      status = (await this.client.describeJob({ AccountId: outs.accountId, JobId: jobId })).Job?.Status;
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundException') return;
      throw err;
    }
    if (status !== undefined && CANCELLABLE_JOB_STATUSES.includes(status)) {
      await this.client.updateJobStatus({
        AccountId: outs.accountId,
        JobId: jobId,
        RequestedJobStatus: 'Cancelled',
        StatusUpdateReason: 'backfill resource deleted by Pulumi',
      });
    }
  }
}

/** Input keys; a change to any of them creates a new job (jobs cannot be updated). */
const INPUT_KEYS: readonly (keyof BatchReplicationJobInputs)[] = [
  'accountId',
  'region',
  'partition',
  'sourceBucketName',
  'roleArn',
  'replicationStatuses',
  'reportBucketName',
  'reportPrefix',
  'priority',
  'description',
  'trigger',
  'clientRequestToken',
];

/** AWS shared-config profile for the provider's S3 Control client, recorded with the inputs. */
interface ProviderInputs extends BatchReplicationJobInputs {
  readonly profile?: string;
}

/**
 * The provider below is serialized into the stack's state and run by the Pulumi engine later, so
 * the SDK is loaded with `require` at call time: Pulumi's closure serializer keeps a `require`
 * call as it is, whereas a captured module object would be serialized by value.
 */
function lifecycleFor(inputs: ProviderInputs): BatchReplicationJobLifecycle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3Control } = require('@aws-sdk/client-s3-control') as typeof import('@aws-sdk/client-s3-control');
  return new BatchReplicationJobLifecycle(
    new S3Control({ region: inputs.region, ...(inputs.profile ? { profile: inputs.profile } : {}) }),
  );
}

function jobInputs(inputs: ProviderInputs): BatchReplicationJobInputs {
  const picked: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) picked[key] = inputs[key];
  return picked as unknown as BatchReplicationJobInputs;
}

const provider: pulumi.dynamic.ResourceProvider<ProviderInputs, BatchReplicationJobOutputs> = {
  async create(inputs) {
    const created = await lifecycleFor(inputs).create(jobInputs(inputs));
    return { id: created.id, outs: { ...created.outs, ...(inputs.profile ? { profile: inputs.profile } : {}) } };
  },
  async diff(_id, olds, news) {
    const replaces = INPUT_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async delete(id, outs) {
    await lifecycleFor(outs).delete(id, outs);
  },
};

/** Arguments of {@link BatchReplicationJob}. */
export interface BatchReplicationJobArgs {
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly partition: pulumi.Input<string>;
  readonly sourceBucketName: pulumi.Input<string>;
  readonly roleArn: pulumi.Input<string>;
  readonly replicationStatuses: pulumi.Input<BatchReplicationStatus[]>;
  readonly reportBucketName: pulumi.Input<string>;
  readonly reportPrefix: pulumi.Input<string>;
  readonly priority: pulumi.Input<number>;
  readonly description: pulumi.Input<string>;
  readonly trigger: pulumi.Input<string>;
  readonly clientRequestToken: pulumi.Input<string>;
  /**
   * AWS shared-config profile the job is created with. Dynamic providers run in the Pulumi
   * program's process and do not use an `aws.Provider`'s credentials.
   * @default - the default AWS credential chain (AWS_PROFILE, environment, instance role)
   */
  readonly profile?: pulumi.Input<string>;
}

/**
 * One S3 Batch Replication job, created through the S3 Control API by a Pulumi dynamic provider.
 * Its type token is `pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob`.
 */
export class BatchReplicationJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;

  constructor(name: string, args: BatchReplicationJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, jobId: undefined }, opts, 'bucketbridge', 'BatchReplicationJob');
  }
}
