import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import {
  DEFAULT_ALARM_THRESHOLDS,
  bucketArn,
  destinationBucketPolicy,
  iamNamePrefix,
  isBucketName,
  renderReplicationRules,
  replicaKeyPolicyStatements,
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
import { copyContainer, type CopyRemote } from '../model/copy-backfill';
import { Problems } from '../model/errors';
import { missingPeers, missingPeersMessage } from '../model/peers';
import {
  needsServiceAccountToken,
  serviceAccountAnnotations,
  validateRemotes,
  type AssumeRole,
  type EnvironmentCredentials,
  type IrsaCredentials,
  type PodIdentityCredentials,
  type RemoteCredentials,
  type S3RemoteSpec,
  type SecretCredentials,
} from '../model/remote-credentials';
import { BatchReplicationJob, type BatchReplicationIdentity } from './batch-replication-job';

/** Where a bucket lives: the provider fixes its account (and region unless `region` is set). */
interface BucketPlacement {
  /**
   * Provider for the bucket's account (and region); every resource of that side uses it.
   * @default - for the source, the program's default AWS provider; for a destination, the source's provider
   */
  readonly provider?: aws.Provider;
  /**
   * Region of the bucket, set on each of its resources (`@pulumi/aws` v7's per-resource
   * `region`), so a destination in the source's account needs no provider of its own.
   * @default - the provider's region
   * @see https://www.pulumi.com/registry/packages/aws/how-to-guides/multiple-regions/
   */
  readonly region?: pulumi.Input<string>;
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
   * The identity the job is created (and cancelled) with. The job is created by a dynamic
   * provider, which cannot use an `aws.Provider`'s credentials, so pass the same settings you
   * gave the source's provider: `profile`, explicit keys, and `assumeRoles` (the same array as
   * `aws.ProviderArgs.assumeRoles`; roles are assumed in order). Stored as a Pulumi secret.
   * @default - the source provider's `profile`, `accessKey`, `secretKey` and `token`; its
   *   `assumeRoles` cannot be read back from the provider, so set them here when it uses them
   * @see https://www.pulumi.com/registry/packages/aws/api-docs/provider/
   */
  readonly identity?: BatchReplicationIdentity;
  /**
   * Role assumed by S3 Batch Operations.
   * @default - a role trusted by `batchoperations.s3.amazonaws.com` is created
   */
  readonly roleArn?: pulumi.Input<string>;
}

/**
 * Credentials of one side of a copy job. Prefer `irsa` or `podIdentity` on EKS: the Job then runs
 * under its own ServiceAccount with short-lived credentials instead of long-lived keys. A
 * Secret with keys stays possible (`kind: 'secret'`, or no `kind` at all).
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
 */
export type CopyJobCredentials =
  | (Omit<SecretCredentials, 'kind'> & { readonly kind?: 'secret' })
  | IrsaCredentials
  | PodIdentityCredentials
  | EnvironmentCredentials;

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
   * Role assumed on top of `sourceCredentials` to read the source.
   * @default - the credentials are used as they are
   */
  readonly sourceAssumeRole?: AssumeRole;
  /**
   * Credentials that can write the destination buckets.
   * @default - `sourceCredentials`
   */
  readonly destinationCredentials?: CopyJobCredentials;
  /**
   * Role assumed on top of the destination credentials to write the destinations, e.g. a role
   * in the destination account.
   * @default - the credentials are used as they are
   */
  readonly destinationAssumeRole?: AssumeRole;
  /**
   * Name of the ServiceAccount created for the Jobs; IRSA's role trust policy names it
   * (`system:serviceaccount:<namespace>:<name>`), and a Pod Identity association binds it.
   * @default - '<component name>-backfill'
   * @see https://kubernetes.io/docs/concepts/security/service-accounts/
   */
  readonly serviceAccountName?: string;
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

/** Provider and region of one bucket, as its resources get them. */
interface Placement {
  readonly provider: aws.Provider | undefined;
  /** Set on each resource when the bucket's region differs from its provider's. */
  readonly region: pulumi.Input<string> | undefined;
}

/** One replication direction after rendering. */
interface Direction {
  readonly crr: ResolvedCrr<pulumi.Input<string>>;
  readonly prefix: string;
  /** Placement of this direction's source bucket. */
  readonly placement: Placement;
  /** Role brought by the user for this direction. */
  readonly givenRoleArn: pulumi.Input<string> | undefined;
}

