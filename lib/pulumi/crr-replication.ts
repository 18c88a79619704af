import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import {
  DEFAULT_ALARM_THRESHOLDS,
  bucketArn,
  destinationBucketPolicy,
  isBucketName,
  renderReplicationRules,
  replicationAlarmSpecs,
  replicationRolePolicy,
  resolveCrr,
  reverseCrr,
  s3ViaService,
  serviceTrustPolicy,
  type CrrDestinationProps,
  type CrrRuleProps,
  type CrrSourceProps,
  type ResolvedBucket,
  type ResolvedCrr,
} from '../model/crr';
import { batchReplicationRolePolicy, clientRequestToken, type BatchReplicationStatus } from '../model/batch-replication';
import { copyContainer, type SecretKeyRef } from '../model/copy-backfill';
import { Problems } from '../model/errors';
import { BatchReplicationJob } from './batch-replication-job';

/** Where a bucket lives: the provider fixes its region and account. */
interface BucketPlacement {
  /** Provider for the bucket's region (and account); every resource of that side uses it. */
  readonly provider: aws.Provider;
  /**
   * Let `pulumi destroy` delete a created bucket that still holds objects.
   * @default false
   * @see https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/#forcedestroy_nodejs
   */
  readonly forceDestroy?: boolean;
}

/** The source bucket, created or adopted. */
export interface CrrSourceArgs extends CrrSourceProps<pulumi.Input<string>>, BucketPlacement {}

/** A destination bucket, created or adopted, possibly in another account. */
export interface CrrDestinationArgs extends CrrDestinationProps<pulumi.Input<string>>, BucketPlacement {}

/** A replication rule; see {@link CrrRuleProps}. */
export type CrrRuleArgs = CrrRuleProps<pulumi.Input<string>>;

/** CloudWatch alarms on the replication metrics. */
export interface CrrAlarmArgs {
  /**
   * SNS topic notified on ALARM and OK, in the source bucket's region (alarm actions publish
   * within their own region).
   * @default - alarms notify nobody; they show in the CloudWatch console
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
   */
  readonly snsTopicArn?: pulumi.Input<string>;
  /**
   * SNS topic for the reverse direction's alarms of a two-way pair, in the destination's region.
   * @default - the reverse alarms notify nobody
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
   */
  readonly reverseSnsTopicArn?: pulumi.Input<string>;
  /**
   * Alarm when `ReplicationLatency` (Maximum) stays above this many seconds.
   * @default 900
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
   */
  readonly latencySeconds?: number;
  /**
   * Consecutive 5-minute periods the latency must stay above `latencySeconds`.
   * @default 3
   * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
   */
  readonly latencyEvaluationPeriods?: number;
  /**
   * Alarm when `OperationsFailedReplication` (Sum over 5 minutes) exceeds this.
   * @default 0
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html
   */
  readonly failedOperations?: number;
}

/** Backfill of objects that existed before replication: S3 Batch Replication. */
export interface CrrBatchReplicationBackfillArgs {
  readonly kind: 'batchReplication';
  /** Bucket for the completion report, in the source's region; not a replicated prefix of the source. */
  readonly reportBucketName: string;
  /**
   * Key prefix of the completion report.
   * @default 'batch-replication-reports/'
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobReport.html
   */
  readonly reportPrefix?: string;
  /**
   * Replication statuses selected from the objects eligible for replication.
   * @default ['NONE', 'FAILED']
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_JobManifestGeneratorFilter.html
   */
  readonly replicationStatuses?: BatchReplicationStatus[];
  /**
   * Job priority.
   * @default 10
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html
   */
  readonly priority?: number;
  /**
   * Change this value to run a new job (it is part of the `CreateJob` idempotency token).
   * @default 'initial'
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html
   */
  readonly trigger?: string;
  /**
   * AWS profile the job is created with (dynamic providers do not use the `aws.Provider`).
   * @default - the default AWS credential chain
   */
  readonly profile?: pulumi.Input<string>;
  /**
   * Role assumed by S3 Batch Operations.
   * @default - a role trusted by `batchoperations.s3.amazonaws.com` is created
   */
  readonly roleArn?: pulumi.Input<string>;
}

