import * as pulumi from '@pulumi/pulumi';
import type {
  S3ControlClientConfig,
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

/** One role assumed on the way to the job's identity, as in `aws.ProviderArgs.assumeRoles`. */
export interface BatchReplicationAssumeRole {
  readonly roleArn: pulumi.Input<string>;
  /** @default 'bucketbridge-batch-replication' */
  readonly sessionName?: pulumi.Input<string>;
  /** @default - none */
  readonly externalId?: pulumi.Input<string>;
}

/**
 * The AWS identity the job is created and cancelled with: the settings of the source's
 * `aws.Provider`, whose credentials a dynamic provider cannot use directly.
 */
export interface BatchReplicationIdentity {
  /** @default - no profile: the default credential chain, or the keys below */
  readonly profile?: pulumi.Input<string | undefined>;
  /** @default - no explicit keys */
  readonly accessKey?: pulumi.Input<string | undefined>;
  /** @default - no explicit keys */
  readonly secretKey?: pulumi.Input<string | undefined>;
  /** Session token of temporary keys. @default - none */
  readonly token?: pulumi.Input<string | undefined>;
  /** Roles assumed in order, each with the credentials of the one before. @default - none */
  readonly assumeRoles?: pulumi.Input<pulumi.Input<BatchReplicationAssumeRole>[]>;
}

/** The identity once resolved, as the provider stores it (a Pulumi secret). */
export interface ResolvedIdentity {
  readonly profile?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly token?: string;
  readonly assumeRoles?: readonly { readonly roleArn: string; readonly sessionName?: string; readonly externalId?: string }[];
}

/** What the provider records: the job's inputs and the identity it acts with. */
interface ProviderInputs extends BatchReplicationJobInputs {
  readonly identity?: ResolvedIdentity;
}

/** The credential providers of `@aws-sdk/credential-providers` the job's identity uses. */
export interface CredentialProviders {
  fromIni(init: { profile: string }): unknown;
  fromTemporaryCredentials(options: {
    params: { RoleArn: string; RoleSessionName: string; ExternalId?: string };
    masterCredentials?: unknown;
    clientConfig: { region: string };
  }): unknown;
}

/**
 * S3 Control client configuration for an identity, resolved the way the AWS provider does:
 * explicit keys, else the profile, else the default chain; then each role of `assumeRoles`
 * assumed in turn on top of it.
 */
export function s3ControlConfig(
  region: string,
  identity: ResolvedIdentity | undefined,
  providers: CredentialProviders,
): { region: string; credentials?: unknown } {
  let credentials: unknown;
  if (identity?.accessKey && identity.secretKey) {
    credentials = {
      accessKeyId: identity.accessKey,
      secretAccessKey: identity.secretKey,
      ...(identity.token ? { sessionToken: identity.token } : {}),
    };
  } else if (identity?.profile) {
    credentials = providers.fromIni({ profile: identity.profile });
  }
  for (const role of identity?.assumeRoles ?? []) {
    credentials = providers.fromTemporaryCredentials({
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? 'bucketbridge-batch-replication',
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
      },
      ...(credentials === undefined ? {} : { masterCredentials: credentials }),
      clientConfig: { region },
    });
  }
  return credentials === undefined ? { region } : { region, credentials };
}

/**
 * The provider below is serialized into the stack's state and run by the Pulumi engine later, so
 * the SDK is loaded with `require` at call time: Pulumi's closure serializer keeps a `require`
 * call as it is, whereas a captured module object would be serialized by value.
 */
function lifecycleFor(inputs: ProviderInputs): BatchReplicationJobLifecycle {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { S3Control } = require('@aws-sdk/client-s3-control') as typeof import('@aws-sdk/client-s3-control');
  const providers = require('@aws-sdk/credential-providers') as CredentialProviders;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = s3ControlConfig(inputs.region, inputs.identity, providers);
  return new BatchReplicationJobLifecycle(new S3Control(config as S3ControlClientConfig));
}

function jobInputs(inputs: ProviderInputs): BatchReplicationJobInputs {
  const picked: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) picked[key] = inputs[key];
  return picked as unknown as BatchReplicationJobInputs;
}

const provider: pulumi.dynamic.ResourceProvider<ProviderInputs, BatchReplicationJobOutputs & ProviderInputs> = {
  async create(inputs) {
    const created = await lifecycleFor(inputs).create(jobInputs(inputs));
    return { id: created.id, outs: { ...created.outs, ...(inputs.identity ? { identity: inputs.identity } : {}) } };
  },
  async diff(_id, olds, news) {
    const replaces = INPUT_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    const identityChanged = JSON.stringify(olds.identity ?? null) !== JSON.stringify(news.identity ?? null);
    return { changes: replaces.length > 0 || identityChanged, replaces, deleteBeforeReplace: false };
  },
  /** Only the identity can change in place: a later cancel uses the new credentials. */
  async update(_id, olds, news) {
    return { outs: { ...olds, ...(news.identity ? { identity: news.identity } : {}) } };
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
   * The identity the job is created and cancelled with: the source provider's settings. Dynamic
   * providers run in the Pulumi program's process and cannot use an `aws.Provider`'s
   * credentials. Stored in the state as a Pulumi secret.
   * @default - the default AWS credential chain (AWS_PROFILE, environment, instance role)
   */
  readonly identity?: BatchReplicationIdentity;
}

/**
 * One S3 Batch Replication job, created through the S3 Control API by a Pulumi dynamic provider.
 * Its type token is `pulumi-nodejs:dynamic/bucketbridge:BatchReplicationJob`.
 */
export class BatchReplicationJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;

  constructor(name: string, args: BatchReplicationJobArgs, opts?: pulumi.CustomResourceOptions) {
    const { identity, ...job } = args;
    const inputs = { ...job, identity: identity === undefined ? undefined : pulumi.secret(identity), jobId: undefined };
    super(provider, name, inputs, { ...opts, additionalSecretOutputs: ['identity'] }, 'bucketbridge', 'BatchReplicationJob');
  }
}