/** What every direction renders against. */
interface RenderContext {
  readonly name: string;
  readonly partition: pulumi.Output<string>;
  /** Region of every bucket, by bucket key. */
  readonly regions: Readonly<Record<string, pulumi.Output<string>>>;
  readonly buckets: ReadonlyMap<string, BucketResources>;
  /** Placement of every bucket, by bucket key. */
  readonly placements: Readonly<Record<string, Placement>>;
  readonly versionings: readonly pulumi.Resource[];
}

interface DirectionResources {
  readonly roleArn: pulumi.Output<string>;
  /** Bucket policy JSON by cross-account destination bucket key. */
  readonly policies: Record<string, pulumi.Output<string>>;
  /** Replica key-policy statement JSON by cross-account destination bucket key. */
  readonly keyPolicies: Record<string, pulumi.Output<string>>;
  readonly config: aws.s3.BucketReplicationConfig;
}

/** Resource args with the placement's region, when it has one. */
function inRegion<T extends object>(placement: Placement, args: T): T & { region?: pulumi.Input<string> } {
  return placement.region === undefined ? args : { ...args, region: placement.region };
}

/** The bucket's stable id (the model's `key`): `id`, else its plain-string name. */
function keyOf(bucket: CrrSourceArgs | CrrDestinationArgs): string {
  return bucket.id ?? String(bucket.bucketName);
}