/** Credentials of one side of a copy job, as keys of a Kubernetes Secret. */
export interface CopyJobCredentials {
  readonly secretName: string;
  /**
   * Key of the Secret holding the access key id.
   * @default 'AWS_ACCESS_KEY_ID'
   * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the Secret holding the secret access key.
   * @default 'AWS_SECRET_ACCESS_KEY'
   * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
   */
  readonly secretAccessKeyKey?: string;
}

/**
 * Backfill of pre-existing objects by a one-shot copy-engine Kubernetes Job per enabled rule,
 * copying the rule's prefix into its destination. The copy engine selects by prefix only, so
 * rules filtering by tags need `batchReplication`.
 */
export interface CrrCopyJobBackfillArgs {
  readonly kind: 'copyJob';
  /** bucketbridge image running `bucketbridge copy SRC DST`. */
  readonly image: string;
  /**
   * Namespace of the Job and the Secrets.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Kubernetes provider for the cluster running the Job.
   * @default - the program's default Kubernetes provider
   */
  readonly kubernetesProvider?: k8s.Provider;
  /** Credentials that can read the source bucket. */
  readonly sourceCredentials: CopyJobCredentials;
  /**
   * Credentials that can write the destination buckets.
   * @default - `sourceCredentials`
   */
  readonly destinationCredentials?: CopyJobCredentials;
}

export type CrrBackfillArgs = CrrBatchReplicationBackfillArgs | CrrCopyJobBackfillArgs;

/** Arguments of {@link CrrReplication}. */
export interface CrrReplicationArgs {
  readonly source: CrrSourceArgs;
  /** One or more destination buckets; each rule names the one it replicates to. */
  readonly destinations: CrrDestinationArgs[];
  readonly rules: CrrRuleArgs[];
  /**
   * Also replicate destination -> source with the same rules and replica modification sync.
   * @default false
   */
  readonly twoWay?: boolean;
  /**
   * Bring your own replication role (trusted by `s3.amazonaws.com`).
   * @default - a least-privilege role is created in the source account
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
   */
  readonly roleArn?: pulumi.Input<string>;
  /**
   * Bring your own role for the reverse direction of a two-way pair.
   * @default - a least-privilege role is created in the destination account
   */
  readonly reverseRoleArn?: pulumi.Input<string>;
  /**
   * Alarms on `OperationsFailedReplication` and `ReplicationLatency` per rule with metrics;
   * `false` creates none.
   * @default - alarms with the default thresholds, notifying nobody
   */
  readonly alarms?: CrrAlarmArgs | false;
  /**
   * Replicate objects that existed before the replication configuration.
   * @default - none: live replication only covers objects written afterwards
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html
   */
  readonly backfill?: CrrBackfillArgs;
}

const TYPE = 'bucketbridge:aws:CrrReplication';

/** One replication direction after rendering. */
interface Direction {
  readonly crr: ResolvedCrr<pulumi.Input<string>>;
  readonly prefix: string;
  readonly sourceProvider: aws.Provider;
  /** Role brought by the user for this direction. */
  readonly givenRoleArn: pulumi.Input<string> | undefined;
}

/** What every direction renders against. */
interface RenderContext {
  readonly name: string;
  readonly partition: pulumi.Output<string>;
  readonly regions: Readonly<Record<string, pulumi.Output<string>>>;
  readonly buckets: ReadonlyMap<string, BucketResources>;
  /** Provider of every bucket, by bucket name. */
  readonly providers: Readonly<Record<string, aws.Provider>>;
  readonly versionings: readonly pulumi.Resource[];
}

interface DirectionResources {
  readonly roleArn: pulumi.Output<string>;
  /** Bucket policy JSON by cross-account destination bucket name. */
  readonly policies: Record<string, pulumi.Output<string>>;
  readonly config: aws.s3.BucketReplicationConfig;
}

/**
 * AWS S3 Cross-Region Replication between buckets in two regions (and optionally two accounts),
 * with a least-privilege role, V2 rules, two-way sync, declared backfill and alarms by default.
 *
 * Type token `bucketbridge:aws:CrrReplication`.
 */
export class CrrReplication extends pulumi.ComponentResource {
  /** ARN of the forward replication role. */
  readonly roleArn: pulumi.Output<string>;
  /** ARN of the reverse replication role (two-way only). */
  readonly reverseRoleArn: pulumi.Output<string> | undefined;
  readonly sourceBucketArn: pulumi.Output<string>;
  /** In the order of `destinations`. */
  readonly destinationBucketArns: pulumi.Output<string[]>;
  readonly ruleIds: string[];
  /** Every alarm created, forward then reverse. */
  readonly alarmArns: pulumi.Output<string[]>;
  /**
   * Bucket policy JSON per cross-account destination bucket name, whether attached or left for
   * you to merge into an adopted bucket's policy.
   */
  readonly destinationPolicies: pulumi.Output<Record<string, string>>;
  /** The replication configuration resources, for `dependsOn`. */
  readonly replicationConfigs: aws.s3.BucketReplicationConfig[];
  /** S3 Batch Replication job id, with `backfill.kind` 'batchReplication'. */
  readonly backfillJobId: pulumi.Output<string> | undefined;

  constructor(name: string, args: CrrReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    const crr = resolveArgs(name, args);
    super(TYPE, name, {}, opts);

    const parent = { parent: this };
    const source = args.source;
    const sourceProvider = source.provider;
    const providers: Record<string, aws.Provider> = { [source.bucketName]: sourceProvider };
    for (const d of args.destinations) providers[d.bucketName] = d.provider;

    const partition = aws.getPartitionOutput({}, { ...parent, provider: sourceProvider }).partition;
    const providerRegion = (provider: aws.Provider) => aws.getRegionOutput({}, { ...parent, provider }).region;
    const regions: Record<string, pulumi.Output<string>> = { [source.bucketName]: providerRegion(sourceProvider) };
    for (const d of args.destinations) regions[d.bucketName] = providerRegion(d.provider);

    const buckets = new Map<string, BucketResources>();
    buckets.set(source.bucketName, this.bucket(`${name}-source`, source, crr.source));
    args.destinations.forEach((d, i) => {
      const resolved = crr.destinations[i];
      if (resolved) buckets.set(d.bucketName, this.bucket(`${name}-destination-${d.bucketName}`, d, resolved));
    });
    const versionings = [...buckets.values()].flatMap((b) => (b.versioning ? [b.versioning] : []));

    const forwardDirection: Direction = { crr, prefix: '', sourceProvider, givenRoleArn: args.roleArn };
    const directions: Direction[] = [forwardDirection];
    const [onlyDestination] = args.destinations;
    if (crr.twoWay && onlyDestination) {
      directions.push({
        crr: reverseCrr(crr),
        prefix: 'reverse-',
        sourceProvider: onlyDestination.provider,
        givenRoleArn: args.reverseRoleArn,
      });
    }
    const context: RenderContext = { name, partition, regions, buckets, providers, versionings };
    const [forward, reverse] = directions.map((direction) => this.replicate(context, direction));
    if (forward === undefined) throw new Error('the forward direction always exists');

    this.roleArn = forward.roleArn;
    this.reverseRoleArn = reverse?.roleArn;
    this.sourceBucketArn = partition.apply((p) => bucketArn(p, source.bucketName));
    this.destinationBucketArns = pulumi.all(
      args.destinations.map((d) => partition.apply((p) => bucketArn(p, d.bucketName))),
    );
    this.ruleIds = crr.rules.map((r) => r.id);
    this.alarmArns = pulumi.all(this.alarms(name, args, directions));
    this.destinationPolicies = pulumi.all(Object.assign({}, forward.policies, reverse?.policies));
    this.replicationConfigs = reverse ? [forward.config, reverse.config] : [forward.config];
    this.backfillJobId = this.backfill(name, args, crr, forward.config, partition, regions);

    this.registerOutputs({
      roleArn: this.roleArn,
      reverseRoleArn: this.reverseRoleArn,
      sourceBucketArn: this.sourceBucketArn,
      destinationBucketArns: this.destinationBucketArns,
      ruleIds: this.ruleIds,
      alarmArns: this.alarmArns,
      destinationPolicies: this.destinationPolicies,
      backfillJobId: this.backfillJobId,
    });
  }