/**
 * AWS S3 Cross-Region Replication between buckets in two regions (and optionally two accounts),
 * with a least-privilege role, V2 rules, two-way sync, declared backfill and alarms by default.
 *
 * Adopting a source bucket REPLACES its replication configuration (S3 keeps one per bucket):
 * rules it has are deleted unless you copy them into `rules`. `replaceExistingRules: true`
 * confirms it.
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
   * Bucket policy JSON per cross-account destination (by bucket id, the name unless `id` is
   * set), whether attached or left for you to merge into an adopted bucket's policy.
   */
  readonly destinationPolicies: pulumi.Output<Record<string, string>>;
  /**
   * The statement (JSON) to add to the key policy of each cross-account destination's replica
   * KMS key, by bucket id: a key in another account only lets the replication role encrypt
   * replicas when its own key policy names the role.
   */
  readonly replicaKeyPolicyStatements: pulumi.Output<Record<string, string>>;
  /** The replication configuration resources, for `dependsOn`. */
  readonly replicationConfigs: aws.s3.BucketReplicationConfig[];
  /** S3 Batch Replication job id, with `backfill.kind` 'batchReplication'. */
  readonly backfillJobId: pulumi.Output<string> | undefined;

  constructor(name: string, args: CrrReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    const crr = resolveArgs(name, args);
    super(TYPE, name, {}, opts);

    const parent = { parent: this };
    const source = args.source;
    const sourceKey = crr.source.key;
    const placements: Record<string, Placement> = {
      [sourceKey]: { provider: source.provider, region: source.region },
    };
    args.destinations.forEach((d, i) => {
      const key = crr.destinations[i]?.key ?? keyOf(d);
      placements[key] = { provider: d.provider ?? source.provider, region: d.region };
    });
    const placementOf = (key: string): Placement => {
      const placement = placements[key];
      if (placement === undefined) throw new Error(`no placement for bucket ${key}`);
      return placement;
    };

    const sourcePlacement = placementOf(sourceKey);
    const partition = aws.getPartitionOutput({}, { ...parent, provider: sourcePlacement.provider }).partition;
    const regions: Record<string, pulumi.Output<string>> = {};
    for (const [key, placement] of Object.entries(placements)) {
      regions[key] =
        placement.region !== undefined
          ? pulumi.output(placement.region)
          : aws.getRegionOutput({}, { ...parent, provider: placement.provider }).region;
    }

    const buckets = new Map<string, BucketResources>();
    buckets.set(sourceKey, this.bucket(`${name}-source`, source, crr.source, sourcePlacement));
    args.destinations.forEach((d, i) => {
      const resolved = crr.destinations[i];
      if (resolved) {
        buckets.set(resolved.key, this.bucket(`${name}-destination-${resolved.key}`, d, resolved, placementOf(resolved.key)));
      }
    });
    const versionings = [...buckets.values()].flatMap((b) => (b.versioning ? [b.versioning] : []));

    const directions: Direction[] = [{ crr, prefix: '', placement: sourcePlacement, givenRoleArn: args.roleArn }];
    const [onlyDestination] = crr.destinations;
    if (crr.twoWay && onlyDestination) {
      directions.push({
        crr: reverseCrr(crr),
        prefix: 'reverse-',
        placement: placementOf(onlyDestination.key),
        givenRoleArn: args.reverseRoleArn,
      });
    }
    const context: RenderContext = { name, partition, regions, buckets, placements, versionings };
    const [forward, reverse] = directions.map((direction) => this.replicate(context, direction));
    if (forward === undefined) throw new Error('the forward direction always exists');

    const arnOf = (bucketName: pulumi.Input<string>) =>
      pulumi.all([partition, bucketName]).apply(([p, n]) => bucketArn(p, n));
    this.roleArn = forward.roleArn;
    this.reverseRoleArn = reverse?.roleArn;
    this.sourceBucketArn = arnOf(source.bucketName);
    this.destinationBucketArns = pulumi.all(args.destinations.map((d) => arnOf(d.bucketName)));
    this.ruleIds = crr.rules.map((r) => r.id);
    this.alarmArns = pulumi.all(this.alarms(name, args, directions));
    this.destinationPolicies = pulumi.all(Object.assign({}, forward.policies, reverse?.policies));
    this.replicaKeyPolicyStatements = pulumi.all(Object.assign({}, forward.keyPolicies, reverse?.keyPolicies));
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
      replicaKeyPolicyStatements: this.replicaKeyPolicyStatements,
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
        .all([partition, role.arn, pulumi.output(dest)])
        .apply(([p, arn, resolved]) => JSON.stringify(destinationBucketPolicy(p, resolved as ResolvedBucket<string>, arn)));
      policies[dest.key] = policy;
      if (dest.bucketPolicy) {
        const bucket = buckets.get(dest.key);
        const placement = context.placements[dest.key] ?? { provider: undefined, region: undefined };
        bucketPolicies.push(
          new aws.s3.BucketPolicy(
            `${name}-${direction.prefix}destination-${dest.key}-policy`,
            inRegion(placement, { bucket: bucket?.bucketId ?? dest.bucketName, policy }),
            {
              parent: this,
              provider: placement.provider,
              dependsOn: bucket?.publicAccessBlock ? [bucket.publicAccessBlock] : [],
            },
          ),
        );
      }
    }
    const keyPolicies: Record<string, pulumi.Output<string>> = {};
    const statements = pulumi
      .all([partition, pulumi.output(direction.crr), role.arn, role.viaServices])
      .apply(([p, resolved, arn, via]) => replicaKeyPolicyStatements(resolved as ResolvedCrr<string>, p, via, arn));
    for (const dest of direction.crr.destinations) {
      const keyed = direction.crr.rules.some((r) => r.destination === dest.key && r.sseKmsEncryptedObjects);
      if (dest.accountId !== undefined && keyed) {
        keyPolicies[dest.key] = statements.apply((all) => JSON.stringify(all[dest.key]));
      }
    }
    const source = direction.crr.source;
    const config = new aws.s3.BucketReplicationConfig(
      `${name}-${direction.prefix}replication`,
      inRegion(direction.placement, {
        bucket: buckets.get(source.key)?.bucketId ?? source.bucketName,
        role: role.arn,
        rules: pulumi
          .all([partition, pulumi.output(direction.crr)])
          .apply(([p, resolved]) => renderReplicationRules(resolved as ResolvedCrr<string>, p)),
      }),
      {
        parent: this,
        provider: direction.placement.provider,
        dependsOn: [...context.versionings, ...bucketPolicies, ...role.dependencies],
      },
    );
    return { roleArn: role.arn, policies, keyPolicies, config };
  }

  /**
   * Creates a bucket with versioning, default encryption (SSE-KMS with S3 Bucket Keys when it has
   * a key), a public access block, and Object Lock when asked; or adopts one.
   */
  private bucket(
    resourceName: string,
    args: CrrSourceArgs | CrrDestinationArgs,
    resolved: ResolvedBucket<pulumi.Input<string>>,
    placement: Placement,
  ): BucketResources {
    if (resolved.adopt) return { bucketId: resolved.bucketName, versioning: undefined, publicAccessBlock: undefined };
    const opts = { parent: this, provider: placement.provider };
    const bucket = new aws.s3.Bucket(
      resourceName,
      inRegion(placement, {
        bucket: resolved.bucketName,
        forceDestroy: args.forceDestroy ?? false,
        ...(resolved.objectLock ? { objectLockEnabled: true } : {}),
      }),
      opts,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${resourceName}-versioning`,
      inRegion(placement, { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }),
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${resourceName}-encryption`,
      inRegion(placement, {
        bucket: bucket.id,
        rules: [
          resolved.kmsKeyArn === undefined
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
            : {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: resolved.dsse ? 'aws:kms:dsse' : 'aws:kms',
                  kmsMasterKeyId: resolved.kmsKeyArn,
                },
                bucketKeyEnabled: resolved.bucketKey,
              },
        ],
      }),
      opts,
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${resourceName}-public-access-block`,
      inRegion(placement, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
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
  ): { arn: pulumi.Output<string>; dependencies: pulumi.Resource[]; viaServices: pulumi.Output<{ source: string; destinations: Record<string, string> }> } {
    const viaService = (key: string) => regionOf(regions, key).apply(s3ViaService);
    const destinationVia: Record<string, pulumi.Output<string>> = {};
    for (const d of direction.crr.destinations) destinationVia[d.key] = viaService(d.key);
    const viaServices = pulumi.all([viaService(direction.crr.source.key), pulumi.all(destinationVia)]).apply(
      ([source, destinations]) => ({ source, destinations }),
    );
    if (direction.givenRoleArn !== undefined) {
      return { arn: pulumi.output(direction.givenRoleArn), dependencies: [], viaServices };
    }
    const opts = { parent: this, provider: direction.placement.provider };
    const role = new aws.iam.Role(
      `${name}-${direction.prefix}replication-role`,
      {
        namePrefix: iamNamePrefix(`${name}-${direction.prefix}replication-`),
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy('s3.amazonaws.com')),
        description: `S3 replication ${direction.crr.source.key} -> ${direction.crr.destinations.map((d) => d.key).join(', ')}`,
      },
      opts,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-${direction.prefix}replication-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([partition, pulumi.output(direction.crr), viaServices])
          .apply(([p, resolved, via]) => JSON.stringify(replicationRolePolicy(resolved as ResolvedCrr<string>, p, via))),
      },
      opts,
    );
    return { arn: role.arn, dependencies: [policy], viaServices };
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
            inRegion(direction.placement, {
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
            }),
            { parent: this, provider: direction.placement.provider },
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
    if (backfill.kind === 'copyJob') {
      this.copyJobs(name, backfill, crr, forwardConfig, regions);
      return undefined;
    }

    const source = crr.source;
    const sourceRegion = regionOf(regions, source.key);
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
          namePrefix: iamNamePrefix(`${name}-batch-replication-`),
          assumeRolePolicy: JSON.stringify(serviceTrustPolicy('batchoperations.s3.amazonaws.com')),
          description: `S3 Batch Replication backfill of ${source.key}`,
        },
        opts,
      );
      dependsOn.push(
        new aws.iam.RolePolicy(
          `${name}-batch-replication-policy`,
          {
            role: role.id,
            policy: pulumi
              .all([partition, source.bucketName])
              .apply(([p, sourceName]) =>
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
      sourceBucketName: source.bucketName,
      roleArn,
      replicationStatuses: backfill.replicationStatuses ?? ['NONE', 'FAILED'],
      reportBucketName: backfill.reportBucketName,
      reportPrefix,
      priority: backfill.priority ?? 10,
      description: `bucketbridge backfill ${source.key} (${name})`,
      trigger: backfill.trigger ?? 'initial',
    };
    const identity: BatchReplicationIdentity = backfill.identity ?? {
      profile: sourceProvider?.profile,
      accessKey: sourceProvider?.accessKey,
      secretKey: sourceProvider?.secretKey,
      token: sourceProvider?.token,
    };
    const job = new BatchReplicationJob(
      `${name}-backfill`,
      { ...spec, clientRequestToken: pulumi.output(spec).apply(clientRequestToken), identity },
      { parent: this, dependsOn },
    );
    return job.jobId;
  }

  /**
   * One copy-engine Job per enabled rule, under a ServiceAccount of their own that carries the
   * IRSA role annotation (or that a Pod Identity association binds); Secret keys only when asked.
   */
  private copyJobs(
    name: string,
    backfill: CrrCopyJobBackfillArgs,
    crr: ResolvedCrr<pulumi.Input<string>>,
    forwardConfig: aws.s3.BucketReplicationConfig,
    regions: Readonly<Record<string, pulumi.Output<string>>>,
  ): void {
    // An optional peer, loaded only when a copy job is declared (checked in checkComponentArgs).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kubernetes = require('@pulumi/kubernetes') as typeof k8s;
    const namespace = backfill.namespace ?? 'default';
    const opts = { parent: this, provider: backfill.kubernetesProvider };
    const labels = { 'app.kubernetes.io/name': 'bucketbridge', 'app.kubernetes.io/component': 'backfill' };
    const sourceSpec = remoteSpec(backfill.sourceCredentials, backfill.sourceAssumeRole);
    const destinationSpec = remoteSpec(backfill.destinationCredentials ?? backfill.sourceCredentials, backfill.destinationAssumeRole);
    const specs = [sourceSpec, destinationSpec];
    const serviceAccount = new kubernetes.core.v1.ServiceAccount(
      `${name}-backfill`,
      {
        metadata: {
          name: backfill.serviceAccountName ?? `${name}-backfill`,
          namespace,
          labels,
          annotations: serviceAccountAnnotations(specs),
        },
        automountServiceAccountToken: needsServiceAccountToken(specs),
      },
      opts,
    );
    for (const rule of crr.rules.filter((r) => r.enabled)) {
      const destination = crr.destinations.find((d) => d.key === rule.destination);
      if (destination === undefined) throw new Error(`rule ${rule.id} names no resolved destination`);
      const side = (remote: string, bucketName: pulumi.Input<string>, region: pulumi.Output<string>, spec: S3RemoteSpec) =>
        pulumi.all([bucketName, region]).apply(([b, r]): CopyRemote => ({ name: remote, bucketName: b, prefix: rule.prefix, spec: { ...spec, region: r } }));
      const container = pulumi
        .all([
          side('src', crr.source.bucketName, regionOf(regions, crr.source.key), sourceSpec),
          side('dst', destination.bucketName, regionOf(regions, destination.key), destinationSpec),
        ])
        .apply(([src, dst]) => copyContainer(src, dst));
      new kubernetes.batch.v1.Job(
        `${name}-backfill-${rule.id}`,
        {
          metadata: { namespace, labels, annotations: { 'pulumi.com/skipAwait': 'true' } },
          spec: {
            backoffLimit: 3,
            template: {
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: needsServiceAccountToken(specs),
                containers: [{ name: 'copy', image: backfill.image, args: container.args, env: container.env }],
              },
            },
          },
        },
        { ...opts, dependsOn: [forwardConfig] },
      );
    }
  }
}

/** The engine's view of one side of a copy job, on AWS. */
function remoteSpec(credentials: CopyJobCredentials, assumeRole: AssumeRole | undefined): S3RemoteSpec {
  const normalized: RemoteCredentials = 'secretName' in credentials ? { ...credentials, kind: 'secret' } : credentials;
  return { provider: 'AWS', credentials: normalized, ...(assumeRole ? { assumeRole } : {}) };
}

function regionOf(regions: Readonly<Record<string, pulumi.Output<string>>>, key: string): pulumi.Output<string> {
  const region = regions[key];
  if (region === undefined) throw new Error(`no region known for bucket ${key}`);
  return region;
}

interface BucketResources {
  /** What the bucket's sub-resources reference: the created bucket's id, or the adopted name. */
  readonly bucketId: pulumi.Input<string>;
  readonly versioning: aws.s3.BucketVersioning | undefined;
  readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock | undefined;
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
  if (backfill !== undefined) {
    const peers = backfill.kind === 'copyJob' ? ['@pulumi/kubernetes'] : ['@aws-sdk/client-s3-control', '@aws-sdk/credential-providers'];
    const missing = missingPeers(peers);
    problems.check(missing.length === 0, 'backfill.kind', missingPeersMessage(`'${backfill.kind}'`, missing), backfill.kind);
  }
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
    validateRemotes(problems, {
      'backfill.source': remoteSpec(backfill.sourceCredentials, backfill.sourceAssumeRole),
      'backfill.destination': remoteSpec(backfill.destinationCredentials ?? backfill.sourceCredentials, backfill.destinationAssumeRole),
    });
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