  /**
   * One direction: its role (given or created), the destination bucket policies it needs across
   * accounts, and its replication configuration, put only after versioning is enabled on every
   * created bucket (S3 refuses replication to or from an unversioned bucket) and after the role's
   * policy and the bucket policies exist.
   */
  private replicate(context: RenderContext, direction: Direction): DirectionResources {
    const { name, partition, buckets } = context;
    const role = this.replicationRole(name, direction, partition, context.regions);
    const policies: Record<string, pulumi.Output<string>> = {};
    const bucketPolicies: pulumi.Resource[] = [];
    for (const dest of direction.crr.destinations) {
      if (dest.accountId === undefined) continue;
      const policy = pulumi
        .all([partition, role.arn])
        .apply(([p, arn]) => JSON.stringify(destinationBucketPolicy(p, dest, arn)));
      policies[dest.bucketName] = policy;
      if (dest.bucketPolicy) {
        const bucket = buckets.get(dest.bucketName);
        bucketPolicies.push(
          new aws.s3.BucketPolicy(
            `${name}-${direction.prefix}destination-${dest.bucketName}-policy`,
            { bucket: bucket?.bucketId ?? dest.bucketName, policy },
            {
              parent: this,
              provider: context.providers[dest.bucketName],
              dependsOn: bucket?.publicAccessBlock ? [bucket.publicAccessBlock] : [],
            },
          ),
        );
      }
    }
    const sourceName = direction.crr.source.bucketName;
    const config = new aws.s3.BucketReplicationConfig(
      `${name}-${direction.prefix}replication`,
      {
        bucket: buckets.get(sourceName)?.bucketId ?? sourceName,
        role: role.arn,
        rules: pulumi
          .all([partition, pulumi.output(direction.crr)])
          .apply(([p, resolved]) => renderReplicationRules(resolved as ResolvedCrr<string>, p)),
      },
      {
        parent: this,
        provider: direction.sourceProvider,
        dependsOn: [...context.versionings, ...bucketPolicies, ...role.dependencies],
      },
    );
    return { roleArn: role.arn, policies, config };
  }

  /** Creates a bucket with versioning, default encryption and a public access block, or adopts one. */
  private bucket(
    resourceName: string,
    args: CrrSourceArgs | CrrDestinationArgs,
    resolved: ResolvedBucket<pulumi.Input<string>>,
  ): BucketResources {
    if (resolved.adopt) return { bucketId: resolved.bucketName, versioning: undefined, publicAccessBlock: undefined };
    const opts = { parent: this, provider: args.provider };
    const bucket = new aws.s3.Bucket(
      resourceName,
      { bucket: resolved.bucketName, forceDestroy: args.forceDestroy ?? false },
      opts,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${resourceName}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${resourceName}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault:
              resolved.kmsKeyArn === undefined
                ? { sseAlgorithm: 'AES256' }
                : { sseAlgorithm: 'aws:kms', kmsMasterKeyId: resolved.kmsKeyArn },
          },
        ],
      },
      opts,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${resourceName}-public-access-block`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      opts,
    );
    return { bucketId: bucket.id, versioning, publicAccessBlock };
  }

  /** The role S3 assumes to replicate one direction: given, or created in that side's account. */
  private replicationRole(
    name: string,
    direction: Direction,
    partition: pulumi.Output<string>,
    regions: Readonly<Record<string, pulumi.Output<string>>>,
  ): { arn: pulumi.Output<string>; dependencies: pulumi.Resource[] } {
    if (direction.givenRoleArn !== undefined) return { arn: pulumi.output(direction.givenRoleArn), dependencies: [] };
    const opts = { parent: this, provider: direction.sourceProvider };
    const role = new aws.iam.Role(
      `${name}-${direction.prefix}replication-role`,
      {
        namePrefix: roleNamePrefix(`${name}-${direction.prefix}replication-`),
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy('s3.amazonaws.com')),
        description: `S3 replication ${direction.crr.source.bucketName} -> ${direction.crr.destinations
          .map((d) => d.bucketName)
          .join(', ')}`,
      },
      opts,
    );
    const viaService = (bucketName: string) => regionOf(regions, bucketName).apply(s3ViaService);
    const destinationVia: Record<string, pulumi.Output<string>> = {};
    for (const d of direction.crr.destinations) destinationVia[d.bucketName] = viaService(d.bucketName);
    const policy = new aws.iam.RolePolicy(
      `${name}-${direction.prefix}replication-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([partition, pulumi.output(direction.crr), viaService(direction.crr.source.bucketName), pulumi.all(destinationVia)])
          .apply(([p, resolved, sourceVia, destinations]) =>
            JSON.stringify(
              replicationRolePolicy(resolved as ResolvedCrr<string>, p, { source: sourceVia, destinations }),
            ),
          ),
      },
      opts,
    );
    return { arn: role.arn, dependencies: [policy] };
  }

  /** Two alarms per rule with metrics, in the region of each direction's source. */
  private alarms(name: string, args: CrrReplicationArgs, directions: readonly Direction[]): pulumi.Output<string>[] {
    if (args.alarms === false) return [];
    const alarmArgs = args.alarms ?? {};
    const thresholds = {
      latencySeconds: alarmArgs.latencySeconds ?? DEFAULT_ALARM_THRESHOLDS.latencySeconds,
      latencyEvaluationPeriods: alarmArgs.latencyEvaluationPeriods ?? DEFAULT_ALARM_THRESHOLDS.latencyEvaluationPeriods,
      failedOperations: alarmArgs.failedOperations ?? DEFAULT_ALARM_THRESHOLDS.failedOperations,
    };
    return directions.flatMap((direction) => {
      const topic = direction.prefix === '' ? alarmArgs.snsTopicArn : alarmArgs.reverseSnsTopicArn;
      const actions = topic === undefined ? [] : [topic];
      return replicationAlarmSpecs(direction.crr, thresholds, direction.prefix).map(
        (spec) =>
          new aws.cloudwatch.MetricAlarm(
            `${name}-alarm-${spec.role}`,
            {
              alarmDescription: spec.description,
              namespace: 'AWS/S3',
              metricName: spec.metricName,
              statistic: spec.statistic,
              dimensions: spec.dimensions,
              period: spec.periodSeconds,
              evaluationPeriods: spec.evaluationPeriods,
              threshold: spec.threshold,
              comparisonOperator: 'GreaterThanThreshold',
              treatMissingData: 'notBreaching',
              alarmActions: actions,
              okActions: actions,
            },
            { parent: this, provider: direction.sourceProvider },
          ).arn,
      );
    });
  }

  /** The declared backfill of objects that predate the replication configuration. */
  private backfill(
    name: string,
    args: CrrReplicationArgs,
    crr: ResolvedCrr<pulumi.Input<string>>,
    forwardConfig: aws.s3.BucketReplicationConfig,
    partition: pulumi.Output<string>,
    regions: Readonly<Record<string, pulumi.Output<string>>>,
  ): pulumi.Output<string> | undefined {
    const backfill = args.backfill;
    if (backfill === undefined) return undefined;
    const sourceName = crr.source.bucketName;
    const sourceRegion = regionOf(regions, sourceName);
    if (backfill.kind === 'copyJob') {
      const destinationCredentials = backfill.destinationCredentials ?? backfill.sourceCredentials;
      for (const rule of crr.rules.filter((r) => r.enabled)) {
        const container = copyContainer(
          {
            name: 'src',
            bucketName: sourceName,
            prefix: rule.prefix,
            region: sourceRegion,
            ...secretRefs(backfill.sourceCredentials),
          },
          {
            name: 'dst',
            bucketName: rule.destination,
            prefix: rule.prefix,
            region: regionOf(regions, rule.destination),
            ...secretRefs(destinationCredentials),
          },
        );
        new k8s.batch.v1.Job(
          `${name}-backfill-${rule.id}`,
          {
            metadata: {
              namespace: backfill.namespace ?? 'default',
              labels: { 'app.kubernetes.io/name': 'bucketbridge', 'app.kubernetes.io/component': 'backfill' },
              annotations: { 'pulumi.com/skipAwait': 'true' },
            },
            spec: {
              backoffLimit: 3,
              template: {
                spec: {
                  restartPolicy: 'Never',
                  containers: [{ name: 'copy', image: backfill.image, args: container.args, env: container.env }],
                },
              },
            },
          },
          { parent: this, provider: backfill.kubernetesProvider, dependsOn: [forwardConfig] },
        );
      }
      return undefined;
    }

    const reportPrefix = backfill.reportPrefix ?? 'batch-replication-reports/';
    const sourceProvider = args.source.provider;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this, provider: sourceProvider }).accountId;
    let roleArn: pulumi.Input<string>;
    const dependsOn: pulumi.Resource[] = [forwardConfig];
    if (backfill.roleArn !== undefined) {
      roleArn = backfill.roleArn;
    } else {
      const opts = { parent: this, provider: sourceProvider };
      const role = new aws.iam.Role(
        `${name}-batch-replication-role`,
        {
          namePrefix: roleNamePrefix(`${name}-batch-replication-`),
          assumeRolePolicy: JSON.stringify(serviceTrustPolicy('batchoperations.s3.amazonaws.com')),
          description: `S3 Batch Replication backfill of ${sourceName}`,
        },
        opts,
      );
      dependsOn.push(
        new aws.iam.RolePolicy(
          `${name}-batch-replication-policy`,
          {
            role: role.id,
            policy: partition.apply((p) =>
              JSON.stringify(batchReplicationRolePolicy(p, sourceName, backfill.reportBucketName, reportPrefix)),
            ),
          },
          opts,
        ),
      );
      roleArn = role.arn;
    }
    const spec = {
      accountId,
      region: sourceRegion,
      partition,
      sourceBucketName: sourceName,
      roleArn,
      replicationStatuses: backfill.replicationStatuses ?? ['NONE', 'FAILED'],
      reportBucketName: backfill.reportBucketName,
      reportPrefix,
      priority: backfill.priority ?? 10,
      description: `bucketbridge backfill ${sourceName} (${name})`,
      trigger: backfill.trigger ?? 'initial',
    };
    const job = new BatchReplicationJob(
      `${name}-backfill`,
      { ...spec, clientRequestToken: pulumi.output(spec).apply(clientRequestToken), profile: backfill.profile },
      { parent: this, dependsOn },
    );
    return job.jobId;
  }
}

/** IAM caps `namePrefix` at 38 characters (role names at 64 with the generated suffix). */
const ROLE_NAME_PREFIX_CHARS = 38;

/**
 * Physical role names come from a prefix cut to IAM's limit, so a long component name still
 * deploys; Pulumi's default autoname (logical name + suffix) would exceed 64 characters.
 */
function roleNamePrefix(prefix: string): string {
  return prefix.slice(0, ROLE_NAME_PREFIX_CHARS);
}

function regionOf(regions: Readonly<Record<string, pulumi.Output<string>>>, bucketName: string): pulumi.Output<string> {
  const region = regions[bucketName];
  if (region === undefined) throw new Error(`no provider region known for bucket ${bucketName}`);
  return region;
}

interface BucketResources {
  /** What the bucket's sub-resources reference: the created bucket's id, or the adopted name. */
  readonly bucketId: pulumi.Input<string>;
  readonly versioning: aws.s3.BucketVersioning | undefined;
  readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock | undefined;
}

function secretRefs(credentials: CopyJobCredentials): { accessKeyId: SecretKeyRef; secretAccessKey: SecretKeyRef } {
  return {
    accessKeyId: { name: credentials.secretName, key: credentials.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' },
    secretAccessKey: { name: credentials.secretName, key: credentials.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' },
  };
}

/**
 * Checks every prop, the component's own and the model's, and throws all problems at once before
 * anything is registered with the engine.
 */
function resolveArgs(name: string, args: CrrReplicationArgs): ResolvedCrr<pulumi.Input<string>> {
  const problems = new Problems(name);
  checkComponentArgs(problems, args);
  return resolveCrr(problems, args);
}

/** Checks the args the model does not know about (roles, alarms, backfill). */
function checkComponentArgs(problems: Problems, args: CrrReplicationArgs): void {
  const twoWay = args.twoWay ?? false;
  problems.check(
    args.reverseRoleArn === undefined || twoWay,
    'reverseRoleArn',
    'needs twoWay: there is no reverse direction otherwise',
    'set',
  );
  if (args.alarms) {
    problems.check(
      args.alarms.reverseSnsTopicArn === undefined || twoWay,
      'alarms.reverseSnsTopicArn',
      'needs twoWay: there are no reverse alarms otherwise',
      'set',
    );
    for (const key of ['latencySeconds', 'latencyEvaluationPeriods', 'failedOperations'] as const) {
      const value = args.alarms[key];
      if (value !== undefined) {
        problems.check(
          Number.isFinite(value) && value >= (key === 'latencyEvaluationPeriods' ? 1 : 0),
          `alarms.${key}`,
          key === 'latencyEvaluationPeriods' ? 'must be at least 1' : 'must be a non-negative number',
          value,
        );
      }
    }
  }
  const backfill = args.backfill;
  if (backfill?.kind === 'batchReplication') {
    problems.check(
      isBucketName(backfill.reportBucketName),
      'backfill.reportBucketName',
      'must be an S3 bucket name',
      backfill.reportBucketName,
    );
    const statuses = backfill.replicationStatuses;
    if (statuses !== undefined) {
      problems.check(statuses.length > 0, 'backfill.replicationStatuses', 'must not be empty', statuses);
    }
    if (backfill.priority !== undefined) {
      problems.check(
        Number.isInteger(backfill.priority) && backfill.priority >= 0 && backfill.priority <= 2147483647,
        'backfill.priority',
        'must be an integer from 0 to 2147483647',
        backfill.priority,
      );
    }
  }
  if (backfill?.kind === 'copyJob') {
    problems.check(backfill.image.length > 0, 'backfill.image', 'must name the bucketbridge image', backfill.image);
    const tagged = args.rules.flatMap((r, i) => (Object.keys(r.tags ?? {}).length > 0 ? [`rules[${i}]`] : []));
    problems.check(
      tagged.length === 0,
      'backfill.kind',
      `must be 'batchReplication' when a rule filters by tags (${tagged.join(', ')}): the copy engine selects by prefix only`,
      backfill.kind,
    );
  }
}
